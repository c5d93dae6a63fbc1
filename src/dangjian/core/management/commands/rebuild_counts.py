from django.core.management import BaseCommand
from django.utils.translation import gettext as _

from dangjian.orgs import counts


class Command(BaseCommand):
    help = _("Recompute every organisation's roll-up counts from the register.")

    def handle(self, *args, **options):
        self.stdout.write(_("Recomputed the counts of %(count)s organisations.") % {"count": counts.rebuild()})

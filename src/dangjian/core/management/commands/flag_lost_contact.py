from django.core.management import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.members.selectors import lifecycle as selectors
from dangjian.members.services import lifecycle as services


class Command(BaseCommand):
    help = _("List members out of contact for three months (warning) and six months (lost, RULES.md 3.3), "
             "counted from their last organisational life or dues; with --apply, flag the lost ones.")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help=_("Flag the members out of contact for six months."))
        parser.add_argument("--org", default="", help=_("Code of an organisation: only its subtree."))

    def handle(self, *args, **options):
        root = None
        if options["org"]:
            try:
                root = selectors.organization_by_code(options["org"])
            except Http404:
                raise CommandError(_("--org: no organisation has the code %(code)s.") % {"code": options["org"]}) from None
        today = timezone.localdate()
        warning, lost = selectors.lost_contact_due(today=today, root=root)
        for label, queryset in ((_("warning"), warning), (_("lost"), lost)):
            for member in queryset.iterator(chunk_size=2000):
                self.stdout.write(f"{label}\t{member.home_org.code}\t{member.name}\t{member.masked_id_number}\t"
                                  f"{member.last_contact_on.isoformat()}")
        summary = _("%(warning)s at warning (3 months), %(lost)s out of contact (6 months).") % {
            "warning": warning.count(), "lost": lost.count()}
        self.stdout.write(summary)
        if options["apply"]:
            flagged = services.flag_lost_contact(actor=None, members=lost.iterator(chunk_size=2000), today=today)
            self.stdout.write(_("Flagged %(count)s members as out of contact.") % {"count": flagged})

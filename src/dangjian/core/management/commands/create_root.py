from django.core.exceptions import ValidationError
from django.core.management import BaseCommand
from django.db.models import Max
from django.utils.translation import gettext as _

from dangjian.core.management.commands._arguments import command_error
from dangjian.orgs import services
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level

ARGUMENTS = {"code": "--code", "name": "--name", "level": "--level", "kind": "--level"}


class Command(BaseCommand):
    help = _("Create the top of an organisation tree: a city or district Party committee.")

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help=_("Organisation code, e.g. C01."))
        parser.add_argument("--name", required=True, help=_("Name, e.g. 示范市委."))
        parser.add_argument("--level", required=True, choices=[Level.CITY, Level.DISTRICT], help=_("city or district."))

    def handle(self, *args, code, name, level, **options):
        # Each tree is one city's partition of the member tables; a new tree takes the next number.
        city_id = (Organization.objects.filter(depth=1).aggregate(last=Max("city_id"))["last"] or 0) + 1
        try:
            root = services.organization_create(
                actor=None, parent=None, name=name, level=level, kind=Kind.LOCAL_COMMITTEE, code=code, city_id=city_id,
            )
        except ValidationError as error:
            raise command_error(error, ARGUMENTS) from None
        self.stdout.write(_("Created %(name)s (%(code)s).") % {"name": root.name, "code": root.code})

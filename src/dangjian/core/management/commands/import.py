"""`dangjian import members FILE --org CODE [--apply] [--json]`."""  # noqa: N999 (the command is named import)

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.core.management.commands._arguments import command_error
from dangjian.members.services import imports
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = _("Check a roster (.xlsx or .csv in the national system's columns) and, with --apply, import it.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["members"], help=_("What the file holds."))
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--org", required=True, metavar="CODE", help=_("Code of the organisation imported into."))
        parser.add_argument("--apply", action="store_true", help=_("Write the roster if it has no problem."))
        parser.add_argument("--json", dest="as_json", action="store_true", help=_("Print the report as JSON."))

    def handle(self, *args, what, file, org, apply, as_json, **options):
        organization = Organization.objects.filter(code=org.strip(), dissolved_at__isnull=True).first()
        if organization is None:
            raise CommandError(_("--org: no organisation has the code %(code)s.") % {"code": org})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("FILE: %(file)s is not a file.") % {"file": file})
        action = imports.apply if apply else imports.preview
        try:
            report = action(actor=None, organization=organization, data=path.read_bytes(), filename=path.name)
        except ValidationError as error:
            raise command_error(error, {"file": "FILE"}) from None
        if as_json:
            self.stdout.write(_dumps(report))
        else:
            self._write_text(report)
        if report["errors"]:
            raise SystemExit(1)

    def _write_text(self, report: dict) -> None:
        for error in report["errors"]:
            self.stdout.write(_("Row %(row)s, %(column)s: %(message)s") % error)
        self.stdout.write(_("%(rows)s rows, %(valid)s valid: %(created)s new, %(updated)s changed, "
                            "%(unchanged)s unchanged.") % report)
        if report["errors"]:
            self.stdout.write(_("Nothing was written: correct the rows above and run again."))
        elif report["applied"]:
            self.stdout.write(_("Applied."))
        else:
            self.stdout.write(_("Checked only; add --apply to write it."))


def _dumps(report: dict) -> str:
    keys = ("rows", "valid", "created", "updated", "unchanged", "errors")
    return json.dumps({key: report[key] for key in keys}, ensure_ascii=False)

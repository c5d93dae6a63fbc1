"""`dangjian recruitment check FILE.json|--org CODE [--json]`: check recruitment files against the
rules, from a file of cases brought from elsewhere or every file kept under an organisation."""

import json
import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.core.selectors import working_days
from dangjian.orgs.models import Organization
from dangjian.recruitment import cases, rules, selectors, services


class Command(BaseCommand):
    help = _("Check recruitment files (one case or a list, as JSON) against the rules in force on each step's date.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"], help=_("What to do with the file."))
        parser.add_argument("file", metavar="FILE.json", nargs="?",
                            help=_("The cases; - reads them from standard input."))
        parser.add_argument("--org", metavar="CODE",
                            help=_("Instead of a file: every recruitment file kept under this organisation."))
        parser.add_argument("--json", dest="as_json", action="store_true", help=_("Print the findings as JSON."))

    def handle(self, *args, action, file, org, as_json, **options):
        if (file is None) == (org is None):
            raise CommandError(_("Give either FILE.json or --org CODE."))
        rule_sets = selectors.rule_sets()
        calendar = working_days()
        if file is not None:
            outcomes = [(case, rules.check(case, rule_sets, calendar)) for case in self._read(file, rule_sets)]
        else:
            outcomes = [services.file_check(kept, rule_sets, calendar) for kept in self._kept(org)]
        if as_json:
            self.stdout.write(json.dumps({"cases": [rules.report(case, outcome) for case, outcome in outcomes]},
                                         ensure_ascii=False))
        else:
            for case, outcome in outcomes:
                self._write_text(case, outcome)
        if any(outcome.violations for _case, outcome in outcomes):
            raise SystemExit(1)

    def _kept(self, code: str):
        organization = Organization.objects.filter(code=code.strip()).first()
        if organization is None:
            raise CommandError(_("--org: no organisation has the code %(code)s.") % {"code": code})
        return selectors.files_for_audit(organization)

    def _read(self, file: str, rule_sets) -> list[rules.Case]:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("FILE.json: %(file)s cannot be read: %(error)s") % {"file": file, "error": error}) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(_("FILE.json: not JSON (line %(line)s, column %(column)s: %(error)s).") % {
                "line": error.lineno, "column": error.colno, "error": error.msg}) from None
        try:
            return cases.read_cases(data, tuple(rule_set.name for rule_set in rule_sets))
        except cases.CaseFormatError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from None

    def _write_text(self, case, outcome) -> None:
        self.stdout.write(_("%(id)s: %(violations)s violations, %(warnings)s warnings") % {
            "id": case.id, "violations": len(outcome.violations), "warnings": len(outcome.warnings)})
        for label, findings in ((_("violation"), outcome.violations), (_("warning"), outcome.warnings)):
            for finding in findings:
                self.stdout.write(_("  %(kind)s, step %(step)s (%(rule)s): %(message)s [%(source)s]") % {
                    "kind": label, "step": finding.step, "rule": finding.rule, "message": finding.message,
                    "source": finding.source})

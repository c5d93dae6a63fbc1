"""`dangjian recruitment check FILE.json|--org CODE [--json]`: check recruitment files against the
rules, from a file of cases brought from elsewhere or every file kept under an organisation.
`dangjian recruitment import FILE.json --org CODE [--apply] [--json]`: bring such files into the
platform, as they were kept, so that the check audits them with the rest."""

import json
import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dangjian.core.selectors import working_days
from dangjian.orgs.models import Organization
from dangjian.recruitment import cases, rules, selectors, services


class Command(BaseCommand):
    help = _("Check recruitment files (one case or a list, as JSON) against the rules in force on each step's date, "
             "or import them into the platform.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "import"], help=_("What to do with the file."))
        parser.add_argument("file", metavar="FILE.json", nargs="?",
                            help=_("The cases; - reads them from standard input."))
        parser.add_argument("--org", metavar="CODE",
                            help=_("check: instead of a file, every recruitment file kept under this organisation; "
                                   "import: the organisation the files come into (a case's org: a branch under it)."))
        parser.add_argument("--apply", action="store_true",
                            help=_("import: write the files; without it the import is only checked."))
        parser.add_argument("--json", dest="as_json", action="store_true", help=_("Print the findings as JSON."))

    def handle(self, *args, action, file, org, as_json, apply, **options):
        if action == "import":
            return self._import(file, org, as_json=as_json, apply=apply)
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

    def _import(self, file: str | None, code: str | None, *, as_json: bool, apply: bool) -> None:
        if file is None or code is None:
            raise CommandError(_("Give FILE.json and --org CODE."))
        organization = self._organization(code)
        rule_sets = selectors.rule_sets()
        try:
            imported = cases.read_imports(self._json(file), tuple(rule_set.name for rule_set in rule_sets))
        except cases.CaseFormatError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from None
        report = services.files_import(actor=None, organization=organization, imported=imported, apply=apply)
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            for error in report["errors"]:
                self.stdout.write(_("case %(case)s, %(field)s: %(message)s") % error)
            self.stdout.write(_("%(cases)s cases: %(created)s new files, %(unchanged)s already in the platform, "
                                "%(errors)s problems.") % {**report, "errors": len(report["errors"])})
            if not apply and not report["errors"]:
                self.stdout.write(_("Nothing was written; run again with --apply to import."))
        if report["errors"]:
            raise SystemExit(1)

    def _organization(self, code: str) -> Organization:
        organization = Organization.objects.filter(code=code.strip()).first()
        if organization is None:
            raise CommandError(_("--org: no organisation has the code %(code)s.") % {"code": code})
        return organization

    def _kept(self, code: str):
        return selectors.files_for_audit(self._organization(code))

    def _read(self, file: str, rule_sets) -> list[rules.Case]:
        try:
            return cases.read_cases(self._json(file), tuple(rule_set.name for rule_set in rule_sets))
        except cases.CaseFormatError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from None

    def _json(self, file: str):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("FILE.json: %(file)s cannot be read: %(error)s") % {"file": file, "error": error}) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(_("FILE.json: not JSON (line %(line)s, column %(column)s: %(error)s).") % {
                "line": error.lineno, "column": error.colno, "error": error.msg}) from None
        return data

    def _write_text(self, case, outcome) -> None:
        self.stdout.write(_("%(id)s: %(violations)s violations, %(warnings)s warnings") % {
            "id": case.id, "violations": len(outcome.violations), "warnings": len(outcome.warnings)})
        for label, findings in ((_("violation"), outcome.violations), (_("warning"), outcome.warnings)):
            for finding in findings:
                self.stdout.write(_("  %(kind)s, step %(step)s (%(rule)s): %(message)s [%(source)s]") % {
                    "kind": label, "step": finding.step, "rule": finding.rule, "message": finding.message,
                    "source": finding.source})

"""`dangjian import members FILE --org CODE [--apply] [--json]`: the JSON report and the exit status."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dangjian.members.models import Member
from tests.members.roster_files import row, xlsx

pytestmark = pytest.mark.django_db


def run(*arguments) -> tuple[int, str]:
    out = io.StringIO()
    with translation.override("en"):
        try:
            call_command("import", *arguments, stdout=out)
        except SystemExit as exit_:
            return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def roster_file(tmp_path):
    def write(rows, name="roster.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(rows))
        return str(path)
    return write


def test_json_report_of_a_clean_roster_and_apply(tree, roster_file):
    path = roster_file([row(tree.grid_a.name), row(tree.grid_a.name, name="李四")])
    status, out = run("members", path, "--org", tree.street_a.code, "--json")
    assert status == 0
    assert json.loads(out) == {"rows": 2, "valid": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert Member.objects.count() == 0
    status, out = run("members", path, "--org", tree.street_a.code, "--apply", "--json")
    assert status == 0 and json.loads(out)["created"] == 2
    assert Member.objects.count() == 2
    status, out = run("members", path, "--org", tree.street_a.code, "--apply", "--json")
    assert json.loads(out) == {"rows": 2, "valid": 2, "created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_errors_exit_non_zero_with_spreadsheet_rows(tree, roster_file):
    path = roster_file([row(tree.grid_a.name), row("不存在的党支部", name="李四")])
    status, out = run("members", path, "--org", tree.street_a.code, "--apply", "--json")
    assert status == 1
    report = json.loads(out)
    assert report["rows"] == 2 and report["valid"] == 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "所在党支部")]
    assert Member.objects.count() == 0


def test_text_report(tree, roster_file):
    status, out = run("members", roster_file([row("不存在的党支部")]), "--org", tree.street_a.code)
    assert status == 1 and "Row 2, 所在党支部:" in out and "Nothing was written" in out


def test_bad_arguments_name_the_argument(tree, roster_file, tmp_path):
    with pytest.raises(CommandError, match="--org"):
        run("members", roster_file([]), "--org", "NOPE")
    with pytest.raises(CommandError, match="FILE"):
        run("members", str(tmp_path / "missing.xlsx"), "--org", tree.street_a.code)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="FILE"):
        run("members", str(bad), "--org", tree.street_a.code)

"""`dangjian recruitment check`: the case format read strictly, the findings as text and as JSON,
and the exit status."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from dangjian.recruitment import cases

pytestmark = pytest.mark.django_db

ISSUE_EXAMPLE = {"id": "case-1", "rules": "auto", "birth_date": "2001-04-02", "steps": {
    "1": {"date": "2020-03-01"},
    "2": {"date": "2020-03-15"},
    "3": {"date": "2020-09-01"},
    "5": {"date": "2020-09-05", "mentors": 2},
    "9": {"date": "2021-09-12", "sponsors": 2},
    "11": {"date": "2021-10-01", "days": 3, "hours": 24},
    "15": {"date": "2021-12-01", "eligible": 30, "present": 25, "yes": 24},
    "23": {"date": "2022-12-05", "eligible": 30, "present": 22, "yes": 21, "outcome": "confirm"}}}


def run_command(action: str, tmp_path, data, *options) -> tuple[int, str]:
    """`dangjian recruitment ACTION FILE.json OPTIONS` over ``data``: its exit status and output."""
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("recruitment", action, str(path), *options, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def check(tmp_path, data, *options) -> tuple[int, str]:
    return run_command("check", tmp_path, data, *options)


def test_the_issues_example_reports_the_steps_recorded_out_of_order(tmp_path):
    status, output = check(tmp_path, ISSUE_EXAMPLE, "--json")
    assert status == 1
    (case,) = json.loads(output)["cases"]
    assert case["id"] == "case-1" and case["warnings"] == []
    assert [(violation["step"], violation["rule"]) for violation in case["violations"]] == [
        (9, "order"), (11, "order"), (15, "order"), (23, "order")]
    assert set(case["violations"][0]) == {"step", "rule", "message"}
    assert "step 7 (Candidate designated)" in case["violations"][0]["message"]


def test_a_clean_list_of_cases_exits_zero_and_reads_as_text(tmp_path):
    clean = {"id": "a", "birth_date": "1990-01-01", "steps": {
        "1": {"date": "2019-01-10"}, "2": {"date": "2019-02-10"}}}
    late = {"id": "b", "rules": "2014", "steps": {"1": {"date": "2019-01-10"}, "2": [{"date": "2019-02-11"}]}}
    status, output = check(tmp_path, [clean], "--json")
    assert status == 0 and json.loads(output) == {"cases": [{"id": "a", "violations": [], "warnings": []}]}
    status, output = check(tmp_path, [clean, late])
    assert status == 1
    assert "a: 0 violations, 0 warnings" in output and "b: 1 violations, 1 warnings" in output
    assert "violation, step 2 (talk_within_one_month): Step 2 (Talk with the applicant) on 2019-02-11" in output
    assert "[细则 第七条]" in output


@pytest.mark.parametrize("data, problem", [
    ([{"id": "x", "steps": {"1": {"date": "2020-13-01"}}}], "case “x”, steps.1.date: “2020-13-01” is not a date"),
    ([{"id": "x", "steps": {"1": {}}}], "case “x”, steps.1: the date is missing."),
    ([{"id": "x", "steps": {"15": {"date": "2020-01-01", "yes": -1}}}], "steps.15.yes: a whole number"),
    ([{"id": "x", "steps": {"15": {"date": "2020-01-01", "yess": 3}}}], "steps.15.yess: not a fact the check knows"),
    ([{"id": "x", "steps": {"23": {"date": "2020-01-01", "outcome": "pass"}}}], "“pass” is not an outcome"),
    ([{"id": "x", "rules": "2019", "steps": {}}], "case “x”, rules: “2019” is not a rule set; write auto, 2014, 2026."),
    ([{"id": "x", "steps": []}], "case “x”, steps: an object mapping step numbers"),
    ([{"id": "x", "steps": {}, "name": "张三"}], "case “x”, name: not a field of a case"),
    ([{"id": "x", "steps": {"6": []}}], "steps.6: an empty list"),
    ([{"id": "x", "steps": {}}, {"id": "x", "steps": {}}], "case “x”, id: the id “x” is also case 1's."),
    (["x"], "case 1: a case is an object"),
    ([{"steps": {"1": {"date": "2020/01/01"}}}], "case 1, steps.1.date"),
])
def test_every_problem_in_the_file_is_named_and_nothing_is_checked(tmp_path, data, problem):
    with pytest.raises(CommandError) as raised:
        check(tmp_path, data)
    assert problem in str(raised.value)
    assert raised.value.returncode == 2


def test_all_problems_are_reported_at_once():
    with pytest.raises(cases.CaseFormatError) as raised:
        cases.read_cases([{"id": "a", "birth_date": "1.1.1990", "steps": {"1": {"date": "x"}}},
                          {"id": "b", "steps": {"2": {"date": "2020-01-01", "mentors": "two"}}}], ("2014", "2026"))
    assert len(raised.value.problems) == 3


def test_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text("{\"id\": ", encoding="utf-8")
    with pytest.raises(CommandError, match=r"FILE.json: not JSON \(line 1, column 8"):
        call_command("recruitment", "check", str(path))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("recruitment", "check", str(tmp_path / "missing.json"))


def test_the_command_line_reads_standard_input_and_speaks_chinese(tmp_path):
    environment = {**os.environ, "DANGJIAN_MODE": "development", "DANGJIAN_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "dangjian", "migrate", "-v0"], env=environment, check=True, timeout=300)
    completed = subprocess.run(
        [sys.executable, "-m", "dangjian", "recruitment", "check", "-", "--json"],
        input=json.dumps(ISSUE_EXAMPLE), capture_output=True, text=True, timeout=120, env=environment)
    assert completed.returncode == 1, completed.stderr
    messages = [violation["message"] for violation in json.loads(completed.stdout)["cases"][0]["violations"]]
    assert messages[0].startswith("第9步（确定入党介绍人）")

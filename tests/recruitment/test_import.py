"""`dangjian recruitment import`: old files brought into the platform as they were kept, so that
`check --org` audits them with the files recorded here. Checked before anything is written, all
or nothing, and a second run of the same file changes nothing."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from dangjian.core.models import AuditEvent
from dangjian.members.models import Category
from dangjian.recruitment.models import RecruitmentFile, Stage, StepRecord
from tests import factories
from tests.recruitment.test_check_command import run_command
from tests.recruitment.test_rules import clean_steps

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1990, 1, 1)


def case_json(steps: dict, **fields) -> dict:
    """A case in the command's format from steps as the rule tests write them."""
    return {"id": fields.pop("id", "c1"), "rules": "auto", "steps": {
        number: [{"date": date, **facts} for date, facts in entries] for number, entries in steps.items()}} | fields


def run(tmp_path, data, *options) -> tuple[int, str]:
    return run_command("import", tmp_path, data, *options)


def until(number: str) -> dict:
    return {key: entries for key, entries in clean_steps().items() if int(key) <= int(number)}


def test_preview_then_apply_then_again(tree, tmp_path):
    full = factories.id_number(BIRTH)
    member = factories.make_member(tree.grid_a, name="王全程", id_number=full, category=Category.FULL)
    late_talk = until("3") | {"2": [("2019-03-01", {})], "3": [("2019-04-01", {"decided_by": "branch_committee"})]}
    data = [
        case_json(clean_steps(), id="full", name="王全程", id_number=full, birth_date="1990-01-01"),
        case_json(late_talk, id="late", name="李迟到", id_number=factories.id_number(dt.date(1992, 5, 5)),
                  org=tree.grid_a.code, phone="13912345678"),
        case_json(until("17"), id="probation", name="赵预备", id_number=factories.id_number(dt.date(1993, 6, 6))),
    ]
    status, output = run(tmp_path, data, "--org", tree.community_a.code, "--json")
    assert (status, json.loads(output)) == (0, {"cases": 3, "created": 3, "unchanged": 0, "errors": []})
    assert not RecruitmentFile.objects.exists()

    status, output = run(tmp_path, data, "--org", tree.community_a.code, "--apply")
    assert status == 0 and "3 cases: 3 new files, 0 already in the platform, 0 problems." in output
    files = {file.name: file for file in RecruitmentFile.objects.all()}
    assert files["王全程"].stage == Stage.FULL and files["王全程"].member == member
    assert files["王全程"].organization == tree.community_a and files["王全程"].next_due_on is None
    assert files["李迟到"].organization == tree.grid_a and files["李迟到"].stage == Stage.ACTIVIST
    assert files["李迟到"].phone == "13912345678" and files["李迟到"].next_due_step == "6"
    assert files["赵预备"].stage == Stage.PROBATIONARY and files["赵预备"].member is None
    assert StepRecord.objects.filter(file=files["王全程"]).count() == 26
    assert StepRecord.objects.get(file=files["王全程"], step="7").facts["notice_end"] == "2020-03-09"
    assert AuditEvent.objects.filter(changes__has_key="recruitment_import").count() == 1

    # The audit reads the files brought in like the others.
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("recruitment", "check", "--org", tree.community_a.code, "--json", stdout=out)
    assert exit_.value.code == 1
    found = {case["id"].split(" ", 1)[1]: case["violations"] for case in json.loads(out.getvalue())["cases"]}
    assert found["王全程"] == [] and found["赵预备"] == []
    assert [violation["rule"] for violation in found["李迟到"]] == ["talk_within_one_month"]

    status, output = run(tmp_path, data, "--org", tree.community_a.code, "--apply", "--json")
    assert (status, json.loads(output)["unchanged"], json.loads(output)["created"]) == (0, 3, 0)
    assert RecruitmentFile.objects.count() == 3 and StepRecord.objects.count() == 26 + 3 + 18


def test_a_cancelled_probation_comes_in_ended(tree, tmp_path):
    steps = clean_steps()
    steps["23"] = [("2021-06-05", {"eligible": 30, "present": 20, "yes": 18, "outcome": "cancel"})]
    del steps["25"]
    status, _output = run(tmp_path, case_json(steps, name="钱取消", id_number=factories.id_number(BIRTH)),
                          "--org", tree.grid_a.code, "--apply")
    file = RecruitmentFile.objects.get()
    assert status == 0 and file.stage == Stage.ENDED and file.ended_on == dt.date(2021, 7, 1) and file.end_reason


def test_every_problem_is_named_and_nothing_is_written(tree, tmp_path):
    kept = factories.make_recruitment_file(tree.grid_a, name="已在册")
    twice = factories.id_number(dt.date(1991, 2, 2))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    data = [
        case_json(until("2"), id="fine", name="没问题", id_number=factories.id_number(dt.date(1994, 1, 1))),
        case_json(until("2"), id="bad-id", name="错号码", id_number="440104199001010000"),
        case_json(until("2"), id="elsewhere", name="别处", id_number=twice, org=tree.grid_b.code),
        case_json(until("2"), id="twice", name="重复", id_number=twice),
        case_json(until("2"), id="birth", name="生日", id_number=factories.id_number(BIRTH), birth_date="1990-01-02"),
        case_json({"1": [(tomorrow, {})]}, id="future", name="未来", id_number=factories.id_number(dt.date(1995, 1, 1))),
        case_json(until("2"), id="kept", name="已在册", id_number=kept.id_number),
        case_json(until("2"), id="phone", name="电话", id_number=factories.id_number(dt.date(1996, 1, 1)), phone="12"),
    ]
    status, output = run(tmp_path, data, "--org", tree.community_a.code, "--apply", "--json")
    report = json.loads(output)
    assert status == 1 and report["created"] == 0
    assert sorted((error["case"], error["field"]) for error in report["errors"]) == [
        ("bad-id", "id_number"), ("birth", "birth_date"), ("elsewhere", "org"), ("future", "steps"),
        ("kept", "id_number"), ("phone", "phone"), ("twice", "id_number")]
    assert RecruitmentFile.objects.count() == 1 and StepRecord.objects.count() == 1


def test_a_case_without_the_person_is_a_format_error(tree, tmp_path):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, case_json(until("2")), "--org", tree.grid_a.code)
    assert raised.value.returncode == 2
    assert "name: a text; it is required." in str(raised.value) and "id_number" in str(raised.value)


def test_import_needs_the_organisation(tree, tmp_path):
    with pytest.raises(CommandError, match="--org CODE"):
        run(tmp_path, case_json(until("2"), name="甲", id_number=factories.id_number(BIRTH)))
    with pytest.raises(CommandError, match="no organisation has the code"):
        run(tmp_path, case_json(until("2"), name="甲", id_number=factories.id_number(BIRTH)), "--org", "NOPE")

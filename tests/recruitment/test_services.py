"""Recruitment files in the platform: a person from application to full member, each step checked
when recorded, exceptions by an upper-committee admin, the register updated at approval and
conversion. Runs on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.roles import Role
from dangjian.core.calendar import add_months
from dangjian.core.models import AuditEvent
from dangjian.members.models import Category, LeavingReason, Member
from dangjian.recruitment import selectors, services
from dangjian.recruitment.models import RecruitmentFile, Stage, StepRecord
from tests import factories
from tests.recruitment.test_rules import clean_steps, shifted

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1990, 1, 1)
day = dt.date.fromisoformat


def recent_steps():
    """The clean file of the rule tests, moved to end a month ago: the register refuses a member
    still probationary two years after joining, so the file's dates follow the calendar."""
    return shifted(clean_steps(), "1", (dt.date.today() - dt.timedelta(days=950)).isoformat())


def on(number: str, steps=None) -> dt.date:
    return day((steps or recent_steps())[number][0][0])


@pytest.fixture
def clerk(tree, make_user):
    """The clerk of the community's primary committee, which develops members for its branches
    and records the steps that belong to it as well."""
    return make_user(Role.CLERK, tree.community_a)


def open_file(tree, actor, **fields) -> RecruitmentFile:
    arguments = {"name": "王小明", "id_number": factories.id_number(BIRTH), "applied_on": on("1"),
                 "phone": "13912345678"} | fields
    return services.file_open(actor=actor, organization=tree.grid_a, **arguments)


def record_until(actor, file, last: str, steps=None) -> None:
    """Record the clean file's steps after the application, up to and including ``last``."""
    for number, entries in (steps or recent_steps()).items():
        if number == "1":
            continue
        for date, facts in entries:
            services.step_record(actor=actor, file=file, step=number, on=day(date), facts=facts)
        if number == last:
            return


def test_a_person_from_application_to_full_member(tree, clerk):
    file = open_file(tree, clerk)
    assert file.stage == Stage.APPLICANT and file.sex == "M" and file.birth_date == BIRTH
    assert file.phone == "13912345678" and list(file.records.values_list("step", flat=True)) == ["1"]

    record_until(clerk, file, "3")
    file.refresh_from_db()
    assert file.stage == Stage.ACTIVIST
    record_until(clerk, file, "7", {number: entries for number, entries in recent_steps().items() if 4 <= int(number) <= 7})
    file.refresh_from_db()
    assert file.stage == Stage.CANDIDATE and file.member is None

    record_until(clerk, file, "17", {number: entries for number, entries in recent_steps().items() if 8 <= int(number) <= 17})
    file.refresh_from_db()
    member = file.member
    assert file.stage == Stage.PROBATIONARY
    assert member.category == Category.PROBATIONARY and member.joined_on == on("15")
    assert member.home_org == tree.grid_a and member.id_number == file.id_number and member.name == "王小明"

    record_until(clerk, file, "25", {number: entries for number, entries in recent_steps().items() if int(number) >= 18})
    file.refresh_from_db()
    member.refresh_from_db()
    assert file.stage == Stage.FULL
    assert member.category == Category.FULL and member.full_member_on == add_months(on("15"), 12)
    assert StepRecord.objects.filter(file=file).count() == 26 and not StepRecord.objects.exclude(excepted_rules=[]).exists()
    assert AuditEvent.objects.filter(object_type="recruitment.recruitmentfile").count() == 1 + 26


def test_a_step_that_breaks_a_rule_is_refused_and_names_it(tree, clerk):
    file = open_file(tree, clerk)
    audit_lines = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.step_record(actor=clerk, file=file, step="2", on=add_months(on("1"), 1) + dt.timedelta(days=1))
    (message,) = raised.value.message_dict["step"]
    assert (f"more than 1 month after step 1 (Written application) on {on('1')} (due by {add_months(on('1'), 1)})"
            in message)
    assert message.endswith("[细则 第七条]")
    assert file.records.count() == 1 and AuditEvent.objects.count() == audit_lines


def test_an_upper_committee_admin_may_record_a_justified_exception(tree, clerk, street_admin):
    file = open_file(tree, clerk)
    with pytest.raises(PermissionDenied):
        services.step_record(actor=clerk, file=file, step="2", on=add_months(on("1"), 2), exception_reason="病假")
    record = services.step_record(actor=street_admin, file=file, step="2", on=add_months(on("1"), 2),
                                  exception_reason="申请人住院，谈话推迟")
    assert record.excepted_rules == ["talk_within_one_month"] and record.exception_reason == "申请人住院，谈话推迟"
    event = AuditEvent.objects.filter(object_type="recruitment.recruitmentfile").latest("id")
    assert event.changes["recruitment_step"]["excepted_rules"] == ["talk_within_one_month"]
    # What was excepted once does not stop the next step.
    services.step_record(actor=clerk, file=file, step="3", on=add_months(on("1"), 3))


def test_a_file_outside_the_actors_scope(tree, make_user, clerk):
    file = open_file(tree, clerk)
    outsider = make_user(Role.CLERK, tree.grid_b)
    with pytest.raises(PermissionDenied):
        services.step_record(actor=outsider, file=file, step="2", on=on("2"))
    with pytest.raises(PermissionDenied):
        services.file_open(actor=outsider, organization=tree.grid_a, name="李四", id_number=factories.id_number(BIRTH),
                           applied_on=on("1"))


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "A name of 1 to 50 characters."),
    ({"id_number": "440104199001010000"}, "id_number", "check"),
    ({"phone": "12"}, "phone", ""),
    ({"rules_name": "2019"}, "rules_name", "Choose auto or one of the rule sets: 2014, 2026."),
    ({"applied_on": dt.date(2007, 12, 31)}, "step", "was not yet 18"),
    ({"applied_on": dt.date.today() + dt.timedelta(days=1)}, "on", "in the future"),
])
def test_opening_a_file_with_bad_input_changes_nothing(tree, clerk, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        open_file(tree, clerk, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not RecruitmentFile.objects.exists() and not AuditEvent.objects.filter(
        object_type="recruitment.recruitmentfile").exists()


def test_one_open_file_per_person_and_none_for_a_member(tree, clerk):
    number = factories.id_number(BIRTH)
    open_file(tree, clerk, id_number=number)
    with pytest.raises(ValidationError, match="already has an open recruitment file"):
        open_file(tree, clerk, id_number=number)
    member = factories.make_member(tree.grid_a)
    with pytest.raises(ValidationError, match="already a member"):
        open_file(tree, clerk, id_number=member.id_number)


@pytest.mark.parametrize("step, when, facts, field, message", [
    ("2", dt.date.today() + dt.timedelta(days=1), {}, "on", "in the future"),
    ("99", None, {}, "step", "not a step"),
    ("2", None, {"mentors": "two"}, "facts", "mentors: a whole number"),
    ("2", None, {"colour": 1}, "facts", "colour: not a fact"),
])
def test_a_bad_step_is_named_and_changes_nothing(tree, clerk, step, when, facts, field, message):
    file = open_file(tree, clerk)
    with pytest.raises(ValidationError) as raised:
        services.step_record(actor=clerk, file=file, step=step, on=when or on("2"), facts=facts)
    assert message in " ".join(raised.value.message_dict[field])
    assert file.records.count() == 1


def test_a_cancelled_probation_ends_the_file_and_the_membership(tree, clerk):
    steps = recent_steps()
    steps["23"][0][1]["outcome"] = "cancel"
    file = open_file(tree, clerk)
    record_until(clerk, file, "24", steps)
    file.refresh_from_db()
    member = Member.objects.get(pk=file.member_id)
    assert file.stage == Stage.ENDED and file.ended_on == on("24")
    assert member.left_on == on("24") and member.left_reason == LeavingReason.PROBATION_CANCELLED
    with pytest.raises(ValidationError, match="closed"):
        services.step_record(actor=clerk, file=file, step="25", on=on("25"))


def test_a_file_ends_before_probation_and_a_new_one_may_open(tree, clerk):
    number = factories.id_number(BIRTH)
    file = open_file(tree, clerk, id_number=number)
    with pytest.raises(ValidationError) as raised:
        services.file_end(actor=clerk, file=file, on=on("2"), reason="")
    assert "reason" in raised.value.message_dict
    services.file_end(actor=clerk, file=file, on=on("2"), reason="本人撤回申请")
    file.refresh_from_db()
    assert file.stage == Stage.ENDED and file.end_reason == "本人撤回申请"
    assert open_file(tree, clerk, id_number=number, applied_on=on("3")).stage == Stage.APPLICANT


# --- what is due, and the funnel ------------------------------------------------------------------

def test_overdue_and_due_soon_lists_and_the_funnel_within_the_scope(tree, clerk, make_user):
    today = dt.date.today()
    late = open_file(tree, clerk, name="甲", applied_on=today - dt.timedelta(days=40))
    soon = open_file(tree, clerk, name="乙", applied_on=today - dt.timedelta(days=10))
    talked = open_file(tree, clerk, name="丙", applied_on=today - dt.timedelta(days=20))
    services.step_record(actor=clerk, file=talked, step="2", on=today - dt.timedelta(days=5))
    elsewhere = services.file_open(actor=make_user(Role.CLERK, tree.grid_b), organization=tree.grid_b, name="丁",
                                   id_number=factories.id_number(BIRTH), applied_on=today - dt.timedelta(days=40))
    late.refresh_from_db()
    assert (late.next_due_step, late.next_due_on) == ("2", add_months(today - dt.timedelta(days=40), 1))
    talked.refresh_from_db()
    assert talked.next_due_on is None

    viewer = make_user(Role.VIEWER, tree.street_a)
    lists = selectors.due(viewer, tree.district, today=today)
    assert list(lists["overdue"]) == [late] and list(lists["due_soon"]) == [soon]
    assert list(selectors.due(viewer, tree.district, today=today, within_days=3)["due_soon"]) == []
    district_admin = make_user(Role.ORG_ADMIN, tree.district)
    assert set(selectors.due(district_admin, tree.district, today=today)["overdue"]) == {late, elsewhere}
    assert list(selectors.due(district_admin, tree.street_b, today=today)["overdue"]) == [elsewhere]

    services.file_end(actor=clerk, file=soon, on=today, reason="本人撤回申请")
    assert selectors.funnel(viewer, tree.district) == {
        "applicant": 2, "activist": 0, "candidate": 0, "probationary": 0, "full": 0, "ended": 1}
    assert selectors.funnel(district_admin, tree.district)["applicant"] == 3
    assert sum(selectors.funnel(make_user(Role.VIEWER, tree.street_b), tree.street_a).values()) == 0


# --- checking the files kept under an organisation ------------------------------------------------

def test_the_check_runs_over_every_file_kept_under_an_organisation(tree, clerk, street_admin, make_user):
    import io
    import json

    from django.core.management import CommandError, call_command

    clean = open_file(tree, clerk, name="甲")
    excepted = open_file(tree, clerk, name="乙")
    services.step_record(actor=street_admin, file=excepted, step="2", on=add_months(on("1"), 2), exception_reason="住院")
    # A file whose record broke a rule when it was kept (brought in from elsewhere, say).
    broken = open_file(tree, clerk, name="丙")
    StepRecord.objects.create(file=broken, step="3", on=on("3"))
    services.file_open(actor=make_user(Role.CLERK, tree.grid_b), organization=tree.grid_b, name="丁",
                       id_number=factories.id_number(BIRTH), applied_on=on("1"))

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("recruitment", "check", "--org", tree.street_a.code, "--json", stdout=out)
    assert exit_.value.code == 1
    found = {case["id"]: case for case in json.loads(out.getvalue())["cases"]}
    assert set(found) == {f"{clean.pk} 甲", f"{excepted.pk} 乙", f"{broken.pk} 丙"}
    assert found[f"{clean.pk} 甲"] == {"id": f"{clean.pk} 甲", "violations": [], "warnings": []}
    (warning,) = found[f"{excepted.pk} 乙"]["warnings"]
    assert warning["rule"] == "talk_within_one_month" and "Excepted: 住院" in warning["message"]
    assert [(v["step"], v["rule"]) for v in found[f"{broken.pk} 丙"]["violations"]] == [(3, "order")]

    for arguments, message in ((("--org", "nowhere"), "no organisation has the code nowhere"),
                               ((), "Give either FILE.json or --org CODE."),
                               (("cases.json", "--org", tree.street_a.code), "Give either FILE.json or --org CODE.")):
        with pytest.raises(CommandError, match=message):
            call_command("recruitment", "check", *arguments)


def test_the_steps_of_the_committee_above_are_not_the_branchs_to_record(tree, clerk, make_user):
    branch_clerk = make_user(Role.CLERK, tree.grid_a)
    file = open_file(tree, branch_clerk)
    record_until(branch_clerk, file, "12")
    with pytest.raises(ValidationError) as raised:
        services.step_record(actor=branch_clerk, file=file, step="13", on=on("13"))
    (message,) = raised.value.message_dict["step"]
    assert message == ("Step 13 (Pre-review by the upper committee) is for the committee above 东风社区第一网格党支部: "
                       "someone assigned there records it.")
    assert file.records.count() == 13
    services.step_record(actor=clerk, file=file, step="13", on=on("13"))
    services.step_record(actor=branch_clerk, file=file, step="14", on=on("14"))

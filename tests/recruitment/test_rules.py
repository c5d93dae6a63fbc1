"""Every recruitment rule on both sides of each boundary, under both rule sets (RULES.md 1.2).

Each test starts from a file that breaks no rule (``clean``), changes one date or fact, and
asks which rules fire at which step."""

import dataclasses
import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.calendar import WorkingDays
from dangjian.recruitment import standard
from dangjian.recruitment.rules import (
    Case,
    Occurrence,
    Rule,
    Step,
    check,
    deadlines,
    facts_asked,
    full_member_on,
    governing_set,
    majority,
    next_steps,
    rule_set_on,
)

REVISION = dt.date(2026, 5, 1)
SETS = standard.rule_sets(REVISION)
BY_NAME = {rule_set.name: rule_set for rule_set in SETS}
CALENDAR = WorkingDays()
day = dt.date.fromisoformat


def clean_steps() -> dict[str, list[tuple[str, dict]]]:
    """A file from application to archive that keeps every rule of both sets, with room on
    each side of every limit."""
    vote = {"eligible": 30, "present": 20, "yes": 18}
    return {
        "1": [("2019-01-10", {})],
        "2": [("2019-01-20", {})],
        "3": [("2019-03-01", {"decided_by": "branch_committee"})],
        "4": [("2019-03-10", {})],
        "5": [("2019-03-10", {"mentors": 2})],
        "6": [("2019-08-30", {}), ("2020-02-25", {})],
        # A notice from Tue 3 to Mon 9 March 2020: five working days.
        "7": [("2020-03-02", {"decided_by": "branch_committee", "notice_start": "2020-03-03",
                              "notice_end": "2020-03-09"})],
        "8": [("2020-03-10", {})],
        "9": [("2020-03-12", {"sponsors": 2})],
        "10": [("2020-04-01", {"passed": True})],
        "11": [("2020-04-10", {"days": 3, "hours": 24})],
        "12": [("2020-05-06", {})],
        "13": [("2020-05-15", {})],
        "14": [("2020-05-20", {})],
        "15": [("2020-06-01", vote)],
        "16": [("2020-06-10", {})],
        "17": [("2020-07-01", {})],
        "18": [("2020-07-10", {})],
        "19": [("2020-07-10", {})],
        "20": [("2020-07-15", {})],
        "21": [("2020-12-20", {})],
        "22": [("2021-05-20", {})],
        "23": [("2021-06-05", {**vote, "outcome": "confirm"})],
        "24": [("2021-07-01", {})],
        "25": [("2021-07-20", {})],
    }


def case_of(steps, *, rules, birth="1990-01-01") -> Case:
    def facts(raw: dict) -> dict:
        return {name: day(value) if name in ("notice_start", "notice_end", "leaving_on") else value
                for name, value in raw.items()}

    return Case("t", {number: tuple(sorted((Occurrence(day(date), facts(raw)) for date, raw in entries),
                                           key=lambda occurrence: occurrence.date))
                      for number, entries in steps.items()},
                birth_date=day(birth) if birth else None, rules=rules)


def findings(steps, rules, birth="1990-01-01", rule_sets=SETS):
    outcome = check(case_of(steps, rules=rules, birth=birth), rule_sets, CALENDAR)
    return ({(finding.step, finding.rule) for finding in outcome.violations},
            {(finding.step, finding.rule) for finding in outcome.warnings})


def changed(number: str, date: str | None = None, index: int = 0, **facts):
    steps = clean_steps()
    old_date, old_facts = steps[number][index]
    steps[number][index] = (date or old_date, {**old_facts, **facts})
    return steps


def shifted(steps, number: str, date: str):
    """``steps`` with step ``number`` moved to ``date`` and every later step (and the dates in
    their facts) by as many days."""
    offset = day(date) - day(steps[number][0][0])

    def move(value):
        return (day(value) + offset).isoformat() if isinstance(value, str) and value[:2] == "20" else value

    return {key: [(move(when), {name: move(value) for name, value in facts.items()}) for when, facts in entries]
            if int(key) >= int(number) else entries for key, entries in steps.items()}


both = pytest.mark.parametrize("rules", ["2014", "2026"])


@both
def test_a_clean_file_breaks_nothing(rules):
    assert findings(clean_steps(), rules) == (set(), set())


def test_the_clean_file_needs_its_notice_only_under_2026():
    steps = changed("7")
    del steps["7"][0][1]["notice_start"], steps["7"][0][1]["notice_end"]
    assert findings(steps, "2014") == (set(), set())
    assert findings(steps, "2026")[0] == {("7", "public_notice_five_working_days")}


# --- order ----------------------------------------------------------------------------------------

@both
def test_a_step_whose_predecessor_is_missing_is_the_one_at_fault(rules):
    steps = clean_steps()
    del steps["14"]
    assert findings(steps, rules)[0] == {("15", "order")}


@both
def test_a_step_dated_before_its_predecessor(rules):
    # The branch committee reviewed before the political review concluded.
    assert ("12", "order") in findings(changed("10", "2020-05-07"), rules)[0]
    assert ("12", "order") not in findings(changed("10", "2020-05-06"), rules)[0]


@both
def test_a_step_that_happens_once_recorded_twice(rules):
    steps = clean_steps()
    steps["17"].append(("2020-07-02", {}))
    assert ("17", "order") in findings(steps, rules)[0]
    steps = clean_steps()
    steps["6"].append(("2019-12-01", {}))
    assert findings(steps, rules) == (set(), set())


def test_a_step_no_set_knows():
    steps = clean_steps()
    steps["26"] = [("2021-08-01", {})]
    assert findings(steps, "2014")[0] == {("26", "order")}


# --- age, talk, activist --------------------------------------------------------------------------

@both
def test_the_applicant_is_18_on_the_day_of_application(rules):
    assert findings(clean_steps(), rules, birth="2001-01-10")[0] == set()
    assert findings(clean_steps(), rules, birth="2001-01-11")[0] == {("1", "minimum_age")}
    assert findings(clean_steps(), rules, birth=None)[1] == {("1", "minimum_age")}


@both
@pytest.mark.parametrize("talk, late", [("2019-02-10", False), ("2019-02-11", True)])
def test_the_talk_is_within_a_month_of_the_application(rules, talk, late):
    assert (("2", "talk_within_one_month") in findings(changed("2", talk), rules)[0]) is late


def test_a_month_after_the_31st_ends_on_the_months_last_day():
    steps = changed("1", "2019-01-31")
    steps["2"] = [("2019-02-28", {})]
    assert findings(steps, "2014")[0] == set()
    steps["2"] = [("2019-03-01", {})]
    assert findings(steps, "2014")[0] == {("2", "talk_within_one_month")}


@both
def test_activists_and_candidates_are_decided_by_the_branch_committee(rules):
    assert findings(changed("3", decided_by="general_meeting"), rules)[0] == set()
    assert findings(changed("3", decided_by="secretary"), rules)[0] == {("3", "activist_decided_by_committee")}
    assert findings(changed("7", decided_by="secretary"), rules)[0] == {("7", "candidate_decided_by_committee")}


@both
@pytest.mark.parametrize("mentors, fault", [(0, True), (1, False), (2, False), (3, True)])
def test_one_or_two_mentors(rules, mentors, fault):
    assert (("5", "mentors") in findings(changed("5", mentors=mentors), rules)[0]) is fault


@both
def test_mentors_are_full_members_and_counted(rules):
    assert findings(changed("5", mentors_not_full_members=1), rules)[0] == {("5", "mentors")}
    steps = clean_steps()
    steps["5"] = [("2019-03-10", {})]
    assert findings(steps, rules) == (set(), {("5", "mentors")})


# --- assessment and the year as activist ----------------------------------------------------------

@both
def test_the_branch_assesses_every_six_months(rules):
    # From the decision on 1 March 2019 the first assessment is due by 1 September.
    assert findings(changed("6", "2019-09-01"), rules)[0] == set()
    assert findings(changed("6", "2019-09-02"), rules)[0] == {("6", "assessment_every_six_months")}
    # The last assessment on 25 February 2020; the candidate designated after 25 August is late.
    assert findings(shifted(clean_steps(), "7", "2020-08-25"), rules)[0] == set()
    assert findings(shifted(clean_steps(), "7", "2020-08-26"), rules)[0] == {("7", "assessment_every_six_months")}


@both
@pytest.mark.parametrize("designated, early", [("2020-03-01", False), ("2020-02-29", True)])
def test_a_year_as_activist_before_becoming_a_candidate(rules, designated, early):
    steps = shifted(clean_steps(), "7", designated)
    steps["6"] = [("2019-08-30", {}), ("2020-02-20", {})]
    assert (("7", "one_year_as_activist") in findings(steps, rules)[0]) is early


# --- the notice (2026) ----------------------------------------------------------------------------

@pytest.mark.parametrize("end, short", [("2020-03-09", False), ("2020-03-06", True)])
def test_the_notice_lasts_five_working_days(end, short):
    violations = findings(changed("7", notice_end=end), "2026")[0]
    assert (("7", "public_notice_five_working_days") in violations) is short


def test_holidays_do_not_count_toward_the_notice():
    # Mon 28 Sep to Fri 9 Oct 2026: five working days around the National Day holiday.
    steps = changed("7", notice_start="2020-09-28", notice_end="2020-10-09")
    assert ("7", "public_notice_five_working_days") in findings(steps, "2026")[0]
    steps = changed("7", notice_start="2026-09-28", notice_end="2026-10-09")
    steps["9"] = [("2026-10-12", {"sponsors": 2})]
    assert ("7", "public_notice_five_working_days") not in findings(steps, "2026")[0]


def test_the_notice_may_be_recorded_with_the_filing():
    steps = clean_steps()
    facts = steps["7"][0][1]
    steps["8"][0] = ("2020-03-10", {"notice_start": facts.pop("notice_start"), "notice_end": facts.pop("notice_end")})
    assert findings(steps, "2026") == (set(), set())


def test_sponsors_are_named_after_the_notice_ends():
    assert findings(changed("9", "2020-03-09"), "2026")[0] == {("9", "public_notice_five_working_days")}
    assert findings(changed("9", "2020-03-10"), "2026")[0] == set()


def test_a_notice_in_a_year_not_yet_in_the_calendar_is_a_warning():
    steps = changed("7", notice_start="2027-03-01", notice_end="2027-03-05")
    assert ("7", "public_notice_five_working_days") in findings(steps, "2026")[1]


# --- sponsors, review, training -------------------------------------------------------------------

@both
@pytest.mark.parametrize("sponsors, fault", [(1, True), (2, False), (3, True)])
def test_exactly_two_sponsors(rules, sponsors, fault):
    assert (("9", "sponsors") in findings(changed("9", sponsors=sponsors), rules)[0]) is fault


@both
def test_sponsors_under_discipline_or_not_full_members(rules):
    assert findings(changed("9", sponsors_under_discipline=1), rules)[0] == {("9", "sponsors")}
    assert findings(changed("9", sponsors_not_full_members=1), rules)[0] == {("9", "sponsors")}


@both
def test_a_failed_political_review_stops_the_file(rules):
    assert findings(changed("10", passed=False), rules)[0] == {("12", "political_review_passed")}


@both
@pytest.mark.parametrize("days, hours, short", [(3, 0, False), (2, 24, False), (2, 23, True), (0, 0, True)])
def test_training_of_three_days_or_24_hours(rules, days, hours, short):
    assert (("11", "training_length") in findings(changed("11", days=days, hours=hours), rules)[0]) is short


@both
def test_training_without_its_length_is_a_warning(rules):
    steps = clean_steps()
    steps["11"] = [("2020-04-10", {})]
    assert findings(steps, rules) == (set(), {("11", "training_length")})


@both
@pytest.mark.parametrize("leaving, warned", [("2020-09-01", True), ("2020-09-02", False)])
def test_a_candidate_leaving_within_three_months(rules, leaving, warned):
    assert (("15", "leaving_within_three_months") in findings(changed("15", leaving_on=leaving), rules)[1]) is warned


# --- votes ----------------------------------------------------------------------------------------

@both
@pytest.mark.parametrize("step", ["15", "23"])
@pytest.mark.parametrize("present, yes, written, fault", [
    (16, 16, 0, None), (15, 15, 0, "quorum"), (16, 15, 0, "vote"), (16, 15, 1, None),
    (15, 15, 5, "quorum"), (20, 21, 0, "counts"), (20, 18, 11, "counts"),
])
def test_quorum_and_vote_count_those_who_should_attend(rules, step, present, yes, written, fault):
    rule = "admission_vote" if step == "15" else "conversion_vote"
    outcome = check(case_of(changed(step, eligible=30, present=present, yes=yes, written_yes=written), rules=rules),
                    SETS, CALENDAR)
    messages = [finding.message for finding in outcome.violations if (finding.step, finding.rule) == (step, rule)]
    if fault is None:
        assert messages == []
    else:
        assert len(messages) == 1
        assert {"quorum": "no quorum", "vote": "did not pass", "counts": "do not add up"}[fault] in messages[0]


@both
def test_each_candidate_is_voted_on_separately(rules):
    assert findings(changed("15", candidates=3), rules)[0] == {("15", "admission_vote")}


@both
def test_a_vote_without_its_counts_is_a_warning(rules):
    steps = clean_steps()
    steps["15"] = [("2020-06-01", {})]
    assert findings(steps, rules) == (set(), {("15", "admission_vote")})


@given(st.integers(1, 200).flatmap(lambda eligible: st.tuples(
    st.just(eligible), st.integers(0, eligible)).flatmap(lambda pair: st.tuples(
        st.just(pair[0]), st.just(pair[1]), st.integers(0, pair[1]), st.integers(0, pair[0] - pair[1])))))
def test_a_vote_passes_exactly_when_more_than_half_attend_and_agree(counts):
    eligible, present, yes, written = counts
    steps = changed("15", eligible=eligible, present=present, yes=yes, written_yes=written)
    with translation.override("en"):
        faulty = ("15", "admission_vote") in findings(steps, "2014")[0]
    assert faulty is not (2 * present > eligible and 2 * (yes + written) > eligible)
    assert majority(eligible) == eligible // 2 + 1 and 2 * majority(eligible) > eligible >= 2 * (majority(eligible) - 1)


@pytest.mark.parametrize("vote, late", [("2020-06-15", False), ("2020-06-16", True)])
def test_2026_votes_within_a_month_of_the_pre_review(vote, late):
    steps = shifted(clean_steps(), "15", vote)
    assert (("15", "vote_within_one_month_of_pre_review") in findings(steps, "2026")[0]) is late
    assert findings(steps, "2014")[0] == set()


# --- approval -------------------------------------------------------------------------------------

@both
@pytest.mark.parametrize("approved, reason, expected", [
    ("2020-09-01", None, None),
    ("2020-09-02", None, "violation"),
    ("2020-09-02", "the committee was being re-elected", "warning"),
    ("2020-12-01", "the committee was being re-elected", "warning"),
    ("2020-12-02", "the committee was being re-elected", "violation"),
])
def test_approval_within_three_months_or_six_with_a_reason(rules, approved, reason, expected):
    steps = changed("17", approved, **({"reason": reason} if reason else {}))
    for number in ("18", "19", "20"):
        steps[number] = [(approved, {})]
    violations, warnings = findings(steps, rules)
    found = {"violation": violations, "warning": warnings}
    for severity in ("violation", "warning"):
        assert (("17", "approval_within_three_months") in found[severity]) is (severity == expected)


@both
@pytest.mark.parametrize("approver, fault", [("sub_committee", True), ("temporary", True), ("primary_committee", False)])
def test_committees_that_may_not_approve(rules, approver, fault):
    assert (("17", "committee_may_approve") in findings(changed("17", approver=approver), rules)[0]) is fault
    assert (("24", "conversion_committee_may_approve") in findings(changed("24", approver=approver), rules)[0]) is fault


@both
def test_the_oath_is_soon_after_approval(rules):
    assert findings(changed("20", "2020-08-01"), rules) == (set(), set())
    assert findings(changed("20", "2020-08-02"), rules) == (set(), {("20", "oath_soon_after_approval")})


# --- probation and full membership ----------------------------------------------------------------

@both
@pytest.mark.parametrize("vote, early", [("2021-06-01", False), ("2021-05-31", True)])
def test_the_conversion_vote_not_before_probation_ends(rules, vote, early):
    steps = changed("23", vote)
    steps["22"] = [("2021-05-20", {})]
    assert (("23", "conversion_after_probation") in findings(steps, rules)[0]) is early


def extended(months, *then):
    steps = clean_steps()
    steps["23"] = [("2021-06-05", {"eligible": 30, "present": 20, "yes": 18, "outcome": "extend",
                                   "extension_months": months})]
    steps["24"] = [("2021-06-20", {})]
    for date, facts in then:
        steps["23"].append((date, {"eligible": 30, "present": 20, "yes": 18, **facts}))
        steps["24"].append(((day(date) + dt.timedelta(days=10)).isoformat(), {}))
    steps["25"] = [((day(steps["24"][-1][0]) + dt.timedelta(days=10)).isoformat(), {})]
    return steps


@both
@pytest.mark.parametrize("months, fault", [(5, True), (6, False), (12, False), (13, True), (None, True)])
def test_an_extension_of_six_to_twelve_months(rules, months, fault):
    steps = extended(months, ("2022-06-01", {"outcome": "confirm"}))
    violations = findings(steps, rules)[0]
    assert (("23", "conversion_after_probation") in violations) is fault


@both
def test_after_an_extension_the_vote_waits_for_its_end(rules):
    # Probation ended on 1 June 2021 and was extended by 6 months, to 1 December 2021.
    assert findings(extended(6, ("2021-12-01", {"outcome": "confirm"})), rules)[0] == set()
    assert findings(extended(6, ("2021-11-30", {"outcome": "confirm"})), rules)[0] == {
        ("23", "conversion_after_probation")}


@both
def test_probation_is_extended_once_only(rules):
    steps = extended(6, ("2021-12-01", {"outcome": "extend", "extension_months": 6}),
                     ("2022-06-01", {"outcome": "confirm"}))
    assert ("23", "conversion_after_probation") in findings(steps, rules)[0]


@both
def test_nothing_is_voted_after_probation_is_decided(rules):
    steps = clean_steps()
    steps["23"].append(("2021-07-05", {"eligible": 30, "present": 20, "yes": 18, "outcome": "extend",
                                       "extension_months": 6}))
    assert ("23", "conversion_after_probation") in findings(steps, rules)[0]


@both
def test_a_vote_without_its_outcome_is_a_warning(rules):
    steps = clean_steps()
    del steps["23"][0][1]["outcome"]
    assert findings(steps, rules) == (set(), {("23", "conversion_after_probation")})


@both
@pytest.mark.parametrize("approved, late", [("2021-09-05", False), ("2021-09-06", True)])
def test_conversion_approval_within_three_months_of_the_vote(rules, approved, late):
    steps = changed("24", approved)
    steps["25"] = [("2021-09-20", {})]
    assert (("24", "conversion_approval_within_three_months") in findings(steps, rules)[0]) is late


def test_the_full_member_date_is_the_day_probation_ends():
    rule_set = BY_NAME["2014"]
    assert full_member_on(case_of(clean_steps(), rules="2014"), rule_set) == day("2021-06-01")
    assert full_member_on(case_of(extended(6, ("2021-12-01", {"outcome": "confirm"})), rules="2014"),
                          rule_set) == day("2021-12-01")
    assert full_member_on(case_of(extended(6, ("2021-12-01", {"outcome": "cancel"})), rules="2014"), rule_set) is None
    steps = clean_steps()
    del steps["23"], steps["24"], steps["25"]
    assert full_member_on(case_of(steps, rules="2014"), rule_set) is None


# --- rule sets by date, and local sets ------------------------------------------------------------

def test_the_set_in_force_is_the_latest_to_take_effect():
    assert rule_set_on(SETS, REVISION).name == "2026"
    assert rule_set_on(SETS, REVISION - dt.timedelta(days=1)).name == "2014"
    assert rule_set_on(SETS, dt.date(2010, 1, 1)).name == "2014"


def test_auto_judges_each_step_by_the_set_of_its_day():
    # The same file, moved whole so that the candidate is designated on the day the revision
    # takes effect: its notice is now required; a day earlier it is not.
    without_notice = clean_steps()
    del without_notice["7"][0][1]["notice_start"], without_notice["7"][0][1]["notice_end"]
    assert ("7", "public_notice_five_working_days") in findings(shifted(without_notice, "1", "2025-03-10"), "auto")[0]
    assert findings(shifted(without_notice, "1", "2025-03-09"), "auto")[0] == set()


def test_a_local_set_adds_a_step_and_tightens_an_interval():
    local_step = Step("7a", 3, "党员和群众座谈会", "branch", after=("7",))
    local = standard.with_changes(
        BY_NAME["2014"], name="local", steps=[local_step, dataclasses.replace(BY_NAME["2014"].step("9"),
                                                                            after=("7a",))],
        rules=[Rule("masses_forum", "within_months", "7a", "本地规定", {"since": "7", "months": 1})],
        params={"talk_within_one_month": {"months": 0}})
    steps = clean_steps()
    assert findings(steps, "local", rule_sets=(*SETS, local))[0] == {("2", "talk_within_one_month"),
                                                                      ("9", "order")}
    steps["7a"] = [("2020-04-03", {})]
    steps["9"] = [("2020-04-05", {"sponsors": 2})]
    assert findings(steps, "local", rule_sets=(*SETS, local))[0] == {("2", "talk_within_one_month"),
                                                                      ("7a", "masses_forum")}
    assert findings(steps, "2014")[0] == {("7a", "order")}


def test_findings_name_the_rule_its_source_and_the_dates():
    outcome = check(case_of(changed("2", "2019-02-11"), rules="2014"), SETS, CALENDAR)
    (finding,) = outcome.violations
    assert finding.as_dict() == {
        "step": 2, "rule": "talk_within_one_month",
        "message": "Step 2 (Talk with the applicant) on 2019-02-11 is more than 1 month after step 1 (Written "
                   "application) on 2019-01-10 (due by 2019-02-10). [细则 第七条]"}
    with translation.override("zh-hans"):
        (finding,) = check(case_of(changed("2", "2019-02-11"), rules="2014"), SETS, CALENDAR).violations
    assert "党组织派人谈话" in finding.message and "2019-02-10" in finding.message


# --- what is due ----------------------------------------------------------------------------------

def up_to(last: str, steps=None) -> dict:
    return {number: entries for number, entries in (steps or clean_steps()).items() if int(number) <= int(last)}


@pytest.mark.parametrize("last, rules, expected", [
    ("1", "2014", [("2", "2019-02-10", "talk_within_one_month")]),
    ("2", "2014", []),
    ("3", "2014", [("6", "2019-09-01", "assessment_every_six_months")]),
    ("6", "2014", [("6", "2020-08-25", "assessment_every_six_months")]),
    ("12", "2014", []),
    ("13", "2014", []),
    ("13", "2026", [("15", "2020-06-15", "vote_within_one_month_of_pre_review")]),
    ("15", "2014", [("17", "2020-09-01", "approval_within_three_months")]),
    ("17", "2014", [("20", "2020-08-01", "oath_soon_after_approval"), ("23", "2021-06-01", "conversion_after_probation")]),
    ("20", "2014", [("23", "2021-06-01", "conversion_after_probation")]),
    ("23", "2014", [("24", "2021-09-05", "conversion_approval_within_three_months")]),
    ("24", "2014", []),
])
def test_deadlines_follow_the_time_limits_of_the_set(last, rules, expected):
    found = deadlines(case_of(up_to(last), rules=rules), BY_NAME[rules])
    assert [(deadline.step, deadline.due.isoformat(), deadline.rule) for deadline in found] == expected


def test_an_extension_moves_the_conversion_deadline():
    steps = up_to("24", extended(6))
    assert [(d.step, d.due) for d in deadlines(case_of(steps, rules="2014"), BY_NAME["2014"])] == [
        ("23", day("2021-12-01"))]


# --- what the pages ask and offer ----------------------------------------------------------------

@pytest.mark.parametrize("rules, number, expected", [
    ("2014", "1", ()),
    ("2014", "5", ("mentors", "mentors_not_full_members")),
    ("2014", "7", ("decided_by",)),
    ("2026", "7", ("decided_by", "notice_start", "notice_end")),
    ("2014", "8", ()),
    ("2026", "8", ("notice_start", "notice_end")),
    ("2014", "9", ("sponsors", "sponsors_not_full_members", "sponsors_under_discipline")),
    ("2014", "10", ("passed",)),
    ("2014", "11", ("days", "hours")),
    ("2014", "15", ("leaving_on", "eligible", "present", "yes", "written_yes", "candidates")),
    ("2014", "17", ("reason", "approver")),
    ("2014", "23", ("eligible", "present", "yes", "written_yes", "candidates", "outcome", "extension_months")),
])
def test_a_step_asks_for_the_facts_its_rules_read(rules, number, expected):
    assert facts_asked(BY_NAME[rules], number) == expected


def test_every_fact_of_a_step_is_asked_for_there():
    """A step's form asks for what either set reads there: every fact of the clean file."""
    for number, entries in clean_steps().items():
        asked = {name for rule_set in SETS for name in facts_asked(rule_set, number)}
        for _date, facts in entries:
            assert set(facts) <= asked, number


def offered(steps) -> list[str]:
    return [step.number for step in next_steps(case_of(steps, rules="auto"), BY_NAME["2026"])]


def test_the_steps_offered_next_follow_the_order_of_the_rules():
    steps = clean_steps()
    assert offered({"1": steps["1"]}) == ["2"]
    assert offered({key: steps[key] for key in ("1", "2", "3")}) == ["4", "5"]
    assert offered({key: steps[key] for key in ("1", "2", "3", "4", "5")}) == ["6"]
    # An assessment repeats; the candidate may be named once the filing and one assessment are in.
    assert offered({key: steps[key] for key in ("1", "2", "3", "4", "5", "6")}) == ["6", "7"]
    after_seven = {key: entries for key, entries in steps.items() if int(key) <= 7}
    assert offered(after_seven) == ["8", "9", "10", "11"]


def test_assessments_are_not_offered_once_a_later_stage_began():
    until_approval = {key: entries for key, entries in clean_steps().items() if int(key) <= 17}
    assert offered(until_approval) == ["18", "19", "20", "21", "22"]
    assert "6" not in offered(clean_steps())


@given(st.dates(min_value=dt.date(2014, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_the_governing_set_is_the_named_one_or_the_one_in_force(day_):
    assert governing_set(SETS, "2014", day_).name == "2014"
    assert governing_set(SETS, "2026", day_).name == "2026"
    assert governing_set(SETS, "auto", day_) is rule_set_on(SETS, day_)

"""The pure rules of micro-projects: the transition table for every state, action and actor; the
caps; the council's passing rules; the public notice on the real working-day calendar; weighted
progress; satisfaction; the presets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.calendar import WorkingDays
from dangjian.projects import rules
from dangjian.projects.rules import Action, Actor, Kind, PassingRule, State, Votes

CALENDAR = WorkingDays()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the transition table -------------------------------------------------------------------------

# Written out from the issue, apart from the code: action → the states it leaves from → who → where to.
OPEN = {"collected", "screened", "passed", "public_notice", "approved", "in_progress"}
EXPECTED = {
    "screen": ({"collected"}, {"staff"}, ("screened",)),
    "screen_out": ({"collected"}, {"staff"}, ("screened_out",)),
    "council": ({"screened"}, {"staff"}, ("passed", "rejected")),
    "public_notice": ({"passed"}, {"staff"}, ("public_notice",)),
    "objection": ({"public_notice"}, {"staff"}, ()),
    "approve": ({"public_notice"}, {"upper"}, ("approved",)),
    "start": ({"approved"}, {"staff"}, ("in_progress",)),
    "milestone": ({"approved", "in_progress"}, {"staff"}, ()),
    "progress": ({"in_progress"}, {"staff"}, ()),
    "spend": ({"in_progress", "completed"}, {"staff"}, ()),
    "complete": ({"in_progress"}, {"staff"}, ("completed",)),
    "accept": ({"completed"}, {"staff"}, ("accepted",)),
    "evaluate": ({"accepted"}, {"staff"}, ("evaluated",)),
    "cancel": (OPEN, {"staff"}, ("cancelled",)),
}


def test_the_table_has_every_action_and_nothing_else():
    assert set(rules.TRANSITIONS) == set(Action.values) == set(EXPECTED)


@pytest.mark.parametrize("actor", Actor.values)
@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("state", State.values)
def test_every_state_action_and_actor(state, action, actor):
    sources, actors, targets = EXPECTED[action]
    refusal = rules.refusal(state, action, {actor})
    allowed = state in sources and actor in actors
    assert (refusal is None) == allowed, (state, action, actor, refusal)
    if allowed:
        assert action in rules.actions_for(state, {actor})
        assert rules.TRANSITIONS[action].targets == targets
    elif actor not in actors:
        assert "Only" in refusal and str(Action(action).label) in refusal
    else:
        assert str(State(state).label) in refusal and str(Action(action).label) in refusal


def test_final_states_allow_nothing_and_open_states_may_be_cancelled():
    for state in rules.FINAL:
        assert rules.actions_for(state, set(Actor.values)) == []
    for state in rules.OPEN:
        assert "cancel" in rules.actions_for(state, {Actor.STAFF})
    assert rules.actions_for("public_notice", {Actor.STAFF}) == ["objection", "cancel"]
    assert rules.actions_for("public_notice", {Actor.UPPER}) == ["approve"]


def test_an_unknown_action_is_named():
    assert "“fly”" in rules.refusal("collected", "fly", {Actor.STAFF})


# --- money and caps ------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, problem", [
    (Decimal("0.01"), None), (Decimal("200000"), None), (Decimal("0"), "above zero"), (Decimal("-5"), "above zero"),
    (Decimal("1.005"), "two decimal places"), (Decimal("NaN"), "amount in yuan"), (1.5, "amount in yuan"),
    (None, "amount in yuan"), (Decimal("100000000"), "at most"),
])
def test_amounts_are_decimal_yuan_to_the_fen(amount, problem):
    found = rules.amount_problem(amount)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("preset, kind, within, above", [
    ("zhuhai", Kind.SERVICE, "200000.00", "200000.01"),
    ("zhuhai", Kind.GOODS, "200000.00", "200000.01"),
    ("zhuhai", Kind.WORKS, "500000.00", "500000.01"),
    ("luohu_donghu", Kind.SERVICE, "500000.00", "500000.01"),
    ("luohu_donghu", Kind.GOODS, "500000.00", "500000.01"),
    ("luohu_donghu", Kind.WORKS, "1000000.00", "1000000.01"),
])
def test_the_presets_caps(preset, kind, within, above):
    caps = rules.PRESETS[preset].caps
    assert rules.cap_problem(kind, Decimal(within), caps) is None
    problem = rules.cap_problem(kind, Decimal(above), caps)
    assert within in problem and str(Kind(kind).label) in problem


def test_a_type_without_a_cap_has_no_limit():
    assert rules.cap_problem(Kind.WORKS, Decimal("99999999.99"), {}) is None


def test_the_presets_lists_name_the_exclusions_of_the_rules():
    for preset in rules.PRESETS.values():
        assert any("物业" in entry for entry in preset.negative)
        assert any("政府投资" in entry for entry in preset.negative)
        assert len(set(preset.positive)) == len(preset.positive) >= 4
    assert len(rules.PRESETS["zhuhai"].positive) == 7 and len(rules.PRESETS["zhuhai"].negative) == 2


# --- the council --------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, votes, passes", [
    (PassingRule.MAJORITY_PRESENT, Votes(9, 5, 4, 0), True),
    (PassingRule.MAJORITY_PRESENT, Votes(10, 5, 0, 5), False),  # half is not more than half
    (PassingRule.MAJORITY_PRESENT, Votes(10, 6, 0, 0), True),
    (PassingRule.TWO_THIRDS_PRESENT, Votes(9, 6, 3, 0), True),
    (PassingRule.TWO_THIRDS_PRESENT, Votes(9, 5, 0, 0), False),
    (PassingRule.MAJORITY_CAST, Votes(20, 3, 2, 10), True),
    (PassingRule.MAJORITY_CAST, Votes(20, 3, 3, 10), False),
])
def test_passing_rules(rule, votes, passes):
    assert rules.council_passes(votes, rule) is passes


@given(present=st.integers(1, 200), data=st.data())
def test_more_than_half_of_those_present(present, data):
    for_ = data.draw(st.integers(0, present))
    assert rules.council_passes(Votes(present, for_, 0, 0), PassingRule.MAJORITY_PRESENT) == (for_ > present / 2)


@pytest.mark.parametrize("votes, field", [
    (Votes(0, 0, 0, 0), "present"), (Votes(5, -1, 0, 0), "votes_for"), (Votes(5, 0, -1, 0), "votes_against"),
    (Votes(5, 0, 0, -1), "abstaining"), (Votes(5, 3, 2, 1), "present"),
])
def test_a_show_of_hands_that_does_not_add_up_is_named(votes, field):
    assert field in rules.votes_problems(votes)


def test_a_show_of_hands_that_adds_up():
    assert rules.votes_problems(Votes(9, 7, 1, 1)) == {}


# --- the public notice on the working-day calendar ----------------------------------------------------

@pytest.mark.parametrize("start, days, end", [
    # Put up on a Monday: five working days end on the Monday after.
    (dt.date(2025, 3, 3), 5, dt.date(2025, 3, 10)),
    # Across the 2025 National Day holiday: 30 September, 9, 10 and 11 October (a Saturday worked
    # in exchange) and 13 October.
    (dt.date(2025, 9, 29), 5, dt.date(2025, 10, 13)),
    # Across the 2025 Spring Festival: 26 January (a Sunday worked), 27 January, 5 February.
    (dt.date(2025, 1, 24), 3, dt.date(2025, 2, 5)),
    (dt.date(2025, 3, 7), 1, dt.date(2025, 3, 10)),  # a Friday: the next working day is Monday
])
def test_the_notice_ends_after_its_working_days(start, days, end):
    assert rules.notice_ends(start, days, CALENDAR) == end
    assert CALENDAR.count(start + dt.timedelta(days=1), end) == days


def test_approval_waits_for_the_day_after_the_notice():
    until = dt.date(2025, 3, 10)
    assert "2025-03-10" in rules.notice_refusal(until, dt.date(2025, 3, 10))
    assert rules.notice_refusal(until, dt.date(2025, 3, 3)) is not None
    assert rules.notice_refusal(until, dt.date(2025, 3, 11)) is None
    assert rules.notice_refusal(None, dt.date(2025, 3, 11)) is not None


def test_a_notice_has_at_least_one_day():
    with pytest.raises(ValueError):
        rules.notice_ends(dt.date(2025, 3, 3), 0, CALENDAR)


# --- progress -------------------------------------------------------------------------------------

milestones = st.lists(st.tuples(st.integers(1, rules.MAX_WEIGHT), st.integers(0, 100)), min_size=1, max_size=20)


@given(milestones)
def test_progress_lies_between_the_least_and_the_most_advanced_milestone(items):
    progress = rules.weighted_progress(items)
    assert min(p for _w, p in items) <= progress <= max(p for _w, p in items)
    assert progress == progress.quantize(Decimal("0.01"))


@given(milestones, st.integers(1, 50))
def test_scaling_every_weight_changes_nothing(items, factor):
    assert rules.weighted_progress(items) == rules.weighted_progress([(w * factor, p) for w, p in items])


@given(milestones)
def test_progress_is_the_weighted_mean(items):
    exact = Decimal(sum(w * p for w, p in items)) / Decimal(sum(w for w, _p in items))
    assert abs(rules.weighted_progress(items) - exact) <= Decimal("0.005")


@given(st.lists(st.integers(0, 100), min_size=1, max_size=20))
def test_equal_weights_give_the_plain_mean(progresses):
    mean = Decimal(sum(progresses)) / len(progresses)
    assert abs(rules.weighted_progress([(3, p) for p in progresses]) - mean) <= Decimal("0.005")


def test_progress_examples():
    assert rules.weighted_progress([]) == Decimal("0.00")
    assert rules.weighted_progress([(1, 100), (3, 0)]) == Decimal("25.00")
    assert rules.weighted_progress([(1, 100), (2, 0)]) == Decimal("33.33")
    assert rules.weighted_progress([(2, 100), (1, 0)]) == Decimal("66.67")


def test_completion_needs_every_milestone_done():
    assert "at least one milestone" in rules.completion_refusal([])
    assert "1 milestones" in rules.completion_refusal([(1, 100), (1, 99)])
    assert rules.completion_refusal([(1, 100), (5, 100)]) is None


# --- satisfaction ---------------------------------------------------------------------------------

@pytest.mark.parametrize("surveyed, satisfied, score, fields", [
    (50, 47, None, set()), (None, None, Decimal("94.9"), set()), (50, 47, Decimal("90"), set()),
    (None, None, None, {"surveyed"}), (0, 0, None, {"surveyed"}), (10, 11, None, {"satisfied"}),
    (10, None, None, {"satisfied"}), (None, 5, None, {"surveyed"}), (None, None, Decimal("100.5"), {"score"}),
    (None, None, Decimal("-1"), {"score"}),
])
def test_satisfaction(surveyed, satisfied, score, fields):
    assert set(rules.satisfaction_problems(surveyed, satisfied, score)) == fields

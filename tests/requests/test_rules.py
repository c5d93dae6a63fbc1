"""The pure rules of residents' requests: the transition table for every state, action and actor;
deadlines over the real Chinese working-day calendar and their lights; escalation; tracking codes;
what is blotted out in public; Open311 attribute definitions and values."""

import datetime as dt
import math
import unicodedata
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from dangjian.core.calendar import WorkingDays
from dangjian.requests import rules
from dangjian.requests.rules import Action, Actor, Light, State

CALENDAR = WorkingDays()
day = dt.date.fromisoformat
# The published calendar runs from 2004 to the end of 2026; a year of working days after the
# last start stays inside it.
published_days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2025, 6, 30))
limits = st.integers(1, 120)
shares = st.floats(0.01, 0.99)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the transition table -------------------------------------------------------------------------

# Written out from the issue, apart from the code: action → the states it leaves from → who makes it.
ALL = set(State.values)
OPEN = {"received", "accepted", "assigned", "in_progress", "reopened"}
WORKING = OPEN - {"received"}
FINAL = {"confirmed", "duplicate", "referred", "withdrawn"}
EXPECTED = {
    "accept": ({"received"}, {"staff"}, "accepted"),
    "assign": (WORKING, {"staff"}, "assigned"),
    "start": ({"assigned", "reopened"}, {"staff", "assignee"}, "in_progress"),
    "resolve": (WORKING, {"staff", "assignee"}, "resolved"),
    "confirm": ({"resolved"}, {"resident"}, "confirmed"),
    "close": ({"resolved"}, {"system"}, "closed"),
    "reopen": ({"resolved", "closed"}, {"resident"}, "reopened"),
    "duplicate": (OPEN, {"staff"}, "duplicate"),
    "refer": ({"received", "accepted"}, {"staff"}, "referred"),
    "withdraw": (OPEN, {"staff", "resident"}, "withdrawn"),
    "note": (ALL - FINAL, {"staff", "assignee"}, None),
}


def test_the_table_has_every_action_and_nothing_else():
    assert set(rules.TRANSITIONS) == set(Action.values) == set(EXPECTED)


@pytest.mark.parametrize("actor", Actor.values)
@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("state", State.values)
def test_an_actor_may_act_exactly_when_the_table_says(state, action, actor):
    sources, actors, target = EXPECTED[action]
    refusal = rules.refusal(state, action, actor)
    if state in sources and actor in actors:
        assert refusal is None
        assert rules.target_of(state, action) == (target or state)
    else:
        assert refusal
        if actor not in actors:
            assert str(Actor(actor).label) in refusal and str(Action(action).label) in refusal
        else:
            assert f"“{State(state).label}”" in refusal and f"“{Action(action).label}”" in refusal


def test_a_final_state_takes_no_action_from_anyone():
    for state in FINAL:
        assert rules.actions_for(state, Actor.values) == []
    assert rules.actions_for("closed", Actor.values) == ["reopen", "note"]


def test_an_unknown_action_is_named():
    assert rules.refusal("received", "destroy", "staff") == "There is no action “destroy”."


@pytest.mark.parametrize("state, actors, expected", [
    ("received", ["staff"], ["accept", "duplicate", "refer", "withdraw", "note"]),
    ("received", ["resident"], ["withdraw"]),
    ("received", ["assignee"], ["note"]),
    ("assigned", ["assignee"], ["start", "resolve", "note"]),
    ("assigned", ["staff", "assignee"], ["assign", "start", "resolve", "duplicate", "withdraw", "note"]),
    ("resolved", ["resident"], ["confirm", "reopen"]),
    ("resolved", ["system"], ["close"]),
    ("resolved", ["staff"], ["note"]),
    ("reopened", ["staff"], ["assign", "start", "resolve", "duplicate", "withdraw", "note"]),
    ("referred", ["staff", "assignee", "resident", "system"], []),
    ("accepted", [], []),
])
def test_actions_for_lists_what_is_open_in_the_order_of_the_table(state, actors, expected):
    assert rules.actions_for(state, actors) == expected


@given(st.sampled_from(State.values), st.sets(st.sampled_from(Actor.values)))
def test_actions_for_agrees_with_refusal(state, actors):
    assert rules.actions_for(state, actors) == [
        action for action in rules.TRANSITIONS if any(rules.refusal(state, action, actor) is None for actor in actors)]


def test_the_open_and_final_sets_match_the_table():
    assert rules.OPEN == OPEN and rules.WORKING == WORKING and rules.FINAL == FINAL


# --- deadlines and lights -------------------------------------------------------------------------

@pytest.mark.parametrize("start, limit, due, warn", [
    # Accepted the day before National Day 2026 (1–7 October off, Saturday 10 October worked).
    ("2026-09-30", 1, "2026-10-08", "2026-10-08"),
    ("2026-09-30", 3, "2026-10-10", "2026-10-10"),
    ("2026-09-30", 5, "2026-10-13", "2026-10-12"),
    ("2026-09-30", 8, "2026-10-16", "2026-10-15"),
    # 2025: 1–8 October off, Saturday 11 October worked.
    ("2025-09-30", 3, "2025-10-11", "2025-10-11"),
    ("2025-09-30", 4, "2025-10-13", "2025-10-13"),
    # Accepted on a Friday: the weekend does not count.
    ("2026-11-20", 5, "2026-11-27", "2026-11-26"),
    # Accepted on a Sunday: counting starts on Monday.
    ("2026-11-22", 1, "2026-11-23", "2026-11-23"),
    # Spring Festival 2026: 15–23 February off, Saturday 14 and 28 February worked.
    ("2026-02-13", 3, "2026-02-25", "2026-02-25"),
    ("2026-02-13", 2, "2026-02-24", "2026-02-24"),
])
def test_the_deadline_counts_working_days_of_the_published_calendar(start, limit, due, warn):
    deadline = rules.deadline(day(start), limit, 0.25, CALENDAR)
    assert (deadline.due_on, deadline.warn_on) == (day(due), day(warn))


def test_the_spring_festival_make_up_saturday_is_worked():
    assert CALENDAR.is_working_day(day("2026-02-14")) and not CALENDAR.is_working_day(day("2026-02-23"))
    assert rules.deadline(day("2026-02-13"), 1, 0.25, CALENDAR).due_on == day("2026-02-14")


def test_a_limit_below_one_working_day_is_refused():
    with pytest.raises(ValueError):
        rules.deadline(day("2026-03-02"), 0, 0.25, CALENDAR)


@given(published_days, limits, shares)
def test_the_deadline_is_the_limit_in_working_days(start, limit, share):
    deadline = rules.deadline(start, limit, share, CALENDAR)
    assert CALENDAR.is_working_day(deadline.due_on) and CALENDAR.is_working_day(deadline.warn_on)
    assert start < deadline.warn_on <= deadline.due_on
    assert CALENDAR.count(start + dt.timedelta(days=1), deadline.due_on) == limit
    yellow = CALENDAR.count(deadline.warn_on, deadline.due_on)
    assert 1 <= yellow <= max(1, math.ceil(share * limit))
    assert yellow == max(1, math.ceil(share * limit))


@given(published_days, limits, st.integers(1, 99))
def test_a_yellow_share_in_percent_is_counted_exactly(start, limit, percent):
    deadline = rules.deadline(start, limit, Fraction(percent, 100), CALENDAR)
    assert CALENDAR.count(deadline.warn_on, deadline.due_on) == max(1, -(-percent * limit // 100))


def test_the_light_turns_at_its_boundaries():
    deadline = rules.Deadline(due_on=day("2026-10-13"), warn_on=day("2026-10-12"))
    assert rules.light(deadline, day("2026-10-11")) == Light.GREEN
    assert rules.light(deadline, day("2026-10-12")) == Light.YELLOW
    assert rules.light(deadline, day("2026-10-13")) == Light.YELLOW
    assert rules.light(deadline, day("2026-10-14")) == Light.RED
    assert rules.light(None, day("2026-10-14")) is None


@given(published_days, limits, shares, st.integers(0, 400))
def test_the_light_is_green_then_yellow_then_red(start, limit, share, offset):
    deadline = rules.deadline(start, limit, share, CALENDAR)
    today = start + dt.timedelta(days=offset)
    expected = Light.GREEN if today < deadline.warn_on else Light.YELLOW if today <= deadline.due_on else Light.RED
    assert rules.light(deadline, today) == expected


# --- escalation -----------------------------------------------------------------------------------

def test_escalation_rises_one_level_the_day_after_and_one_more_after_another_limit():
    due = day("2026-09-30")  # a limit of 3 more working days ends on Saturday 10 October
    level = lambda today: rules.escalation_level(due, 3, day(today), CALENDAR)  # noqa: E731
    assert level("2026-09-29") == 0
    assert level("2026-09-30") == 0
    assert level("2026-10-01") == 1
    assert level("2026-10-10") == 1
    assert level("2026-10-11") == 2
    assert level("2026-12-31") == 2


@given(published_days, limits, st.integers(0, 500), st.integers(0, 500))
def test_escalation_is_monotone_and_at_most_two(due, limit, first, second):
    early, late = sorted((due + dt.timedelta(days=first - 50), due + dt.timedelta(days=second - 50)))
    low = rules.escalation_level(due, limit, early, CALENDAR)
    high = rules.escalation_level(due, limit, late, CALENDAR)
    assert 0 <= low <= high <= rules.MAX_ESCALATION
    assert (low == 0) is (early <= due)
    assert (high == 2) is (late > CALENDAR.add(due, limit))


# --- tracking codes -------------------------------------------------------------------------------

def test_a_new_code_is_twelve_characters_of_the_alphabet():
    codes = {rules.new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == rules.CODE_LENGTH == 12 and set(code) <= set(rules.CODE_ALPHABET)
    assert not set("ILOU") & set(rules.CODE_ALPHABET)
    assert rules.format_tracking_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


codes = st.text(alphabet=rules.CODE_ALPHABET, min_size=rules.CODE_LENGTH, max_size=rules.CODE_LENGTH)


@given(codes)
def test_the_formatted_code_reads_back(code):
    assert rules.normalise_tracking_code(rules.format_tracking_code(code)) == code
    assert rules.normalise_tracking_code(code.lower()) == code


@given(codes, st.lists(st.tuples(st.integers(0, 12), st.sampled_from([" ", "-", "  ", "－", "\t", "—"])),
                       max_size=6), st.lists(st.booleans(), min_size=12, max_size=12))
def test_a_code_typed_with_spaces_hyphens_and_any_case_is_found(code, separators, lower):
    typed = "".join(character.lower() if low else character for character, low in zip(code, lower, strict=True))
    for position, separator in sorted(separators, reverse=True):
        typed = typed[:position] + separator + typed[position:]
    assert rules.normalise_tracking_code(typed) == code


def test_o_i_and_l_are_read_as_zero_and_one():
    code = rules.new_tracking_code()
    mistaken = code[:9] + "OIL"
    assert rules.normalise_tracking_code(mistaken) == code[:9] + "011"
    assert rules.normalise_tracking_code(mistaken.lower()) == code[:9] + "011"
    assert rules.normalise_tracking_code(code[:9] + "011") == code[:9] + "011"


@pytest.mark.parametrize("typed", [
    "", None, "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "ABCD-EFGH-JK?N", "ABCD EFGH JKM中",
    "ABCD_EFGH_JKMN", "ABCD.EFGH.JKMN",
])
def test_what_cannot_be_a_code_is_refused(typed):
    assert rules.normalise_tracking_code(typed) is None


@given(st.text(max_size=30))
def test_anything_accepted_is_a_code_of_the_alphabet(typed):
    normalised = rules.normalise_tracking_code(typed)
    if normalised is not None:
        assert len(normalised) == rules.CODE_LENGTH and set(normalised) <= set(rules.CODE_ALPHABET)


@given(codes, st.integers(0, 11), st.characters(exclude_characters=rules.CODE_ALPHABET + rules.CODE_ALPHABET.lower()
                                                + "OIL oil-－—"))
def test_a_character_outside_the_alphabet_is_refused(code, position, character):
    folded = unicodedata.normalize("NFKC", character).upper()
    assume(not character.isspace() and not folded.isspace() and folded not in ("", "-", "—")
           and not set(folded) & set(rules.CODE_ALPHABET + "OIL"))
    assert rules.normalise_tracking_code(code[:position] + character + code[position + 1:]) is None


def test_a_code_typed_in_full_width_is_the_same_code():
    assert rules.normalise_tracking_code("ｋ７ｍ２－９ｑｘｐ－４ｈａｂ") == "K7M29QXP4HAB"


@given(codes, st.integers(1, 11))
def test_a_code_of_the_wrong_length_is_refused(code, length):
    assert rules.normalise_tracking_code(code[:length]) is None
    assert rules.normalise_tracking_code(code + code[:length]) is None


# --- what may be shown in public ------------------------------------------------------------------

@pytest.mark.parametrize("text, hidden", [
    ("我的身份证号是440104198005011234，请联系", "440104198005011234"),
    ("身份证 44010419800501123X 丢了", "44010419800501123X"),
    ("身份证 44010419800501123x 丢了", "44010419800501123x"),
    ("电话13800138000谢谢", "13800138000"),
    ("电话 138 0013 8000", "138 0013 8000"),
    ("电话 138-0013-8000", "138-0013-8000"),
    ("电话 +86 13800138000", "13800138000"),
    ("电话 +8613800138000", "13800138000"),
    ("座机 020-88881234", "020-88881234"),
    ("座机 0755-6688123", "0755-6688123"),
    ("座机 02088881234", "02088881234"),
    ("座机 (020)88881234", "88881234"),
    ("座机（020）88881234", "88881234"),
])
def test_id_and_phone_numbers_are_hidden(text, hidden):
    redacted = rules.redact(text)
    assert hidden not in redacted and "***" in redacted


@pytest.mark.parametrize("text", [
    "3栋502室的楼道灯坏了",
    "2026-10-01起一直漏水",
    "2026年10月1日到10月8日",
    "小区12号楼3单元1201",
    "已经坏了15天，打了3次电话",
    "路灯编号 ZD-2031-0457",
    "12345",
    "20261001",
    "单价1380元",
])
def test_ordinary_numbers_are_kept(text):
    assert rules.redact(text) == text


def test_redact_keeps_the_words_around_and_takes_nothing():
    assert rules.redact("请打13800138000或020-88881234找王阿姨") == "请打***或***找王阿姨"
    assert rules.redact("") == "" and rules.redact(None) == ""


# --- Open311 attributes ---------------------------------------------------------------------------

def definition(code="floor", datatype="string", **fields):
    return {"code": code, "datatype": datatype, "description": fields.pop("description", "Which floor?"), **fields}


COLOURS = [{"key": "red", "name": "红"}, {"key": "blue", "name": "蓝"}]


def test_definitions_are_normalised_and_ordered():
    kept = rules.check_attribute_definitions([
        definition("b", "number", order=2, required=True),
        definition("a", "singlevaluelist", values=[{"key": " red ", "name": " 红 "}], order=1),
        definition("c", "text"),
    ])
    assert [attribute["code"] for attribute in kept] == ["a", "b", "c"]
    assert kept[0]["values"] == [{"key": "red", "name": "红"}]
    assert kept[1] == {"code": "b", "datatype": "number", "required": True, "description": "Which floor?",
                       "datatype_description": "", "order": 2, "variable": True, "values": []}
    assert kept[2]["required"] is False and kept[2]["order"] == 3
    assert rules.check_attribute_definitions([]) == []


@pytest.mark.parametrize("definitions, where, message", [
    ({"code": "a"}, "attributes", "Give a list of attributes."),
    (["a"], "attributes[1]", "Each attribute is an object."),
    ([definition(code="")], "attributes[1]", "Give a code of 1 to 40"),
    ([definition(code="有空格 的")], "attributes[1]", "Give a code of 1 to 40"),
    ([definition(code="x" * 41)], "attributes[1]", "Give a code of 1 to 40"),
    ([definition(), definition()], "attributes[2]", "The code floor is used twice."),
    ([definition(datatype="boolean")], "attributes[1]", "The datatype is one of"),
    ([definition(datatype="singlevaluelist")], "attributes[1]", "A list attribute needs values"),
    ([definition(datatype="multivaluelist", values=[{"key": "a"}])], "attributes[1]", "A list attribute needs values"),
    ([definition(datatype="singlevaluelist", values="red")], "attributes[1]", "A list attribute needs values"),
    ([definition(description=" ")], "attributes[1]", "Give the question asked"),
])
def test_a_wrong_definition_is_named(definitions, where, message):
    with pytest.raises(rules.AttributeProblems) as raised:
        rules.check_attribute_definitions(definitions)
    assert message in raised.value.problems[where]


def test_every_wrong_definition_is_named_at_once():
    with pytest.raises(rules.AttributeProblems) as raised:
        rules.check_attribute_definitions([definition(), "x", definition(code="b", datatype="date")])
    assert set(raised.value.problems) == {"attributes[2]", "attributes[3]"}


@pytest.mark.parametrize("datatype", ["string", "number", "datetime", "text"])
def test_values_of_a_definition_without_choices_are_dropped(datatype):
    kept = rules.check_attribute_definitions([definition(datatype=datatype, values=[1, {"key": "x"}])])
    assert kept[0]["values"] == []
    value = "2026-01-31T09:30:00" if datatype == "datetime" else "2"
    assert rules.read_attribute_values(kept, {"floor": [value]}) == {"floor": value}


DEFINITIONS = rules.check_attribute_definitions([
    definition("floor", "number", required=True),
    definition("seen_at", "datetime"),
    definition("where", "string"),
    definition("story", "text"),
    definition("colour", "singlevaluelist", values=COLOURS),
    definition("colours", "multivaluelist", values=COLOURS),
])


@pytest.mark.parametrize("given_, expected", [
    ({"floor": ["3"]}, {"floor": "3"}),
    ({"floor": ["-1"]}, {"floor": "-1"}),
    ({"floor": [" 2.5 "], "where": ["东门"]}, {"floor": "2.5", "where": "东门"}),
    ({"floor": ["3"], "seen_at": ["2026-01-31T09:30:00+08:00"]}, {"floor": "3", "seen_at": "2026-01-31T09:30:00+08:00"}),
    ({"floor": ["3"], "seen_at": ["2026-01-31T09:30:00Z"]}, {"floor": "3", "seen_at": "2026-01-31T09:30:00Z"}),
    ({"floor": ["3"], "story": ["长" * 2000]}, {"floor": "3", "story": "长" * 2000}),
    ({"floor": ["3"], "colour": ["red"]}, {"floor": "3", "colour": "red"}),
    ({"floor": ["3"], "colours": ["red", "blue"]}, {"floor": "3", "colours": ["red", "blue"]}),
    ({"floor": ["3"], "colours": [" ", ""], "where": [""]}, {"floor": "3"}),
])
def test_good_values_are_kept(given_, expected):
    assert rules.read_attribute_values(DEFINITIONS, given_) == expected


@pytest.mark.parametrize("given_, field, message", [
    ({}, "attribute[floor]", "Required: Which floor?"),
    ({"floor": ["  "]}, "attribute[floor]", "Required: Which floor?"),
    ({"floor": ["three"]}, "attribute[floor]", "Give a number."),
    ({"floor": ["3", "4"]}, "attribute[floor]", "Give one value."),
    ({"floor": ["3"], "seen_at": ["yesterday"]}, "attribute[seen_at]", "Give a date and time"),
    ({"floor": ["3"], "where": ["长" * 201]}, "attribute[where]", "Too long."),
    ({"floor": ["3"], "story": ["长" * 2001]}, "attribute[story]", "Too long."),
    ({"floor": ["3"], "colour": ["green"]}, "attribute[colour]", "Not among the choices: green."),
    ({"floor": ["3"], "colour": ["red", "blue"]}, "attribute[colour]", "Give one value."),
    ({"floor": ["3"], "colours": ["red", "green", "pink"]}, "attribute[colours]", "Not among the choices: green, pink."),
    ({"floor": ["3"], "size": ["big"]}, "attribute[size]", "This category has no attribute size."),
])
def test_wrong_values_are_named(given_, field, message):
    with pytest.raises(rules.AttributeProblems) as raised:
        rules.read_attribute_values(DEFINITIONS, given_)
    assert message in raised.value.problems[field]


def test_every_wrong_value_is_named_at_once():
    with pytest.raises(rules.AttributeProblems) as raised:
        rules.read_attribute_values(DEFINITIONS, {"colour": ["x"], "size": ["1"]})
    assert set(raised.value.problems) == {"attribute[floor]", "attribute[colour]", "attribute[size]"}


@pytest.mark.parametrize("definition", [
    {"code": "kind", "datatype": "singlevaluelist", "description": "哪一种？", "values": 5},
    {"code": "floor", "datatype": "number", "description": "几楼？", "order": "²"},
])
def test_odd_attribute_definitions_are_named_not_crashed_on(definition):
    try:
        kept = rules.check_attribute_definitions([definition])
    except rules.AttributeProblems as problems:
        assert "attributes[1]" in problems.problems
    else:
        assert kept[0]["order"] == 1

"""The pure life-cycle rules, on both sides of every boundary."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import calendar
from dangjian.members import rules
from dangjian.members.rules import MemberState

FLAGS = [field.name for field in dataclasses.fields(MemberState)]
states = st.builds(MemberState, **{flag: st.booleans() for flag in FLAGS})
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))

# event → (flag it depends on, the value it needs)
NEEDS = {
    "mobile_out": ("mobile", False), "mobile_back": ("mobile", True),
    "abroad": ("abroad", False), "abroad_back": ("abroad", True),
    "retire": ("retired", False),
    "lost_contact": ("lost_contact", False), "contact_restored": ("lost_contact", True),
    "suspend": ("suspended", False), "restore": ("suspended", True),
}


@given(state=states, event=st.sampled_from(rules.LIFECYCLE_EVENTS))
def test_event_fault_follows_the_state_exactly(state, event):
    fault = rules.event_fault(event, state)
    if state.left:
        assert fault is not None and fault.field == "member"
    elif event in ("transfer", "leave"):
        assert (fault is not None) == state.pending_transfer
    else:
        flag, needed = NEEDS[event]
        assert (fault is None) == (getattr(state, flag) == needed)


def test_only_a_suspension_can_be_restored():
    assert rules.event_fault("restore", MemberState(suspended=True)) is None
    assert rules.event_fault("restore", MemberState()).field == "on"
    assert rules.event_fault("restore", MemberState(left=True, suspended=True)).field == "member"


def test_unknown_event_is_a_programming_error():
    with pytest.raises(ValueError):
        rules.event_fault("teleport", MemberState())


@given(on=dates, joined=dates, today=dates)
def test_event_date_fault(on, joined, today):
    fault = rules.event_date_fault(on=on, joined_on=joined, today=today)
    assert (fault is None) == (joined <= on <= today)


def test_event_date_boundaries():
    today, joined = dt.date(2025, 6, 1), dt.date(2005, 7, 1)
    assert rules.event_date_fault(on=today, joined_on=joined, today=today) is None
    assert rules.event_date_fault(on=today + dt.timedelta(days=1), joined_on=joined, today=today).field == "on"
    assert rules.event_date_fault(on=joined, joined_on=joined, today=today) is None
    assert rules.event_date_fault(on=joined - dt.timedelta(days=1), joined_on=joined, today=today).field == "on"
    assert rules.event_date_fault(on=None, joined_on=joined, today=today).field == "on"
    assert rules.event_date_fault(on=None, joined_on=joined, today=today, field="since").field == "since"


@given(last=dates, today=dates, months=st.sampled_from([rules.LOST_CONTACT_WARNING_MONTHS, rules.LOST_CONTACT_MONTHS]))
def test_contact_cutoff_selects_exactly_what_the_rule_says(last, today, months):
    cutoff = rules.contact_cutoff(months=months, today=today)
    assert (last <= cutoff) == (calendar.add_months(last, months) <= today)


@given(last=dates, today=dates)
def test_cutoffs_agree_with_lost_contact_state(last, today):
    state = rules.lost_contact_state(last_contact_on=last, today=today)
    lost = last <= rules.contact_cutoff(months=6, today=today)
    warning = not lost and last <= rules.contact_cutoff(months=3, today=today)
    assert state == ("lost" if lost else "warning" if warning else "ok")


def test_lost_contact_boundaries_at_month_ends():
    # 31 August + 6 months is 28 February: on 28 February 2025 both 28 and 31 August are 6 months old.
    today = dt.date(2025, 2, 28)
    assert rules.contact_cutoff(months=6, today=today) == dt.date(2024, 8, 31)
    assert rules.lost_contact_state(last_contact_on=dt.date(2024, 8, 31), today=today) == "lost"
    assert rules.lost_contact_state(last_contact_on=dt.date(2024, 9, 1), today=today) == "warning"
    assert rules.lost_contact_state(last_contact_on=dt.date(2024, 11, 28), today=today) == "warning"
    assert rules.lost_contact_state(last_contact_on=dt.date(2024, 11, 29), today=today) == "warning"
    assert rules.lost_contact_state(last_contact_on=dt.date(2024, 12, 1), today=today) == "ok"


@pytest.mark.parametrize("kwargs, field", [
    ({"to_path": "0001", "outside_destination": "", "letter_number": ""}, None),
    ({"to_path": "0001", "outside_destination": "北京", "letter_number": ""}, "to_org"),
    ({"to_path": "0001", "outside_destination": "", "letter_number": "A1"}, "to_org"),
    ({"to_path": "00010002", "outside_destination": "", "letter_number": ""}, "to_org"),  # its own organisation
    ({"to_path": "0001", "outside_destination": "", "letter_number": "", "to_dissolved": True}, "to_org"),
    ({"to_path": None, "outside_destination": "北京市某单位", "letter_number": "京组 2025-001"}, None),
    ({"to_path": None, "outside_destination": "北京市某单位", "letter_number": ""}, "letter_number"),
    ({"to_path": None, "outside_destination": "", "letter_number": "京组 2025-001"}, "to_org"),
    ({"to_path": None, "outside_destination": "", "letter_number": ""}, "to_org"),
])
def test_transfer_fault(kwargs, field):
    fault = rules.transfer_fault(from_path="00010002", **{"to_dissolved": False, **kwargs})
    assert (fault.field if fault else None) == field

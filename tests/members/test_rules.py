"""Rules of the member register, on both sides of every boundary."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import identity
from dangjian.members import rules

TODAY = dt.date(2026, 11, 23)


def number(birth: dt.date, male: bool) -> str:
    first17 = f"440104{birth:%Y%m%d}{'013' if male else '024'}"
    return first17 + identity.check_character(first17)


def faults(**overrides):
    facts = dict(id_number=number(dt.date(1980, 5, 1), True), sex="M", birth_date=dt.date(1980, 5, 1),
                 category=rules.FULL, joined_on=dt.date(2005, 7, 1), full_member_on=dt.date(2006, 7, 1), today=TODAY)
    facts.update(overrides)
    return {(fault.field, fault.message) for fault in rules.record_faults(**facts)}


def fields(**overrides):
    return {field for field, _message in faults(**overrides)}


def test_a_consistent_full_member_has_no_fault():
    assert faults() == set()


def test_birth_date_and_sex_must_agree_with_the_id_number():
    assert fields(birth_date=dt.date(1980, 5, 2)) == {"birth_date"}
    assert fields(sex="F") == {"sex"}


@pytest.mark.parametrize("joined, ok", [(dt.date(1998, 5, 1), True), (dt.date(1998, 4, 30), False)])
def test_joining_needs_the_age_of_18(joined, ok):
    result = fields(joined_on=joined, full_member_on=dt.date(1999, 5, 1))
    assert ("joined_on" not in result) is ok


def test_joining_in_the_future_is_refused():
    assert "joined_on" in fields(joined_on=TODAY + dt.timedelta(days=1), category=rules.PROBATIONARY,
                                 full_member_on=None)


def test_probationary_member_has_no_full_date():
    assert fields(category=rules.PROBATIONARY, joined_on=dt.date(2026, 1, 1), full_member_on=dt.date(2026, 2, 1)) == {
        "full_member_on"}
    assert fields(category=rules.PROBATIONARY, joined_on=dt.date(2026, 1, 1), full_member_on=None) == set()


@pytest.mark.parametrize("joined, ok", [(dt.date(2024, 11, 23), True), (dt.date(2024, 11, 22), False)])
def test_probation_longer_than_two_years_is_flagged(joined, ok):
    assert ("category" not in fields(category=rules.PROBATIONARY, joined_on=joined, full_member_on=None)) is ok


@pytest.mark.parametrize("full, ok", [
    (dt.date(2006, 6, 30), False), (dt.date(2006, 7, 1), True), (dt.date(2007, 7, 1), True), (dt.date(2007, 7, 2), False),
])
def test_full_date_fits_a_probation_of_one_to_two_years(full, ok):
    assert ("full_member_on" not in fields(full_member_on=full)) is ok


def test_full_member_needs_a_full_date():
    assert fields(full_member_on=None) == {"full_member_on"}


def test_unknown_category_is_named():
    assert "category" in fields(category="candidate")


def test_leaving_before_joining_is_refused():
    assert fields(left_on=dt.date(2005, 6, 30)) == {"left_on"}
    assert fields(left_on=dt.date(2005, 7, 1)) == set()


@given(birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2000, 1, 1)), male=st.booleans())
def test_a_record_built_from_its_id_number_has_no_identity_fault(birth, male):
    id_number = number(birth, male)
    joined = dt.date(birth.year + 20, 7, 1)
    result = fields(id_number=id_number, sex="M" if male else "F", birth_date=birth, joined_on=joined,
                    full_member_on=dt.date(birth.year + 21, 7, 1))
    assert result == set()


@pytest.mark.parametrize("full, correction, expected", [
    (dt.date(2006, 7, 1), 0, 244), (dt.date(2006, 7, 1), -6, 238), (dt.date(2026, 11, 24), 0, 0),
])
def test_party_age_counts_from_becoming_full(full, correction, expected):
    assert rules.party_age_months(full_member_on=full, correction_months=correction, today=TODAY) == expected


def test_party_age_of_a_probationary_member_is_none():
    assert rules.party_age_months(full_member_on=None, correction_months=0, today=TODAY) is None


@pytest.mark.parametrize("last, state", [
    (None, "ok"), (dt.date(2026, 8, 24), "ok"), (dt.date(2026, 8, 23), "warning"),
    (dt.date(2026, 5, 24), "warning"), (dt.date(2026, 5, 23), "lost"),
])
def test_lost_contact_warns_at_three_months_and_flags_at_six(last, state):
    assert rules.lost_contact_state(last_contact_on=last, today=TODAY) == state


def test_suspension_grounds():
    allowed = rules.suspension_reason_allowed
    assert allowed(reason="lost_contact", lost_since=dt.date(2026, 5, 23), abroad_since=None, today=TODAY) is None
    assert allowed(reason="lost_contact", lost_since=dt.date(2026, 5, 24), abroad_since=None, today=TODAY)
    assert allowed(reason="abroad", lost_since=None, abroad_since=dt.date(2021, 11, 22), today=TODAY) is None
    assert allowed(reason="abroad", lost_since=None, abroad_since=dt.date(2021, 11, 23), today=TODAY)
    assert allowed(reason="settled_abroad", lost_since=None, abroad_since=None, today=TODAY) is None
    assert allowed(reason="other", lost_since=None, abroad_since=None, today=TODAY)


def test_removal_after_two_further_years():
    assert rules.removal_due(suspended_on=dt.date(2024, 11, 23), reason="lost_contact", today=TODAY)
    assert not rules.removal_due(suspended_on=dt.date(2024, 11, 24), reason="lost_contact", today=TODAY)
    assert not rules.removal_due(suspended_on=dt.date(2020, 1, 1), reason="abroad", today=TODAY)

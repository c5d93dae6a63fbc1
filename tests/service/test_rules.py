import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.service import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 6, 7, 9, 0, tzinfo=SHANGHAI)
starts = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=SHANGHAI, microsecond=0))
minutes = st.integers(min_value=1, max_value=7 * 24 * 60)


@pytest.mark.parametrize(("minutes", "hours"), [(1, "0.0"), (3, "0.1"), (90, "1.5"), (100, "1.7"), (105, "1.8"),
                                                (125, "2.1"), (12 * 60, "12.0"), (13 * 60, "12.0")])
def test_hours_are_the_span_to_one_place_halves_up_capped_at_12_a_day(minutes, hours):
    assert rules.volunteer_hours(START, START + dt.timedelta(minutes=minutes)) == Decimal(hours)


def test_an_activity_across_midnight_counts_both_parts():
    start = dt.datetime(2025, 6, 7, 20, 0, tzinfo=SHANGHAI)
    assert rules.volunteer_hours(start, start + dt.timedelta(hours=6)) == Decimal(6)
    # 20:00 to 10:00 two days on: 4 + 12 (capped from 24) + 10.
    assert rules.volunteer_hours(start, start + dt.timedelta(hours=38)) == Decimal(26)


@pytest.mark.parametrize("delta", [dt.timedelta(0), dt.timedelta(minutes=-30)])
def test_zero_or_negative_durations_are_refused(delta):
    with pytest.raises(rules.HoursRefused):
        rules.volunteer_hours(START, START + delta)
    with pytest.raises(rules.HoursRefused):
        rules.duration_hours(START, START + delta)


@given(starts, minutes)
def test_hours_never_exceed_the_span_nor_12_a_day_and_have_one_place(start, length):
    end = start + dt.timedelta(minutes=length)
    hours = rules.volunteer_hours(start, end)
    days = len(rules.study_rules.day_parts(start, end))
    assert hours == hours.quantize(Decimal("0.1"))
    assert hours <= rules.round_hours(Decimal(length) / 60) and hours <= 12 * days
    if days == 1 and length <= 12 * 60:
        assert hours == rules.round_hours(Decimal(length) / 60)


@given(starts, minutes, minutes)
def test_a_longer_activity_never_credits_fewer_hours(start, a, b):
    short, long = sorted((a, b))
    assert rules.volunteer_hours(start, start + dt.timedelta(minutes=short)) <= rules.volunteer_hours(
        start, start + dt.timedelta(minutes=long))


@given(starts, minutes, st.decimals(min_value=-10, max_value=200, places=2))
def test_a_staff_figure_is_kept_only_within_its_bounds(start, length, figure):
    end = start + dt.timedelta(minutes=length)
    bound = rules.staff_hours_bound(start, end)
    rounded = rules.round_hours(figure)
    if rules.MIN_STAFF_HOURS <= rounded <= bound:
        assert rules.checked_staff_hours(figure, start, end) == rounded
    else:
        with pytest.raises(rules.HoursRefused):
            rules.checked_staff_hours(figure, start, end)


def test_study_hours_follow_the_counting_rule_or_the_staff_figure():
    assert rules.study_hours(START, START + dt.timedelta(hours=2)) == 2
    assert rules.study_hours(START, START + dt.timedelta(hours=3)) == 4
    assert rules.study_hours(START, START + dt.timedelta(hours=7)) == 8
    assert rules.study_hours(START, START + dt.timedelta(hours=2), Decimal("6.5")) == 8


OPENS = dt.timedelta(minutes=30)


@pytest.mark.parametrize(("offset", "cancelled", "refused"), [
    (dt.timedelta(minutes=-31), False, "opens"), (dt.timedelta(minutes=-30), False, None),
    (dt.timedelta(0), False, None), (dt.timedelta(hours=2), False, None),
    (dt.timedelta(hours=2, seconds=1), False, "ended"), (dt.timedelta(0), True, "cancelled")])
def test_the_code_checks_in_from_30_minutes_before_until_the_end(offset, cancelled, refused):
    refusal = rules.check_in_refusal(START + offset, START, START + dt.timedelta(hours=2), OPENS, cancelled)
    assert (refusal is None) == (refused is None)
    if refused:
        assert refused in str(refusal)


@given(st.integers(min_value=-120, max_value=240), st.integers(min_value=0, max_value=60))
def test_late_means_after_the_start_plus_the_tolerance(offset, tolerance):
    assert rules.is_late(START + dt.timedelta(minutes=offset), START, dt.timedelta(minutes=tolerance)) == (
        offset > tolerance)


def test_activity_errors_name_each_field():
    end = START + dt.timedelta(hours=2)
    assert rules.activity_errors(start=START, end=end, capacity=10, signup_until=None) == {}
    assert set(rules.activity_errors(start=START, end=START, capacity=0, signup_until=end + dt.timedelta(1))) == {
        "ends_at", "capacity", "signup_until"}
    assert set(rules.activity_errors(start=START, end=START + dt.timedelta(days=8), capacity=10,
                                     signup_until=None)) == {"ends_at"}
    assert set(rules.activity_errors(start=None, end=None, capacity=None, signup_until=None)) == {
        "starts_at", "ends_at", "capacity"}

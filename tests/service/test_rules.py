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


NOW = START - dt.timedelta(days=1)


def test_activity_errors_name_each_field():
    end = START + dt.timedelta(hours=2)
    assert rules.activity_errors(start=START, end=end, capacity=10, signup_until=None, now=NOW) == {}
    assert set(rules.activity_errors(start=START, end=START, capacity=0, signup_until=end + dt.timedelta(1),
                                     now=NOW)) == {"ends_at", "capacity", "signup_until"}
    assert set(rules.activity_errors(start=START, end=START + dt.timedelta(days=8), capacity=10,
                                     signup_until=None, now=NOW)) == {"ends_at"}
    assert set(rules.activity_errors(start=None, end=None, capacity=None, signup_until=None, now=NOW)) == {
        "starts_at", "ends_at", "capacity"}
    assert set(rules.activity_errors(start=START, end=end, capacity=10, signup_until=None,
                                     now=START + dt.timedelta(minutes=1))) == {"starts_at"}


def test_naive_times_are_refused_by_name_not_compared():
    naive = START.replace(tzinfo=None)
    errors = rules.activity_errors(start=naive, end=naive + dt.timedelta(hours=2), capacity=10,
                                   signup_until=naive - dt.timedelta(hours=1), now=NOW)
    assert set(errors) == {"starts_at", "ends_at", "signup_until"} and "+08:00" in str(errors["starts_at"])
    errors = rules.activity_errors(start=START, end=naive + dt.timedelta(hours=2), capacity=10, signup_until=None,
                                   now=NOW)
    assert set(errors) == {"ends_at"}


@pytest.mark.parametrize("start", [NOW + rules.MAX_AHEAD + dt.timedelta(minutes=1),
                                   dt.datetime(9999, 12, 31, 20, 0, tzinfo=dt.UTC)])
def test_a_start_more_than_two_years_ahead_is_refused(start):
    errors = rules.activity_errors(start=start, end=start + dt.timedelta(hours=2), capacity=10, signup_until=None,
                                   now=NOW)
    assert set(errors) == {"starts_at"} and "730" in str(errors["starts_at"])
    within = NOW + rules.MAX_AHEAD
    assert rules.activity_errors(start=within, end=within + dt.timedelta(hours=2), capacity=10, signup_until=None,
                                 now=NOW) == {}


def test_sign_up_closes_at_most_two_years_before_the_start():
    early = dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    errors = rules.activity_errors(start=START, end=START + dt.timedelta(hours=2), capacity=10, signup_until=early,
                                   now=NOW)
    assert set(errors) == {"signup_until"}


# 07:00 to 10:00 in Shanghai is 23:00 to 02:00 UTC, across a UTC midnight: times as read from the database.
MORNING_UTC = dt.datetime(2025, 6, 6, 23, 0, tzinfo=dt.UTC)


def test_a_morning_given_in_utc_is_split_into_local_days():
    assert rules.study_rules.day_parts(MORNING_UTC, MORNING_UTC + dt.timedelta(hours=3)) == [
        (dt.date(2025, 6, 7), Decimal(3))]
    assert rules.study_hours(MORNING_UTC, MORNING_UTC + dt.timedelta(hours=3)) == 4  # a half day, not 1 + 2
    # 07:00 to 20:00 local: one day of 13 h, capped at 12 (not 1 h on one UTC day and 12 on the next).
    assert rules.volunteer_hours(MORNING_UTC, MORNING_UTC + dt.timedelta(hours=13)) == 12
    # A staff figure for a morning is bounded by one day's 12 h, not two.
    assert rules.staff_hours_bound(MORNING_UTC, MORNING_UTC + dt.timedelta(hours=3)) == 12
    with pytest.raises(rules.HoursRefused):
        rules.checked_staff_hours(Decimal(13), MORNING_UTC, MORNING_UTC + dt.timedelta(hours=3))


@pytest.mark.parametrize("figure", ["1e30", "-1e30", "NaN", "Infinity", "-Infinity", "1e-30", "96.1"])
def test_a_staff_figure_far_out_of_range_is_refused_not_raised(figure):
    week = (START, START + rules.MAX_DURATION)
    with pytest.raises(rules.HoursRefused):
        rules.checked_staff_hours(Decimal(figure), *week)
    assert rules.checked_staff_hours(rules.MAX_STAFF_HOURS, START, START + rules.MAX_DURATION) == 96


def test_time_and_study_are_fixed_once_someone_is_present():
    before = {"starts_at": START, "ends_at": START + dt.timedelta(hours=2), "counts_as_study": False}
    moved = {**before, "ends_at": START + dt.timedelta(hours=3), "counts_as_study": True}
    assert rules.fixed_once_present_errors(present=0, before=before, after=moved) == {}
    assert rules.fixed_once_present_errors(present=2, before=before, after=dict(before)) == {}
    assert set(rules.fixed_once_present_errors(present=2, before=before, after=moved)) == {"ends_at",
                                                                                           "counts_as_study"}

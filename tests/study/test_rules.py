import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.study import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("hours", "credited"), [
    ("0", 0), ("0.9", 0), ("1", 1), ("2.99", 2), ("3", 4), ("5.9", 4), ("6", 8), ("10", 8), ("24", 8)])
def test_a_day_counts_1_an_hour_then_4_a_half_day_then_8_a_full_day(hours, credited):
    assert rules.hours_for_day(Decimal(hours)) == credited


def test_a_negative_day_is_refused():
    with pytest.raises(ValueError):
        rules.hours_for_day(Decimal("-0.1"))


@given(st.decimals(min_value=0, max_value=24, places=2), st.decimals(min_value=0, max_value=24, places=2))
def test_more_study_never_counts_less_and_a_day_never_counts_more_than_8(a, b):
    low, high = sorted((a, b))
    assert rules.hours_for_day(low) <= rules.hours_for_day(high) <= 8


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
       st.integers(min_value=1, max_value=7 * 24 * 60))
def test_day_parts_cover_the_span_and_split_at_midnight(start, minutes):
    start = start.replace(tzinfo=SHANGHAI, microsecond=0)
    end = start + dt.timedelta(minutes=minutes)
    parts = rules.day_parts(start, end)
    assert sum(hours for _day, hours in parts) * 60 == pytest.approx(minutes)
    assert [day for day, _hours in parts] == [start.date() + dt.timedelta(days=n) for n in range(len(parts))]
    assert all(0 < hours <= 24 for _day, hours in parts)


def test_an_evening_past_midnight_counts_each_day_alone():
    start = dt.datetime(2025, 3, 1, 22, 0, tzinfo=SHANGHAI)
    assert rules.day_parts(start, start + dt.timedelta(hours=4)) == [
        (dt.date(2025, 3, 1), Decimal(2)), (dt.date(2025, 3, 2), Decimal(2))]
    assert rules.hours_for_span(start, start + dt.timedelta(hours=4)) == 4  # 2 + 2, not a half day


def test_an_empty_or_backward_span_is_refused():
    start = dt.datetime(2025, 3, 1, 9, tzinfo=SHANGHAI)
    for end in (start, start - dt.timedelta(minutes=1)):
        with pytest.raises(ValueError):
            rules.day_parts(start, end)


def test_targets_are_32_and_56_and_progress_stops_at_100():
    assert rules.target_for(leader=False) == 32 and rules.target_for(leader=True) == 56
    assert {target.code: target.hours for target in rules.TARGETS} == {"member": 32, "leader": 56}
    assert rules.progress(Decimal(16), 32) == 50 and rules.progress(Decimal(80), 56) == 100


def test_days_are_local_days_whatever_the_zone_given():
    # 07:00 to 10:00 in Shanghai, as the database gives it back: in UTC, from 23:00 the day before.
    start = dt.datetime(2025, 6, 6, 23, 0, tzinfo=dt.UTC)
    assert rules.day_parts(start, start + dt.timedelta(hours=3)) == [(dt.date(2025, 6, 7), Decimal(3))]
    assert rules.hours_for_span(start, start + dt.timedelta(hours=3)) == 4
    # 22:00 to 02:00 local is 14:00 to 18:00 UTC, one UTC day but two local ones.
    evening = dt.datetime(2025, 3, 1, 14, 0, tzinfo=dt.UTC)
    assert rules.day_parts(evening, evening + dt.timedelta(hours=4)) == [
        (dt.date(2025, 3, 1), Decimal(2)), (dt.date(2025, 3, 2), Decimal(2))]

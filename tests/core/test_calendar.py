import calendar as stdlib_calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import calendar

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@pytest.mark.parametrize("start, months, expected", [
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
    (dt.date(2024, 3, 1), 1, dt.date(2024, 4, 1)),
    (dt.date(2024, 12, 15), 1, dt.date(2025, 1, 15)),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2024, 5, 31), -3, dt.date(2024, 2, 29)),
    (dt.date(2024, 5, 31), 0, dt.date(2024, 5, 31)),
])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert calendar.add_months(start, months) == expected


def test_days_in_month_are_the_calendars():
    for year in range(1900, 2201):
        for month in range(1, 13):
            assert calendar.days_in_month(year, month) == stdlib_calendar.monthrange(year, month)[1], (year, month)


@given(dates, st.integers(-600, 600))
def test_add_months_lands_in_the_right_month(day, months):
    result = calendar.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or result.day < day.day


@given(dates, dates)
def test_whole_months_is_the_largest_count_that_fits(start, end):
    months = calendar.whole_months_between(start, end)
    if end >= start:
        assert calendar.add_months(start, months) <= end < calendar.add_months(start, months + 1)
    else:
        assert months == -calendar.whole_months_between(end, start)


@pytest.mark.parametrize("birth, day, age", [
    (dt.date(2000, 6, 15), dt.date(2018, 6, 14), 17),
    (dt.date(2000, 6, 15), dt.date(2018, 6, 15), 18),
    (dt.date(2000, 2, 29), dt.date(2018, 2, 28), 18),
    (dt.date(2000, 2, 29), dt.date(2018, 2, 27), 17),
])
def test_age_counts_completed_years(birth, day, age):
    assert calendar.age_on(birth, day) == age


# --- working days ---------------------------------------------------------------------------------

published = calendar.WorkingDays()


@pytest.mark.parametrize("day, working", [
    (dt.date(2026, 10, 1), False),   # National Day
    (dt.date(2026, 9, 25), False),   # Mid-Autumn, a Friday
    (dt.date(2026, 9, 20), True),    # a Sunday worked in its place (调休)
    (dt.date(2026, 10, 10), True),   # a Saturday worked (调休)
    (dt.date(2026, 10, 12), True),   # an ordinary Monday
    (dt.date(2026, 10, 11), False),  # an ordinary Sunday
])
def test_the_published_calendar_knows_holidays_and_make_up_days(day, working):
    assert published.is_working_day(day) is working


def test_counting_includes_both_ends_and_skips_holidays():
    # Mon 28 Sep to Fri 9 Oct 2026: 28, 29, 30 Sep and 8, 9 Oct (1–7 Oct are the holiday).
    assert published.count(dt.date(2026, 9, 28), dt.date(2026, 10, 9)) == 5
    assert published.count(dt.date(2026, 10, 12), dt.date(2026, 10, 12)) == 1
    assert published.count(dt.date(2026, 10, 13), dt.date(2026, 10, 12)) == 0
    assert published.add(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert published.add(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)


def test_a_year_nobody_published_is_not_guessed():
    with pytest.raises(calendar.UnpublishedYear) as raised:
        published.count(dt.date(2026, 12, 28), dt.date(2027, 1, 8))
    assert raised.value.year == 2027


def test_days_an_admin_entered_come_first_and_open_their_year():
    entered = calendar.WorkingDays({dt.date(2027, 1, 1): False, dt.date(2026, 10, 12): False})
    assert not entered.is_working_day(dt.date(2026, 10, 12))
    assert not entered.is_working_day(dt.date(2027, 1, 1))
    assert entered.is_working_day(dt.date(2027, 1, 4)) and not entered.is_working_day(dt.date(2027, 1, 2))
    assert entered.count(dt.date(2026, 12, 28), dt.date(2027, 1, 8)) == 4 + 5


@given(st.dates(dt.date(2004, 1, 1), dt.date(2026, 10, 1)), st.integers(0, 40))
def test_adding_working_days_counts_exactly_that_many(day, working_days):
    result = published.add(day, working_days)
    assert published.count(day + dt.timedelta(days=1), result) == working_days
    assert working_days == 0 or published.is_working_day(result)

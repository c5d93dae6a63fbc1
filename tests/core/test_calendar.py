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

"""Calendar arithmetic shared by every duration rule ("within one month", "one year", "six
months"): calendar months, clamped to the month's end (1 March + 1 month = 1 April; 31 January
+ 1 month = 28 or 29 February). Boundaries follow 民法典 第1259条: 以上/以下/以内/届满 include the
boundary day, 不满/超过/以外 exclude it; each rule says which it uses."""

import calendar as _calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Completed calendar months from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -whole_months_between(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February turns a year older on 28
    February in common years, by the clamping of ``add_months``)."""
    return whole_months_between(birth, day) // 12

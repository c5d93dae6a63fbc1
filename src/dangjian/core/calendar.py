"""Calendar arithmetic shared by every duration rule ("within one month", "one year", "six
months"): calendar months, clamped to the month's end (1 March + 1 month = 1 April; 31 January
+ 1 month = 28 or 29 February). Boundaries follow 民法典 第1259条: 以上/以下/以内/届满 include the
boundary day, 不满/超过/以外 exclude it; each rule says which it uses."""

import calendar as _calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    last = days_in_month(year, month + 1)
    return dt.date(year, month + 1, min(day.day, last))


def days_in_month(year: int, month: int) -> int:
    # calendar.monthrange also works out the weekday, which no rule here needs.
    return 29 if month == 2 and _calendar.isleap(year) else _DAYS_IN_MONTH[month]


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


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


class UnpublishedYear(LookupError):
    """The working days of ``year`` are neither in the published calendar nor entered by an admin."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


class WorkingDays:
    """The Chinese working-day calendar: the State Council's published holidays and make-up
    working days (调休), from the chinesecalendar package, under the days an admin has entered
    (``overrides``: day → working or not), which is how a year is added before the package has it.

    A year that neither covers is not guessed: counting through it raises UnpublishedYear, and
    the rule that asked says it could not be checked."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = dict(overrides or {})
        self._entered_years = {day.year for day in self.overrides}
        # The package checks the bounds of its whole table on every call (about 30 µs), which
        # dominates counting a city's deadlines: each day is looked up once per calendar.
        self._known: dict[dt.date, bool] = {}

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._published(day)
        return known

    def _published(self, day: dt.date) -> bool:
        import chinese_calendar

        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # the package's answer for a year it has no table for
            if day.year in self._entered_years:
                # An admin who enters a year enters its holidays and make-up days; the rest of
                # that year follows the week.
                return day.weekday() < 5
            raise UnpublishedYear(day.year) from None

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days from ``first`` to ``last``, both included; 0 when ``last`` is earlier."""
        return sum(1 for offset in range((last - first).days + 1)
                   if self.is_working_day(first + dt.timedelta(days=offset)))

    def add(self, day: dt.date, working_days: int) -> dt.date:
        """The ``working_days``-th working day after ``day`` (``day`` itself not counted)."""
        while working_days > 0:
            day += dt.timedelta(days=1)
            working_days -= self.is_working_day(day)
        return day

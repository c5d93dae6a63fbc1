"""Counting study hours (学时, RULES.md 2.5): pure arithmetic, no database.

One full day of study counts 8, a half day 4, anything shorter 1 per whole hour; totals run per
calendar year. Every member should reach 32 a year; secretaries and committee members of
primary-level organisations 56. Where a half day and a full day begin are data below, so that a
district with another reading changes one number.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ONE_PLACE = Decimal("0.1")
PER_HALF_DAY = Decimal(4)
PER_FULL_DAY = Decimal(8)
# A day's study of at least this many hours counts as a half day, and as a full day from the next.
HALF_DAY_FROM = Decimal(3)
FULL_DAY_FROM = Decimal(6)


@dataclass(frozen=True)
class Target:
    code: str
    label: object
    hours: int


# The yearly targets, as data: pages, the API and later the organisational-life reports read them.
TARGETS = (
    Target("member", _("Every member"), 32),
    Target("leader", _("Secretaries and committee members"), 56),
)
TARGET_HOURS = {target.code: target.hours for target in TARGETS}


def target_for(*, leader: bool) -> int:
    return TARGET_HOURS["leader" if leader else "member"]


def hours_for_day(hours: Decimal) -> Decimal:
    """Study hours for ``hours`` of study on one day: 8 from a full day, 4 from a half day, else 1
    per whole hour. Negative amounts are refused."""
    hours = Decimal(hours)
    if hours < 0:
        raise ValueError("a negative duration")
    if hours >= FULL_DAY_FROM:
        return PER_FULL_DAY
    if hours >= HALF_DAY_FROM:
        return PER_HALF_DAY
    return hours.to_integral_value(rounding=ROUND_FLOOR)


def day_parts(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, Decimal]]:
    """The hours of [start, end) on each calendar day of local time (``TIME_ZONE``), in order;
    both are aware and ``end`` comes after ``start``. An evening activity past midnight is two
    days' parts."""
    if end <= start:
        raise ValueError("the end must come after the start")
    # Times come from the database in UTC, where a morning in Shanghai starts on the day before.
    start, end = timezone.localtime(start), timezone.localtime(end)
    parts = []
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=cursor.tzinfo)
        stop = min(midnight, end)
        parts.append((cursor.date(), Decimal((stop - cursor).total_seconds()) / Decimal(3600)))
        cursor = stop
    return parts


def hours_for_span(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Study hours for taking part from ``start`` to ``end``: each calendar day counted alone."""
    return sum((hours_for_day(hours) for _day, hours in day_parts(start, end)), Decimal(0))


def progress(done: Decimal, target: int) -> int:
    """How far ``done`` goes toward ``target``, in whole percent, at most 100."""
    return min(100, int(Decimal(done) * 100 / target)) if target else 100

"""Pure rules of service teams and activities: the check-in window, lateness, volunteer hours
from an activity's span or a staff figure, and the bounds an activity keeps. No database."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from dangjian.study import rules as study_rules

ONE_PLACE = Decimal("0.1")
# Volunteer hours credited for one calendar day at most, however long the activity ran that day.
MAX_HOURS_PER_DAY = Decimal(12)
# An activity lasts at most this long (a week's camp, a flood watch).
MAX_DURATION = dt.timedelta(days=7)
# An activity is organised at most this far ahead: beyond it, a date is a typing slip (and near
# the year 9999, local time would overflow).
MAX_AHEAD = dt.timedelta(days=2 * 365)
# A staff figure is at least this much; at most MAX_HOURS_PER_DAY per calendar day the activity spans.
MIN_STAFF_HOURS = Decimal("0.1")
# The most any staff figure can be: a 7-day activity touches 8 calendar days.
MAX_STAFF_HOURS = MAX_HOURS_PER_DAY * (MAX_DURATION.days + 1)
MAX_CAPACITY = 10_000
# What the hours of a check-in were counted from: fixed once anyone is present.
FIXED_ONCE_PRESENT = ("starts_at", "ends_at", "counts_as_study")


class HoursRefused(ValueError):
    """Hours that cannot be counted; the message says why."""


def duration_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """The hours from ``start`` to ``end``, unrounded; a zero or negative span is refused."""
    if end <= start:
        raise HoursRefused(_("An activity ends after it starts."))
    return Decimal((end - start).total_seconds()) / Decimal(3600)


def round_hours(hours: Decimal) -> Decimal:
    """To one decimal place, halves up (1.25 h is 1.3 h): the figure people read on paper."""
    return Decimal(hours).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def volunteer_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Volunteer hours for being present from ``start`` to ``end``: the span, each calendar day's
    part capped at MAX_HOURS_PER_DAY, to one decimal place. An activity across midnight counts
    both evenings' parts."""
    duration_hours(start, end)
    parts = study_rules.day_parts(start, end)
    return round_hours(sum((min(hours, MAX_HOURS_PER_DAY) for _day, hours in parts), Decimal(0)))


def staff_hours_bound(start: dt.datetime, end: dt.datetime) -> Decimal:
    """The most a staff figure may credit for an activity: MAX_HOURS_PER_DAY per day it spans."""
    return MAX_HOURS_PER_DAY * len(study_rules.day_parts(start, end))


def checked_staff_hours(figure: Decimal, start: dt.datetime, end: dt.datetime) -> Decimal:
    """A staff-entered figure, rounded, if within bounds; refused otherwise."""
    figure = Decimal(figure)
    bound = staff_hours_bound(start, end)
    # Far out of range is refused before rounding, which overflows on a figure such as 1e30.
    if figure.is_finite() and abs(figure) <= bound + 1:
        figure = round_hours(figure)
        if MIN_STAFF_HOURS <= figure <= bound:
            return figure
    raise HoursRefused(_("Give hours from %(min)s to %(max)s.") % {"min": MIN_STAFF_HOURS, "max": bound})


def study_hours(start: dt.datetime, end: dt.datetime, staff_figure: Decimal | None = None) -> Decimal:
    """Study hours for an activity marked as study: by the counting rule of each day's part, or
    by the staff figure counted as one day's study."""
    if staff_figure is not None:
        return study_rules.hours_for_day(staff_figure)
    return study_rules.hours_for_span(start, end)


def check_in_window(start: dt.datetime, end: dt.datetime, opens_before: dt.timedelta) -> tuple[dt.datetime,
                                                                                                 dt.datetime]:
    """From when until when the activity's code checks people in: it expires with the activity."""
    return start - opens_before, end


def check_in_refusal(now: dt.datetime, start: dt.datetime, end: dt.datetime, opens_before: dt.timedelta,
                     cancelled: bool) -> str | None:
    """Why a check-in by code at ``now`` is refused, or None."""
    if cancelled:
        return _("This activity has been cancelled.")
    opens, closes = check_in_window(start, end, opens_before)
    if now < opens:
        return _("Check-in opens %(minutes)s minutes before the start.") % {
            "minutes": int(opens_before.total_seconds() // 60)}
    if now > closes:
        return _("This activity has ended: its code no longer checks anyone in.")
    return None


def is_late(at: dt.datetime, start: dt.datetime, tolerance: dt.timedelta) -> bool:
    """A check-in after the start plus the tolerance is late."""
    return at > start + tolerance


def _naive(moment: dt.datetime | None) -> bool:
    return moment is not None and moment.utcoffset() is None


def activity_errors(*, start: dt.datetime | None, end: dt.datetime | None, capacity: int | None,
                    signup_until: dt.datetime | None, now: dt.datetime) -> dict[str, str]:
    """What is wrong with an activity's times and capacity, by field: each time aware, the start
    ahead of ``now`` by at most MAX_AHEAD, the end after it by at most MAX_DURATION, sign-up
    closing by the end and at most MAX_AHEAD before the start."""
    times = {"starts_at": start, "ends_at": end, "signup_until": signup_until}
    errors = {field: _("Give the time with its offset from UTC, such as +08:00.")
              for field, moment in times.items() if _naive(moment)}
    if errors:
        # A naive time cannot be compared with an aware one: the bounds wait until all are aware.
        start = end = signup_until = None
    if times["starts_at"] is None:
        errors["starts_at"] = _("Give the start.")
    if times["ends_at"] is None:
        errors["ends_at"] = _("Give the end.")
    if start is not None and start <= now:
        errors["starts_at"] = _("The start is in the past.")
    elif start is not None and start - now > MAX_AHEAD:
        errors["starts_at"] = _("An activity starts at most %(days)s days ahead.") % {"days": MAX_AHEAD.days}
    if start is not None and end is not None:
        if end <= start:
            errors["ends_at"] = _("An activity ends after it starts.")
        elif end - start > MAX_DURATION:
            errors["ends_at"] = _("An activity lasts at most %(days)s days.") % {"days": MAX_DURATION.days}
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Give a capacity from 1 to %(max)s.") % {"max": MAX_CAPACITY}
    if signup_until is not None and end is not None and signup_until > end:
        errors["signup_until"] = _("Sign-up closes before the activity ends.")
    elif signup_until is not None and start is not None and start - signup_until > MAX_AHEAD:
        errors["signup_until"] = _("Sign-up closes at most %(days)s days before the start.") % {
            "days": MAX_AHEAD.days}
    return errors


def fixed_once_present_errors(*, present: int, before: dict, after: dict) -> dict[str, str]:
    """Which of FIXED_ONCE_PRESENT a change would alter after ``present`` people were checked in:
    their hours, study hours and roll-ups were counted from them."""
    if not present:
        return {}
    message = _("%(count)s people have been checked in: the time and whether it counts as study can no "
                "longer be changed.") % {"count": present}
    return {field: message for field in FIXED_ONCE_PRESENT if before[field] != after[field]}

"""Writes of the shared kernel: the days admins enter into the working-day calendar, and
notifications marked read."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import AuditAction, CalendarDay, Notification


@transaction.atomic
def calendar_day_set(*, actor, day: dt.date, working: bool, name: str = "") -> CalendarDay:
    """Enter ``day`` as a working day or a holiday, over what the published calendar says."""
    entered, created = CalendarDay.objects.update_or_create(
        day=day, defaults={"working": working, "name": name.strip()[:50], "entered_by": actor})
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=entered,
                 changes={"calendar_day": {"day": day.isoformat(), "working": working, "name": entered.name}})
    return entered


@transaction.atomic
def calendar_day_remove(*, actor, day: dt.date) -> bool:
    """Forget what was entered for ``day``; the published calendar answers again."""
    entered = CalendarDay.objects.filter(day=day).first()
    if entered is None:
        return False
    audit.record(AuditAction.DELETE, actor=actor, obj=entered,
                 changes={"calendar_day": {"day": day.isoformat(), "working": entered.working, "name": entered.name}})
    entered.delete()
    return True


def notify(users, kind: str, url: str = "", **values) -> None:
    """Notify each of ``users`` of ``kind`` (``core.notifications``), naming ``values``: plain
    JSON values, put into words when each reader reads them."""
    Notification.objects.bulk_create([Notification(recipient=user, kind=kind, values=values, url=url)
                                      for user in users])


def notifications_read(*, user) -> int:
    """Mark all of ``user``'s notifications read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def calendar_next_year_by_the_week(*, actor, today: dt.date) -> int | None:
    """Where the published calendar does not hold the year after ``today`` yet, enter its New
    Year's Day, so that the rest of that year follows the week (``WorkingDays``) and deadlines
    running past New Year can be counted. For the demo and the tests: a deployment enters the
    State Council's real days each November (docs/operations.md). Returns the year entered."""
    import chinese_calendar

    year = today.year + 1
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        if not CalendarDay.objects.filter(day__year=year).exists():
            calendar_day_set(actor=actor, day=dt.date(year, 1, 1), working=False, name="元旦")
            return year
    return None

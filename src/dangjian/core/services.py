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


def notifications_read(*, user, ids=None) -> int:
    """Mark ``user``'s notifications read (``ids`` of them, or all); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())

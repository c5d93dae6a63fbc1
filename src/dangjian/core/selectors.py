"""Reads of the audit trail, within the reader's scope."""

from django.db.models import Q, QuerySet

from dangjian.accounts.roles import Permission
from dangjian.core.calendar import WorkingDays
from dangjian.core.models import AuditEvent, CalendarDay
from dangjian.core.scope import Scope, scope_for


def audit_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_AUDIT)


def audit_events(user, *, actor=None, action=None, since=None, until=None, success=None) -> QuerySet:
    """Events about organisations in the reader's scope. Events tied to no organisation (a
    failed login for an unknown name) are shown to readers whose scope is a whole tree."""
    scope = audit_scope(user)
    condition = scope.q("org_path")
    if scope.covers_everything():
        condition |= Q(org_path="")
    queryset = AuditEvent.objects.filter(condition)
    if actor:
        queryset = queryset.filter(actor_username=actor)
    if action:
        queryset = queryset.filter(action=action)
    if since:
        queryset = queryset.filter(at__gte=since)
    if until:
        queryset = queryset.filter(at__lte=until)
    if success is not None:
        queryset = queryset.filter(success=success)
    return queryset.order_by("-at", "-id")



def working_days() -> WorkingDays:
    """The working-day calendar with the days admins have entered."""
    return WorkingDays(dict(CalendarDay.objects.values_list("day", "working")))

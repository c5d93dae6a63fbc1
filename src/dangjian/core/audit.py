"""Writing the audit trail. Services call ``record`` inside their transaction, so an action and
its audit line commit or roll back together."""

from django.db import models

from dangjian.core import request_context
from dangjian.core.models import AuditAction, AuditEvent


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    org_path: str = "",
    changes: dict | None = None,
    success: bool = True,
    actor_username: str = "",
    object_repr: str = "",
) -> AuditEvent:
    context = request_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else actor_username)[:150],
        ip=context.ip,
        user_agent=context.user_agent[:200],
        action=action,
        success=success,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        org_path=org_path,
        changes=changes or {},
    )


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as ``{field: [old, new]}``, for the ``changes`` column."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


__all__ = ["AuditAction", "diff", "record"]

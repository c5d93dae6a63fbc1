"""Authentication events go to the audit trail (ASVS 16.3.1, 等保 8.1.4.3)."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import AuditAction

LOGIN_AT = "dangjian_login_at"


def _account_path(username: str) -> str:
    return get_user_model().objects.filter(username=username).values_list("org_path", flat=True).first() or ""


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = timezone.now().timestamp()
    audit.record(AuditAction.LOGIN, actor=user, obj=user, org_path=user.org_path)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(AuditAction.LOGOUT, actor=user, obj=user, org_path=user.org_path)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(AuditAction.LOGIN_FAILED, success=False, actor_username=username, object_repr=username,
                 org_path=_account_path(username))


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    username = (username or "")[:150]
    audit.record(AuditAction.LOCKOUT, success=False, actor_username=username, object_repr=username,
                 org_path=_account_path(username))

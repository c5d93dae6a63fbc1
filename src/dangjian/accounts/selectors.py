"""Reads of accounts for the administration pages, within the administrator's scope.

An account belongs where its ``org_path`` points. A system administrator sees the accounts under
the organisations where it manages accounts, a security administrator those where it grants
roles; what each may then do to an account is checked against its own permission.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import Permission
from dangjian.core.scope import Scope, covering_paths, scope_for

ADMIN_PERMISSIONS = (Permission.MANAGE_ACCOUNTS, Permission.GRANT_ROLES)


class Status:
    ACTIVE = "active"
    DISABLED = "disabled"
    LOCKED = "locked"


def admin_scope(user) -> Scope:
    """Where ``user`` administers accounts in any way."""
    return Scope(covering_paths(path for permission in ADMIN_PERMISSIONS for path in scope_for(user, permission).paths))


def locked_usernames(usernames=None) -> set[str]:
    """The usernames that django-axes locks out now: as many failures within the cool-off time as
    the policy allows (the sum over addresses, as axes counts them for username lockout)."""
    attempts = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    if usernames is not None:
        attempts = attempts.filter(username__in=list(usernames))
    return set(
        attempts.values("username").annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT).values_list("username", flat=True)
    )


def _with_roles(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("organization").prefetch_related(
        Prefetch("assignments", queryset=RoleAssignment.objects.select_related("organization").order_by("role", "pk"))
    )


def accounts(user, *, text: str = "", status: str = "", role: str = "") -> QuerySet:
    """Accounts in the administrator's scope whose username or name contains ``text``."""
    queryset = admin_scope(user).filter(User.objects.all(), "org_path")
    text = text.strip()
    if text:
        queryset = queryset.filter(Q(username__icontains=text) | Q(first_name__contains=text))
    if status == Status.ACTIVE:
        queryset = queryset.filter(is_active=True)
    elif status == Status.DISABLED:
        queryset = queryset.filter(is_active=False)
    elif status == Status.LOCKED:
        queryset = queryset.filter(username__in=locked_usernames())
    if role:
        queryset = queryset.filter(assignments__role=role).distinct()
    return _with_roles(queryset).order_by("org_path", "username")


def account_for(user, pk: int) -> User:
    """The account ``pk`` if it lies in the administrator's scope; 404 otherwise."""
    return admin_scope(user).get_or_404(_with_roles(User.objects.all()), "org_path", pk=pk)


def is_locked(account: User) -> bool:
    return account.username in locked_usernames([account.username])

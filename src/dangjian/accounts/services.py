"""Accounts, roles and credentials. Each write checks the actor, applies the policy and records
the audit line in one transaction. ``actor=None`` is the installer (commands, the demo)."""

import secrets
import string
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import ApiToken, RoleAssignment, User
from dangjian.accounts.roles import Permission, Role, separation_conflict
from dangjian.core import audit, scope
from dangjian.core.models import AuditAction

USERNAME_CHARACTERS = set(string.ascii_letters + string.digits + "._-")


def generate_password(length: int = 14) -> str:
    """A random password that satisfies both policy profiles: every character class present."""
    alphabet = string.ascii_letters + string.digits + "!#%+=?@"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in password) and any(c.isupper() for c in password)
                and any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)):
            return password


def _require(actor, permission: str, path: str) -> None:
    if actor is not None and not scope.has_permission(actor, permission, path):
        raise PermissionDenied(_("You may not administer accounts there."))


@transaction.atomic
def account_create(*, actor, username: str, full_name: str, organization, email: str = "") -> tuple[User, str]:
    """Create an account with a generated one-time password, returned once; the holder must
    change it at first login."""
    _require(actor, Permission.MANAGE_ACCOUNTS, organization.path)
    username = (username or "").strip()
    if not username or len(username) > 150 or set(username) - USERNAME_CHARACTERS:
        raise ValidationError({"username": _("A username is 1 to 150 letters, digits, dots, hyphens or underscores.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The username %(name)s is taken.") % {"name": username}})
    if not (full_name or "").strip():
        raise ValidationError({"full_name": _("Give the person's name.")})
    if organization.is_dissolved:
        raise ValidationError({"organization": _("%(name)s has been dissolved.") % {"name": organization.name}})
    password = generate_password()
    user = User(username=username, first_name=full_name.strip()[:150], email=email, organization=organization,
                org_path=organization.path, must_change_password=True, password_changed_at=timezone.now())
    user.set_password(password)
    user.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=user, org_path=organization.path,
                 changes={"username": [None, username], "organization": [None, organization.code]})
    return user, password


@transaction.atomic
def account_set_active(*, actor, user: User, active: bool) -> User:
    _require(actor, Permission.MANAGE_ACCOUNTS, user.org_path)
    if actor is not None and actor.pk == user.pk and not active:
        # A disabled administrator cannot sign in to undo it; another administrator has to decide.
        raise ValidationError({"active": _("You cannot disable your own account.")})
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            # Django's backend no longer loads an inactive user, so open sessions end at their
            # next request (ASVS 7.4.2); tokens are removed outright.
            ApiToken.objects.filter(user=user).delete()
        audit.record(AuditAction.UPDATE, actor=actor, obj=user, org_path=user.org_path,
                     changes={"is_active": [not active, active]})
    return user


@transaction.atomic
def role_grant(*, actor, user: User, role: str, organization) -> RoleAssignment:
    _require(actor, Permission.GRANT_ROLES, organization.path)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("Nobody grants roles to themselves."))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    if organization.is_dissolved:
        raise ValidationError({"organization": _("%(name)s has been dissolved.") % {"name": organization.name}})
    held = list(user.assignments.values_list("role", flat=True))
    conflict = separation_conflict(held, role)
    if conflict:
        raise ValidationError({"role": _(
            "%(new)s cannot be combined with %(held)s: system administration, security administration "
            "and audit are held by different people (等保 2.0 三权分立)."
        ) % {"new": Role(role).label, "held": Role(conflict).label}})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"granted_by": actor}
    )
    if not created:
        raise ValidationError({"role": _("%(user)s already holds this role there.") % {"user": user.username}})
    scope.forget(user)
    audit.record(AuditAction.GRANT, actor=actor, obj=user, org_path=organization.path,
                 changes={"role": [None, role], "organization": [None, organization.code]})
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    _require(actor, Permission.GRANT_ROLES, assignment.organization.path)
    audit.record(AuditAction.REVOKE, actor=actor, obj=assignment.user, org_path=assignment.organization.path,
                 changes={"role": [assignment.role, None], "organization": [assignment.organization.code, None]})
    assignment.delete()
    scope.forget(assignment.user)


@transaction.atomic
def account_unlock(*, actor, user: User) -> None:
    _require(actor, Permission.GRANT_ROLES, user.org_path)
    axes_reset(username=user.username)
    audit.record(AuditAction.UNLOCK, actor=actor, obj=user, org_path=user.org_path)


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    # AbstractBaseUser.save() reports the change to the validators (the history keeps it).
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(AuditAction.PASSWORD_CHANGE, actor=user, obj=user, org_path=user.org_path)
    return user


def password_expired(user: User, now=None) -> bool:
    max_age = settings.POLICY.max_age_days
    if user.must_change_password:
        return True
    if max_age is None:
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > timedelta(days=max_age)


def otp_required(user: User) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    return any(role in required for role, _path in scope.assignments_of(user))


@transaction.atomic
def token_issue(*, user: User) -> tuple[ApiToken, str]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit.record(AuditAction.TOKEN, actor=user, obj=user, org_path=user.org_path)
    return token, key


def token_user(key: str) -> User | None:
    """The active user holding an unexpired token ``key``; touches its last use."""
    if not key.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(
        key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now(), user__is_active=True
    ).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

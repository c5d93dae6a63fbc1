from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import notifications
from dangjian.core.fields import PathField


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    MOVE = "move", _("Move")
    DISSOLVE = "dissolve", _("Dissolve")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Account locked")
    LOGOUT = "logout", _("Logout")
    PASSWORD_CHANGE = "password_change", _("Password change")
    OTP_ENROL = "otp_enrol", _("Second factor enrolled")
    OTP_FAILED = "otp_failed", _("Second factor failed")
    TOKEN = "token", _("API token issued")
    GRANT = "grant", _("Role granted")
    REVOKE = "revoke", _("Role revoked")
    UNLOCK = "unlock", _("Account unlocked")
    EXPORT = "export", _("Export")
    REVEAL = "reveal", _("Reveal of a masked value")
    DOWNLOAD = "download", _("Document downloaded")
    DENIED = "denied", _("Access denied")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only; old ones are pruned by `dangjian prune-audit`.")


class AuditEvent(models.Model):
    """One line of the security audit trail (等保 8.1.4.3). Rows are never changed or deleted
    before the retention period has passed; database triggers enforce it (migration 0002)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("account"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    success = models.BooleanField(_("succeeded"), default=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    object_repr = models.CharField(_("description"), max_length=200, blank=True)
    org_path = PathField(_("organisation path"), blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["org_path", "at"], name="audit_path_at")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only; old ones are pruned by `dangjian prune-audit`.")


class CalendarDay(models.Model):
    """A day whose status an admin has entered: a holiday, or a make-up working day (调休) on a
    weekend. It takes precedence over the published calendar (core.calendar.WorkingDays), and is
    how a new year's calendar is added before the package that carries it is updated."""

    day = models.DateField(_("day"), unique=True)
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("The holiday, e.g. 春节."))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day.isoformat()} {self.name}"


class Notification(models.Model):
    """A message for one account inside the platform (an escalated request, a request assigned to
    a member), shown until it is read: its kind and the values it names, worded in the reader's
    language (``core.notifications``)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"))
    kind = models.CharField(pgettext_lazy("notification", "kind"), max_length=60)
    values = models.JSONField(_("values"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "created_at"], name="notification_unread",
                                condition=models.Q(read_at__isnull=True))]

    @property
    def message(self) -> str:
        """The notification in the reader's language."""
        return notifications.words(self.kind, self.values)

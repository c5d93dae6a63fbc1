from datetime import timedelta

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.models import AuditAction, AuditEvent

# 《网络安全法》第二十一条: network logs are kept at least six months.
MINIMUM_RETENTION_DAYS = 180


class Command(BaseCommand):
    help = _("Delete audit events older than AUDIT_RETENTION_DAYS (at least 180 days).")

    def handle(self, *args, **options):
        days = settings.AUDIT_RETENTION_DAYS
        if days < MINIMUM_RETENTION_DAYS:
            raise CommandError(_("AUDIT_RETENTION_DAYS is %(days)s; audit events are kept at least %(minimum)s days.")
                               % {"days": days, "minimum": MINIMUM_RETENTION_DAYS})
        cutoff = timezone.now() - timedelta(days=days)
        quote = connection.ops.quote_name
        # The model and its queryset refuse deletes, so that no code path removes audit lines by
        # accident; this command is the one deliberate exception, and leaves a line of its own.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote(AuditEvent._meta.db_table)} WHERE {quote('at')} < %s",
                [connection.ops.adapt_datetimefield_value(cutoff)],
            )
            deleted = cursor.rowcount
            audit.record(AuditAction.DELETE, object_repr=_("audit events older than %(days)s days") % {"days": days},
                         changes={"deleted": [None, deleted], "older_than": [None, cutoff.isoformat()]})
        self.stdout.write(_("Deleted %(count)s audit events older than %(days)s days.")
                          % {"count": deleted, "days": days})

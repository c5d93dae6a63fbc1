"""Restore the SQLite append-only trigger of migration 0002.

On SQLite, Django alters a column by rebuilding the table, which drops its triggers: 0003
(the path collation) removed ``core_auditevent_no_update``. PostgreSQL alters in place and keeps
its trigger. Any later migration that alters core_auditevent on SQLite must restore it the same
way (tests/core/test_audit.py fails otherwise).
"""

from django.db import migrations

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_path_collation")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

"""Database triggers that keep the audit trail append-only (等保 8.1.4.3 c).

Updates are refused on both databases. Deletes of rows younger than 180 days (《网络安全法》
第二十一条) are refused on PostgreSQL; SQLite, the single-user demo database, relies on the
model and queryset guards, because Django's test flush empties SQLite tables with DELETE.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_protect() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'audit events are append-only';
  END IF;
  IF OLD.at > now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit events are kept at least 180 days';
  END IF;
  RETURN OLD;
END $$ LANGUAGE plpgsql;
---
CREATE TRIGGER core_auditevent_protect BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION core_auditevent_protect();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_protect ON core_auditevent;
---
DROP FUNCTION IF EXISTS core_auditevent_protect();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_auditevent_no_update;"


def _run(schema_editor, script: str) -> None:
    for statement in script.split("---"):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]

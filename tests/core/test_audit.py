"""The audit trail: what is recorded, who may read it, and that nobody may rewrite it."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import audit
from dangjian.core.models import AuditAction, AuditEvent
from tests.accounts.helpers import sign_in

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"
TABLE = AuditEvent._meta.db_table
EVENT_ACCOUNTS = {"alice", "bob", "carol", "ghost"}


def _just_now(event) -> bool:
    return timezone.now() - dt.timedelta(minutes=1) < event.at <= timezone.now()


# --- What is recorded ----------------------------------------------------------------------------


def test_login_logout_and_a_failed_login_are_recorded(client, tree, make_user):
    user = make_user(Role.VIEWER, tree.street_a)
    sign_in(client, user, "wrong-password", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="TestBrowser/1")
    sign_in(client, user, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="TestBrowser/1")
    client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)

    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.actor, failed.actor_username, failed.success, failed.ip) == (None, user.username, False, ADDRESS)
    assert failed.org_path == tree.street_a.path
    assert failed.user_agent == "TestBrowser/1"
    for action in (AuditAction.LOGIN, AuditAction.LOGOUT):
        event = AuditEvent.objects.get(action=action)
        assert (event.actor, event.actor_username, event.ip, event.success) == (user, user.username, ADDRESS, True)
        assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
        assert _just_now(event)


def test_a_failed_login_for_an_unknown_name_is_recorded_without_an_organisation(client, db):
    client.post("/accounts/login/", {"username": "ghost", "password": "x"}, REMOTE_ADDR=ADDRESS)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (event.actor_username, event.org_path, event.ip) == ("ghost", "", ADDRESS)


def test_organisation_create_and_update_are_recorded_with_their_changes(client, tree, street_admin,
                                                                        settings_no_otp):
    client.force_login(street_admin)
    response = client.post(f"/orgs/{tree.community_a.code}/new/", {
        "name": "东风社区第二网格党支部", "level": "grid", "kind": "branch", "code": ""}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, actor=street_admin).get()
    assert created.ip == ADDRESS
    assert created.object_repr
    assert created.changes["name"] == [None, "东风社区第二网格党支部"]
    assert created.org_path.startswith(tree.community_a.path)

    response = client.post(f"/orgs/{tree.grid_a.code}/edit/", {"name": "东风第一网格党支部"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    updated = AuditEvent.objects.get(action=AuditAction.UPDATE, actor=street_admin)
    assert updated.changes["name"] == ["东风社区第一网格党支部", "东风第一网格党支部"]
    assert (updated.object_id, updated.org_path, updated.ip) == (str(tree.grid_a.pk), tree.grid_a.path, ADDRESS)
    assert _just_now(updated)


# --- Reading it ----------------------------------------------------------------------------------


@pytest.fixture
def events(tree):
    """Three events on street A, one on street B, one tied to no organisation."""
    audit.record(AuditAction.LOGIN, actor_username="alice", org_path=tree.community_a.path)
    audit.record(AuditAction.LOGIN_FAILED, success=False, actor_username="alice", org_path=tree.grid_a.path)
    audit.record(AuditAction.UPDATE, actor_username="bob", org_path=tree.street_a.path)
    audit.record(AuditAction.LOGIN, actor_username="carol", org_path=tree.community_b.path)
    audit.record(AuditAction.LOGIN_FAILED, success=False, actor_username="ghost", org_path="")
    AuditEvent.objects.create(at=timezone.now() - dt.timedelta(days=10), action=AuditAction.LOGIN,
                              actor_username="alice", org_path=tree.street_a.path)


def _listed(client, **filters):
    response = client.get("/audit/", filters)
    assert response.status_code == 200
    # Only the fixture's events: the tree fixture and the reader's own sign-in leave lines too.
    return response, sorted((event.actor_username, event.action) for event in response.context["page"]
                            if event.actor_username in EVENT_ACCOUNTS)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ORG_ADMIN])
def test_a_street_reader_sees_its_street_only(client, tree, make_user, events, settings_no_otp, role):
    client.force_login(make_user(role, tree.street_a))
    _response, listed = _listed(client)
    assert listed == [("alice", "login"), ("alice", "login"), ("alice", "login_failed"), ("bob", "update")]


def test_a_city_auditor_sees_every_event(client, tree, make_user, events, settings_no_otp):
    client.force_login(make_user(Role.AUDITOR, tree.city))
    _response, listed = _listed(client)
    assert ("carol", "login") in listed and ("ghost", "login_failed") in listed


def test_the_audit_page_filters(client, tree, make_user, events, settings_no_otp):
    client.force_login(make_user(Role.AUDITOR, tree.street_a))
    today = timezone.localdate()
    assert _listed(client, actor="bob")[1] == [("bob", "update")]
    assert _listed(client, action="login_failed")[1] == [("alice", "login_failed")]
    assert _listed(client, success="0")[1] == [("alice", "login_failed")]
    assert ("alice", "login_failed") not in _listed(client, success="1")[1]
    since = (today - dt.timedelta(days=11)).isoformat()
    until = (today - dt.timedelta(days=9)).isoformat()
    assert _listed(client, since=since, until=until)[1] == [("alice", "login")]
    assert len(_listed(client, since=today.isoformat())[1]) == 3
    assert _listed(client, until=(today - dt.timedelta(days=1)).isoformat())[1] == [("alice", "login")]


@pytest.mark.parametrize(("filters", "field"), [
    ({"since": "2026-03-10", "until": "2026-03-01"}, "until"),
    ({"since": "not a date"}, "since"),
    ({"action": "explode"}, "action"),
    ({"success": "2"}, "success"),
])
def test_bad_audit_filters_are_shown_on_the_field(client, tree, make_user, events, settings_no_otp, filters, field):
    client.force_login(make_user(Role.AUDITOR, tree.street_a))
    response, _listed_events = _listed(client, **filters)
    assert field in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SECRETARY, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN])
def test_roles_without_the_audit_permission_get_404(client, tree, make_user, events, settings_no_otp, role):
    client.force_login(make_user(role, tree.city))
    assert client.get("/audit/").status_code == 404


# --- Append-only ---------------------------------------------------------------------------------


def test_the_orm_refuses_changes_and_deletes(db):
    event = audit.record(AuditAction.LOGIN, actor_username="alice")
    event.action = AuditAction.LOGOUT
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(success=False)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.LOGIN


def _raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("TABLE", connection.ops.quote_name(TABLE)), params)
        return cursor.rowcount


def test_the_database_refuses_a_raw_update(db):
    event = audit.record(AuditAction.LOGIN, actor_username="alice")
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE TABLE SET success = %s WHERE id = %s", [False, event.pk])
    assert AuditEvent.objects.get(pk=event.pk).success is True


def test_postgresql_refuses_a_raw_delete_of_a_recent_row_but_not_of_an_old_one(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite relies on the model guards for deletes (migration core 0002)")
    recent = audit.record(AuditAction.LOGIN, actor_username="alice")
    old = AuditEvent.objects.create(at=timezone.now() - dt.timedelta(days=181), action=AuditAction.LOGIN)
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM TABLE WHERE id = %s", [recent.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE TABLE SET success = %s WHERE id = %s", [False, old.pk])
    assert _raw("DELETE FROM TABLE WHERE id = %s", [old.pk]) == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


# --- Pruning -------------------------------------------------------------------------------------


def _prune() -> str:
    out = StringIO()
    call_command("prune_audit", stdout=out)
    return out.getvalue()


def test_prune_audit_removes_only_rows_past_the_retention(settings, db):
    settings.AUDIT_RETENTION_DAYS = 200
    now = timezone.now()
    kept = [AuditEvent.objects.create(at=now - dt.timedelta(days=days), action=AuditAction.LOGIN).pk
            for days in (0, 199)]
    for days in (201, 400):
        AuditEvent.objects.create(at=now - dt.timedelta(days=days), action=AuditAction.LOGIN)

    output = _prune()
    assert "2" in output
    assert set(AuditEvent.objects.filter(action=AuditAction.LOGIN).values_list("pk", flat=True)) == set(kept)
    record = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert record.changes["deleted"] == [None, 2]


def test_prune_audit_refuses_a_retention_below_180_days(settings, db):
    settings.AUDIT_RETENTION_DAYS = 90
    old = AuditEvent.objects.create(at=timezone.now() - dt.timedelta(days=100), action=AuditAction.LOGIN)
    with pytest.raises(CommandError, match="180"):
        _prune()
    assert AuditEvent.objects.filter(pk=old.pk).exists()

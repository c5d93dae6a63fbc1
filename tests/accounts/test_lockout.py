"""Lockout after repeated failures (django-axes, 等保 8.1.4.1 b) and the security admin's unlock."""

import pytest
from django.test import Client

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from tests.accounts.helpers import sign_in

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.mark.parametrize("profile_name", ["djb3", "asvs"])
def test_the_failure_limit_locks_the_account_until_unlocked(client, tree, make_user, use_profile, settings,
                                                            profile_name):
    profile = use_profile(profile_name)
    settings.OTP_REQUIRED_ROLES = []
    user = make_user(Role.VIEWER, tree.street_a)

    for _attempt in range(profile.lockout_failures - 1):
        response = sign_in(client, user, "wrong-password", REMOTE_ADDR=ADDRESS)
        assert response.status_code == 200
        assert response.context["form"].errors
    response = sign_in(client, user, "wrong-password", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 429
    assert "accounts/locked.html" in [template.name for template in response.templates]

    response = sign_in(client, user, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_username=user.username)
    assert failed.count() >= profile.lockout_failures
    assert set(failed.values_list("ip", flat=True)) == {ADDRESS}
    assert not failed.filter(success=True).exists()
    lockouts = AuditEvent.objects.filter(action=AuditAction.LOCKOUT, actor_username=user.username)
    assert lockouts.exists()
    assert lockouts.first().ip == ADDRESS
    assert lockouts.first().org_path == tree.street_a.path

    security_admin = make_user(Role.SECURITY_ADMIN, tree.street_a)
    admin_client = Client()
    admin_client.force_login(security_admin)
    assert admin_client.get(f"/accounts/users/{user.pk}/").context["locked"] is True
    assert admin_client.post(f"/accounts/users/{user.pk}/unlock/").status_code == 302
    assert admin_client.get(f"/accounts/users/{user.pk}/").context["locked"] is False
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK, actor=security_admin, object_id=str(user.pk)).exists()

    response = sign_in(client, user, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_success_before_the_limit_starts_the_count_again(client, tree, make_user, settings):
    settings.OTP_REQUIRED_ROLES = []
    user = make_user(Role.VIEWER, tree.street_a)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, user, "wrong-password")
    assert sign_in(client, user).status_code == 302
    client.post("/accounts/logout/")
    assert sign_in(client, user, "wrong-password").status_code == 200

"""The second factor: who must use one, enrolment, verification, and a wrong code."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.policy import STAFF_ROLES
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from tests.accounts.helpers import sign_in, totp_code

pytestmark = pytest.mark.django_db

SETUP, VERIFY = "/accounts/otp/setup/", "/accounts/otp/verify/"


def test_an_org_admin_enrols_then_verifies_at_each_sign_in(client, tree, make_user, use_profile, settings):
    use_profile("djb3")
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    admin = make_user(Role.ORG_ADMIN, tree.street_a)

    assert sign_in(client, admin).status_code == 302
    for page in ("/", "/orgs/", f"/orgs/{tree.street_a.code}/", "/audit/", "/accounts/password/"):
        assert client.get(page).url == SETUP, page
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=admin, confirmed=False)

    response = client.post(SETUP, {"token": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/orgs/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.OTP_ENROL, actor=admin).exists()

    client.post("/accounts/logout/")
    sign_in(client, admin)
    assert client.get("/orgs/").url == VERIFY
    assert client.get(SETUP).url == VERIFY

    device.refresh_from_db()
    wrong = f"{(int(totp_code(device)) + 500_000) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/orgs/").url == VERIFY
    failure = AuditEvent.objects.get(action=AuditAction.OTP_FAILED, actor=admin)
    assert failure.success is False

    response = client.post(VERIFY, {"token": totp_code(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.get("/orgs/").status_code == 200


def test_a_wrong_code_at_enrolment_is_refused(client, tree, make_user, use_profile):
    use_profile("djb3")
    admin = make_user(Role.ORG_ADMIN, tree.street_a)
    sign_in(client, admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin)
    wrong = f"{(int(totp_code(device)) + 500_000) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/orgs/").url == SETUP


def test_djb3_does_not_ask_a_viewer(client, tree, make_user, use_profile):
    use_profile("djb3")
    viewer = make_user(Role.VIEWER, tree.street_a)
    sign_in(client, viewer)
    assert client.get("/orgs/").status_code == 200


def test_asvs_asks_every_staff_role(client, tree, make_user, use_profile, settings):
    use_profile("asvs")
    assert set(settings.OTP_REQUIRED_ROLES) == set(STAFF_ROLES) == set(Role.values)
    viewer = make_user(Role.VIEWER, tree.street_a)
    sign_in(client, viewer)
    assert client.get("/orgs/").url == SETUP

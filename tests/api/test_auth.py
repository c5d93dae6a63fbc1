import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import ApiToken
from dangjian.accounts.roles import Role
from tests import factories
from tests.api.client import Api, field_errors

pytestmark = pytest.mark.django_db


def _token(client, username, password=factories.PASSWORD, **extra):
    return Api(client).post("/api/auth/token", {"username": username, "password": password, **extra})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def _confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_good_credentials_give_a_token_that_opens_the_api(client, tree, make_user, settings_no_otp):
    user = make_user(Role.VIEWER, tree.street_a)
    response = _token(client, user.username)
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith(ApiToken.PREFIX)
    expires = dt.datetime.fromisoformat(body["expires_at"])
    expected = timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert abs((expires - expected).total_seconds()) < 60
    assert ApiToken.objects.get(user=user).key_hash != body["token"]
    listing = Api(client, body["token"]).get("/api/orgs")
    assert listing.status_code == 200
    assert listing.json()["items"][0]["code"] == tree.street_a.code


def test_wrong_password_is_401_json(client, make_user):
    user = make_user()
    response = _token(client, user.username, "Wrong-pass-1!")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["message"]
    assert not ApiToken.objects.exists()


def test_unknown_user_is_the_same_401(client, db):
    response = _token(client, "nobody-here", "Wrong-pass-1!")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_lockout_after_the_policys_failures_is_429_json_even_with_the_right_password(client, make_user):
    user = make_user()
    failures = settings.POLICY.lockout_failures
    statuses = [_token(client, user.username, "Wrong-pass-1!").status_code for _ in range(failures)]
    assert statuses == [401] * (failures - 1) + [429]
    response = _token(client, user.username)
    assert response.status_code == 429
    assert response.json()["code"] == "locked"
    assert not ApiToken.objects.exists()


def test_otp_role_without_a_device_is_403(client, tree, make_user):
    assert Role.ORG_ADMIN in settings.OTP_REQUIRED_ROLES
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    response = _token(client, user.username)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("otp", [None, "", "000000x", "12345"])
def test_otp_role_with_a_device_needs_a_right_code(client, tree, make_user, otp):
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    _confirmed_device(user)
    extra = {} if otp is None else {"otp": otp}
    response = _token(client, user.username, **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not ApiToken.objects.exists()


def test_otp_role_with_a_wrong_code_is_401(client, tree, make_user):
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    device = _confirmed_device(user)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    assert _token(client, user.username, otp=wrong).status_code == 401


def test_otp_role_with_the_right_code_gets_a_token(client, tree, make_user):
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    device = _confirmed_device(user)
    response = _token(client, user.username, otp=_code(device))
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1


def test_role_without_otp_requirement_needs_no_code(client, tree, make_user):
    assert Role.CLERK not in settings.OTP_REQUIRED_ROLES
    user = make_user(Role.CLERK, tree.street_a)
    assert _token(client, user.username).status_code == 200


@pytest.mark.parametrize("fields", [
    {"password_changed_at": timezone.now() - dt.timedelta(days=400)},
    {"must_change_password": True},
])
def test_expired_password_is_403(client, make_user, fields):
    user = make_user(**fields)
    response = _token(client, user.username)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not ApiToken.objects.exists()


def test_inactive_account_gets_no_token(client, make_user):
    user = make_user(is_active=False)
    assert _token(client, user.username).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"password": "x"}, "username"),
    ({"username": "", "password": "x"}, "username"),
    ({"username": "a", "password": 5}, "password"),
    ({"username": "a", "password": "x", "otp": "1" * 40}, "otp"),
])
def test_bad_token_request_is_422_naming_the_field(client, db, body, field):
    response = Api(client).post("/api/auth/token", body)
    assert response.status_code == 422
    assert field in field_errors(response)


def test_expired_token_is_refused(client, tree, make_user, api_as, settings_no_otp):
    user = make_user(Role.VIEWER, tree.street_a)
    api = api_as(user)
    assert api.get("/api/orgs").status_code == 200
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api.get("/api/orgs")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_of_a_disabled_account_is_refused(client, tree, make_user, api_as):
    user = make_user(Role.VIEWER, tree.street_a)
    api = api_as(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api.get("/api/orgs").status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer djt_not-a-real-token", "Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "djt_no-scheme",
])
def test_bad_authorization_is_401_json_with_www_authenticate(client, db, header):
    response = client.get("/api/orgs", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


def test_session_cookie_does_not_open_the_api(client, tree, make_user, settings_no_otp):
    """The API authenticates by token only, so a browser session cannot be ridden by another site."""
    client.force_login(make_user(Role.ORG_ADMIN, tree.street_a))
    response = client.get("/api/orgs")
    assert response.status_code == 401

"""Session rules: idle timeout renewed by activity, absolute lifetime, disabled accounts."""

import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from dangjian.accounts import services
from dangjian.accounts.middleware import RENEWED_AT
from dangjian.accounts.policy import PROFILES
from dangjian.accounts.roles import Role
from dangjian.accounts.signals import LOGIN_AT
from tests.accounts.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(tree, make_user):
    return make_user(Role.VIEWER, tree.street_a)


def _session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_the_cookie_age_is_the_profiles_idle_time(settings):
    assert settings.POLICY.idle_minutes * 60 == settings.SESSION_COOKIE_AGE
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert {profile.idle_minutes for profile in PROFILES.values()} == {30}


def test_each_request_renews_the_idle_timeout(client, viewer):
    sign_in(client, viewer)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/orgs/").status_code == 200
    remaining = _session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)


def test_renewal_writes_the_session_at_most_once_a_minute(client, viewer, settings):
    sign_in(client, viewer)
    assert client.get("/orgs/").status_code == 200
    soon = timezone.now() + dt.timedelta(minutes=10)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    assert client.get("/orgs/").status_code == 200
    assert _session_row(client).expire_date == soon

    session = client.session
    session[RENEWED_AT] = time.time() - settings.SESSION_RENEW_SECONDS - 1
    session.save()
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    assert client.get("/orgs/").status_code == 200
    assert _session_row(client).expire_date - timezone.now() > dt.timedelta(minutes=29)


def test_an_idle_session_ends(client, viewer):
    sign_in(client, viewer)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/orgs/").url.startswith("/accounts/login/")


def test_a_session_older_than_the_absolute_lifetime_is_signed_out(client, viewer, settings):
    sign_in(client, viewer)
    session = client.session
    session[LOGIN_AT] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 + 60
    session.save()
    assert client.get("/orgs/").status_code == 200

    session = client.session
    session[LOGIN_AT] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 - 60
    session.save()
    response = client.get("/orgs/")
    assert response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert len(list(client.get(response.url).context["messages"])) == 1
    assert client.get("/orgs/").url.startswith("/accounts/login/")


def test_a_session_without_a_login_time_is_signed_out(client, viewer):
    sign_in(client, viewer)
    session = client.session
    del session[LOGIN_AT]
    session.save()
    assert client.get("/orgs/").url == "/accounts/login/"


def test_a_disabled_account_loses_its_session_at_the_next_request(client, viewer):
    sign_in(client, viewer)
    assert client.get("/orgs/").status_code == 200
    services.account_set_active(actor=None, user=viewer, active=False)
    assert client.get("/orgs/").url.startswith("/accounts/login/")
    response = sign_in(client, viewer)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/orgs/").url.startswith("/accounts/login/")

"""The production posture (checked in fresh processes with a clean environment) and the browser
security headers."""

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from dangjian.accounts.roles import Role

PRODUCTION_TIMEOUT = 120


@pytest.fixture
def production_env(tmp_path):
    """Everything production needs, and nothing from the calling environment."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DANGJIAN_MODE": "production",
        "DANGJIAN_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DANGJIAN_FIELD_KEY": secrets.token_urlsafe(32),
        "DANGJIAN_HASH_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "dangjian.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }


def dangjian(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dangjian", *args], env=env, capture_output=True, text=True,
                          timeout=PRODUCTION_TIMEOUT, check=False)


def test_a_full_production_environment_passes_the_deploy_check(production_env):
    result = dangjian(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("change", "complaint"), [
    ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "short-key"}, "SECRET_KEY is too short"),
    ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY is too short or a default"),
    ({"DEBUG": "true"}, "DEBUG is on"),
    ({"DANGJIAN_FIELD_KEY": None}, "DANGJIAN_FIELD_KEY is not set"),
    ({"DANGJIAN_HASH_KEY": None}, "DANGJIAN_HASH_KEY is not set"),
    ({"PASSWORD_POLICY": "lenient"}, "PASSWORD_POLICY must be one of"),
])
def test_production_refuses_to_start_when_misconfigured(production_env, change, complaint):
    env = {key: value for key, value in {**production_env, **change}.items() if value is not None}
    result = dangjian(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_the_audit_retention_is_never_below_180_days(production_env):
    production_env["AUDIT_RETENTION_DAYS"] = "30"
    script = "from django.conf import settings; print(settings.AUDIT_RETENTION_DAYS)"
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {script}"],
                            env={**production_env, "DJANGO_SETTINGS_MODULE": "dangjian.config.settings"},
                            capture_output=True, text=True, timeout=PRODUCTION_TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "180"


@pytest.mark.django_db
def test_signed_in_pages_carry_the_security_headers(client, tree, make_user):
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    response = client.get(f"/orgs/{tree.street_a.code}/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_the_login_page_carries_the_headers_too():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_login_form_enforces_csrf(tree, make_user):
    user = make_user(Role.VIEWER, tree.street_a)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": user.username, "password": "Test-pass-9!"})
    assert response.status_code == 403
    assert "core/error.html" in [template.name for template in response.templates]
    assert "_auth_user_id" not in client.session

    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    response = client.post("/accounts/login/", {"username": user.username, "password": "Test-pass-9!",
                                                "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302

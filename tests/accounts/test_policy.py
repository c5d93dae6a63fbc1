"""The two password policy profiles, applied through AUTH_PASSWORD_VALIDATORS as settings.py does."""

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.accounts import services
from dangjian.accounts.roles import Role

pytestmark = pytest.mark.django_db

LONG_PASSPHRASE = "seven lanterns drift over the quiet harbour while gulls argue about bread"


def refusal_codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


def test_djb3_needs_eight_characters_of_three_classes(use_profile):
    use_profile("djb3")
    assert "password_too_short" in refusal_codes("Qz7!kr2")
    assert refusal_codes("qzvkrtwm7x") == {"password_too_simple"}
    assert refusal_codes("Qzvk!rtw") == set()
    assert refusal_codes("Qzv7krtw") == set()
    assert refusal_codes("qzv7!rtw") == set()


def test_djb3_refuses_the_last_five_passwords(use_profile, make_user):
    use_profile("djb3")
    user = make_user()
    used = [f"Lantern-{n}x" for n in range(1, 7)]
    for password in used:
        services.password_change(user=user, new_password=password)
    for password in used[-5:]:
        assert refusal_codes(password, user) == {"password_reused"}, password
    assert refusal_codes(used[0], user) == set()
    assert user.password_history.count() == 5


def test_djb3_forces_the_change_page_after_ninety_days(use_profile, client, tree, make_user):
    use_profile("djb3")
    user = make_user(Role.VIEWER, tree.street_a, password_changed_at=timezone.now() - dt.timedelta(days=91))
    client.force_login(user)
    assert client.get("/orgs/").url == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200

    user.password_changed_at = timezone.now() - dt.timedelta(days=89)
    user.save(update_fields=["password_changed_at"])
    assert client.get("/orgs/").status_code == 200


def test_djb3_forces_the_change_page_for_an_issued_password(use_profile, client, tree, make_user):
    use_profile("djb3")
    user = make_user(Role.VIEWER, tree.street_a, must_change_password=True)
    client.force_login(user)
    assert client.get("/orgs/").url == "/accounts/password/"
    response = client.post("/accounts/password/", {
        "old_password": "Test-pass-9!", "new_password1": "Harbour-gull-4", "new_password2": "Harbour-gull-4"})
    assert response.url == "/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/orgs/").status_code == 200


def test_asvs_needs_twelve_characters_of_any_kind(use_profile):
    use_profile("asvs")
    assert "password_too_short" in refusal_codes("Qz7!krtw-m2")
    assert refusal_codes("lanternquiet") == set()


def test_asvs_passwords_never_expire(use_profile, make_user, tree):
    use_profile("asvs")
    user = make_user(Role.VIEWER, tree.street_a, password_changed_at=timezone.now() - dt.timedelta(days=5 * 365))
    assert not services.password_expired(user)
    user.must_change_password = True
    assert services.password_expired(user)


@pytest.mark.parametrize(("profile", "common"), [("djb3", "P@ssw0rd"), ("asvs", "qwertyuiop123")])
def test_both_refuse_common_passwords_and_accept_long_passphrases(use_profile, profile, common):
    use_profile(profile)
    assert "password_too_common" in refusal_codes(common)
    assert len(LONG_PASSPHRASE) >= 64
    assert refusal_codes(LONG_PASSPHRASE + " 7 Q") == set()
    assert refusal_codes("x" * 129 + "Q7!") >= {"password_too_long"}

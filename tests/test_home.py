import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_member_is_sent_to_own_record_with_masked_id(client, tree, make_user):
    user = make_user()
    member = factories.make_member(tree.grid_a, name="李四")
    member.account = user
    member.save(update_fields=["account"])
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/members/me/"
    body = client.get(response["Location"]).content.decode()
    assert "李四" in body and tree.grid_a.name in body
    assert member.masked_id_number in body
    assert member.id_number not in body


def test_account_without_role_or_record_is_told_to_ask_for_one(client, tree, make_user):
    client.force_login(make_user())
    response = client.get("/")
    assert response.status_code == 200
    assert b"/orgs/" not in response.content


def test_single_scope_goes_straight_to_its_organisation(client, tree, make_user, settings_no_otp):
    client.force_login(make_user("viewer", tree.street_a))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{tree.street_a.code}/"


def test_anonymous_goes_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

import pytest

from dangjian.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_street_admin_sees_own_street_and_not_the_other(client, tree, make_user, settings_no_otp):
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    client.force_login(user)
    assert client.get(f"/orgs/{tree.street_a.code}/").status_code == 200
    assert client.get(f"/orgs/{tree.grid_a.code}/").status_code == 200
    assert client.get(f"/orgs/{tree.street_b.code}/").status_code == 404

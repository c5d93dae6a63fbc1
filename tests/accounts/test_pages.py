"""The account administration pages: scope (404 outside), role (403 inside), bad input on the field."""

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from tests.accounts.helpers import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_no_otp")]

USERS = "/accounts/users/"


@pytest.fixture
def system_admin(tree, make_user):
    return make_user(Role.SYSTEM_ADMIN, tree.street_a, username="sysadmin_a")


@pytest.fixture
def security_admin(tree, make_user):
    return make_user(Role.SECURITY_ADMIN, tree.street_a, username="secadmin_a")


@pytest.fixture
def inside(tree, make_user):
    return make_user(Role.VIEWER, tree.community_a, username="wang_inside", first_name="王小明")


@pytest.fixture
def outside(tree, make_user):
    return make_user(Role.VIEWER, tree.community_b, username="li_outside", first_name="李四")


def as_user(client, user):
    client.force_login(user)
    return client


def lock(user, settings):
    AccessAttempt.objects.create(username=user.username, ip_address="127.0.0.1", user_agent="test",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT, attempt_time=timezone.now())


# --- List ---------------------------------------------------------------------------------------


def test_the_list_shows_accounts_in_scope_only(client, system_admin, inside, outside):
    response = as_user(client, system_admin).get(USERS)
    assert response.status_code == 200
    listed = {account.username for account in response.context["page"]}
    assert {"sysadmin_a", "wang_inside"} <= listed
    assert "li_outside" not in listed
    assert "li_outside" not in response.content.decode()


def test_the_list_searches_by_username_and_name(client, security_admin, inside):
    as_user(client, security_admin)
    assert [a.username for a in client.get(USERS, {"q": "INSIDE"}).context["page"]] == ["wang_inside"]
    assert [a.username for a in client.get(USERS, {"q": "小明"}).context["page"]] == ["wang_inside"]
    assert [a.username for a in client.get(USERS, {"q": "nobody"}).context["page"]] == []


def test_the_list_filters_by_status_and_role(client, system_admin, inside, tree, make_user, settings):
    disabled = make_user(Role.CLERK, tree.grid_a, username="disabled_one", is_active=False)
    lock(inside, settings)
    as_user(client, system_admin)

    def listed(**filters):
        return {account.username for account in client.get(USERS, filters).context["page"]}

    assert listed(status="disabled") == {"disabled_one"}
    assert "disabled_one" not in listed(status="active")
    assert listed(status="locked") == {"wang_inside"}
    assert listed(role=Role.CLERK) == {"disabled_one"}
    response = client.get(USERS, {"status": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert disabled.username in {account.username for account in response.context["page"]}
    assert response.context["locked"] == {"wang_inside"}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR, Role.ORG_ADMIN])
def test_roles_without_account_powers_get_404(client, tree, make_user, role):
    user = make_user(role, tree.street_a)
    as_user(client, user)
    assert client.get(USERS).status_code == 404
    assert client.get(f"{USERS}new/").status_code == 404
    assert client.get(f"{USERS}{user.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, inside):
    assert client.get(USERS).url.startswith("/accounts/login/")
    assert client.post(f"{USERS}{inside.pk}/unlock/").url.startswith("/accounts/login/")


# --- Create -------------------------------------------------------------------------------------


def test_a_system_admin_creates_an_account_and_sees_its_password_once(client, system_admin, tree):
    as_user(client, system_admin)
    assert client.get(f"{USERS}new/").status_code == 200
    response = client.post(f"{USERS}new/", {"username": "zhao_new", "full_name": "赵六",
                                            "organization": tree.grid_a.code})
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    account = User.objects.get(username="zhao_new")
    assert (account.organization, account.org_path, account.first_name) == (tree.grid_a, tree.grid_a.path, "赵六")
    assert account.must_change_password
    assert account.check_password(password)
    assert password not in account.password
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="accounts.user", object_id=str(account.pk))
    assert event.actor == system_admin
    assert password not in str(event.changes)

    detail = client.get(f"{USERS}{account.pk}/")
    assert detail.status_code == 200
    assert password not in detail.content.decode()

    holder = type(client)()
    assert sign_in(holder, account, password).status_code == 302
    assert holder.get("/").url == "/accounts/password/"


def test_only_a_system_admin_creates_accounts(client, security_admin, tree):
    as_user(client, security_admin)
    assert client.get(f"{USERS}new/").status_code == 404
    response = client.post(f"{USERS}new/", {"username": "x1", "full_name": "某", "organization": tree.grid_a.code})
    assert response.status_code == 404
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"username": "wang_inside"}, "username"),
    ({"username": "WANG_INSIDE"}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": ""}, "username"),
    ({"full_name": ""}, "full_name"),
    ({"full_name": "   "}, "full_name"),
    ({"organization": "NOPE"}, "organization"),
    ({"organization": "OUTSIDE"}, "organization"),
    ({"organization": "CITY"}, "organization"),
])
def test_bad_account_input_is_shown_on_the_field(client, system_admin, inside, tree, data, field):
    codes = {"OUTSIDE": tree.street_b.code, "CITY": tree.city.code}
    payload = {"username": "fresh_one", "full_name": "新人", "organization": tree.grid_a.code}
    payload.update({key: codes.get(value, value) for key, value in data.items()})
    before = User.objects.count()
    response = as_user(client, system_admin).post(f"{USERS}new/", payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "password" not in response.context
    assert User.objects.count() == before


# --- Detail -------------------------------------------------------------------------------------


def test_the_detail_shows_roles_status_and_lock(client, security_admin, inside, settings):
    lock(inside, settings)
    response = as_user(client, security_admin).get(f"{USERS}{inside.pk}/")
    assert response.status_code == 200
    assert response.context["locked"] is True
    [(assignment, can_revoke)] = response.context["assignments"]
    assert (assignment.role, can_revoke) == (Role.VIEWER, True)
    assert response.context["can_grant"] and response.context["can_unlock"]
    assert not response.context["can_manage"]


def test_a_detail_outside_the_scope_or_absent_is_404(client, system_admin, security_admin, outside):
    for admin in (system_admin, security_admin):
        as_user(client, admin)
        assert client.get(f"{USERS}{outside.pk}/").status_code == 404
        assert client.get(f"{USERS}999999/").status_code == 404


def test_an_account_at_a_higher_organisation_is_outside(client, system_admin, tree, make_user):
    city_account = make_user(Role.VIEWER, tree.city)
    assert as_user(client, system_admin).get(f"{USERS}{city_account.pk}/").status_code == 404


# --- Enable / disable ---------------------------------------------------------------------------


def test_a_system_admin_disables_and_enables(client, system_admin, inside):
    as_user(client, system_admin)
    assert client.post(f"{USERS}{inside.pk}/active/", {"active": "0"}).status_code == 302
    inside.refresh_from_db()
    assert not inside.is_active
    assert client.post(f"{USERS}{inside.pk}/active/", {"active": "1"}).status_code == 302
    inside.refresh_from_db()
    assert inside.is_active
    changes = [event.changes for event in AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(inside.pk))]
    assert {"is_active": [True, False]} in changes and {"is_active": [False, True]} in changes


def test_enable_disable_refusals(client, system_admin, security_admin, inside, outside):
    as_user(client, security_admin)
    assert client.post(f"{USERS}{inside.pk}/active/", {"active": "0"}).status_code == 403
    as_user(client, system_admin)
    assert client.post(f"{USERS}{outside.pk}/active/", {"active": "0"}).status_code == 404
    assert client.get(f"{USERS}{inside.pk}/active/").status_code == 405
    for account, value in ((inside, "maybe"), (system_admin, "0")):
        response = client.post(f"{USERS}{account.pk}/active/", {"active": value}, follow=True)
        assert response.status_code == 200
        assert [message.level_tag for message in response.context["messages"]] == ["error"]
    for account in (inside, outside, system_admin, security_admin):
        account.refresh_from_db()
        assert account.is_active


# --- Roles --------------------------------------------------------------------------------------


def test_a_security_admin_grants_and_revokes(client, security_admin, inside, tree):
    as_user(client, security_admin)
    response = client.post(f"{USERS}{inside.pk}/roles/", {"role": Role.CLERK, "organization": tree.grid_a.code})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=inside, role=Role.CLERK)
    assert (assignment.organization, assignment.granted_by) == (tree.grid_a, security_admin)
    assert AuditEvent.objects.filter(action=AuditAction.GRANT, actor=security_admin, object_id=str(inside.pk)).exists()

    response = client.post(f"{USERS}{inside.pk}/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.REVOKE, actor=security_admin, object_id=str(inside.pk)).exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"role": "emperor"}, "role"),
    ({"role": ""}, "role"),
    ({"role": Role.VIEWER}, "role"),
    ({"role": Role.AUDITOR}, "role"),
    ({"organization": "NOPE"}, "organization"),
    ({"organization": "OUTSIDE"}, "organization"),
    ({"organization": ""}, "organization"),
])
def test_bad_grant_input_is_shown_on_the_field(client, security_admin, inside, tree, data, field):
    codes = {"OUTSIDE": tree.street_b.code}
    payload = {"role": Role.CLERK, "organization": tree.community_a.code}
    payload.update({key: codes.get(value, value) for key, value in data.items()})
    response = as_user(client, security_admin).post(f"{USERS}{inside.pk}/roles/", payload)
    assert response.status_code == 200
    assert field in response.context["grant_form"].errors
    assert list(inside.assignments.values_list("role", flat=True)) == [Role.VIEWER]


def test_grant_refusals(client, system_admin, security_admin, inside, outside, tree):
    payload = {"role": Role.CLERK, "organization": tree.grid_a.code}
    as_user(client, security_admin)
    assert client.post(f"{USERS}{security_admin.pk}/roles/", payload).status_code == 403
    assert client.post(f"{USERS}{outside.pk}/roles/", payload).status_code == 404
    as_user(client, system_admin)
    assert client.post(f"{USERS}{inside.pk}/roles/", payload).status_code == 403
    assert not RoleAssignment.objects.filter(role=Role.CLERK).exists()


def test_revoke_refusals(client, system_admin, security_admin, inside, outside, tree, make_user):
    own = inside.assignments.get()
    as_user(client, system_admin)
    assert client.post(f"{USERS}{inside.pk}/roles/{own.pk}/revoke/").status_code == 403
    as_user(client, security_admin)
    other = outside.assignments.get()
    assert client.post(f"{USERS}{inside.pk}/roles/{other.pk}/revoke/").status_code == 404
    assert client.post(f"{USERS}{outside.pk}/roles/{other.pk}/revoke/").status_code == 404
    high = RoleAssignment.objects.create(user=inside, role=Role.CLERK, organization=tree.city)
    assert client.post(f"{USERS}{inside.pk}/roles/{high.pk}/revoke/").status_code == 403
    assert client.get(f"{USERS}{inside.pk}/roles/{own.pk}/revoke/").status_code == 405
    assert RoleAssignment.objects.filter(pk__in=[own.pk, other.pk, high.pk]).count() == 3


# --- Unlock -------------------------------------------------------------------------------------


def test_unlock_is_the_security_admins(client, system_admin, security_admin, inside, outside, settings):
    lock(inside, settings)
    lock(outside, settings)
    as_user(client, system_admin)
    assert client.post(f"{USERS}{inside.pk}/unlock/").status_code == 403
    as_user(client, security_admin)
    assert client.post(f"{USERS}{outside.pk}/unlock/").status_code == 404
    assert AccessAttempt.objects.count() == 2
    assert client.post(f"{USERS}{inside.pk}/unlock/").status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["li_outside"]
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK, actor=security_admin, object_id=str(inside.pk)).exists()


def test_the_nav_links_to_the_accounts_page_for_administrators_only(client, system_admin, inside):
    assert 'href="/accounts/users/"' in as_user(client, system_admin).get("/orgs/").content.decode()
    assert 'href="/accounts/users/"' not in as_user(client, inside).get("/orgs/").content.decode()

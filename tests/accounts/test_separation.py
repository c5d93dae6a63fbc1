"""三权分立: system administration, security administration and audit are held by different people."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts import services
from dangjian.accounts.roles import SEPARATED_ROLES, Role, separation_conflict


def test_separation_conflict_over_every_pair_of_roles():
    # No django_db mark: pytest-django fails the test on any query, so this proves zero queries.
    for held, new in itertools.product(Role.values, repeat=2):
        conflict = held != new and (held in SEPARATED_ROLES or new in SEPARATED_ROLES)
        assert separation_conflict([held], new) == (held if conflict else None), (held, new)


def test_business_roles_combine_and_separated_roles_stay_alone():
    business = [role for role in Role.values if role not in SEPARATED_ROLES]
    assert separation_conflict(business, Role.CLERK) is None
    assert separation_conflict(business, Role.AUDITOR) is not None
    assert separation_conflict([], Role.AUDITOR) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("held", "new"), [
    (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN), (Role.AUDITOR, Role.SYSTEM_ADMIN),
    (Role.SECURITY_ADMIN, Role.VIEWER), (Role.ORG_ADMIN, Role.AUDITOR),
])
def test_the_service_refuses_a_combination(tree, make_user, held, new):
    user = make_user(held, tree.street_a)
    with pytest.raises(ValidationError) as raised:
        services.role_grant(actor=None, user=user, role=new, organization=tree.street_b)
    assert "role" in raised.value.message_dict
    assert list(user.assignments.values_list("role", flat=True)) == [held]


@pytest.mark.django_db
def test_the_grant_page_shows_the_conflict_on_the_role_field(client, tree, make_user, settings_no_otp):
    security_admin = make_user(Role.SECURITY_ADMIN, tree.street_a)
    auditor = make_user(Role.AUDITOR, tree.street_a)
    client.force_login(security_admin)
    response = client.post(f"/accounts/users/{auditor.pk}/roles/",
                           {"role": Role.SYSTEM_ADMIN, "organization": tree.community_a.code})
    assert response.status_code == 200
    errors = response.context["grant_form"].errors
    assert list(errors) == ["role"]
    assert "三权分立" in errors["role"][0]
    assert errors["role"][0] in response.content.decode()
    assert list(auditor.assignments.values_list("role", flat=True)) == [Role.AUDITOR]

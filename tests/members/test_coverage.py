"""Coverage figures (三个全覆盖) against a small tree counted by hand, through the selector, the
page and the API."""

import pytest
from django.urls import reverse

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.members.selectors import lifecycle as selectors
from dangjian.members.services import residence
from dangjian.orgs.models import Grid, Organization
from tests import factories
from tests.api.client import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(tree, make_user):
    """Grids: G-A1 (branch grid_a), G-A2 (no branch) in community A; G-B1 (branch grid_b) in B.
    Members: three of grid_a (two live in G-A1, one in G-B1 waiting), one of grid_b and one of
    community B, both living in G-B1."""
    factories.make_grid(tree.community_a, "东风社区第二网格", "G-A2")
    a1, b1 = Grid.objects.get(code="G-A1"), Grid.objects.get(code="G-B1")
    clerk_a, clerk_b = make_user(Role.CLERK, tree.street_a), make_user(Role.CLERK, tree.street_b)
    in_a = [factories.make_member(tree.grid_a, name=f"甲{i}") for i in range(3)]
    residence.registration_register(actor=clerk_a, member=in_a[0], grid=a1)
    residence.registration_register(actor=clerk_a, member=in_a[1], grid=a1)
    pending = residence.registration_register(actor=clerk_a, member=in_a[2], grid=b1)
    for org in (tree.grid_b, tree.community_b):
        residence.registration_register(actor=clerk_b, member=factories.make_member(org, name="乙"), grid=b1)
    return {"pending": pending, "clerk_b": clerk_b}


def _coverage(org) -> dict:
    # Read afresh: an organisation caches its counts row once read.
    return selectors.coverage(Organization.objects.get(pk=org.pk))


def _bands(figures) -> list[int]:
    return [band["count"] for band in figures["bands"]]


def test_city_coverage(tree, city):
    figures = _coverage(tree.city)
    assert (figures["members"], figures["registered_members"], figures["registered_share"]) == (5, 4, 0.8)
    assert (figures["grids"], figures["grids_with_organization"], figures["grids_with_organization_share"]) == (
        3, 2, 0.6667)
    assert figures["residents"] == 4
    per_community = figures["per_community"]
    assert (per_community["count"], per_community["total"], per_community["average"], per_community["min"],
            per_community["max"]) == (2, 4, 2.0, 2, 2)
    assert _bands(per_community) == [0, 2, 0, 0, 0]
    per_grid = figures["per_grid"]
    assert (per_grid["count"], per_grid["total"], per_grid["average"], per_grid["min"], per_grid["max"]) == (
        3, 4, 1.3, 0, 2)
    assert _bands(per_grid) == [1, 2, 0, 0, 0]
    assert [(band["from"], band["to"]) for band in per_grid["bands"]] == [(0, 0), (1, 19), (20, 49), (50, 99), (100, None)]


def test_street_coverage_and_confirmation(tree, city):
    figures = _coverage(tree.street_a)
    assert (figures["members"], figures["registered_members"], figures["registered_share"]) == (3, 2, 0.6667)
    assert (figures["grids"], figures["grids_with_organization"], figures["grids_with_organization_share"]) == (2, 1, 0.5)
    assert figures["per_community"]["count"] == 1 and figures["per_grid"]["count"] == 2
    residence.registration_confirm(actor=city["clerk_b"], registration=city["pending"])
    assert _coverage(tree.street_a)["registered_share"] == 1.0
    assert _coverage(tree.street_a)["residents"] == 2
    assert _coverage(tree.street_b)["residents"] == 3
    assert _coverage(tree.city)["registered_share"] == 1.0


def test_a_grid_branch_and_an_empty_subtree(tree, city):
    figures = _coverage(tree.grid_a)
    assert (figures["members"], figures["registered_members"], figures["grids"]) == (3, 2, 1)
    assert figures["per_community"]["count"] == 0 and figures["per_community"]["average"] is None
    assert figures["per_grid"]["total"] == 2
    empty = _coverage(tree.building_a)
    assert empty["registered_share"] is None and empty["grids_with_organization_share"] is None


def test_coverage_reads_a_fixed_number_of_queries(tree, city, django_assert_max_num_queries):
    organization = Organization.objects.select_related("counts").get(pk=tree.city.pk)
    with django_assert_max_num_queries(2):
        selectors.coverage(organization)


def test_coverage_page(client, tree, city, make_user, settings_no_otp):
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    response = client.get(reverse("members:coverage", args=[tree.street_a.code]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-figure="registered_share">67%' in text and 'data-figure="grids_with_organization_share">50%' in text
    assert client.get(reverse("members:coverage", args=[tree.street_b.code])).status_code == 404
    assert client.get(reverse("members:coverage", args=["NO-SUCH"])).status_code == 404


@pytest.fixture
def api_as(client):
    return lambda user: Api(client, account_services.token_issue(user=user)[1])


def test_coverage_api(tree, city, make_user, api_as, settings_no_otp):
    api = api_as(make_user(Role.VIEWER, tree.city))
    body = api.get(f"/api/members/coverage/{tree.city.code}").json()
    assert body["code"] == tree.city.code and body["registered_share"] == 0.8
    assert body["per_grid"]["bands"][-1] == {"from": 100, "to": None, "count": 0}
    assert api.get("/api/members/coverage/NO-SUCH").status_code == 404
    outside = api_as(make_user(Role.VIEWER, tree.street_b))
    assert outside.get(f"/api/members/coverage/{tree.street_a.code}").status_code == 404

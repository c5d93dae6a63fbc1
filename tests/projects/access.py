"""Access-table entries (tests/access_table.py) for the micro-project pages, the public register
and the API."""

from collections.abc import Callable
from decimal import Decimal

from django.urls import reverse

from dangjian.accounts.roles import Permission
from dangjian.projects import services
from dangjian.projects.models import Source
from tests import factories
from tests.access_table import AUTHENTICATED, PUBLIC, Access, Case, fixed, ok, page
from tests.projects import factories as project_factories

VIEW, MANAGE = Permission.VIEW_PROJECTS, Permission.MANAGE_PROJECTS
API = "/api/projects"
# The configuration is the deployment's, set only by someone whose CONFIGURE_PROJECTS scope covers
# a root; the matrix's personas hold their roles at a street, so none may (as for the requests'
# categories: tests/requests/access_open311.py). tests/projects/test_pages.py shows the pages to a
# city's org_admin.
AT_A_ROOT = ()
PROPOSAL = {"title": "楼道照明改造", "description": "三栋楼道灯具老化，夜间照明不足。", "kind": "works",
            "estimate": "180000.00"}


def _project(case: Case):
    """A collected project of the case's community (street A's when the route has no object)."""
    project_factories.configure()
    community = case.org("community") if case.street else case.tree.community_a
    return project_factories.propose(community)


def _of_project(address: Callable[[int], str]) -> Callable[[Case], str]:
    return lambda case: address(_project(case).pk)


def _of_community(address: str) -> Callable[[Case], str]:
    return lambda case: f"{address}?org={case.org('community').code}"


def _own_member(address: str) -> Callable[[Case], str]:
    """``address``, after linking the caller (the member persona when anonymous) to a member record."""
    def url(case: Case) -> str:
        factories.make_member(case.tree.grid_a, account=case.user or case.personas["member"])
        return address
    return url


def _screening(case: Case) -> dict:
    return {"version": 1, "positive_item": project_factories.positive().pk}


def _tracking(case: Case) -> dict:
    _project, code = services.project_propose(
        actor=None, organization=case.tree.community_a, title="增设座椅", description="公园里座椅太少，老人没地方坐。",
        kind="goods", estimate=Decimal("20000"), source=Source.PUBLIC_PAGE, proposer_name="李阿姨")
    return {"code": code}


def _item(case: Case) -> int:
    return services.list_item_save(actor=None, side="positive", text="矩阵条目", order=1).pk


def _source(case: Case) -> int:
    return project_factories.make_source().pk


CONFIG_FORM = {"notice_working_days": "5", "passing_rule": "majority_present", "cap_service": "200000",
               "cap_goods": "200000", "cap_works": "500000"}
ITEM_FORM = {"side": "positive", "text": "社区微更新", "order": "3", "active": "on"}
SOURCE_FORM = {"name": "市级补助资金", "kind": "city", "year": "2025", "budget": "1000000", "active": "on"}


def _source_form(case: Case, **changes) -> dict:
    return {**SOURCE_FORM, "organization": case.tree.city.code, **changes}

ENTRIES: dict[str, Access] = {
    # --- staff pages ------------------------------------------------------------------------------
    "projects:home": Access(("GET",), VIEW, fixed("projects:home"), ok(get=(200, 302))),
    "projects:organization": Access(("GET",), VIEW, page("projects:organization", "community"), ok(get=200),
                                    view=VIEW),
    "projects:statistics": Access(("GET",), VIEW, page("projects:statistics", "community"), ok(get=200), view=VIEW),
    "projects:funding": Access(("GET",), VIEW, page("projects:funding", "community"), ok(get=200), view=VIEW),
    "projects:propose": Access(("GET", "POST"), MANAGE, page("projects:propose", "community"), ok(get=200, post=302),
                               view=VIEW, payload=lambda case: {**PROPOSAL, "requests": ""}, writes=True),
    "projects:detail": Access(("GET",), VIEW, _of_project(lambda pk: reverse("projects:detail", args=[pk])),
                              ok(get=200), view=VIEW),
    "projects:step": Access(("GET", "POST"), MANAGE,
                            _of_project(lambda pk: reverse("projects:step", args=[pk, "screen"])),
                            ok(get=200, post=302), view=VIEW, payload=_screening, writes=True),
    "projects:reveal_phone": Access(("POST",), Permission.REVEAL_PERSONAL,
                                   _of_project(lambda pk: reverse("projects:reveal_phone", args=[pk])), ok(post=200),
                                   view=VIEW, payload=lambda case: {}),
    # A member proposes in their own name; the answer is the page with the tracking code.
    "projects:member_propose": Access(("GET", "POST"), AUTHENTICATED, _own_member(reverse("projects:member_propose")),
                                      ok(get=200, post=200), writes=True,
                                      payload=lambda case: {**PROPOSAL, "community": case.tree.community_a.code}),
    "projects:config": Access(("GET", "POST"), AT_A_ROOT, fixed("projects:config"), ok(get=200, post=302),
                              payload=lambda case: CONFIG_FORM, writes=True),
    "projects:config_preset": Access(("POST",), AT_A_ROOT, fixed("projects:config_preset"), ok(post=302),
                                     payload=lambda case: {"preset": "zhuhai"}, writes=True),
    "projects:config_item_new": Access(("GET", "POST"), AT_A_ROOT, fixed("projects:config_item_new"),
                                       ok(get=200, post=302), payload=lambda case: ITEM_FORM, writes=True),
    "projects:config_item": Access(("GET", "POST"), AT_A_ROOT,
                                   lambda case: reverse("projects:config_item", args=[_item(case)]),
                                   ok(get=200, post=302), writes=True,
                                   payload=lambda case: {**ITEM_FORM, "active": ""}),
    "projects:config_source_new": Access(("GET", "POST"), AT_A_ROOT, fixed("projects:config_source_new"),
                                         ok(get=200, post=302), payload=_source_form, writes=True),
    "projects:config_source": Access(("GET", "POST"), AT_A_ROOT,
                                     lambda case: reverse("projects:config_source", args=[_source(case)]),
                                     ok(get=200, post=302), writes=True,
                                     payload=lambda case: _source_form(case, budget="9000000")),
    # --- the public register: anyone, rate-limited ----------------------------------------------------
    "public_projects:index": Access(("GET",), PUBLIC, fixed("public_projects:index"), ok(get=200)),
    "public_projects:register": Access(("GET",), PUBLIC, lambda case: reverse(
        "public_projects:register", args=[case.tree.street_a.code]), ok(get=200)),
    "public_projects:funding": Access(("GET",), PUBLIC, lambda case: reverse(
        "public_projects:funding", args=[case.tree.street_a.code]), ok(get=200)),
    "public_projects:project": Access(("GET",), PUBLIC, _of_project(
        lambda pk: reverse("public_projects:project", args=[pk])), ok(get=200)),
    "public_projects:propose": Access(
        ("GET", "POST"), PUBLIC, fixed("public_projects:propose"), ok(get=200, post=200), writes=True,
        payload=lambda case: {**PROPOSAL, "community": case.tree.community_a.code, "proposer_name": "李阿姨"}),
    "public_projects:track": Access(("GET", "POST"), PUBLIC, fixed("public_projects:track"), ok(get=200, post=200),
                                    payload=_tracking),
    # --- API ------------------------------------------------------------------------------------------
    "dangjian_projects_api_list_projects": Access(("GET",), VIEW, _of_community(API), ok(get=200), view=VIEW,
                                                  api=True),
    "dangjian_projects_api_statistics": Access(("GET",), VIEW, _of_community(f"{API}/statistics"), ok(get=200),
                                               view=VIEW, api=True),
    "dangjian_projects_api_funding": Access(("GET",), VIEW, _of_community(f"{API}/funding"), ok(get=200),
                                            view=VIEW, api=True),
    # A community outside the caller's scope is a 404; inside it, a proposal needs MANAGE_PROJECTS.
    "dangjian_projects_api_propose": Access(
        ("POST",), MANAGE, lambda case: API, ok(post=201), view=VIEW, api=True,
        payload=lambda case: {**PROPOSAL, "organization": case.org("community").code}, writes=True),
    "dangjian_projects_api_get_project": Access(("GET",), VIEW, _of_project(lambda pk: f"{API}/{pk}"), ok(get=200),
                                                view=VIEW, api=True),
    "dangjian_projects_api_act": Access(
        ("POST",), MANAGE, _of_project(lambda pk: f"{API}/{pk}/actions"), ok(post=200), view=VIEW, api=True,
        payload=lambda case: {"action": "screen", **_screening(case)}, writes=True),
    "dangjian_projects_api_get_configuration": Access(("GET",), VIEW, lambda case: f"{API}/config", ok(get=200),
                                                      api=True, denied=403),
    "dangjian_projects_api_set_configuration": Access(
        ("POST",), AT_A_ROOT, lambda case: f"{API}/config", ok(post=200), api=True, denied=403,
        payload=lambda case: {"notice_working_days": 7, "passing_rule": "majority_present",
                              "caps": {"works": "500000"}}, writes=True),
    "dangjian_projects_api_load_preset": Access(("POST",), AT_A_ROOT, lambda case: f"{API}/config/preset",
                                                ok(post=200), api=True, denied=403,
                                                payload=lambda case: {"preset": "zhuhai"}, writes=True),
    "dangjian_projects_api_add_item": Access(("POST",), AT_A_ROOT, lambda case: f"{API}/config/items", ok(post=201),
                                             api=True, denied=403,
                                             payload=lambda case: {"side": "negative", "text": "营利性项目"}, writes=True),
    "dangjian_projects_api_change_item": Access(
        ("POST",), AT_A_ROOT, lambda case: f"{API}/config/items/{_item(case)}", ok(post=200), api=True, denied=403,
        payload=lambda case: {"side": "positive", "text": "矩阵条目改", "active": False}, writes=True),
    "dangjian_projects_api_add_source": Access(
        ("POST",), AT_A_ROOT, lambda case: f"{API}/config/sources", ok(post=201), api=True, denied=403,
        payload=lambda case: {"organization": case.tree.city.code, "name": "市级补助资金", "kind": "city", "year": 2025,
                              "budget": "1000000"}, writes=True),
    "dangjian_projects_api_change_source": Access(
        ("POST",), AT_A_ROOT, lambda case: f"{API}/config/sources/{_source(case)}", ok(post=200), api=True,
        denied=403, payload=lambda case: {"organization": case.tree.district.code, "name": "区民生微实事专项资金",
                                          "kind": "district", "year": 2026, "budget": "5000000"}, writes=True),
    # --- the public API: anyone, without a token, rate-limited as the public pages ------------------
    "dangjian_projects_api_public_register": Access(
        ("GET",), PUBLIC, lambda case: f"{API}/public?org={case.tree.street_a.code}", ok(get=200), api=True),
    "dangjian_projects_api_public_project": Access(("GET",), PUBLIC, _of_project(lambda pk: f"{API}/public/{pk}"),
                                                   ok(get=200), api=True),
    "dangjian_projects_api_public_propose": Access(
        ("POST",), PUBLIC, lambda case: f"{API}/public/proposals", ok(post=201), api=True, writes=True,
        payload=lambda case: {**PROPOSAL, "organization": case.tree.community_a.code, "proposer_name": "李阿姨"}),
    "dangjian_projects_api_public_track": Access(("POST",), PUBLIC, lambda case: f"{API}/public/track", ok(post=200),
                                                 api=True, payload=_tracking),
}

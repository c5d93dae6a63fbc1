import json
import re

import pytest

from dangjian.accounts.roles import Role
from dangjian.config.api import api as ninja_api
from dangjian.core.models import AuditEvent
from dangjian.members.models import Category
from dangjian.orgs.models import Organization
from tests import factories
from tests.api.client import field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(tree, make_user, api_as, settings_no_otp):
    return api_as(make_user(Role.ORG_ADMIN, tree.street_a))


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


# --- listing ------------------------------------------------------------------------------------------

def test_list_is_the_scope_in_tree_order(tree, admin_api):
    assert _codes(admin_api.get("/api/orgs")) == [
        tree.street_a.code, tree.community_a.code, tree.grid_a.code, tree.building_a.code]


def test_list_items_carry_parent_codes_and_counts(tree, admin_api):
    factories.make_member(tree.grid_a)
    items = {item["code"]: item for item in admin_api.get("/api/orgs").json()["items"]}
    assert items[tree.grid_a.code]["parent_code"] == tree.community_a.code
    assert items[tree.grid_a.code]["counts"]["members"] == 1
    assert items[tree.street_a.code]["counts"]["members"] == 1
    assert items[tree.building_a.code]["children"] == 0


def test_the_parent_above_the_scope_stays_unnamed(tree, admin_api):
    items = {item["code"]: item for item in admin_api.get("/api/orgs").json()["items"]}
    assert items[tree.street_a.code]["parent_code"] is None
    assert admin_api.get(f"/api/orgs/{tree.street_a.code}").json()["parent_code"] is None


@pytest.mark.parametrize("filters, expected", [
    ({"parent": "street_a"}, ["community_a"]),
    ({"parent": "grid_a"}, ["building_a"]),
    ({"parent": "building_a"}, []),
    ({"level": "grid"}, ["grid_a"]),
    ({"level": "city"}, []),
    ({"code": "community_a"}, ["community_a"]),
    ({"code": "community_b"}, []),
    ({"q": "东风社区"}, ["community_a", "grid_a"]),
    ({"q": "dfsq"}, ["community_a", "grid_a"]),
    ({"q": "西山"}, []),
])
def test_list_filters(tree, admin_api, filters, expected):
    query = {key: getattr(tree, value).code if key in ("parent", "code") else value for key, value in filters.items()}
    assert _codes(admin_api.get("/api/orgs", **query)) == [getattr(tree, name).code for name in expected]


def test_list_by_code_prefix(tree, admin_api):
    assert _codes(admin_api.get("/api/orgs", q=tree.community_a.code)) == [tree.community_a.code, tree.grid_a.code,
                                                                           tree.building_a.code]


def test_parent_outside_the_scope_is_404(tree, admin_api):
    response = admin_api.get("/api/orgs", parent=tree.street_b.code)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_key_pagination_walks_the_whole_scope_once(tree, make_user, api_as, settings_no_otp):
    everything = api_as(make_user(Role.VIEWER, tree.city))
    full = _codes(everything.get("/api/orgs"))
    assert len(full) == 9
    seen, after, pages = [], None, 0
    while True:
        query = {"limit": 4, **({"after": after} if after else {})}
        page = everything.get("/api/orgs", **query).json()
        seen += [item["code"] for item in page["items"]]
        pages += 1
        after = page["next_after"]
        if after is None:
            break
        assert after == seen[-1]
    assert seen == full
    assert pages == 3


def test_last_full_page_has_no_next(tree, admin_api):
    page = admin_api.get("/api/orgs", limit=4).json()
    assert len(page["items"]) == 4
    assert page["next_after"] is None


def test_after_an_unknown_or_outside_code_is_404(tree, admin_api):
    assert admin_api.get("/api/orgs", after="NOPE").status_code == 404
    assert admin_api.get("/api/orgs", after=tree.street_b.code).status_code == 404


def test_dissolved_organisations_only_on_request(tree, admin_api):
    assert admin_api.post(f"/api/orgs/{tree.building_a.code}/dissolve", {"reason": "撤并"}).status_code == 200
    assert tree.building_a.code not in _codes(admin_api.get("/api/orgs"))
    assert tree.building_a.code in _codes(admin_api.get("/api/orgs", include_dissolved="true"))


def test_member_without_a_role_lists_nothing(tree, make_user, api_as):
    member = api_as(make_user(None, tree.community_a))
    assert _codes(member.get("/api/orgs")) == []
    assert member.get(f"/api/orgs/{tree.community_a.code}").status_code == 404


# --- one organisation -------------------------------------------------------------------------------

def test_detail_has_counts_and_warnings(tree, admin_api):
    for name in ("甲", "乙"):
        factories.make_member(tree.grid_a, name=name)
    factories.make_member(tree.grid_a, name="丙", category=Category.PROBATIONARY)
    body = admin_api.get(f"/api/orgs/{tree.grid_a.code}").json()
    assert body["counts"] == {"members": 3, "full_members": 2, "probationary_members": 1, "organizations": 2,
                              "grids": 1, "grids_with_organization": 1}
    assert [warning["code"] for warning in body["warnings"]] == ["too_few_full_members"]
    assert body["warnings"][0]["rule"]
    assert body["parent_code"] == tree.community_a.code


def test_detail_outside_is_404_json(tree, admin_api):
    for code in (tree.street_b.code, tree.district.code, "NO-SUCH-CODE"):
        response = admin_api.get(f"/api/orgs/{code}")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": response.json()["message"]}


# --- writes -----------------------------------------------------------------------------------------

def test_create_is_201_with_the_next_code(tree, admin_api):
    response = admin_api.post("/api/orgs", {"parent": tree.community_a.code, "name": "第二网格党支部",
                                            "level": "grid", "kind": "branch", "has_committee": True})
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == f"{tree.community_a.code}002"
    assert body["parent_code"] == tree.community_a.code
    assert body["has_committee"] is True
    assert body["counts"]["organizations"] == 1
    assert Organization.objects.get_parent(Organization.objects.get(code=body["code"])) == tree.community_a


def test_create_with_an_explicit_code(tree, admin_api):
    response = admin_api.post("/api/orgs", {"parent": tree.community_a.code, "name": "老干部党支部",
                                            "level": "community", "kind": "branch", "code": "RET-01"})
    assert response.status_code == 201
    assert response.json()["code"] == "RET-01"


def test_create_under_a_parent_outside_is_404(tree, admin_api):
    count = Organization.objects.count()
    response = admin_api.post("/api/orgs", {"parent": tree.community_b.code, "name": "x", "level": "grid",
                                            "kind": "branch"})
    assert response.status_code == 404
    assert Organization.objects.count() == count


def test_create_without_the_permission_is_403(tree, make_user, api_as):
    secretary = api_as(make_user(Role.SECRETARY, tree.street_a))
    response = secretary.post("/api/orgs", {"parent": tree.community_a.code, "name": "x", "level": "grid",
                                            "kind": "branch"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def _valid(tree, **changes):
    body = {"parent": tree.community_a.code, "name": "第二网格党支部", "level": "grid", "kind": "branch"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.mark.parametrize("changes, field", [
    ({"name": ...}, "name"),
    ({"parent": ...}, "parent"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"level": "village"}, "level"),
    ({"kind": "cell"}, "kind"),
    ({"level": 3}, "level"),
    ({"has_committee": "perhaps"}, "has_committee"),
    ({"founded_on": "yesterday"}, "founded_on"),
    ({"code": "x" * 40}, "code"),
    ({"code": "bad code"}, "code"),
    ({"kind": "group"}, "kind"),
    ({"level": "street", "kind": "working_committee"}, "kind"),
    ({"name": "   "}, "name"),
])
def test_bad_create_is_422_naming_the_field(tree, admin_api, changes, field):
    count = Organization.objects.count()
    response = admin_api.post("/api/orgs", _valid(tree, **changes))
    assert response.status_code == 422, response.content
    assert field in field_errors(response)
    assert response.json()["code"] == "invalid"
    assert Organization.objects.count() == count


def test_duplicate_code_is_422_on_code(tree, admin_api):
    response = admin_api.post("/api/orgs", _valid(tree, code=tree.grid_b.code))
    assert response.status_code == 422
    assert tree.grid_b.code in field_errors(response)["code"]


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "application/json"),
    ('{"name": "x",}', "application/json"),
    ("", "application/json"),
    ("[1, 2]", "application/json"),
    ('"just a string"', "application/json"),
    ("name=x&level=grid", "application/x-www-form-urlencoded"),
    ('{"name": "x"}', "text/plain"),
    ("\xff\xfe", "application/json"),
])
def test_malformed_body_is_422_on_the_body(tree, admin_api, raw, content_type):
    count = Organization.objects.count()
    response = admin_api.post("/api/orgs", raw=raw, content_type=content_type)
    assert response.status_code == 422, response.content
    assert field_errors(response)
    assert Organization.objects.count() == count


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "many"}, "limit"),
    ({"level": "village"}, "level"), ({"include_dissolved": "perhaps"}, "include_dissolved"),
    ({"q": "x" * 51}, "q"),
])
def test_bad_list_query_is_422_naming_the_field(tree, admin_api, query, field):
    response = admin_api.get("/api/orgs", **query)
    assert response.status_code == 422
    assert field in field_errors(response)


def test_patch_changes_only_what_is_sent(tree, admin_api):
    grid = Organization.objects.get(pk=tree.grid_a.pk)
    grid.founded_on = None
    response = admin_api.patch(f"/api/orgs/{grid.code}", {"name": "东风第一网格党支部"})
    assert response.status_code == 200
    assert response.json()["name"] == "东风第一网格党支部"
    grid.refresh_from_db()
    assert (grid.name, grid.has_committee) == ("东风第一网格党支部", False)
    assert admin_api.patch(f"/api/orgs/{grid.code}", {"founded_on": "2020-07-01"}).json()["founded_on"] == "2020-07-01"
    assert admin_api.patch(f"/api/orgs/{grid.code}", {"founded_on": None}).json()["founded_on"] is None
    grid.refresh_from_db()
    assert grid.name == "东风第一网格党支部"
    assert AuditEvent.objects.filter(action="update", object_id=str(grid.pk)).count() == 3


@pytest.mark.parametrize("body, field", [
    ({"name": None}, "name"), ({"has_committee": None}, "has_committee"), ({"name": ""}, "name"),
    ({"has_committee": "sometimes"}, "has_committee"), ({"name": " "}, "name"),
])
def test_bad_patch_is_422(tree, admin_api, body, field):
    response = admin_api.patch(f"/api/orgs/{tree.grid_a.code}", body)
    assert response.status_code == 422
    assert field in field_errors(response)
    assert Organization.objects.get(pk=tree.grid_a.pk).name == tree.grid_a.name


def test_move(tree, admin_api):
    response = admin_api.post(f"/api/orgs/{tree.grid_a.code}/move", {"new_parent": tree.street_a.code})
    assert response.status_code == 200
    assert response.json()["parent_code"] == tree.street_a.code
    assert response.json()["code"] == tree.grid_a.code


@pytest.mark.parametrize("target, status, field", [
    ("building_a", 422, "new_parent"),
    ("grid_a", 422, "new_parent"),
    ("community_a", 422, "new_parent"),
    ("street_b", 404, None),
])
def test_bad_move(tree, admin_api, target, status, field):
    response = admin_api.post(f"/api/orgs/{tree.grid_a.code}/move", {"new_parent": getattr(tree, target).code})
    assert response.status_code == status
    if field:
        assert field in field_errors(response)
    assert Organization.objects.get(pk=tree.grid_a.pk).path == tree.grid_a.path


def test_move_without_a_new_parent_is_422(tree, admin_api):
    response = admin_api.post(f"/api/orgs/{tree.grid_a.code}/move", {})
    assert response.status_code == 422
    assert "new_parent" in field_errors(response)


def test_dissolve(tree, admin_api):
    response = admin_api.post(f"/api/orgs/{tree.building_a.code}/dissolve", {"reason": "楼栋拆迁"})
    assert response.status_code == 200
    assert response.json()["dissolved"] is True


def test_dissolve_with_live_children_is_422_with_the_count(tree, admin_api):
    response = admin_api.post(f"/api/orgs/{tree.grid_a.code}/dissolve", {"reason": "撤并"})
    assert response.status_code == 422
    assert "1" in field_errors(response)["reason"]
    assert Organization.objects.get(pk=tree.grid_a.pk).dissolved_at is None


def test_dissolve_needs_a_reason(tree, admin_api):
    response = admin_api.post(f"/api/orgs/{tree.building_a.code}/dissolve", {"reason": ""})
    assert response.status_code == 422
    assert "reason" in field_errors(response)


def test_unsupported_method_is_not_a_500(tree, admin_api):
    response = admin_api.client.delete(f"/api/orgs/{tree.grid_a.code}", **admin_api.headers)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_404_json(admin_api):
    response = admin_api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- schema and docs --------------------------------------------------------------------------------

EXPECTED_OPERATIONS = {
    ("post", "/api/auth/token"), ("get", "/api/orgs"), ("post", "/api/orgs"), ("get", "/api/orgs/{code}"),
    ("patch", "/api/orgs/{code}"), ("post", "/api/orgs/{code}/move"), ("post", "/api/orgs/{code}/dissolve"),
    ("get", "/api/members"), ("post", "/api/members"), ("get", "/api/members/{member_id}"),
    ("patch", "/api/members/{member_id}"), ("post", "/api/members/{member_id}/reveal"),
    ("get", "/api/members/coverage/{code}"),
    ("post", "/api/members/{member_id}/transfer"), ("get", "/api/members/transfers/incoming"),
    ("get", "/api/members/transfers/outgoing"), ("post", "/api/members/transfers/{transfer_id}/receive"),
    ("post", "/api/members/transfers/{transfer_id}/refuse"), ("post", "/api/members/transfers/{transfer_id}/cancel"),
    ("post", "/api/members/{member_id}/mobile-out"), ("post", "/api/members/{member_id}/mobile-back"),
    ("post", "/api/members/{member_id}/abroad"), ("post", "/api/members/{member_id}/abroad-back"),
    ("post", "/api/members/{member_id}/retire"), ("post", "/api/members/{member_id}/lost-contact"),
    ("post", "/api/members/{member_id}/contact-restored"), ("post", "/api/members/{member_id}/suspend"),
    ("post", "/api/members/{member_id}/restore"), ("post", "/api/members/{member_id}/leave"),
    ("post", "/api/members/{member_id}/residence"), ("get", "/api/members/registrations/pending"),
    ("post", "/api/members/registrations/{registration_id}/confirm"),
    ("post", "/api/members/registrations/{registration_id}/reject"),
    ("post", "/api/members/imports/{code}"), ("get", "/api/members/imports/jobs/{job_id}"),
    ("post", "/api/members/imports/jobs/{job_id}/apply"), ("post", "/api/members/exports/{code}"),
    ("get", "/api/members/exports/jobs/{job_id}"),
    ("get", "/api/me"), ("get", "/api/me/corrections"), ("post", "/api/me/corrections"),
    ("get", "/api/members/corrections"), ("post", "/api/members/corrections/{correction_id}/approve"),
    ("post", "/api/members/corrections/{correction_id}/reject"),
    ("get", "/api/recruitment/files"), ("post", "/api/recruitment/files"), ("get", "/api/recruitment/files/{file_id}"),
    ("post", "/api/recruitment/files/{file_id}/steps"), ("post", "/api/recruitment/files/{file_id}/end"),
    ("get", "/api/recruitment/due"), ("get", "/api/recruitment/funnel"), ("post", "/api/recruitment/check"),
    ("post", "/api/recruitment/files/{file_id}/records/{record_id}/documents"),
    ("get", "/api/recruitment/documents/{document_id}"),
    ("get", "/api/requests"), ("post", "/api/requests"), ("get", "/api/requests/categories"),
    ("get", "/api/requests/{request_id}"), ("post", "/api/requests/{request_id}/actions"),
    ("get", "/api/requests/statistics"), ("get", "/api/requests/representatives"),
    ("post", "/api/requests/representatives"), ("post", "/api/requests/representatives/{representative_id}/end"),
    ("post", "/api/requests/representatives/{representative_id}/duties"), ("get", "/api/requests/receptions"),
    ("post", "/api/requests/receptions"), ("get", "/api/requests/visits"), ("post", "/api/requests/visits"),
    ("get", "/api/projects"), ("post", "/api/projects"), ("get", "/api/projects/config"),
    ("post", "/api/projects/config"), ("post", "/api/projects/config/items"),
    ("post", "/api/projects/config/items/{item_id}"), ("post", "/api/projects/config/preset"),
    ("post", "/api/projects/config/sources"), ("post", "/api/projects/config/sources/{source_id}"),
    ("get", "/api/projects/funding"), ("get", "/api/projects/statistics"), ("get", "/api/projects/{project_id}"),
    ("post", "/api/projects/{project_id}/actions"), ("get", "/api/projects/public"),
    ("get", "/api/projects/public/{project_id}"), ("post", "/api/projects/public/proposals"),
    ("post", "/api/projects/public/track"), ("get", "/api/service/activities"),
    ("post", "/api/service/activities"), ("get", "/api/service/activities/{activity_id}"),
    ("patch", "/api/service/activities/{activity_id}"),
    ("post", "/api/service/activities/{activity_id}/check-ins/{check_in_id}/remove"),
    ("patch", "/api/service/teams/{team_id}/people/{membership_id}"), ("post", "/api/service/activities/{activity_id}/cancel"),
    ("post", "/api/service/activities/{activity_id}/roll"), ("post", "/api/service/activities/{activity_id}/signups"),
    ("post", "/api/service/activities/{activity_id}/withdrawals"), ("post", "/api/service/check-in"),
    ("get", "/api/service/me"), ("get", "/api/service/statistics"), ("get", "/api/service/teams"),
    ("post", "/api/service/teams"), ("get", "/api/service/teams/{team_id}"),
    ("patch", "/api/service/teams/{team_id}"), ("post", "/api/service/teams/{team_id}/disband"),
    ("post", "/api/service/teams/{team_id}/leader"), ("post", "/api/service/teams/{team_id}/people"),
    ("post", "/api/service/teams/{team_id}/people/{membership_id}/leave"), ("get", "/api/service/volunteers"),
    ("post", "/api/service/volunteers"),
}


def test_openapi_lists_every_operation(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    listed = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    routed = {
        (method.lower(), "/api" + prefix + re.sub(r"\{\w+:", "{", path.replace("<code>", "{code}")).rstrip("/"))
        for prefix, router in ninja_api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert listed == EXPECTED_OPERATIONS
    assert routed - {(m, p.rstrip("/")) for m, p in listed} == set()
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_docs_page_answers_with_its_own_assets(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "https://" not in body and "http://" not in body


def test_schema_errors_speak_the_users_language(tree, admin_api):
    response = admin_api.post("/api/orgs", {"parent": tree.street_a.code, "name": "", "level": "planet", "kind": "branch"})
    assert response.status_code == 422
    messages = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert messages["name"] == "至少 1 个字符。"
    assert messages["level"].startswith("请从以下选项中选择：")
    assert "String should" not in response.content.decode()

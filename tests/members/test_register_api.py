"""The member API: list, detail, create, update, reveal; masked by default, errors as JSON."""

import datetime as dt

import pytest

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import Member
from tests import factories
from tests.api.client import Api, field_errors

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1985, 3, 14)


@pytest.fixture
def api_for(client, make_user, tree, settings_no_otp):
    def make(role, org=None):
        return Api(client, account_services.token_issue(user=make_user(role, org or tree.street_a))[1])
    return make


def body(tree, **overrides) -> dict:
    data = {"organization": tree.grid_a.code, "name": "王小明", "id_number": factories.id_number(BIRTH),
            "category": "full", "joined_on": "2010-07-01", "full_member_on": "2011-07-01", "phone": "13800138000",
            "education": "本科"}
    data.update(overrides)
    return data


def test_list_is_scoped_and_masked(api_for, tree):
    inside = factories.make_member(tree.grid_a, name="张三")
    factories.make_member(tree.grid_b, name="李四")
    response = api_for(Role.VIEWER).get("/api/members")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["张三"]
    assert items[0]["id_number"] == inside.masked_id_number and items[0]["organization"]["code"] == tree.grid_a.code
    assert items[0]["party_age_months"] > 0


def test_list_filters_and_key_pages(api_for, tree):
    for name in ("张三", "李四", "王五"):
        factories.make_member(tree.grid_a, name=name)
    factories.make_member(tree.community_a, name="赵六", male=False)
    api = api_for(Role.VIEWER)
    assert [i["name"] for i in api.get("/api/members", sex="F").json()["items"]] == ["赵六"]
    assert [i["name"] for i in api.get("/api/members", q="ls").json()["items"]] == ["李四"]
    assert [i["name"] for i in api.get("/api/members", org=tree.community_a.code, sex="F").json()["items"]] == ["赵六"]
    first = api.get("/api/members", limit=3).json()
    second = api.get("/api/members", limit=3, after=first["next_after"]).json()
    assert [i["name"] for i in first["items"] + second["items"]] == ["李四", "王五", "张三", "赵六"]
    assert second["next_after"] is None


@pytest.mark.parametrize("query, field", [
    ({"age_band": "99"}, "age_band"), ({"education": "大专以上"}, "education"), ({"join_year": "x"}, "join_year"),
    ({"sort": "id_number"}, "sort"), ({"limit": 0}, "limit"),
])
def test_bad_filters_are_422_naming_the_field(api_for, query, field):
    response = api_for(Role.VIEWER).get("/api/members", **query)
    assert response.status_code == 422 and field in field_errors(response)


def test_list_outside_organisation_is_404(api_for, tree):
    assert api_for(Role.VIEWER).get("/api/members", org=tree.street_b.code).status_code == 404
    assert api_for(Role.SYSTEM_ADMIN).get("/api/members").status_code == 404


def test_detail_has_labels_and_history(api_for, tree):
    created = api_for(Role.CLERK).post("/api/members", body(tree))
    assert created.status_code == 201, created.content
    detail = api_for(Role.VIEWER).get(f"/api/members/{created.json()['id']}").json()
    assert detail["education"] == {"code": "21", "label": "大学本科毕业"}
    assert detail["education_statistics_label"] == "大学"
    assert detail["phone"] == "138****8000" and detail["id_number"].count("*") == 8
    assert [p["organization"]["code"] for p in detail["periods"]] == [tree.grid_a.code]
    assert [e["kind"] for e in detail["events"]] == ["created"]


def test_create_errors_name_the_field(api_for, tree):
    api = api_for(Role.CLERK)
    cases = [({"id_number": "440104198503140010"}, "id_number"), ({"birth_date": "1985-03-15"}, "birth_date"),
             ({"category": "probationary"}, "full_member_on"), ({"ethnicity": "火星族"}, "ethnicity"),
             ({"joined_on": "2999-01-01"}, "joined_on"), ({"category": "x"}, "category"), ({"name": ""}, "name")]
    for overrides, field in cases:
        response = api.post("/api/members", body(tree, **overrides))
        assert response.status_code == 422 and field in field_errors(response), (overrides, response.content)
    existing = factories.make_member(tree.grid_a)
    response = api.post("/api/members", body(tree, id_number=existing.id_number, birth_date=None))
    assert response.status_code == 422 and "id_number" in field_errors(response)
    assert Member.objects.count() == 1


def test_viewer_cannot_create_and_outside_is_404(api_for, tree):
    assert api_for(Role.VIEWER).post("/api/members", body(tree)).status_code == 403
    assert api_for(Role.CLERK).post("/api/members", body(tree, organization=tree.grid_b.code)).status_code == 404
    assert not Member.objects.exists()


def test_patch_changes_what_is_given(api_for, tree):
    member = factories.make_member(tree.grid_a, name="张三")
    api = api_for(Role.CLERK)
    response = api.patch(f"/api/members/{member.pk}", {"name": "张三丰", "phone": "13900001111"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "张三丰" and response.json()["phone"] == "139****1111"
    response = api.patch(f"/api/members/{member.pk}", {"sex": "F"})
    assert response.status_code == 422 and "sex" in field_errors(response)
    assert api.patch(f"/api/members/{member.pk}", {"name": None}).status_code == 422
    outside = factories.make_member(tree.grid_b)
    assert api.patch(f"/api/members/{outside.pk}", {"name": "x"}).status_code == 404
    assert api_for(Role.VIEWER).patch(f"/api/members/{member.pk}", {"name": "x"}).status_code == 403


def test_reveal_is_audited_and_needs_the_permission(api_for, tree):
    member = factories.make_member(tree.grid_a)
    response = api_for(Role.SECRETARY).post(f"/api/members/{member.pk}/reveal", {"field": "id_number"})
    assert response.json() == {"field": "id_number", "value": member.id_number}
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, object_id=str(member.pk)).count() == 1
    assert api_for(Role.VIEWER).post(f"/api/members/{member.pk}/reveal", {"field": "id_number"}).status_code == 403
    assert api_for(Role.CLERK).post(f"/api/members/{member.pk}/reveal", {"field": "phone"}).status_code == 403
    response = api_for(Role.SECRETARY).post(f"/api/members/{member.pk}/reveal", {"field": "address"})
    assert response.status_code == 422 and "field" in field_errors(response)
    outside = factories.make_member(tree.grid_b)
    assert api_for(Role.SECRETARY).post(f"/api/members/{outside.pk}/reveal", {"field": "phone"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1

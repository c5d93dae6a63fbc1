"""The micro-projects API: a proposal from requests through every step to the residents'
satisfaction, the statistics and funding report, the configuration, and bad input on every
operation answered 422 naming the field, changing nothing."""

import json

import pytest
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.projects.models import MicroProject, ProjectUpdate
from dangjian.projects.rules import State
from tests import factories as shared
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]
API = "/api/projects"


@pytest.fixture
def api(client):
    def call(user, method, url, payload=None, language=None):
        token = account_services.token_issue(user=user)[1]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        if payload is None:
            return client.generic(method, url, **headers)
        return client.generic(method, url, json.dumps(payload), content_type="application/json", **headers)
    return call


def test_a_project_from_two_requests_through_every_step(api, tree, people):
    first, _code = shared.make_request(tree.grid_a.grid)
    second, _code = shared.make_request(tree.grid_a.grid)
    created = api(people.street, "POST", API, {
        "organization": tree.community_a.code, "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。",
        "kind": "works", "estimate": "180000.00", "requests": [first.pk, second.pk]})
    assert created.status_code == 201, created.json()
    project = created.json()
    assert [linked["id"] for linked in project["requests"]] == [first.pk, second.pk]
    assert project["actions"] == ["screen", "screen_out", "cancel"] and project["proposer_phone"] == ""
    today = timezone.localdate().isoformat()

    def act(action, **fields):
        current = api(people.street, "GET", f"{API}/{project['id']}").json()
        answer = api(people.street, "POST", f"{API}/{project['id']}/actions",
                     {"action": action, "version": current["version"], **fields})
        assert answer.status_code == 200, answer.json()
        return answer.json()

    act("screen", positive_item=factories.positive().pk)
    assert act("council", held_on=today, present=11, votes_for=8, votes_against=2, abstaining=1)["state"] == "passed"
    act("public_notice")
    factories.end_notice(MicroProject.objects.get(pk=project["id"]))
    act("approve", budget="150000.00", funding_source=factories.make_source().pk)
    act("start", contractor="某工程公司")
    act("milestone", title="采购", weight=1)
    act("milestone", title="安装", weight=1)
    milestones = api(people.street, "GET", f"{API}/{project['id']}").json()["milestones"]
    assert act("progress", milestone=milestones[0]["id"], progress=100)["progress"] == "50.00"
    act("progress", milestone=milestones[1]["id"], progress=100)
    act("spend", amount="120000.50", spent_on=today, payee="某工程公司")
    act("complete")
    act("accept", accepted_on=today, record="验收合格。", signatories="李书记，张主任")
    assert act("evaluate", surveyed=30, satisfied=29)["state"] == "evaluated"
    detail = api(people.street, "GET", f"{API}/{project['id']}").json()
    assert [step["action"] for step in detail["timeline"]][-3:] == ["complete", "accept", "evaluate"]
    assert detail["spent"] == "120000.50" and detail["actions"] == []
    stats = api(people.street, "GET", f"{API}/statistics?org={tree.city.code}")
    assert stats.status_code == 404  # the city is above the street's scope
    stats = api(people.street, "GET", f"{API}/statistics?org={tree.street_a.code}").json()
    assert stats["figures"]["amount_spent"] == "120000.50" and stats["now"]["evaluated"] == 1
    funding = api(people.street, "GET", f"{API}/funding?org={tree.street_a.code}").json()
    assert funding[0]["projects"][0]["approved"] == "150000.00"


@pytest.mark.parametrize("changes, field", [
    ({"estimate": "abc"}, "estimate"), ({"estimate": "1.234"}, "estimate"), ({"estimate": "600000"}, "estimate"),
    ({"kind": "bribes"}, "kind"), ({"requests": [999999]}, "requests"), ({"title": ""}, "title"),
    ({"organization": ""}, "organization"), ({"phone": "123"}, "phone"),
])
def test_a_bad_proposal_is_named(api, tree, people, changes, field):
    answer = api(people.street, "POST", API, {
        "organization": tree.community_a.code, "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。",
        "kind": "works", "estimate": "180000", **changes})
    assert answer.status_code == 422, answer.json()
    assert field in {error["field"] for error in answer.json()["errors"]}
    assert not MicroProject.objects.exists()


@pytest.mark.parametrize("requests", [[2**63], [2**70], [0], [1, 2**63]])
def test_request_numbers_beyond_any_key_are_named(api, tree, people, requests):
    answer = api(people.street, "POST", API, {
        "organization": tree.community_a.code, "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。",
        "kind": "works", "estimate": "180000", "requests": requests})
    assert answer.status_code == 422, answer.json()
    assert {error["field"].split(".")[0] for error in answer.json()["errors"]} == {"requests"}
    assert not MicroProject.objects.exists()


@pytest.mark.parametrize("field, message", [
    ("positive_item", "There is no list entry 999999."), ("negative_item", "There is no list entry 999999."),
    ("funding_source", "There is no funding source 999999."),
    ("milestone", "This project has no milestone 999999."),
])
def test_an_unknown_key_is_named_in_words(api, tree, people, field, message):
    project = factories.propose(tree.community_a)
    payload = {"action": "screen", "version": 1, field: 999999}
    answer = api(people.street, "POST", f"{API}/{project.pk}/actions", payload)
    assert answer.status_code == 422 and answer.json()["errors"] == [{"field": field, "message": answer.json()[
        "message"]}]
    assert "_" not in answer.json()["message"] and "999999" in answer.json()["message"]
    english = api(people.street, "POST", f"{API}/{project.pk}/actions", payload, language="en")
    assert english.json()["message"] == message


def test_a_proposal_for_a_street_is_named(api, tree, people):
    answer = api(people.street, "POST", API, {
        "organization": tree.street_a.code, "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。",
        "kind": "works", "estimate": "1000"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "organization"


@pytest.mark.parametrize("payload, field", [
    ({"action": "screen", "positive_item": 999999}, "positive_item"),
    ({"action": "screen"}, "positive_item"),
    ({"action": "approve"}, "action"),
    ({"action": "fly"}, "action"),
    ({"action": "screen", "version": 0}, "version"),
    ({"action": "screen", "version": 9}, "version"),
    ({"action": "council", "present": -1}, "present"),
    ({"action": "screen_out", "negative_item": "x"}, "negative_item"),
    ({"action": "cancel", "budget": "1.234"}, "budget"),
    ({"action": "progress", "milestone": 999999}, "milestone"),
])
def test_bad_steps_are_named_and_change_nothing(api, tree, people, payload, field):
    project = factories.propose(tree.community_a)
    steps = ProjectUpdate.objects.count()
    answer = api(people.street, "POST", f"{API}/{project.pk}/actions", {"version": 1, **payload})
    assert answer.status_code == 422, answer.json()
    assert field in {error["field"] for error in answer.json()["errors"]}
    assert ProjectUpdate.objects.count() == steps and MicroProject.objects.get(pk=project.pk).version == 1


def test_community_staff_get_403_for_approval(api, tree, people):
    project = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    answer = api(people.community, "POST", f"{API}/{project.pk}/actions", {
        "action": "approve", "version": project.version, "budget": "1000", "funding_source": factories.make_source().pk})
    assert answer.status_code == 403 and answer.json()["message"]
    assert MicroProject.objects.get(pk=project.pk).state == State.NOTICE


def test_a_body_that_is_not_json_is_named(client, tree, people):
    token = account_services.token_issue(user=people.street)[1]
    answer = client.post(API, "title=x", content_type="application/x-www-form-urlencoded",
                         HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("query, field", [("org=", "org"), ("org=X&first=2025-13-01", "first")])
def test_bad_queries_are_named(api, tree, people, query, field):
    answer = api(people.street, "GET", f"{API}/statistics?{query}")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field


def test_the_last_month_after_the_first(api, tree, people):
    answer = api(people.street, "GET", f"{API}/statistics?org={tree.street_a.code}&first=2025-05-01&last=2025-01-01")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "last"


def test_lists_page_by_key_and_filter(api, tree, people):
    for kind in ("works", "service", "goods"):
        factories.propose(tree.community_a, kind=kind, estimate="1000")
    first = api(people.street, "GET", f"{API}?org={tree.street_a.code}&limit=2").json()
    assert len(first["items"]) == 2 and first["next_after"]
    second = api(people.street, "GET", f"{API}?org={tree.street_a.code}&limit=2&after={first['next_after']}").json()
    assert len(second["items"]) == 1 and second["next_after"] is None
    only = api(people.street, "GET", f"{API}?org={tree.street_a.code}&kind=goods").json()
    assert [item["kind"] for item in only["items"]] == ["goods"]
    bad = api(people.street, "GET", f"{API}?org={tree.street_a.code}&state=lost")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"


def test_a_city_admin_configures_through_the_api(api, tree, people):
    answer = api(people.city_admin, "POST", f"{API}/config/preset", {"preset": "luohu_donghu"})
    assert answer.status_code == 200 and answer.json()["caps"]["works"] == "1000000.00"
    bad = api(people.city_admin, "POST", f"{API}/config", {"notice_working_days": 0, "passing_rule": "x", "caps": {}})
    assert bad.status_code == 422 and {"notice_working_days", "passing_rule"} <= {
        error["field"] for error in bad.json()["errors"]}
    good = api(people.city_admin, "POST", f"{API}/config", {"notice_working_days": 7, "passing_rule": "majority_cast",
                                                            "caps": {"works": "800000", "goods": None}})
    assert good.status_code == 200 and good.json()["notice_working_days"] == 7
    assert good.json()["caps"] == {"service": "500000.00", "works": "800000.00"}
    source = api(people.city_admin, "POST", f"{API}/config/sources", {
        "organization": tree.city.code, "name": "市级资金", "kind": "city", "year": 2025, "budget": "0"})
    assert source.status_code == 422 and source.json()["errors"][0]["field"] == "budget"
    item = api(people.city_admin, "POST", f"{API}/config/items", {"side": "positive", "text": "社区微更新"})
    assert item.status_code == 201
    changed = api(people.city_admin, "POST", f"{API}/config/items/{item.json()['id']}",
                  {"side": "positive", "text": "社区微更新", "active": False})
    assert changed.json()["active"] is False
    assert api(people.city_admin, "POST", f"{API}/config/items/999999", {"side": "positive", "text": "无"}
               ).status_code == 404
    seen = api(people.viewer, "GET", f"{API}/config").json()
    assert seen["notice_working_days"] == 7 and len(seen["items"]) >= 1
    assert api(people.street_admin, "POST", f"{API}/config/preset", {"preset": "zhuhai"}).status_code == 403

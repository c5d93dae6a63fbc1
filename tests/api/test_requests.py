"""The requests API: filing for a resident, the working lists with their lights, one request with
its timeline and the actions open to the caller, changes refused on an old version, statistics,
representatives and their rota, receptions and visits whose problems become requests. Outside the
scope is a 404, visible but not allowed a 403, bad input a 422 naming the field."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.config.api import api
from dangjian.members.services import residence
from dangjian.requests import rules, selectors, services
from dangjian.requests.models import Reception, Representative, Request, RequestUpdate, Visit
from dangjian.service import services as service_services
from tests import factories
from tests.api.client import field_errors
from tests.service import factories as service_factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("next_year_entered")]
TODAY = dt.date.today()
WORDS = "楼道灯坏了，晚上看不见路。"


@pytest.fixture
def category(db):
    return factories.make_category(code="HW", name="环境卫生", time_limit_days=5, attributes=[
        {"code": "floor", "datatype": "number", "required": False, "description": "几楼？", "order": 1,
         "variable": True, "values": [], "datatype_description": ""}])


@pytest.fixture
def clerk(tree, make_user, settings_no_otp):
    return make_user(Role.CLERK, tree.street_a)


@pytest.fixture
def clerk_api(clerk, api_as):
    return api_as(clerk)


def file(api, tree, **fields):
    body = {"category": "HW", "grid": tree.grid_a.grid.code, "description": WORDS, "contact_name": "王大妈",
            "phone": "13800138000"} | fields
    return api.post("/api/requests", body)


def act(api, request_id: int, action: str, version: int, **fields):
    return api.post(f"/api/requests/{request_id}/actions", {"action": action, "version": version, **fields})


def test_a_request_is_filed_for_a_resident_and_read_masked(tree, category, clerk_api):
    response = file(clerk_api, tree, attributes={"floor": "3"})
    assert response.status_code == 201
    filed = response.json()
    assert filed["state"] == "received" and filed["source"] == "on_behalf" and filed["light"] is None
    assert filed["phone"] == "138****8000" and filed["contact_name"] == "王大妈" and filed["description"] == WORDS
    assert filed["place"] == {"grid_code": "G-A1", "grid": "东风社区第一网格", "building_id": None, "building": "",
                              "address": ""}
    assert filed["organization"]["code"] == tree.grid_a.code and filed["attributes"] == {"floor": "3"}
    assert filed["actions"] == ["accept", "duplicate", "refer", "withdraw", "note"] and filed["version"] == 1
    assert [(update["action"], update["to_state"]) for update in filed["timeline"]] == [("file", "received")]
    # The code is shown once and leads the resident to the request.
    code = filed.pop("tracking_code")
    assert selectors.by_tracking_code(code)[0].pk == filed["id"]
    assert clerk_api.get(f"/api/requests/{filed['id']}").json() == filed


def test_the_lifecycle_through_actions_and_a_stale_version(tree, category, clerk, clerk_api, make_user, api_as):
    filed = file(clerk_api, tree).json()
    accepted = act(clerk_api, filed["id"], "accept", 1, public=True)
    assert accepted.status_code == 200 and accepted.json() == {"id": filed["id"], "state": "accepted", "version": 2}

    # A second change made on the version first read loses, naming the version, and changes nothing.
    stale = act(clerk_api, filed["id"], "refer", 1, referred_to="城管")
    assert stale.status_code == 422 and "version" in field_errors(stale)
    assert Request.objects.get().state == "accepted" and RequestUpdate.objects.count() == 2

    assigned = act(clerk_api, filed["id"], "assign", 2, organization=tree.building_a.code, internal_note="请尽快")
    assert assigned.json()["state"] == "assigned"
    unresolved = act(clerk_api, filed["id"], "resolve", 3)
    assert unresolved.status_code == 422 and "public_note" in field_errors(unresolved)
    assert act(clerk_api, filed["id"], "resolve", 3, public_note="已更换灯泡。").json()["state"] == "resolved"

    detail = clerk_api.get(f"/api/requests/{filed['id']}").json()
    assert detail["public"] is False and detail["assigned_org"]["code"] == tree.building_a.code
    assert detail["public_note"] == "已更换灯泡。" and detail["actions"] == ["note"] and detail["version"] == 4
    assert [update["action"] for update in detail["timeline"]] == ["file", "accept", "assign", "resolve"]
    assert detail["timeline"][2]["internal_note"] == "请尽快"
    # A viewer reads the whole timeline but not the handlers' internal notes, and may do nothing.
    viewer = api_as(make_user(Role.VIEWER, tree.street_a)).get(f"/api/requests/{filed['id']}").json()
    assert viewer["actions"] == [] and viewer["timeline"][2]["internal_note"] == ""


def test_the_member_it_is_assigned_to_sees_it_and_acts(tree, category, clerk_api, make_user, api_as):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, account=account, name="李党员")
    filed = file(clerk_api, tree).json()
    act(clerk_api, filed["id"], "accept", 1)
    act(clerk_api, filed["id"], "assign", 2, member=member.pk, internal_note="内部")
    member_api = api_as(account)
    detail = member_api.get(f"/api/requests/{filed['id']}").json()
    assert detail["assigned_member"] == {"id": member.pk, "name": "李党员"}
    assert detail["actions"] == ["start", "resolve", "note"]
    assert all(update["internal_note"] == "" for update in detail["timeline"])
    assert act(member_api, filed["id"], "start", 3).json()["state"] == "in_progress"
    # Accepting is staff's work: refused with the reason, naming the action.
    refused = act(member_api, filed["id"], "withdraw", 4)
    assert refused.status_code == 422 and "action" in field_errors(refused)
    assert member_api.get("/api/requests", org=tree.community_a.code).status_code == 404


def test_the_service_team_it_is_assigned_to_sees_it_and_acts(tree, category, clerk_api, make_user, api_as):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, account=account, name="李队员")
    team = service_factories.make_team(tree.grid_a, name="东风先锋队")
    service_services.team_add_person(actor=None, team=team, member=member)
    filed = file(clerk_api, tree).json()
    act(clerk_api, filed["id"], "accept", 1)
    assert act(clerk_api, filed["id"], "assign", 2, team=team.pk).json()["state"] == "assigned"
    member_api = api_as(account)
    detail = member_api.get(f"/api/requests/{filed['id']}").json()
    assert detail["assigned_team"] == {"id": team.pk, "name": "东风先锋队"} and detail["assigned_member"] is None
    assert detail["actions"] == ["start", "resolve", "note"]
    assert act(member_api, filed["id"], "resolve", 3, public_note="已清理。").json()["state"] == "resolved"


def test_lists_lights_and_pages_by_key(tree, category, clerk_api):
    ids = [file(clerk_api, tree, contact_name=name).json()["id"] for name in ("甲", "乙", "丙")]
    for request_id in ids[:2]:
        act(clerk_api, request_id, "accept", 1)
    # The first is overdue, the second due soon, the third not yet accepted.
    Request.objects.filter(pk=ids[0]).update(due_on=TODAY - dt.timedelta(days=2), warn_on=TODAY - dt.timedelta(days=4))
    Request.objects.filter(pk=ids[1]).update(due_on=TODAY + dt.timedelta(days=1), warn_on=TODAY)
    factories.make_request(tree.grid_b.grid, category=category)

    def listed(**query):
        return [(item["id"], item["light"]) for item in
                clerk_api.get("/api/requests", org=tree.street_a.code, **query).json()["items"]]

    assert listed(list="overdue") == [(ids[0], "red")]
    assert listed(list="due_soon") == [(ids[1], "yellow")]
    assert listed(list="unassigned") == [(ids[2], None), (ids[1], "yellow"), (ids[0], "red")]
    assert listed(list="all", state="received") == [(ids[2], None)]
    assert listed(category="HW") == listed() and len(listed()) == 3

    first = clerk_api.get("/api/requests", org=tree.street_a.code, limit=2).json()
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]] and first["next_after"] == ids[1]
    rest = clerk_api.get("/api/requests", org=tree.street_a.code, limit=2, after=first["next_after"]).json()
    assert [item["id"] for item in rest["items"]] == [ids[0]] and rest["next_after"] is None
    item = rest["items"][0]
    assert item["phone"] == "138****8000" and item["description"] == WORDS and item["due_on"] is not None


def test_scope_is_404_and_role_is_403(tree, category, clerk_api, make_user, api_as):
    filed = file(clerk_api, tree).json()
    outsider = api_as(make_user(Role.CLERK, tree.street_b))
    assert outsider.get(f"/api/requests/{filed['id']}").status_code == 404
    assert act(outsider, filed["id"], "accept", 1).status_code == 404
    assert outsider.get("/api/requests", org=tree.street_a.code).status_code == 404
    assert file(outsider, tree).status_code == 404
    assert clerk_api.get("/api/requests/999999").status_code == 404

    viewer = api_as(make_user(Role.VIEWER, tree.street_a))
    assert viewer.get(f"/api/requests/{filed['id']}").status_code == 200
    assert act(viewer, filed["id"], "accept", 1).status_code == 403
    assert file(viewer, tree).status_code == 403
    assert Request.objects.get().state == "received" and Request.objects.count() == 1


def test_bad_input_names_the_field_and_changes_nothing(tree, category, clerk_api):
    other_building = factories.make_grid(tree.community_a, "东风社区第二网格", "G-A2").buildings.create(
        name="9栋", org_path=tree.community_a.path)
    cases = [
        ({"grid": "NO-SUCH"}, "grid"),
        ({"category": "NONE"}, "category"),
        ({"description": "坏了"}, "description"),
        ({"contact_name": ""}, "contact_name"),
        ({"phone": "12345"}, "phone"),
        ({"building": other_building.pk}, "building"),
        ({"building": 999999}, "building"),
        ({"attributes": {"floor": "三楼"}}, "attribute[floor]"),
        ({"public": "maybe"}, "public"),
    ]
    for fields, field in cases:
        response = file(clerk_api, tree, **fields)
        assert response.status_code == 422 and field in field_errors(response), (fields, response.json())
    filed = file(clerk_api, tree).json()
    for body, field in [({"action": "fly", "version": 1}, "action"), ({"action": "accept"}, "version"),
                        ({"action": "assign", "version": 1, "organization": tree.street_b.code}, "organization"),
                        ({"action": "duplicate", "version": 1, "original": 999999}, "original"),
                        ({"action": "assign", "version": 1, "team": 999999}, "team"),
                        ({"action": "assign", "version": 1, "team": "the pioneers"}, "team")]:
        response = clerk_api.post(f"/api/requests/{filed['id']}/actions", body)
        assert response.status_code == 422 and field in field_errors(response), (body, response.json())
    not_json = clerk_api.post(f"/api/requests/{filed['id']}/actions", raw="action=accept",
                              content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 422 and "body" in field_errors(not_json)
    for query, field in [({"list": "late"}, "list"), ({"category": "NONE"}, "category"), ({"limit": 0}, "limit")]:
        response = clerk_api.get("/api/requests", org=tree.street_a.code, **query)
        assert response.status_code == 422 and field in field_errors(response), query
    assert Request.objects.count() == 1 and Request.objects.get().version == 1


def test_statistics_of_a_subtree(tree, category, clerk_api, make_user, api_as):
    filed = file(clerk_api, tree).json()
    act(clerk_api, filed["id"], "accept", 1)
    Request.objects.filter(pk=filed["id"]).update(due_on=TODAY - dt.timedelta(days=1))
    file(clerk_api, tree)
    figures = clerk_api.get("/api/requests/statistics", org=tree.community_a.code).json()
    assert figures["organization"]["code"] == tree.community_a.code
    assert (figures["figures"]["received"], figures["figures"]["accepted"]) == (2, 1)
    assert (figures["open_now"], figures["overdue_now"]) == (2, 1) and figures["median_days_to_resolve"] is None
    assert figures["first"] == TODAY.replace(month=1, day=1).isoformat()
    city = api_as(make_user(Role.ORG_ADMIN, tree.city)).get("/api/requests/statistics", org=tree.city.code).json()
    assert city["figures"]["received"] == 2
    earlier = clerk_api.get("/api/requests/statistics", org=tree.street_a.code, first="2020-01-15",
                            last="2020-06-30").json()
    assert earlier["first"] == "2020-01-01" and earlier["figures"]["received"] == 0 and earlier["open_now"] == 2
    backwards = clerk_api.get("/api/requests/statistics", org=tree.street_a.code, first="2026-05-01",
                              last="2026-01-01")
    assert backwards.status_code == 422 and "last" in field_errors(backwards)
    assert clerk_api.get("/api/requests/statistics", org=tree.street_b.code).status_code == 404


def test_categories_are_the_active_ones_with_their_attributes(tree, category, clerk_api):
    factories.make_category(code="OLD", name="旧类别", active=False)
    (listed,) = clerk_api.get("/api/requests/categories").json()
    assert listed["code"] == "HW" and listed["time_limit_days"] == 5
    assert listed["attributes"][0]["code"] == "floor" and listed["attributes"][0]["datatype"] == "number"


def test_representatives_their_rota_and_a_reception_whose_problems_become_requests(
        tree, category, clerk_api, make_user, api_as):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, account=account, name="赵代表")
    since = (TODAY - dt.timedelta(days=60)).isoformat()
    appointed = clerk_api.post("/api/requests/representatives", {
        "member": member.pk, "organization": tree.community_a.code, "title": "区党代表", "since": since})
    assert appointed.status_code == 201
    term = appointed.json()
    assert term["member"] == {"id": member.pk, "name": "赵代表"} and term["until"] is None and term["duties"] == []
    again = clerk_api.post("/api/requests/representatives", {
        "member": member.pk, "organization": tree.community_a.code, "title": "区党代表", "since": since})
    assert again.status_code == 422 and "member" in field_errors(again)

    rota = f"/api/requests/representatives/{term['id']}/duties"
    backwards = clerk_api.post(rota, {"place": "党代表工作室", "weekday": 1, "starts_at": "11:00", "ends_at": "09:00"})
    assert backwards.status_code == 422 and "ends_at" in field_errors(backwards)
    duty = clerk_api.post(rota, {"place": "党代表工作室", "weekday": 1, "starts_at": "09:00", "ends_at": "11:00"})
    assert duty.status_code == 201 and duty.json()["weekday"] == 1
    (listed,) = clerk_api.get("/api/requests/representatives", org=tree.street_a.code).json()["items"]
    assert [line["place"] for line in listed["duties"]] == ["党代表工作室"]

    problem = {"category": "HW", "grid": tree.grid_a.grid.code, "description": WORDS, "contact_name": "李大爷"}
    body = {"representative": term["id"], "held_on": TODAY.isoformat(), "visitors": 3, "duty": duty.json()["id"],
            "problems": [problem, problem | {"description": "小区门口垃圾没人清理。"}]}
    bad = clerk_api.post("/api/requests/receptions", body | {"problems": [problem | {"grid": "NO-SUCH"}]})
    assert bad.status_code == 422 and "problems[1].grid" in field_errors(bad)
    too_few = clerk_api.post("/api/requests/receptions", body | {"visitors": 1})
    assert too_few.status_code == 422 and "visitors" in field_errors(too_few)
    assert not Reception.objects.exists() and not Request.objects.exists()

    # The representative logs their own reception; the rota line gives the place.
    logged = api_as(account).post("/api/requests/receptions", body)
    assert logged.status_code == 201
    answer = logged.json()
    assert answer["reception"]["place"] == "党代表工作室" and answer["reception"]["problems"] == 2
    assert len(answer["requests"]) == 2
    for new in answer["requests"]:
        assert selectors.by_tracking_code(new["tracking_code"])[0].pk == new["id"]
    assert set(Request.objects.values_list("source", flat=True)) == {"reception"}
    (reception,) = clerk_api.get("/api/requests/receptions", org=tree.community_a.code).json()["items"]
    assert reception["representative"]["name"] == "赵代表" and reception["visitors"] == 3

    ended = clerk_api.post(f"/api/requests/representatives/{term['id']}/end", {"until": TODAY.isoformat()})
    assert ended.status_code == 200 and ended.json()["until"] == TODAY.isoformat() and ended.json()["duties"] == []
    again = clerk_api.post(f"/api/requests/representatives/{term['id']}/end", {"until": TODAY.isoformat()})
    assert again.status_code == 422 and "until" in field_errors(again)


def test_representatives_scope_and_role(tree, clerk_api, make_user, api_as):
    member = factories.make_member(tree.grid_a)
    body = {"member": member.pk, "organization": tree.community_a.code, "title": "区党代表",
            "since": TODAY.isoformat()}
    viewer = api_as(make_user(Role.VIEWER, tree.street_a))
    assert viewer.post("/api/requests/representatives", body).status_code == 403
    outsider = api_as(make_user(Role.CLERK, tree.street_b))
    assert outsider.post("/api/requests/representatives", body).status_code == 404
    assert outsider.get("/api/requests/representatives", org=tree.street_a.code).status_code == 404
    stranger = factories.make_member(tree.grid_b)
    foreign = clerk_api.post("/api/requests/representatives", body | {"member": stranger.pk})
    assert foreign.status_code == 422 and "member" in field_errors(foreign)
    assert not Representative.objects.exists()

    term = clerk_api.post("/api/requests/representatives", body).json()
    someone = api_as(make_user(None, tree.community_a))
    reception = {"representative": term["id"], "held_on": TODAY.isoformat(), "visitors": 1, "place": "社区"}
    assert someone.post("/api/requests/receptions", reception).status_code == 404
    assert viewer.post("/api/requests/receptions", reception).status_code == 403
    assert viewer.post(f"/api/requests/representatives/{term['id']}/end", {"until": TODAY.isoformat()}).status_code \
        == 403
    assert outsider.post(f"/api/requests/representatives/{term['id']}/duties", {
        "place": "社区", "weekday": 0, "starts_at": "09:00", "ends_at": "10:00"}).status_code == 404
    assert not Reception.objects.exists() and Representative.objects.get().until is None


def test_a_member_logs_their_own_visit_and_its_problem_becomes_a_request(tree, category, clerk_api, make_user,
                                                                         api_as):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, account=account, name="钱党员")
    residence.registration_register(actor=None, member=member, grid=tree.grid_a.grid)
    body = {"member": member.pk, "visited_on": TODAY.isoformat(), "household": "3栋502",
            "problems": [{"category": "HW", "description": "楼道堆放杂物，存在消防隐患。"}]}
    logged = api_as(account).post("/api/requests/visits", body)
    assert logged.status_code == 201
    answer = logged.json()
    assert answer["visit"]["member"] == {"id": member.pk, "name": "钱党员"} and answer["visit"]["problems"] == 1
    (new,) = answer["requests"]
    filed = Request.objects.get(pk=new["id"])
    assert filed.source == "visit" and filed.grid == tree.grid_a.grid and filed.visit_id == answer["visit"]["id"]
    (listed,) = clerk_api.get("/api/requests/visits", org=tree.community_a.code).json()["items"]
    assert listed["household"] == "3栋502" and listed["grid"]["code"] == "G-A1"


def test_visits_refused(tree, category, clerk_api, make_user, api_as):
    unregistered = factories.make_member(tree.grid_a)
    body = {"member": unregistered.pk, "visited_on": TODAY.isoformat(), "household": "3栋502"}
    response = clerk_api.post("/api/requests/visits", body)
    assert response.status_code == 422 and "member" in field_errors(response)
    registered = factories.make_member(tree.grid_a)
    residence.registration_register(actor=None, member=registered, grid=tree.grid_a.grid)
    body["member"] = registered.pk
    assert api_as(make_user(Role.VIEWER, tree.street_a)).post("/api/requests/visits", body).status_code == 403
    assert api_as(make_user(Role.CLERK, tree.street_b)).post("/api/requests/visits", body).status_code == 404
    future = clerk_api.post("/api/requests/visits", body | {"visited_on": (TODAY + dt.timedelta(days=2)).isoformat(),
                                                            "problems": [{"category": "HW", "description": "x"}]})
    errors = field_errors(future)
    assert future.status_code == 422 and "visited_on" in errors and "problems[1].description" in errors
    assert not Visit.objects.exists() and not Request.objects.exists()


def test_the_schema_lists_every_operation():
    operations = {operation["operationId"] for methods in api.get_openapi_schema()["paths"].values()
                  for operation in methods.values()}
    names = ["list_categories", "list_requests", "statistics", "file_request", "get_request", "change_request",
             "list_representatives", "appoint_representative", "end_representative", "add_duty", "list_receptions",
             "log_reception", "list_visits", "log_visit"]
    assert {f"dangjian_requests_api_{name}" for name in names} <= operations


def test_tracking_codes_are_formatted_for_reading_out(tree, category, clerk_api):
    code = file(clerk_api, tree).json()["tracking_code"]
    assert len(code) == 14 and code.count("-") == 2 and rules.normalise_tracking_code(code) is not None


def test_receptions_page_by_the_day_held(tree, clerk, clerk_api):
    term = services.representative_appoint(actor=clerk, member=factories.make_member(tree.grid_a),
                                           organization=tree.community_a, title="区党代表",
                                           since=TODAY - dt.timedelta(days=90))
    held = [TODAY - dt.timedelta(days=days) for days in (10, 30, 20)]
    for day in held:
        services.reception_log(actor=clerk, representative=term, held_on=day, visitors=1, place="社区")
    first = clerk_api.get("/api/requests/receptions", org=tree.community_a.code, limit=2).json()
    assert [item["held_on"] for item in first["items"]] == [held[0].isoformat(), held[2].isoformat()]
    rest = clerk_api.get("/api/requests/receptions", org=tree.community_a.code, limit=2,
                         after=first["next_after"]).json()
    assert [item["held_on"] for item in rest["items"]] == [held[1].isoformat()] and rest["next_after"] is None


def test_a_representative_files_for_a_resident_of_their_area(tree, category, make_user, api_as, clerk):
    account = make_user(None, tree.community_a)
    services.representative_appoint(actor=clerk, member=factories.make_member(tree.grid_a, account=account),
                                    organization=tree.community_a, title="区党代表", since=TODAY)
    response = file(api_as(account), tree)
    assert response.status_code == 201 and response.json()["entered_by"] == account.get_full_name()
    assert response.json()["tracking_code"]
    # Not a representative of the place, and without a role: the place is not theirs to see.
    assert file(api_as(make_user(None, tree.community_a)), tree).status_code == 404
    assert Request.objects.count() == 1

"""Open311 GeoReport v2: every method in JSON and XML, the filters of GET requests, filing with a
client's key as the specification shows it, the standard's errors (never a 500), the rate limits,
and nothing personal in any answer; and the third-party client ``georeport`` against the running
server."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
import requests as http
from django.core.cache import cache
from django.utils import timezone
from georeport import GeoReport

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Building
from dangjian.requests import rules, selectors, services
from dangjian.requests.models import Open311Key, Request, Source
from tests import factories

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"
LIGHT_ATTRIBUTES = [
    {"code": "floor", "datatype": "string", "required": True, "description": "Which floor?"},
    {"code": "kinds", "datatype": "multivaluelist", "description": "What is wrong?",
     "values": [{"key": "dark", "name": "Dark"}, {"key": "flicker", "name": "Flickers"}]},
]
WORDS = "楼道灯坏了，晚上看不见路。"


@pytest.fixture(autouse=True)
def open_limits(settings):
    """English messages, and rates no test here reaches unless it means to: the limits count per
    address in the cache, which outlives a test, so it is emptied before and after."""
    settings.LANGUAGE_CODE = "en"
    settings.DANGJIAN_PUBLIC_READ_RATE = settings.DANGJIAN_PUBLIC_WRITE_RATE = "1000/m"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def light(db):
    return services.category_save(actor=None, code="LIGHT", name="楼道照明", time_limit_days=3, group="设施",
                                  keywords="灯,照明", description="楼道、路灯不亮", attributes=LIGHT_ATTRIBUTES)


@pytest.fixture
def litter(db):
    return services.category_save(actor=None, code="LITTER", name="环境卫生", time_limit_days=5)


@pytest.fixture
def secret(db):
    return services.open311_key_issue(actor=None, name="12345热线")[1]


def filing(secret, **changes) -> dict:
    """A filing as the GeoReport v2 specification shows it: form fields, attributes as attribute[code]."""
    form = {"api_key": secret, "service_code": "LIGHT", "address_string": "东风社区第一网格",
            "description": WORDS, "attribute[floor]": "3"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def as_json(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def as_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.lower().startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def rows(element: ET.Element) -> list[dict]:
    """The members of an XML list, each as {child: text}."""
    return [{child.tag: child.text for child in member} for member in element]


def errors(response, fmt="json") -> list[dict]:
    if fmt == "xml":
        root = as_xml(response)
        assert root.tag == "errors" and all(member.tag == "error" for member in root)
        return [{"code": int(row["code"]), "description": row["description"]} for row in rows(root)]
    return as_json(response)


def file(grid, category, **fields):
    return factories.make_request(grid, category=category, **fields)


# --- services ------------------------------------------------------------------------------------

def test_services_lists_the_open_categories_in_both_forms(client, light, litter):
    services.category_save(actor=None, code="OLD", name="停用", time_limit_days=5, active=False)
    answer = client.get(f"{V2}/services.json")
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    listed = as_json(answer)
    assert listed == [
        {"service_code": "LIGHT", "service_name": "楼道照明", "description": "楼道、路灯不亮", "metadata": True,
         "type": "realtime", "keywords": "灯,照明", "group": "设施"},
        {"service_code": "LITTER", "service_name": "环境卫生", "description": "", "metadata": False,
         "type": "realtime", "keywords": "", "group": ""}]
    root = as_xml(client.get(f"{V2}/services.xml"))
    assert root.tag == "services" and [member.tag for member in root] == ["service", "service"]
    assert rows(root)[0] == {"service_code": "LIGHT", "service_name": "楼道照明", "description": "楼道、路灯不亮",
                             "metadata": "true", "type": "realtime", "keywords": "灯,照明", "group": "设施"}
    assert rows(root)[1]["metadata"] == "false"


def test_a_service_definition_gives_the_attributes_in_both_forms(client, light):
    definition = as_json(client.get(f"{V2}/services/LIGHT.json"))
    assert definition["service_code"] == "LIGHT"
    floor, kinds = definition["attributes"]
    assert floor == {"variable": True, "code": "floor", "datatype": "string", "required": True,
                     "datatype_description": None, "order": 1, "description": "Which floor?", "values": []}
    assert kinds["datatype"] == "multivaluelist" and kinds["required"] is False
    assert kinds["values"] == [{"key": "dark", "name": "Dark"}, {"key": "flicker", "name": "Flickers"}]

    root = as_xml(client.get(f"{V2}/services/LIGHT.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "LIGHT"
    attributes = root.find("attributes")
    assert [member.tag for member in attributes] == ["attribute", "attribute"]
    assert attributes[0].findtext("code") == "floor" and attributes[0].findtext("required") == "true"
    assert [(value.findtext("key"), value.findtext("name")) for value in attributes[1].find("values")] == [
        ("dark", "Dark"), ("flicker", "Flickers")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_closed_service_is_a_404(client, light, fmt):
    services.category_save(actor=None, code="OLD", name="停用", time_limit_days=5, active=False)
    for code in ("NOPE", "OLD"):
        answer = client.get(f"{V2}/services/{code}.{fmt}")
        assert answer.status_code == 404
        (error,) = errors(answer, fmt)
        assert error["code"] == 404 and error["description"].startswith("service_code: ")


# --- filing -------------------------------------------------------------------------------------------

def test_a_post_as_the_specification_shows_it_files_a_request(client, tree, light, secret):
    answer = client.post(f"{V2}/requests.json", filing(
        secret, **{"attribute[kinds][]": ["dark", "flicker"]}, first_name="三", last_name="张",
        phone="13912345678", email="zhang@example.com", device_id="device-42", account_id="acc-7",
        media_url="https://example.com/photo.jpg", jurisdiction_id="anything"))
    assert answer.status_code == 200
    (created,) = as_json(answer)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id", "tracking_code"}
    assert created["account_id"] is None and "3 working days" in created["service_notice"]
    filed = Request.objects.get(pk=created["service_request_id"])
    key = Open311Key.objects.get()
    assert (filed.source, filed.client, filed.entered_by) == (Source.OPEN311, key, None)
    assert (filed.grid, filed.building, filed.category) == (tree.grid_a.grid, None, light)
    assert filed.attributes == {"floor": "3", "kinds": ["dark", "flicker"]}
    assert (filed.contact_name, filed.phone, filed.media_url) == ("张三", "13912345678",
                                                                 "https://example.com/photo.jpg")
    assert filed.public is False and key.last_used_at is not None
    # The tracking code is for the client to give to the resident; the token only names the request.
    assert selectors.by_tracking_code(created["tracking_code"])[0] == filed
    assert filed.open311_token == created["token"] and selectors.by_tracking_code(created["token"]) is None
    # Data minimisation: what the standard lets a client send about the resident but we do not need.
    kept = json.dumps(list(Request.objects.values()), default=str) + json.dumps(
        list(AuditEvent.objects.values()), default=str)
    assert "zhang@example.com" not in kept and "device-42" not in kept and "acc-7" not in kept


def test_a_post_answers_xml_and_accepts_repeated_keys_for_a_list(client, tree, light, secret):
    answer = client.post(f"{V2}/requests.xml", filing(secret, **{"attribute[kinds]": ["dark", "flicker"]}))
    assert answer.status_code == 200
    root = as_xml(answer)
    assert root.tag == "service_requests" and [member.tag for member in root] == ["request"]
    (created,) = rows(root)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id", "tracking_code"}
    assert created["account_id"] is None
    assert Request.objects.get(pk=int(created["service_request_id"])).attributes["kinds"] == ["dark", "flicker"]


def test_a_building_is_named_by_its_address_id_or_found_by_its_address(client, tree, light, secret):
    grid = tree.grid_a.grid
    building = Building.objects.create(grid=grid, name="3栋", address="和平路12号", org_path=grid.org_path,
                                       city_id=grid.city_id)
    by_id = as_json(client.post(f"{V2}/requests.json", filing(secret, address_string=None,
                                                              address_id=str(building.pk))))[0]
    by_text = as_json(client.post(f"{V2}/requests.json", filing(secret, address_string="和平路12号")))[0]
    for created in (by_id, by_text):
        filed = Request.objects.get(pk=created["service_request_id"])
        assert (filed.grid, filed.building) == (grid, building)
    shown = as_json(client.get(f"{V2}/requests/{by_text['service_request_id']}.json"))[0]
    assert shown["address"] == "东风社区党委 · 东风社区第一网格 · 3栋" and shown["address_id"] == building.pk


def _second_grid_matching(tree):
    factories.make_grid(tree.community_a, "东风社区第二网格", "G-A2")


@pytest.mark.parametrize(("changes", "status", "field"), [
    ({"api_key": "o311_wrong"}, 403, "api_key"),
    ({"api_key": None}, 403, "api_key"),
    ({"service_code": "NOPE"}, 400, "service_code"),
    ({"service_code": None}, 400, "service_code"),
    ({"description": None}, 400, "description"),
    ({"description": "短"}, 400, "description"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"attribute[floor]": None}, 400, "attribute[floor]"),
    ({"attribute[kinds]": "purple"}, 400, "attribute[kinds]"),
    ({"address_string": None, "lat": "30.59", "long": "114.30"}, 400, "lat"),
    ({"address_string": None}, 400, "address_string"),
    ({"address_string": "不存在的地方"}, 400, "address_string"),
    ({"address_string": "东风社区"}, 400, "address_string"),
    ({"address_string": None, "address_id": "999999"}, 400, "address_id"),
    ({"address_string": None, "address_id": "99999999999999999999999"}, 400, "address_id"),
    ({"address_string": None, "address_id": "x1"}, 400, "address_id"),
    ({"phone": "12345"}, 400, "phone"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"media_url": "https://example.com/" + "a" * 500}, 400, "media_url"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_refused_post_names_the_field_and_files_nothing(client, tree, light, secret, changes, status, field, fmt):
    _second_grid_matching(tree)
    answer = client.post(f"{V2}/requests.{fmt}", filing(secret, **changes))
    assert answer.status_code == status
    found = errors(answer, fmt)
    assert any(error["code"] == status and error["description"].startswith(f"{field}: ") for error in found), found
    assert not Request.objects.exists()
    assert Open311Key.objects.get().last_used_at is None


def test_a_revoked_key_is_refused(client, tree, light, secret):
    services.open311_key_revoke(actor=None, key=Open311Key.objects.get())
    answer = client.post(f"{V2}/requests.json", filing(secret))
    assert answer.status_code == 403 and errors(answer)[0]["description"].startswith("api_key: ")
    assert not Request.objects.exists()


def test_every_problem_of_a_post_is_named_at_once(client, tree, light, secret):
    answer = client.post(f"{V2}/requests.json", filing(secret, service_code="NOPE", address_string=None,
                                                       lat="30.5", long="114.3", description=""))
    assert answer.status_code == 400
    assert [error["description"].split(":")[0] for error in errors(answer)] == ["description", "lat", "service_code"]


def test_coordinates_beside_an_address_are_ignored(client, tree, light, secret):
    answer = client.post(f"{V2}/requests.json", filing(secret, lat="30.59", long="114.30"))
    assert answer.status_code == 200 and Request.objects.count() == 1


# --- reading requests ------------------------------------------------------------------------------

def _received(filed: Request, days_ago: int) -> Request:
    Request.objects.filter(pk=filed.pk).update(received_at=timezone.now() - dt.timedelta(days=days_ago))
    filed.refresh_from_db()
    return filed


def _ids(answer, fmt="json") -> list[int]:
    if fmt == "xml":
        root = as_xml(answer)
        assert root.tag == "service_requests"
        return [int(row["service_request_id"]) for row in rows(root)]
    return [row["service_request_id"] for row in as_json(answer)]


@pytest.fixture
def several(tree, light, litter, make_user):
    """Four requests: a light one today (open), a litter one 10 days ago (resolved, so closed), a
    light one 50 days ago (open) and a litter one 120 days ago (open)."""
    grid = tree.grid_a.grid
    clerk = make_user(Role.CLERK, tree.grid_a)
    today = file(grid, light, attributes={"floor": ["2"]})[0]
    resolved = _received(file(grid, litter)[0], 10)
    services.request_change(actor=clerk, request=resolved, action="accept")
    services.request_change(actor=clerk, request=resolved, action="resolve", public_note="已清理。")
    older = _received(file(grid, light, attributes={"floor": ["1"]})[0], 50)
    oldest = _received(file(grid, litter)[0], 120)
    return today, resolved, older, oldest


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_are_the_last_90_days_newest_first_unless_told(client, several, fmt):
    today, resolved, older, oldest = several
    assert _ids(client.get(f"{V2}/requests.{fmt}"), fmt) == [today.pk, resolved.pk, older.pk]
    assert _ids(client.get(f"{V2}/requests.{fmt}", {"status": "open"}), fmt) == [today.pk, older.pk]
    assert _ids(client.get(f"{V2}/requests.{fmt}", {"status": "closed"}), fmt) == [resolved.pk]
    assert _ids(client.get(f"{V2}/requests.{fmt}", {"status": "open,closed"}), fmt) == [
        today.pk, resolved.pk, older.pk]
    assert _ids(client.get(f"{V2}/requests.{fmt}", {"service_code": "LITTER"}), fmt) == [resolved.pk]
    assert _ids(client.get(f"{V2}/requests.{fmt}", {"service_code": "LITTER,LIGHT"}), fmt) == [
        today.pk, resolved.pk, older.pk]


def test_a_list_of_requests_is_read_in_one_query(client, several, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(as_json(client.get(f"{V2}/requests.json"))) == 3
    with django_assert_num_queries(2):
        assert len(rows(as_xml(client.get(f"{V2}/requests.xml", {"service_code": "LIGHT,LITTER"})))) == 3


def test_the_window_is_set_by_start_and_end_dates(client, several):
    today, resolved, older, oldest = several
    local = timezone.localdate()

    def search(**params):
        return _ids(client.get(f"{V2}/requests.json", params))

    start = (local - dt.timedelta(days=130)).isoformat()
    assert search(start_date=start) == [older.pk, oldest.pk]
    assert search(end_date=(local - dt.timedelta(days=5)).isoformat()) == [resolved.pk, older.pk]
    assert search(start_date=start, end_date=(local - dt.timedelta(days=100)).isoformat()) == [oldest.pk]
    moment = timezone.localtime(older.received_at)
    assert search(start_date=moment.isoformat(), end_date=moment.isoformat()) == [older.pk]
    in_utc = older.received_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert search(start_date=in_utc, end_date=in_utc) == [older.pk]
    # An offset typed unencoded in an address arrives with a space for its "+".
    typed = client.get(f"{V2}/requests.json?start_date={moment.isoformat()}&end_date={moment.isoformat()}")
    assert _ids(typed) == [older.pk]


def test_request_numbers_override_every_other_filter(client, several):
    today, resolved, older, oldest = several
    answer = client.get(f"{V2}/requests.json", {"service_request_id": f"{oldest.pk}, {resolved.pk},999999",
                                                "service_code": "LIGHT", "status": "open",
                                                "start_date": "2020-01-01", "end_date": "2020-01-02"})
    assert _ids(answer) == [resolved.pk, oldest.pk]


@pytest.mark.parametrize(("params", "field"), [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-02-30"}, "end_date"),
    ({"start_date": "0001-01-01"}, "start_date"),
    ({"end_date": "9999-12-31T23:59:59"}, "end_date"),
    ({"start_date": "2026-01-01", "end_date": "2026-04-02"}, "end_date"),
    ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "end_date"),
    ({"status": "pending"}, "status"),
    ({"service_code": "LIGHT,NOPE"}, "service_code"),
    ({"service_request_id": "1,two"}, "service_request_id"),
    ({"service_request_id": "²"}, "service_request_id"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_filter_is_a_400_naming_it(client, several, params, field, fmt):
    answer = client.get(f"{V2}/requests.{fmt}", params)
    assert answer.status_code == 400
    (error,) = errors(answer, fmt)
    assert error["code"] == 400 and error["description"].startswith(f"{field}: "), error


def test_ninety_days_apart_is_allowed(client, several):
    answer = client.get(f"{V2}/requests.json", {"start_date": "2026-01-01", "end_date": "2026-03-31"})
    assert answer.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_shows_its_state_deadline_and_place(client, tree, several, fmt):
    today, resolved, older, oldest = several
    answer = client.get(f"{V2}/requests/{resolved.pk}.{fmt}")
    assert answer.status_code == 200
    if fmt == "json":
        (shown,) = as_json(answer)
    else:
        root = as_xml(answer)
        assert root.tag == "service_requests" and [member.tag for member in root] == ["request"]
        (shown,) = rows(root)
    resolved.refresh_from_db()
    # The reply was written to the resident: public only where the resident let the description be.
    assert shown["status"] == "closed" and not shown["status_notes"]
    Request.objects.filter(pk=resolved.pk).update(public=True)
    again = client.get(f"{V2}/requests/{resolved.pk}.{fmt}")
    (public,) = as_json(again) if fmt == "json" else rows(as_xml(again))
    assert public["status_notes"] == "已清理。"
    assert shown["service_code"] == "LITTER" and shown["service_name"] == "环境卫生"
    assert shown["agency_responsible"] == tree.grid_a.name
    assert shown["address"] == "东风社区党委 · 东风社区第一网格"
    assert shown["expected_datetime"] == f"{resolved.due_on.isoformat()}T23:59:59+08:00"
    assert shown["requested_datetime"] == timezone.localtime(resolved.received_at).isoformat(timespec="seconds")
    assert shown["requested_datetime"].endswith("+08:00")
    assert shown["updated_datetime"] == timezone.localtime(resolved.updated_at).isoformat(timespec="seconds")
    assert "5 working days" in shown["service_notice"]


def test_every_state_maps_to_open_or_closed(client, tree, light):
    filed, _code = file(tree.grid_a.grid, light, attributes={"floor": ["2"]})
    for state in rules.State.values:
        Request.objects.filter(pk=filed.pk).update(state=state)
        (shown,) = as_json(client.get(f"{V2}/requests/{filed.pk}.json"))
        assert shown["status"] == ("open" if state in rules.OPEN else "closed"), state


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_or_token_is_a_404(client, several, fmt):
    for path in ("requests/999999", "requests/abc", "requests/99999999999999999999999", "tokens/ABCD-EFGH-JKMN",
                 "tokens/not-a-code", "tokens/0123456789abcdef"):
        answer = client.get(f"{V2}/{path}.{fmt}")
        assert answer.status_code == 404, path
        assert errors(answer, fmt)[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_gives_the_request_it_names(client, tree, light, secret, fmt):
    (created,) = as_json(client.post(f"{V2}/requests.json", filing(secret)))
    answer = client.get(f"{V2}/tokens/{created['token']}.{fmt}")
    expected = {"service_request_id": created["service_request_id"], "token": created["token"]}
    if fmt == "json":
        assert as_json(answer) == [expected]
    else:
        assert rows(as_xml(answer)) == [{key: str(value) for key, value in expected.items()}]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_tracking_code_is_no_token(client, tree, light, secret, fmt):
    """The tracking code lets its holder withdraw the request: it never goes in a URL, so no
    method takes it there."""
    (created,) = as_json(client.post(f"{V2}/requests.json", filing(secret)))
    _filed, code = file(tree.grid_a.grid, light, attributes={"floor": ["2"]})
    for typed in (created["tracking_code"], created["tracking_code"].replace("-", ""), code):
        assert client.get(f"{V2}/tokens/{typed}.{fmt}").status_code == 404, typed


def test_each_request_filed_through_open311_has_its_own_token(client, tree, light, secret):
    tokens = {as_json(client.post(f"{V2}/requests.json", filing(secret)))[0]["token"] for _ in range(3)}
    assert len(tokens) == 3 and all(len(token) == rules.OPEN311_TOKEN_LENGTH for token in tokens)
    assert Request.objects.filter(open311_token__isnull=False).count() == 3


# --- personal data ------------------------------------------------------------------------------------

def test_no_personal_data_in_any_answer(client, tree, light, secret):
    created = as_json(client.post(f"{V2}/requests.json", filing(
        secret, first_name="三丰", last_name="张", phone="13912345678", email="zhang@example.com",
        address_string="东风社区第一网格", media_url="https://example.com/zhang.jpg",
        description="我家门口的灯坏了，电话13912345678，身份证110101199003071234。")))[0]
    # A resident who agreed to show the description, on the public page, with a note for the staff.
    shown, _code = file(tree.grid_a.grid, light, attributes={"floor": ["2"]}, public=True, contact_name="李四光",
                       phone="13800138000", address="3栋502门口",
                       description="楼道灯坏了，请联系13800138000，身份证110101199003071234。")
    answers = [client.get(f"{V2}/{path}") for fmt in ("json", "xml") for path in (
        f"services.{fmt}", f"services/LIGHT.{fmt}", f"requests.{fmt}", f"requests/{created['service_request_id']}.{fmt}",
        f"requests/{shown.pk}.{fmt}", f"tokens/{created['token']}.{fmt}")]
    assert all(answer.status_code == 200 for answer in answers)
    text = "\n".join(answer.content.decode() for answer in answers)
    for personal in ("三丰", "张", "13912345678", "5678", "zhang@example.com", "zhang.jpg", "李四光", "13800138000",
                     "8000", "110101199003071234", "3栋502门口"):
        assert personal not in text, personal
    # The description the resident agreed to show is there, with its numbers blotted out.
    assert "楼道灯坏了，请联系***，身份证***。" in text and "我家门口" not in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_description_shows_only_when_public(client, tree, light, fmt):
    hidden = file(tree.grid_a.grid, light, attributes={"floor": ["2"]}, description="不公开的描述内容")[0]
    public = file(tree.grid_a.grid, light, attributes={"floor": ["2"]}, description="可公开的描述内容",
                  public=True)[0]
    answer = client.get(f"{V2}/requests.{fmt}")
    found = as_json(answer) if fmt == "json" else rows(as_xml(answer))
    by_id = {int(row["service_request_id"]): row for row in found}
    assert by_id[hidden.pk]["description"] is None
    assert by_id[public.pk]["description"] == "可公开的描述内容"
    assert "不公开" not in answer.content.decode()


# --- the interface itself ---------------------------------------------------------------------------------

def test_unknown_methods_and_formats_answer_the_error_list(client, light):
    xml = client.get(f"{V2}/discovery.xml")
    assert xml.status_code == 404 and errors(xml, "xml")[0]["code"] == 404
    for path in ("services.csv", "services", "requests.json/extra"):
        answer = client.get(f"{V2}/{path}")
        assert answer.status_code == 404 and errors(answer)[0]["code"] == 404
    refused = client.delete(f"{V2}/requests.json")
    assert refused.status_code == 405 and refused["Allow"] == "GET, POST" and errors(refused)[0]["code"] == 405
    assert client.post(f"{V2}/services.xml").status_code == 405


def test_control_characters_never_break_the_xml(client, tree, light):
    file(tree.grid_a.grid, light, attributes={"floor": ["2"]}, public=True, description="灯\x01坏了\x0b很久了")
    root = as_xml(client.get(f"{V2}/requests.xml"))
    assert rows(root)[0]["description"] == "灯坏了很久了"


def test_reads_and_filings_are_rate_limited(client, tree, light, secret, settings):
    settings.DANGJIAN_PUBLIC_READ_RATE = "2/m"
    settings.DANGJIAN_PUBLIC_WRITE_RATE = "1/h"
    for _ in range(2):
        assert client.get(f"{V2}/services.json").status_code == 200
    limited = client.get(f"{V2}/services.xml")
    assert limited.status_code == 429 and errors(limited, "xml")[0]["code"] == 429
    assert client.post(f"{V2}/requests.json", filing(secret)).status_code == 200
    second = client.post(f"{V2}/requests.json", filing(secret))
    assert second.status_code == 429 and errors(second)[0]["code"] == 429
    assert Request.objects.count() == 1


# --- the third-party client against the running server ----------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_reads_what_a_specification_post_filed(live_server, tree):
    """The client ``georeport`` (from PyPI; it only reads) lists services, reads a definition and
    reads requests in JSON and in XML; a POST made as the specification shows it is then readable
    through it by its number."""
    light = services.category_save(actor=None, code="LIGHT", name="楼道照明", time_limit_days=3,
                                   attributes=LIGHT_ATTRIBUTES)
    services.category_save(actor=None, code="LITTER", name="环境卫生", time_limit_days=5)
    for floor in ("1", "2"):
        file(tree.grid_a.grid, light, attributes={"floor": [floor]}, public=True)
    _key, secret = services.open311_key_issue(actor=None, name="12345热线")
    root = f"{live_server.url}{V2}"
    as_json_client, as_xml_client = GeoReport(root), GeoReport(root, output_format="xml")

    assert [service["service_code"] for service in as_json_client.get_service_list()] == ["LIGHT", "LITTER"]
    assert [service["service_code"] for service in as_xml_client.get_service_list()] == ["LIGHT", "LITTER"]
    assert [attribute["code"] for attribute in as_json_client.get_service_definition("LIGHT")["attributes"]] == [
        "floor", "kinds"]
    definition = as_xml_client.get_service_definition("LIGHT")
    assert [attribute["code"] for attribute in definition["attributes"]["attribute"]] == ["floor", "kinds"]
    assert len(as_json_client.get_service_requests(service_code="LIGHT", status="open")) == 2
    assert len(as_xml_client.get_service_requests(service_code="LIGHT")) == 2

    posted = http.post(f"{root}/requests.json", data={
        "api_key": secret, "service_code": "LIGHT", "address_string": "东风社区第一网格",
        "description": "三楼楼道灯不亮已经一周。", "attribute[floor]": "3", "attribute[kinds][]": ["dark", "flicker"],
        "first_name": "三", "last_name": "张", "phone": "13912345678"}, timeout=10)
    assert posted.status_code == 200, posted.text
    number = posted.json()[0]["service_request_id"]

    read = as_json_client.get_service_request(str(number))
    assert (read["service_request_id"], read["service_code"], read["status"]) == (number, "LIGHT", "open")
    read_xml = as_xml_client.get_service_request(str(number))
    assert (read_xml["service_request_id"], read_xml["status"]) == (str(number), "open")
    assert number in [row["service_request_id"] for row in as_json_client.get_service_requests(
        service_request_id=str(number))]
    assert "13912345678" not in json.dumps(read, ensure_ascii=False) and "张" not in json.dumps(read,
                                                                                              ensure_ascii=False)

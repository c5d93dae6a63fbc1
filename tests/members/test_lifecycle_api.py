"""Life-cycle endpoints: actions, inboxes and registrations, scoped, with 422 naming the field."""

import pytest

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.members.models import Member, ResidenceRegistration, Transfer
from tests import factories
from tests.api.client import Api, field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(client, settings_no_otp):
    return lambda user: Api(client, account_services.token_issue(user=user)[1])


@pytest.fixture
def member(tree):
    return factories.make_member(tree.grid_a, name="赵六")


@pytest.fixture
def clerk_api(tree, make_user, api_as):
    return api_as(make_user(Role.CLERK, tree.street_a))


@pytest.mark.parametrize("slug, body, check", [
    ("mobile-out", {"province": "广东省", "city": "深圳市", "county": "南山区"},
     lambda b: b["mobile"] and b["mobile_destination"] == "广东省 深圳市 南山区"),
    ("abroad", {"destination": "新加坡", "since": "2020-01-01"}, lambda b: b["abroad"]),
    ("retire", {}, lambda b: b["retired"]),
    ("lost-contact", {"reason": "2"}, lambda b: b["lost_contact"]),
    ("suspend", {"reason": "settled_abroad"}, lambda b: b["standing"] == "suspended"),
    ("leave", {"reason": "expulsion", "note": "开除党籍"}, lambda b: b["left_reason"] == "expulsion" and b["left_on"]),
    ("transfer", {"outside_destination": "北京", "letter_number": "A-1", "reason": "调动"},
     lambda b: b["left_on"] and not b["pending_transfer"]),
])
def test_actions(clerk_api, member, slug, body, check):
    response = clerk_api.post(f"/api/members/{member.pk}/{slug}", body)
    assert response.status_code == 200, response.json()
    assert check(response.json())
    assert "id_number" not in response.json() and response.json()["masked_id_number"] == member.masked_id_number


@pytest.mark.parametrize("slug, body, field", [
    ("mobile-out", {}, "province"),
    ("mobile-out", {"province": "广东省", "since": "2025-13-01"}, "since"),
    ("abroad", {"destination": "日本", "since": "2999-01-01"}, "since"),
    ("lost-contact", {"reason": "9"}, "reason"),
    ("suspend", {"reason": "lost_contact"}, "reason"),
    ("suspend", {"reason": "misconduct"}, "reason"),
    ("leave", {"reason": "retired"}, "reason"),
    ("restore", {}, "on"),
    ("mobile-back", {}, "on"),
    ("transfer", {"reason": "调动", "outside_destination": "北京"}, "letter_number"),
    ("transfer", {"reason": "调动", "to_org": "NO-SUCH"}, "to_org"),
    ("transfer", {"reason": ""}, "reason"),
    ("residence", {"grid": "NO-SUCH"}, "grid"),
    ("residence", {"grid": "G-A1", "building": "无此楼"}, "building"),
    ("residence", {"grid": "G-A1", "zone": "NO-SUCH"}, "zone"),
])
def test_bad_input_is_422_naming_the_field(clerk_api, member, slug, body, field):
    before = list(Member.objects.values_list())
    response = clerk_api.post(f"/api/members/{member.pk}/{slug}", body)
    assert response.status_code == 422, response.json()
    assert field in field_errors(response)
    assert list(Member.objects.values_list()) == before


def test_a_body_that_is_not_json(clerk_api, member):
    response = clerk_api.post(f"/api/members/{member.pk}/retire", raw="on=today", content_type="text/plain")
    assert response.status_code == 422 and "body" in field_errors(response)


def test_scope_and_role(tree, member, make_user, api_as):
    viewer = api_as(make_user(Role.VIEWER, tree.street_a))
    assert viewer.post(f"/api/members/{member.pk}/retire", {}).status_code == 403
    outside = api_as(make_user(Role.CLERK, tree.street_b))
    assert outside.post(f"/api/members/{member.pk}/retire", {}).status_code == 404
    assert outside.post("/api/members/999999/retire", {}).status_code == 404
    member.refresh_from_db()
    assert not member.retired


def test_transfer_inbox_receive_refuse_cancel(tree, member, make_user, clerk_api, api_as):
    response = clerk_api.post(f"/api/members/{member.pk}/transfer", {"to_org": tree.grid_b.code, "reason": "搬家"})
    assert response.json()["pending_transfer"] is True
    transfer = Transfer.objects.get()
    receiver = api_as(make_user(Role.CLERK, tree.street_b))
    inbox = receiver.get("/api/members/transfers/incoming").json()
    assert inbox["total"] == 1
    assert inbox["items"][0] == {"id": transfer.pk, "name": "赵六", "masked_id_number": member.masked_id_number,
                                 "from_org": tree.grid_a.name, "to_org": tree.grid_b.code,
                                 "sent_on": transfer.sent_on.isoformat(), "reason": "搬家"}
    assert clerk_api.get("/api/members/transfers/incoming").json()["total"] == 0
    assert [t["id"] for t in clerk_api.get("/api/members/transfers/outgoing").json()] == [transfer.pk]
    assert receiver.post(f"/api/members/transfers/{transfer.pk}/cancel").status_code == 404
    assert clerk_api.post(f"/api/members/transfers/{transfer.pk}/receive", {}).status_code == 404
    response = receiver.post(f"/api/members/transfers/{transfer.pk}/refuse", {"reason": ""})
    assert response.status_code == 422 and "reason" in field_errors(response)
    response = receiver.post(f"/api/members/transfers/{transfer.pk}/receive", {"on": "2999-01-01"})
    assert response.status_code == 422 and "on" in field_errors(response)
    response = receiver.post(f"/api/members/transfers/{transfer.pk}/receive", {})
    assert response.status_code == 200 and response.json()["status"] == "received"
    member.refresh_from_db()
    assert member.home_org == tree.grid_b
    response = receiver.post(f"/api/members/transfers/{transfer.pk}/receive", {})
    assert response.status_code == 404

    second = receiver.post(f"/api/members/{member.pk}/transfer", {"to_org": tree.grid_a.code, "reason": "回迁"})
    assert second.status_code == 200
    pending = Transfer.objects.get(status="pending")
    response = clerk_api.post(f"/api/members/transfers/{pending.pk}/refuse", {"reason": "不在辖区"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    receiver.post(f"/api/members/{member.pk}/transfer", {"to_org": tree.grid_a.code, "reason": "回迁"})
    pending = Transfer.objects.get(status="pending")
    response = receiver.post(f"/api/members/transfers/{pending.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = receiver.post(f"/api/members/transfers/{pending.pk}/cancel")
    assert response.status_code == 422 and "transfer" in field_errors(response)


def test_residence_registration_and_confirmation(tree, member, make_user, clerk_api, api_as):
    response = clerk_api.post(f"/api/members/{member.pk}/residence", {"grid": "G-B1"})
    assert response.status_code == 200 and response.json()["status"] == "pending" and response.json()["employed"]
    registration = ResidenceRegistration.objects.get()
    community = api_as(make_user(Role.CLERK, tree.community_b))
    items = community.get("/api/members/registrations/pending").json()["items"]
    assert [item["id"] for item in items] == [registration.pk]
    assert clerk_api.post(f"/api/members/registrations/{registration.pk}/confirm").status_code == 404
    response = community.post(f"/api/members/registrations/{registration.pk}/reject", {"reason": ""})
    assert response.status_code == 422 and "reason" in field_errors(response)
    response = community.post(f"/api/members/registrations/{registration.pk}/confirm")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    response = community.post(f"/api/members/registrations/{registration.pk}/reject", {"reason": "重复"})
    assert response.status_code == 422 and "registration" in field_errors(response)

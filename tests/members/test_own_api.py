"""/api/me (the member's own record and requests) and /api/members/corrections (the clerk's side)."""

import pytest

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import CorrectionRequest
from dangjian.members.services import corrections
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(settings_no_otp):
    return settings_no_otp


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.token_issue(user=user)[1]}",
            "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **bearer(user))


@pytest.fixture
def member(tree, make_user):
    member = factories.make_member(tree.grid_a, name="李四", account=make_user(None, tree.community_a),
                                   ethnicity="03", education="21")
    member.phone_sealed = factories.crypto.seal("13812345678")
    member.save()
    return member


def test_own_record_is_masked_with_labels(client, member, tree):
    response = client.get("/api/me", **bearer(member.account))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "李四" and body["id_number"] == member.masked_id_number
    assert body["phone"] == "138****5678" and "13812345678" not in response.content.decode()
    assert body["ethnicity"] == {"code": "03", "label": "回族"}
    assert body["education_statistics_label"] == "大学" and body["home_org"]["code"] == tree.grid_a.code
    assert body["party_age_months"] > 200 and body["residence"] is None
    assert body["periods"] == [] and body["events"] == []


def test_an_account_without_a_record_gets_404(client, make_user, tree):
    response = client.get("/api/me", **bearer(make_user(None, tree.community_a)))
    assert response.status_code == 404 and "尚未关联" in response.json()["message"]


def test_request_and_list_own_corrections(client, member):
    response = post(client, "/api/me/corrections", {"field": "phone", "value": "139 1234 5678", "reason": "换号"},
                    member.account)
    assert response.status_code == 201
    body = response.json()
    assert body["proposed_value"] == "139****5678" and body["status"]["code"] == "pending"
    listed = client.get("/api/me/corrections", **bearer(member.account)).json()
    assert [c["id"] for c in listed] == [body["id"]]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, actor=member.account).exists()


@pytest.mark.parametrize("payload, field", [
    ({"field": "phone", "value": "12345", "reason": "换号"}, "value"),
    ({"field": "ethnicity", "value": "火星族", "reason": "错"}, "value"),
    ({"field": "phone", "value": "13912345678", "reason": ""}, "reason"),
    ({"field": "category", "value": "full", "reason": "错"}, "field"),
    ({"field": "phone", "reason": "错"}, "value"),
])
def test_bad_requests_answer_422_naming_the_field(client, member, payload, field):
    response = post(client, "/api/me/corrections", payload, member.account)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert not CorrectionRequest.objects.exists()


def test_one_pending_per_field_over_the_api(client, member):
    payload = {"field": "address", "value": "东风路1号", "reason": "门牌错"}
    assert post(client, "/api/me/corrections", payload, member.account).status_code == 201
    response = post(client, "/api/me/corrections", {**payload, "value": "东风路2号"}, member.account)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "field"


def test_clerk_inbox_approve_and_reject(client, member, tree, make_user):
    clerk = make_user(Role.CLERK, tree.community_a)
    first = corrections.correction_request(actor=member.account, member=member, field="address", value="东风路1号",
                                           reason="门牌错")
    second = corrections.correction_request(actor=member.account, member=member, field="degree", value="学士",
                                            reason="漏登")
    inbox = client.get("/api/members/corrections?limit=1", **bearer(clerk)).json()
    assert [i["id"] for i in inbox["items"]] == [first.pk] and inbox["next_after"] == first.pk
    rest = client.get(f"/api/members/corrections?after={first.pk}", **bearer(clerk)).json()
    assert [i["id"] for i in rest["items"]] == [second.pk] and rest["next_after"] is None
    assert rest["items"][0]["proposed_value"] == "学士" and rest["items"][0]["member"]["name"] == "李四"

    approved = post(client, f"/api/members/corrections/{first.pk}/approve", {}, clerk)
    assert approved.status_code == 200 and approved.json()["status"]["code"] == "approved"
    assert approved.json()["current_value"] == "东风路1号"
    rejected = post(client, f"/api/members/corrections/{second.pk}/reject", {"note": "无学位证书"}, clerk)
    assert rejected.status_code == 200 and rejected.json()["review_note"] == "无学位证书"
    again = post(client, f"/api/members/corrections/{second.pk}/approve", {}, clerk)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"
    own = client.get("/api/me/corrections", **bearer(member.account)).json()
    assert {c["status"]["code"] for c in own} == {"approved", "rejected"}


def test_a_refused_approval_names_the_field(client, member, tree, make_user):
    correction = corrections.correction_request(actor=member.account, member=member, field="sex", value="女",
                                                reason="性别错")
    response = post(client, f"/api/members/corrections/{correction.pk}/approve", {},
                    make_user(Role.CLERK, tree.community_a))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sex" and response.json()["message"].startswith("性别：")


def test_clerk_endpoints_are_scoped(client, member, tree, make_user):
    correction = corrections.correction_request(actor=member.account, member=member, field="address",
                                                value="东风路1号", reason="门牌错")
    outsider = make_user(Role.CLERK, tree.street_b)
    assert client.get("/api/members/corrections", **bearer(outsider)).json()["items"] == []
    assert post(client, f"/api/members/corrections/{correction.pk}/approve", {}, outsider).status_code == 404
    viewer = make_user(Role.VIEWER, tree.street_a)
    assert client.get("/api/members/corrections", **bearer(viewer)).status_code == 403
    assert post(client, f"/api/members/corrections/{correction.pk}/reject", {"note": "不"}, viewer).status_code == 403
    assert post(client, f"/api/members/corrections/{correction.pk}/reject", {}, make_user(
        Role.CLERK, tree.community_a)).status_code == 422
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.PENDING

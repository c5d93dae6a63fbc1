"""The clerk's inbox of correction requests (/members/corrections/): scope, approval, refusal
naming the field, rejection."""

import pytest

from dangjian.accounts.roles import Role
from dangjian.members.models import CorrectionRequest
from dangjian.members.services import corrections
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings, settings_no_otp):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def request_for(org, make_user, field="address", value="东风路9号", name="李四"):
    member = factories.make_member(org, name=name, account=make_user(None, org))
    return corrections.correction_request(actor=member.account, member=member, field=field, value=value,
                                          reason="登记有误")


@pytest.fixture
def inside(tree, make_user):
    return request_for(tree.grid_a, make_user)


@pytest.fixture
def outside(tree, make_user):
    return request_for(tree.grid_b, make_user, name="赵六")


def signed(client, user):
    client.force_login(user)
    return client


def test_the_inbox_lists_requests_in_scope_only(client, tree, make_user, inside, outside):
    body = signed(client, make_user(Role.CLERK, tree.street_a)).get("/members/corrections/").content.decode()
    assert "李四" in body and "东风路9号" in body and "Home address" in body
    assert "赵六" not in body
    assert f"/members/corrections/{outside.pk}/" not in body


def test_the_inbox_masks_personal_numbers(client, tree, make_user):
    correction = request_for(tree.grid_a, make_user, field="phone", value="13812345678")
    body = signed(client, make_user(Role.CLERK, tree.community_a)).get("/members/corrections/").content.decode()
    assert "138****5678" in body and "13812345678" not in body and correction.proposed_value not in body


def test_a_viewer_is_refused_the_inbox(client, tree, make_user, inside):
    assert signed(client, make_user(Role.VIEWER, tree.street_a)).get("/members/corrections/").status_code == 403


def test_approve_from_the_inbox(client, tree, make_user, inside):
    response = signed(client, make_user(Role.CLERK, tree.street_a)).post(f"/members/corrections/{inside.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/members/corrections/"
    inside.refresh_from_db()
    inside.member.refresh_from_db()
    assert inside.status == CorrectionRequest.Status.APPROVED and inside.member.address == "东风路9号"
    assert "applied" in client.get("/members/corrections/").content.decode()


def test_a_refused_approval_says_which_field(client, tree, make_user):
    correction = request_for(tree.grid_a, make_user, field="full_member_on", value="2005-08-01")
    signed(client, make_user(Role.CLERK, tree.street_a))
    response = client.post(f"/members/corrections/{correction.pk}/approve/", follow=True)
    body = response.content.decode()
    assert "Not applied" in body and "Date made full member:" in body
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.PENDING


def test_reject_needs_a_note(client, tree, make_user, inside):
    signed(client, make_user(Role.CLERK, tree.street_a))
    body = client.post(f"/members/corrections/{inside.pk}/reject/", {"note": ""}, follow=True).content.decode()
    assert "Not rejected" in body
    inside.refresh_from_db()
    assert inside.status == CorrectionRequest.Status.PENDING
    client.post(f"/members/corrections/{inside.pk}/reject/", {"note": "门牌号有误"})
    inside.refresh_from_db()
    assert inside.status == CorrectionRequest.Status.REJECTED and inside.review_note == "门牌号有误"


def test_deciding_outside_the_scope_is_not_found(client, tree, make_user, outside):
    signed(client, make_user(Role.CLERK, tree.street_a))
    assert client.post(f"/members/corrections/{outside.pk}/approve/").status_code == 404
    assert client.post(f"/members/corrections/{outside.pk}/reject/", {"note": "不"}).status_code == 404
    assert client.post("/members/corrections/999999/approve/").status_code == 404
    outside.refresh_from_db()
    assert outside.status == CorrectionRequest.Status.PENDING


def test_a_viewer_may_not_decide(client, tree, make_user, inside):
    signed(client, make_user(Role.VIEWER, tree.street_a))
    assert client.post(f"/members/corrections/{inside.pk}/approve/").status_code == 403
    assert client.post(f"/members/corrections/{inside.pk}/reject/", {"note": "不"}).status_code == 403
    inside.refresh_from_db()
    assert inside.status == CorrectionRequest.Status.PENDING


def test_a_request_follows_a_member_who_moved(client, tree, make_user, inside):
    # The member's record moved to street B (by a transfer); street A's clerk no longer decides.
    member = inside.member
    member.home_org, member.org_path = tree.grid_b, tree.grid_b.path
    member.save()
    assert "李四" not in signed(client, make_user(Role.CLERK, tree.street_a)).get("/members/corrections/").content.decode()
    assert "李四" in signed(client, make_user(Role.CLERK, tree.street_b)).get("/members/corrections/").content.decode()

"""The member's own page: their whole record, masked personal numbers they may reveal (audited),
their history and requests; never anyone else's record."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import (
    CorrectionRequest,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
)
from dangjian.members.services import corrections
from dangjian.orgs.models import Grid
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def member(tree, make_user):
    return factories.make_member(
        tree.grid_a, name="李四", account=make_user(None, tree.community_a), ethnicity="03", education="21",
        degree="4", job_post="1002", address="东风路8号", phone_sealed=None)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.account)
    return client


def page(client, url="/members/me/", **data) -> str:
    response = client.post(url, data) if data else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_record_shows_every_field_with_labels_and_masked_numbers(signed_in, member, tree):
    body = page(signed_in)
    for text in ("李四", "回族", "大学本科毕业", "(大学)", "学士", "退休人员", "东风路8号", tree.grid_a.name,
                 "Full member", "2006-07-01", member.masked_id_number):
        assert text in body
    assert member.id_number not in body
    # Party age from becoming a full member on 2006-07-01.
    assert " y " in body


def test_phone_is_masked_until_revealed_and_the_reveal_is_audited(signed_in, member):
    member.phone_sealed = factories.crypto.seal("13812345678")
    member.save()
    body = page(signed_in)
    assert "138****5678" in body and "13812345678" not in body
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    body = page(signed_in, "/members/me/reveal/", field="phone")
    assert "13812345678" in body and member.id_number not in body
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.actor == member.account and event.object_id == str(member.pk)
    assert event.changes["field"] == [None, "phone"] and "13812345678" not in str(event.changes)


def test_id_number_reveal(signed_in, member):
    assert member.id_number in page(signed_in, "/members/me/reveal/", field="id_number")
    assert AuditEvent.objects.get(action=AuditAction.REVEAL).changes["field"] == [None, "id_number"]


def test_a_bad_reveal_request_reveals_nothing(signed_in, member):
    response = signed_in.post("/members/me/reveal/", {"field": "name"})
    assert response.status_code == 400 and member.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_residence_periods_events_and_requests_are_shown(signed_in, member, tree):
    grid = Grid.objects.get(code="G-A1")
    ResidenceRegistration.objects.create(member=member, community=tree.community_a, grid=grid,
                                         org_path=tree.community_a.path, registered_on=dt.date(2024, 3, 1),
                                         status=ResidenceRegistration.Status.PENDING)
    MembershipPeriod.objects.create(member=member, organization=tree.grid_b, org_path=tree.grid_b.path,
                                    started_on=dt.date(2005, 7, 1), ended_on=dt.date(2019, 4, 1),
                                    entry="joined", exit="transfer_out")
    MembershipPeriod.objects.create(member=member, organization=tree.grid_a, org_path=tree.grid_a.path,
                                    started_on=dt.date(2019, 4, 1), entry="transfer_in")
    MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.TRANSFER_RECEIVED, on=dt.date(2019, 4, 1),
                               org_path=tree.grid_a.path)
    corrections.correction_request(actor=member.account, member=member, field="education", value="硕士",
                                   reason="2015年取得硕士学位")
    body = page(signed_in)
    for text in ("东风社区第一网格", "Awaiting the community", "2024-03-01", tree.grid_b.name, "2019-04-01",
                 "Transferred in", "Transfer received", "硕士研究生毕业", "Waiting for a clerk",
                 "Correction requested"):
        assert text in body, text


def test_the_outcome_of_a_rejected_request_is_shown(signed_in, member, tree, make_user, settings_no_otp):
    correction = corrections.correction_request(actor=member.account, member=member, field="address",
                                                value="西山路1号", reason="搬家")
    corrections.correction_reject(actor=make_user(Role.CLERK, tree.grid_a), correction=correction,
                                  note="请先办理居住登记")
    body = page(signed_in)
    assert "Rejected" in body and "请先办理居住登记" in body


def test_a_member_never_sees_another_record(client, member, tree, make_user):
    other = factories.make_member(tree.grid_a, name="王五", account=make_user(None, tree.community_a))
    client.force_login(other.account)
    body = page(client)
    assert "王五" in body and "李四" not in body and member.masked_id_number not in body
    # The page takes no identifier: nothing to point at someone else's record.
    assert "王五" in page(client, f"/members/me/?member={member.pk}")


def test_an_account_without_a_record_is_told_so(client, make_user, tree):
    client.force_login(make_user(None, tree.community_a))
    body = page(client)
    assert "not linked to a member record" in body
    assert "not linked to a member record" in page(client, "/members/me/corrections/new/")
    assert client.post("/members/me/reveal/", {"field": "phone"}).status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_anonymous_goes_to_login(client, db):
    response = client.get("/members/me/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the correction form -----------------------------------------------------------------------

def test_the_form_sends_a_request(signed_in, member):
    assert "Field to correct" in page(signed_in, "/members/me/corrections/new/?field=phone")
    response = signed_in.post("/members/me/corrections/new/", {"field": "phone", "value": "138 1234 5678", "reason": "换号"})
    assert response.status_code == 302 and response["Location"] == "/members/me/"
    assert corrections.proposed_value(CorrectionRequest.objects.get(member=member)) == "13812345678"


@pytest.mark.parametrize("data, words", [
    ({"field": "phone", "value": "12345", "reason": "换号"}, "Phone:"),
    ({"field": "ethnicity", "value": "火星族", "reason": "错"}, "Ethnicity:"),
    ({"field": "phone", "value": "13812345678", "reason": ""}, "This field is required"),
    ({"field": "category", "value": "full", "reason": "错"}, "Select a valid choice"),
])
def test_the_form_shows_bad_input_at_its_field(signed_in, data, words):
    response = signed_in.post("/members/me/corrections/new/", data)
    assert response.status_code == 200 and words in response.content.decode()
    assert 'class="field invalid"' in response.content.decode()
    assert not CorrectionRequest.objects.exists()


# --- the home page sends a member straight to their own page ------------------------------------

def test_home_sends_a_member_only_account_to_its_own_page(signed_in):
    response = signed_in.get("/")
    assert response.status_code == 302 and response["Location"] == "/members/me/"


def test_home_links_own_page_for_staff_who_are_members(client, tree, make_user, settings_no_otp):
    user = make_user(Role.VIEWER, tree.street_a)
    factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    body = page(client, "/")
    assert 'href="/members/me/"' in body and f"/orgs/{tree.street_a.code}/" in body

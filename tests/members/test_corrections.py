"""Correction requests: what a member may propose, one pending request per field, and the
clerk's approval re-checking the whole record."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from dangjian.accounts.roles import Role
from dangjian.core import identity
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import Category, CorrectionRequest, Member, MemberEvent
from dangjian.members.services import corrections
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def member(tree, make_user):
    member = factories.make_member(tree.grid_a, name="李四", account=make_user(None, tree.community_a))
    return member


@pytest.fixture
def clerk(tree, make_user, settings_no_otp):
    return make_user(Role.CLERK, tree.community_a)


def ask(member, field, value, reason="登记有误"):
    return corrections.correction_request(actor=member.account, member=member, field=field, value=value,
                                          reason=reason, today=TODAY)


def refusal(call) -> dict:
    with override("en"), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- values checked on request -----------------------------------------------------------------

@pytest.mark.parametrize("field, raw, stored", [
    ("phone", "+86 138 1234 5678", "13812345678"),
    ("phone", "020 12345678", "020-12345678"),
    ("ethnicity", "回族", "03"),
    ("ethnicity", "毛难族", "36"),
    ("education", "本科", "21"),
    ("degree", "学士", "4"),
    ("job_post", "退休人员", "1002"),
    ("sex", "女", "F"),
    ("birth_date", "1980-05-02", "1980-05-02"),
    ("name", "  李  思 ", "李 思"),
    ("id_number", "44010419800501003x", "44010419800501003X"),
])
def test_values_are_normalised_on_request(member, field, raw, stored):
    assert corrections.proposed_value(ask(member, field, raw)) == stored


@pytest.mark.parametrize("field, raw, words", [
    ("phone", "12345", "Phone"),
    ("phone", "1281234567a", "Phone"),
    ("phone", "12812345678", "Phone"),
    ("ethnicity", "火星族", "Ethnicity"),
    ("education", "幼儿园", "Education"),
    ("job_post", "宇航员", "Job post"),
    ("id_number", "440104198005010012", "ID number"),
    ("birth_date", "1980/13/01", "Birth date"),
    ("joined_on", "2030-01-01", "Date joined"),
    ("name", "", "Name"),
    ("sex", "X", "Sex"),
    ("name", "很" * 51, "Name"),
])
def test_bad_values_are_refused_naming_the_field(member, field, raw, words):
    errors = refusal(lambda: ask(member, field, raw))
    assert list(errors) == ["value"] and errors["value"][0].startswith(words + ":")
    assert not CorrectionRequest.objects.exists()


def test_unknown_field_and_empty_reason_are_refused(member):
    assert list(refusal(lambda: ask(member, "category", "full"))) == ["field"]
    assert list(refusal(lambda: ask(member, "phone", "13812345678", reason="  "))) == ["reason"]
    assert list(refusal(lambda: ask(member, "phone", "13812345678", reason="理" * 201))) == ["reason"]
    assert not CorrectionRequest.objects.exists()


def test_the_current_value_is_no_correction(member):
    assert "already" in refusal(lambda: ask(member, "name", "李四"))["value"][0]


def test_one_pending_request_per_field(member):
    ask(member, "phone", "13812345678")
    errors = refusal(lambda: ask(member, "phone", "13912345678"))
    assert list(errors) == ["field"] and errors["field"][0].startswith("Phone:")
    ask(member, "address", "东风路1号")
    assert CorrectionRequest.objects.filter(member=member).count() == 2


def test_only_the_member_asks_for_their_own_record(member, clerk):
    with pytest.raises(PermissionDenied):
        corrections.correction_request(actor=clerk, member=member, field="name", value="王五", reason="改名")


def test_a_member_who_left_cannot_ask(member):
    Member.objects.filter(pk=member.pk).update(left_on=dt.date(2024, 1, 1))
    member.refresh_from_db()
    assert list(refusal(lambda: ask(member, "name", "王五"))) == ["field"]


def test_personal_values_are_sealed_and_masked_in_the_audit(member):
    correction = ask(member, "phone", "13812345678")
    assert "13812345678" not in correction.proposed_value
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="members.correctionrequest")
    assert event.actor == member.account
    assert event.changes["proposed_value"] == [None, "138****5678"]
    assert "13812345678" not in str(event.changes)
    number = factories.id_number(dt.date(1980, 5, 1))
    ask(member, "id_number", number)
    assert number not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


# --- approval ----------------------------------------------------------------------------------

def test_approval_applies_the_change_with_history_and_audit(member, clerk):
    correction = ask(member, "phone", "13812345678")
    corrections.correction_approve(actor=clerk, correction=correction, today=TODAY)
    member.refresh_from_db()
    correction.refresh_from_db()
    assert member.phone == "13812345678" and member.phone_last4 == "5678"
    assert correction.status == CorrectionRequest.Status.APPROVED and correction.reviewed_by == clerk
    assert MemberEvent.objects.get(member=member).kind == MemberEvent.Kind.UPDATED
    update = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.member")
    assert update.changes["phone"] == ["", "138****5678"] and update.actor == clerk
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="members.correctionrequest",
                                     changes__status=["pending", "approved"]).exists()


def test_approved_name_updates_the_pinyin(member, clerk):
    corrections.correction_approve(actor=clerk, correction=ask(member, "name", "王小明"), today=TODAY)
    member.refresh_from_db()
    assert (member.name, member.name_initials) == ("王小明", "wxm")


def test_approved_id_number_that_fits_the_record_is_applied(member, clerk):
    # Same birth date and sex: only the sequence digits were wrong.
    number = factories.id_number(member.birth_date, male=True)
    corrections.correction_approve(actor=clerk, correction=ask(member, "id_number", number), today=TODAY)
    member.refresh_from_db()
    assert member.id_number == number and member.id_last4 == number[-4:]
    assert Member.objects.filter(id_number_hash=member.id_number_hash).count() == 1


def test_approval_is_refused_when_the_record_would_be_invalid(member, clerk):
    # A new ID number brings its birth date: born 1990, the member would have joined in 2005 at 15.
    correction = ask(member, "id_number", factories.id_number(dt.date(1990, 1, 1), male=True))
    before = member.id_number_hash
    errors = refusal(lambda: corrections.correction_approve(actor=clerk, correction=correction, today=TODAY))
    assert list(errors) == ["joined_on"] and errors["joined_on"][0].startswith("Date joined:")
    member.refresh_from_db()
    correction.refresh_from_db()
    assert member.id_number_hash == before and member.birth_date == dt.date(1980, 5, 1)
    assert correction.status == CorrectionRequest.Status.PENDING
    assert not MemberEvent.objects.exists()


def test_approved_id_number_of_another_birth_date_brings_it_along(member, clerk):
    number = factories.id_number(dt.date(1981, 3, 3), male=True)
    corrections.correction_approve(actor=clerk, correction=ask(member, "id_number", number), today=TODAY)
    member.refresh_from_db()
    assert member.id_number == number and member.birth_date == dt.date(1981, 3, 3)
    update = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.member")
    assert number not in str(update.changes) and update.changes["id_number"][1] == identity.mask_id_number(number)


def test_approval_is_refused_for_a_sex_the_id_number_contradicts(member, clerk):
    errors = refusal(lambda: corrections.correction_approve(actor=clerk, correction=ask(member, "sex", "F"),
                                                            today=TODAY))
    assert list(errors) == ["sex"]


def test_approval_is_refused_for_dates_out_of_order(member, clerk):
    correction = ask(member, "full_member_on", "2005-08-01")  # a month after joining
    assert list(refusal(lambda: corrections.correction_approve(actor=clerk, correction=correction,
                                                               today=TODAY))) == ["full_member_on"]


def test_the_whole_record_is_checked_on_approval(tree, make_user, clerk):
    # Probationary for more than two years: approving any correction names that fault.
    member = factories.make_member(tree.grid_a, category=Category.PROBATIONARY, joined_on=dt.date(2020, 1, 1),
                                   account=make_user(None, tree.community_a))
    correction = ask(member, "address", "东风路2号")
    errors = refusal(lambda: corrections.correction_approve(actor=clerk, correction=correction, today=TODAY))
    assert list(errors) == ["category"] and errors["category"][0].startswith("category:")
    member.refresh_from_db()
    assert member.address == ""


def test_an_id_number_held_by_another_member_is_refused_on_approval(member, clerk, tree):
    other = factories.make_member(tree.grid_b, birth=member.birth_date)
    correction = ask(member, "id_number", other.id_number)  # the member is not told
    assert list(refusal(lambda: corrections.correction_approve(actor=clerk, correction=correction,
                                                               today=TODAY))) == ["id_number"]


def test_a_decided_request_cannot_be_decided_again(member, clerk):
    correction = ask(member, "address", "东风路3号")
    corrections.correction_approve(actor=clerk, correction=correction, today=TODAY)
    assert list(refusal(lambda: corrections.correction_reject(actor=clerk, correction=correction,
                                                              note="不对"))) == ["status"]


def test_deciders_need_manage_members_over_the_member(member, tree, make_user, settings_no_otp):
    correction = ask(member, "address", "东风路4号")
    for outsider in (make_user(Role.VIEWER, tree.community_a), make_user(Role.CLERK, tree.street_b)):
        with pytest.raises(PermissionDenied):
            corrections.correction_approve(actor=outsider, correction=correction, today=TODAY)
        with pytest.raises(PermissionDenied):
            corrections.correction_reject(actor=outsider, correction=correction, note="不")


def test_a_clerk_does_not_decide_on_their_own_request(tree, clerk):
    member = factories.make_member(tree.grid_a, account=clerk)
    correction = ask(member, "address", "东风路5号")
    with pytest.raises(PermissionDenied):
        corrections.correction_approve(actor=clerk, correction=correction, today=TODAY)


# --- rejection ---------------------------------------------------------------------------------

def test_rejection_needs_a_note_and_changes_nothing_in_the_record(member, clerk):
    correction = ask(member, "address", "东风路6号")
    assert list(refusal(lambda: corrections.correction_reject(actor=clerk, correction=correction, note=" "))) == ["note"]
    corrections.correction_reject(actor=clerk, correction=correction, note="地址与户籍不符")
    correction.refresh_from_db()
    member.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.REJECTED and correction.review_note == "地址与户籍不符"
    assert member.address == ""
    assert AuditEvent.objects.filter(object_type="members.correctionrequest",
                                     changes__status=["pending", "rejected"]).exists()
    # Decided, the field can be asked about again.
    ask(member, "address", "东风路6号")


# --- phone numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, normal", [
    ("13812345678", "13812345678"), ("+86 139-1234-5678", "13912345678"), ("8613812345678", "13812345678"),
    ("010 12345678", "010-12345678"), ("0755-1234567", "0755-1234567"), ("（020）12345678", "020-12345678"),
])
def test_phone_numbers_normalise(raw, normal):
    assert identity.normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["", "138123456789", "23812345678", "12012345678", "020-123456", "0201234567890",
                                 "phone"])
def test_phone_numbers_refused(raw):
    with pytest.raises(identity.InvalidPhone):
        identity.normalise_phone(raw)

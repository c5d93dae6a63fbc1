"""The member's own record and correction requests (/api/me), and the clerk's side of the
requests (``corrections_router``, mounted at /api/members/corrections)."""

import datetime as dt
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from dangjian.accounts.roles import Permission
from dangjian.core.scope import has_permission
from dangjian.members.selectors import own as selectors
from dangjian.members.services import corrections

router = Router(tags=["own record"])
corrections_router = Router(tags=["members"])

CorrectableField = Enum("CorrectableField", {name: name for name in corrections.FIELDS}, type=str)


class CodeOut(Schema):
    code: str
    label: str


class OrganizationRef(Schema):
    code: str
    name: str


class ResidenceOut(Schema):
    community: OrganizationRef
    grid: str
    building: str | None
    zone: str | None
    status: CodeOut
    registered_on: dt.date
    confirmed_on: dt.date | None
    employed: bool


class PeriodOut(Schema):
    organization: OrganizationRef
    started_on: dt.date
    ended_on: dt.date | None
    entry: CodeOut
    exit: CodeOut | None


class EventOut(Schema):
    kind: CodeOut
    on: dt.date


class OwnRecordOut(Schema):
    name: str
    sex: CodeOut
    ethnicity: CodeOut
    id_number: str = Field(description="Masked: the first six and last four characters.")
    birth_date: dt.date
    education: CodeOut
    education_statistics_label: str
    degree: CodeOut
    category: CodeOut
    home_org: OrganizationRef
    joined_on: dt.date
    full_member_on: dt.date | None
    party_age_months: int | None = Field(description="From becoming a full member, with the register's correction.")
    job_post: CodeOut
    phone: str = Field(description="Masked: the first three and last four digits.")
    address: str
    registered_residence: str
    current_residence: str
    standing: CodeOut
    lost_contact: bool
    mobile: bool
    abroad: bool
    retired: bool
    left_on: dt.date | None
    residence: ResidenceOut | None
    periods: list[PeriodOut]
    events: list[EventOut]


class CorrectionIn(Schema):
    field: CorrectableField
    value: str = Field(max_length=200, description="Dates as YYYY-MM-DD; code-list fields by code or label; "
                                                   "empty clears an optional field.")
    reason: str = Field(max_length=200)


class CorrectionOut(Schema):
    id: int
    field: CodeOut
    proposed_value: str = Field(description="ID and phone numbers masked; codes as their labels.")
    reason: str
    status: CodeOut
    requested_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str


class MemberRef(Schema):
    id: int
    name: str
    home_org: OrganizationRef


class InboxItemOut(CorrectionOut):
    member: MemberRef
    current_value: str


class InboxPage(Schema):
    items: list[InboxItemOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class InboxFilter(Schema):
    after: int | None = Field(default=None, ge=0, description="Id of the last item of the previous page.")
    limit: int = Field(default=50, ge=1, le=selectors.INBOX_LIMIT)


class RejectIn(Schema):
    note: str = Field(max_length=200)


def _code(code: str, label) -> dict:
    return {"code": code, "label": str(label)}


def _org(organization) -> dict:
    return {"code": organization.code, "name": organization.name}


def _own(request):
    member = selectors.own_record(request.user)
    if member is None:
        raise HttpError(404, _("Your account is not linked to a member record."))
    return member


def _record_out(member) -> dict:
    page = selectors.own_page(member)
    residence = page.residence
    return {
        "name": member.name,
        "sex": _code(member.sex, member.get_sex_display()),
        "ethnicity": _code(member.ethnicity, member.get_ethnicity_display()),
        "id_number": member.masked_id_number,
        "birth_date": member.birth_date,
        "education": _code(member.education, member.get_education_display()),
        "education_statistics_label": member.education_statistics_label,
        "degree": _code(member.degree, member.get_degree_display()),
        "category": _code(member.category, member.get_category_display()),
        "home_org": _org(member.home_org),
        "joined_on": member.joined_on,
        "full_member_on": member.full_member_on,
        "party_age_months": page.party_age_months,
        "job_post": _code(member.job_post, member.get_job_post_display()),
        "phone": member.masked_phone,
        "address": member.address,
        "registered_residence": member.registered_residence,
        "current_residence": member.current_residence,
        "standing": _code(member.standing, member.get_standing_display()),
        "lost_contact": member.lost_contact,
        "mobile": member.mobile,
        "abroad": member.abroad,
        "retired": member.retired,
        "left_on": member.left_on,
        "residence": None if residence is None else {
            "community": _org(residence.community),
            "grid": residence.grid.name,
            "building": residence.building.name if residence.building else None,
            "zone": residence.zone.name if residence.zone else None,
            "status": _code(residence.status, residence.get_status_display()),
            "registered_on": residence.registered_on,
            "confirmed_on": residence.confirmed_on,
            "employed": residence.employed,
        },
        "periods": [{
            "organization": _org(period.organization), "started_on": period.started_on, "ended_on": period.ended_on,
            "entry": _code(period.entry, period.get_entry_display()),
            "exit": _code(period.exit, period.get_exit_display()) if period.exit else None,
        } for period in page.periods],
        "events": [{"kind": _code(event.kind, event.get_kind_display()), "on": event.on} for event in page.events],
    }


def _correction_out(correction) -> dict:
    return {
        "id": correction.pk,
        "field": _code(correction.field, corrections.FIELDS.get(correction.field, correction.field)),
        "proposed_value": corrections.display(correction.field, corrections.proposed_value(correction)),
        "reason": correction.reason,
        "status": _code(correction.status, correction.get_status_display()),
        "requested_at": correction.requested_at,
        "reviewed_at": correction.reviewed_at,
        "review_note": correction.review_note,
    }


def _inbox_item(correction) -> dict:
    member = correction.member
    return {
        **_correction_out(correction),
        "member": {"id": member.pk, "name": member.name, "home_org": _org(member.home_org)},
        "current_value": corrections.display(correction.field, corrections.current_value(member, correction.field)),
    }


@router.get("", response=OwnRecordOut, summary="Your own member record (ID and phone masked)")
def own_record(request):
    return _record_out(_own(request))


@router.get("/corrections", response=list[CorrectionOut], summary="Your correction requests, pending first")
def own_corrections(request):
    return [_correction_out(c) for c in selectors.own_page(_own(request)).corrections]


@router.post("/corrections", response={201: CorrectionOut}, summary="Ask a clerk to correct one field of your record")
def request_correction(request, payload: CorrectionIn):
    correction = corrections.correction_request(actor=request.user, member=_own(request), field=payload.field.value,
                                                value=payload.value, reason=payload.reason)
    return Status(201, _correction_out(correction))


@corrections_router.get("/corrections", response=InboxPage,
                        summary="Pending correction requests of members you manage, oldest first")
def correction_inbox(request, filters: Query[InboxFilter]):
    if not has_permission(request.user, Permission.MANAGE_MEMBERS):
        raise PermissionDenied
    queryset = selectors.correction_inbox(request.user).order_by("pk")
    if filters.after is not None:
        queryset = queryset.filter(pk__gt=filters.after)
    items = list(queryset[: filters.limit + 1])
    more = len(items) > filters.limit
    items = items[: filters.limit]
    return {"items": [_inbox_item(c) for c in items], "next_after": items[-1].pk if more else None}


def _decidable(request, correction_id: int):
    correction = selectors.correction_for(request.user, correction_id)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, correction.member.org_path):
        raise PermissionDenied
    return correction


@corrections_router.post("/corrections/{int:correction_id}/approve", response=InboxItemOut,
                         summary="Apply a requested correction after checking the whole record")
def approve_correction(request, correction_id: int):
    correction = corrections.correction_approve(actor=request.user, correction=_decidable(request, correction_id))
    return _inbox_item(selectors.correction_for(request.user, correction.pk))


@corrections_router.post("/corrections/{int:correction_id}/reject", response=InboxItemOut,
                         summary="Turn down a requested correction, saying why")
def reject_correction(request, correction_id: int, payload: RejectIn):
    correction = corrections.correction_reject(actor=request.user, correction=_decidable(request, correction_id),
                                               note=payload.note)
    return _inbox_item(selectors.correction_for(request.user, correction.pk))

"""Members: list with search and filters, one member with the whole history, entering,
correcting, and revealing a masked value. ID and phone numbers are masked unless revealed."""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.accounts.roles import Permission
from dangjian.members import codes
from dangjian.members.models import Category, Member, Sex, Standing
from dangjian.members.selectors import register as selectors
from dangjian.members.services import register as services
from dangjian.orgs import selectors as org_selectors

router = Router(tags=["members"])

AgeBand = Literal[tuple(selectors.AGE_BANDS)]
EducationLabel = Literal[tuple(selectors.EDUCATION_LABELS)]
SortKey = Literal[tuple(selectors.SORTS)]


class OrgRef(Schema):
    code: str
    name: str


class MemberOut(Schema):
    id: int
    name: str
    sex: Sex
    birth_date: dt.date
    id_number: str = Field(description="Masked: first six and last four characters.")
    phone: str = Field(description="Masked: first three and last four digits; empty if none.")
    category: Category
    standing: Standing
    organization: OrgRef
    joined_on: dt.date
    full_member_on: dt.date | None
    party_age_months: int | None = Field(description="Computed from the date made full member and the correction.")
    mobile: bool
    abroad: bool
    retired: bool
    lost_contact: bool
    left_on: dt.date | None


class CodeOut(Schema):
    code: str
    label: str


class PeriodOut(Schema):
    organization: OrgRef
    started_on: dt.date
    ended_on: dt.date | None
    entry: str
    exit: str


class EventOut(Schema):
    kind: str
    label: str
    on: dt.date


class TransferOut(Schema):
    from_org: OrgRef
    to_org: OrgRef | None
    outside_destination: str
    letter_number: str
    status: str
    sent_on: dt.date
    closed_on: dt.date | None


class ResidenceOut(Schema):
    community: OrgRef
    grid: str
    building: str | None
    status: str
    registered_on: dt.date
    employed: bool


class MemberDetailOut(MemberOut):
    ethnicity: CodeOut
    education: CodeOut | None
    education_statistics_label: str
    degree: CodeOut | None
    job_post: CodeOut | None
    address: str
    registered_residence: str
    current_residence: str
    party_age_correction_months: int
    mobile_destination: str
    abroad_destination: str
    lost_contact_on: dt.date | None
    suspension_reason: str
    left_reason: str
    periods: list[PeriodOut]
    events: list[EventOut]
    transfers: list[TransferOut]
    residence: ResidenceOut | None


class MemberPageOut(Schema):
    items: list[MemberOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class MemberFilter(Schema):
    q: str | None = Field(default=None, max_length=50,
                          description="Part of the name, pinyin or its initials, or the last four of ID or phone.")
    org: str | None = Field(default=None, max_length=32, description="Code of an organisation: its whole subtree.")
    category: Category | None = None
    standing: Standing | None = None
    sex: Sex | None = None
    age_band: AgeBand | None = None
    education: EducationLabel | None = Field(default=None, description="A statistics label, e.g. 大学.")
    join_year: int | None = Field(default=None, ge=1921, le=2100)
    mobile: bool | None = None
    abroad: bool | None = None
    retired: bool | None = None
    lost_contact: bool | None = None
    registered: bool | None = Field(default=None, description="Has a confirmed registration in a grid.")
    status: Literal["current", "left", "all"] = "current"
    sort: SortKey = "name"
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=selectors.PAGE_SIZE, ge=1, le=200)


class MemberFields(Schema):
    sex: Sex | None = Field(default=None, description="Taken from the ID number when left out.")
    birth_date: dt.date | None = Field(default=None, description="Taken from the ID number when left out.")
    ethnicity: str = Field(default="01", max_length=20, description="GB 3304 code or name.")
    education: str = Field(default="", max_length=20, description="GB/T 4658 code or label.")
    degree: str = Field(default="", max_length=10)
    job_post: str = Field(default="", max_length=60)
    full_member_on: dt.date | None = None
    phone: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=200)
    registered_residence: str = Field(default="", max_length=100)
    current_residence: str = Field(default="", max_length=200)
    party_age_correction_months: int = 0


class MemberIn(MemberFields):
    organization: str = Field(min_length=1, max_length=32, description="Code of the member's organisation.")
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)
    category: Category
    joined_on: dt.date


class MemberPatch(MemberFields):
    # Every field is optional; one left out stays as it is.
    name: str = Field(default=None, min_length=1, max_length=50)
    id_number: str = Field(default=None, min_length=1, max_length=30)
    category: Category = Field(default=None)
    joined_on: dt.date = Field(default=None)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    field: str
    value: str


def _org(organization) -> dict:
    return {"code": organization.code, "name": organization.name}


def _code(table: dict, code: str) -> dict | None:
    if not code:
        return None
    label = table.get(code, "")
    return {"code": code, "label": label[0] if isinstance(label, tuple) else label}


def _out(member: Member) -> dict:
    return {
        "id": member.pk, "name": member.name, "sex": member.sex, "birth_date": member.birth_date,
        "id_number": member.masked_id_number, "phone": member.masked_phone, "category": member.category,
        "standing": member.standing, "organization": _org(member.home_org), "joined_on": member.joined_on,
        "full_member_on": member.full_member_on, "party_age_months": selectors.party_age_months(member),
        "mobile": member.mobile, "abroad": member.abroad, "retired": member.retired,
        "lost_contact": member.lost_contact, "left_on": member.left_on,
    }


def _detail(member: Member) -> dict:
    history = selectors.member_history(member)
    residence = history.residence
    return _out(member) | {
        "ethnicity": _code(codes.ETHNICITIES, member.ethnicity), "education": _code(codes.EDUCATIONS, member.education),
        "education_statistics_label": member.education_statistics_label,
        "degree": _code(codes.DEGREES, member.degree), "job_post": _code(codes.JOB_POSTS, member.job_post),
        "address": member.address, "registered_residence": member.registered_residence,
        "current_residence": member.current_residence,
        "party_age_correction_months": member.party_age_correction_months,
        "mobile_destination": member.mobile_destination, "abroad_destination": member.abroad_destination,
        "lost_contact_on": member.lost_contact_on, "suspension_reason": member.suspension_reason,
        "left_reason": member.left_reason,
        "periods": [{"organization": _org(p.organization), "started_on": p.started_on, "ended_on": p.ended_on,
                     "entry": p.entry, "exit": p.exit} for p in history.periods],
        "events": [{"kind": e.kind, "label": str(e.get_kind_display()), "on": e.on} for e in history.events],
        "transfers": [{"from_org": _org(t.from_org), "to_org": _org(t.to_org) if t.to_org else None,
                       "outside_destination": t.outside_destination, "letter_number": t.letter_number,
                       "status": t.status, "sent_on": t.sent_on, "closed_on": t.closed_on} for t in history.transfers],
        "residence": None if residence is None else {
            "community": _org(residence.community), "grid": residence.grid.name,
            "building": residence.building.name if residence.building else None, "status": residence.status,
            "registered_on": residence.registered_on, "employed": residence.employed},
    }


@router.get("", response=MemberPageOut, summary="List and search members in your scope")
def list_members(request, filters: Query[MemberFilter]):
    if selectors.member_scope(request.user).is_empty:
        raise Http404
    organization = (org_selectors.organization_for(request.user, filters.org, Permission.VIEW_MEMBERS)
                    if filters.org else None)
    page = selectors.member_page(request.user, selectors.MemberFilters(
        q=filters.q or "", organization=organization, category=filters.category or "",
        standing=filters.standing or "", sex=filters.sex or "", age_band=filters.age_band or "",
        education=filters.education or "", join_year=filters.join_year,
        flags={flag: getattr(filters, flag) for flag in selectors.FLAGS if getattr(filters, flag) is not None},
        registered=filters.registered, status=filters.status, sort=filters.sort,
    ), after=filters.after, limit=filters.limit)
    return {"items": [_out(member) for member in page.items], "next_after": page.next_after}


@router.get("/{member_id}", response=MemberDetailOut, summary="One member with the whole history")
def get_member(request, member_id: int):
    return _detail(selectors.member_for(request.user, member_id))


@router.post("", response={201: MemberDetailOut}, summary="Enter a member in the register")
def create_member(request, payload: MemberIn):
    organization = org_selectors.organization_for(request.user, payload.organization, Permission.VIEW_MEMBERS)
    fields = payload.dict(exclude={"organization"})
    member = services.member_create(actor=request.user, organization=organization, **fields)
    return Status(201, _detail(selectors.member_for(request.user, member.pk)))


@router.patch("/{member_id}", response=MemberDetailOut, summary="Correct a member's record")
def update_member(request, member_id: int, payload: MemberPatch):
    member = selectors.member_for(request.user, member_id)
    services.member_update(actor=request.user, member=member, **payload.dict(exclude_unset=True))
    return _detail(selectors.member_for(request.user, member_id))


@router.post("/{member_id}/reveal", response=RevealOut, summary="Reveal a masked ID or phone number (audited)")
def reveal_member_value(request, member_id: int, payload: RevealIn):
    member = selectors.member_for(request.user, member_id)
    return {"field": payload.field, "value": services.member_reveal(actor=request.user, member=member,
                                                                     field=payload.field)}

"""Life-cycle endpoints: the events of a member, transfers, residence registration and coverage.
A member outside the caller's scope is a 404; a visible member the caller may not manage, a 403;
a refused action, a 422 naming the field."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema
from pydantic import Field

from dangjian.members import codes
from dangjian.members.models import (
    LeavingReason,
    Member,
    ResidenceRegistration,
    SuspensionReason,
    Transfer,
)
from dangjian.members.selectors import lifecycle as selectors
from dangjian.members.services import lifecycle as services
from dangjian.members.services import residence
from dangjian.orgs import selectors as org_selectors

router = Router(tags=["member life cycle"])

LostContactReason = Literal[tuple(codes.LOST_CONTACT_REASONS)]


class MemberStateOut(Schema):
    id: int
    name: str
    masked_id_number: str
    home_org: str
    category: str
    standing: str
    suspension_reason: str
    left_on: dt.date | None
    left_reason: str
    mobile: bool
    mobile_destination: str
    abroad: bool
    abroad_destination: str
    retired: bool
    lost_contact: bool
    lost_contact_on: dt.date | None
    pending_transfer: bool


def _state(member: Member) -> dict:
    member.refresh_from_db()
    return {
        "id": member.pk, "name": member.name, "masked_id_number": member.masked_id_number,
        "home_org": member.home_org.code, "category": member.category, "standing": member.standing,
        "suspension_reason": member.suspension_reason, "left_on": member.left_on, "left_reason": member.left_reason,
        "mobile": member.mobile, "mobile_destination": member.mobile_destination, "abroad": member.abroad,
        "abroad_destination": member.abroad_destination, "retired": member.retired,
        "lost_contact": member.lost_contact, "lost_contact_on": member.lost_contact_on,
        "pending_transfer": selectors.member_state(member).pending_transfer,
    }


class DateIn(Schema):
    on: dt.date | None = Field(default=None, description="Leave out for today.")


class TransferIn(Schema):
    to_org: str | None = Field(default=None, max_length=32, description="Code of the receiving organisation.")
    outside_destination: str = Field(default="", max_length=200, description="For a transfer out of the system.")
    letter_number: str = Field(default="", max_length=64, description="Introduction letter number (out of the system).")
    reason: str = Field(min_length=1, max_length=200)
    on: dt.date | None = None


class MobileOutIn(Schema):
    province: str = Field(min_length=1, max_length=30)
    city: str = Field(default="", max_length=30)
    county: str = Field(default="", max_length=30)
    since: dt.date | None = None


class AbroadIn(Schema):
    destination: str = Field(min_length=1, max_length=100)
    since: dt.date | None = None


class LostContactIn(Schema):
    reason: LostContactReason = Field(description="失联 reason code (RULES.md 3.3).")
    since: dt.date | None = None


class SuspendIn(Schema):
    reason: SuspensionReason
    on: dt.date | None = None


class LeaveIn(Schema):
    reason: LeavingReason
    on: dt.date | None = None
    note: str = Field(default="", max_length=200)


class ResidenceIn(Schema):
    grid: str = Field(min_length=1, max_length=32, description="Grid code.")
    building: str = Field(default="", max_length=100, description="Name of a building in that grid.")
    zone: str = Field(default="", max_length=32, description="Code of a responsibility zone in the community.")
    on: dt.date | None = None
    note: str = Field(default="", max_length=200)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


def _add_member_action(name: str, slug: str, schema, service, summary: str, resolve=None) -> None:
    """One POST /{member_id}/<slug> endpoint calling ``service`` with the payload's fields."""

    def endpoint(request, member_id: int, payload: schema):
        member = selectors.member_for(request.user, member_id)
        fields = payload.dict()
        service(actor=request.user, member=member, **(resolve(fields) if resolve else fields))
        return _state(member)

    endpoint.__name__ = name
    router.post(f"/{{member_id}}/{slug}", response=MemberStateOut, summary=summary)(endpoint)


def _transfer_fields(fields: dict) -> dict:
    return {**fields, "to_org": selectors.destination(fields["to_org"])}


_add_member_action("transfer_send", "transfer", TransferIn, services.transfer_send,
                   "Send a member's transfer (to an organisation, or out of the system with a letter number)",
                   _transfer_fields)
_add_member_action("mobile_out", "mobile-out", MobileOutIn, services.mobile_out, "Record a member as mobile")
_add_member_action("mobile_back", "mobile-back", DateIn, services.mobile_back, "Record a mobile member's return")
_add_member_action("abroad", "abroad", AbroadIn, services.abroad, "Record a member as abroad")
_add_member_action("abroad_back", "abroad-back", DateIn, services.abroad_back, "Record a return from abroad")
_add_member_action("retire", "retire", DateIn, services.retire, "Record a member as retired")
_add_member_action("lost_contact", "lost-contact", LostContactIn, services.lost_contact,
                   "Record a member as out of contact")
_add_member_action("contact_restored", "contact-restored", DateIn, services.contact_restored,
                   "Record contact restored")
_add_member_action("suspend", "suspend", SuspendIn, services.suspend, "Suspend a member's standing")
_add_member_action("restore", "restore", DateIn, services.restore, "Restore a suspended standing")
_add_member_action("leave", "leave", LeaveIn, services.leave, "Record a member leaving the Party (kept, not deleted)")


class RegistrationOut(Schema):
    id: int
    member_id: int
    member_name: str
    masked_id_number: str
    community: str
    grid: str
    building: str
    zone: str
    employed: bool
    status: ResidenceRegistration.Status
    registered_on: dt.date
    confirmed_on: dt.date | None


def _registration(registration: ResidenceRegistration) -> dict:
    return {
        "id": registration.pk, "member_id": registration.member_id, "member_name": registration.member.name,
        "masked_id_number": registration.member.masked_id_number, "community": registration.community.code,
        "grid": registration.grid.code, "building": registration.building.name if registration.building else "",
        "zone": registration.zone.code if registration.zone else "", "employed": registration.employed,
        "status": registration.status, "registered_on": registration.registered_on,
        "confirmed_on": registration.confirmed_on,
    }


@router.post("/{member_id}/residence", response=RegistrationOut,
             summary="Register a member in a residence grid (pending for an employed member)")
def register_residence(request, member_id: int, payload: ResidenceIn):
    member = selectors.member_for(request.user, member_id)
    registration = residence.registration_register(actor=request.user, member=member, on=payload.on,
                                                   note=payload.note,
                                                   **selectors.place(grid=payload.grid, building=payload.building,
                                                                     zone=payload.zone))
    return _registration(registration)


# --- transfers --------------------------------------------------------------------------------------

class IncomingOut(Schema):
    id: int
    name: str
    masked_id_number: str
    from_org: str
    to_org: str
    sent_on: dt.date
    reason: str


class IncomingPage(Schema):
    items: list[IncomingOut]
    total: int


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    from_org: str
    to_org: str | None
    outside_destination: str
    letter_number: str
    status: Transfer.Status
    sent_on: dt.date
    closed_on: dt.date | None


def _transfer(transfer: Transfer) -> dict:
    return {
        "id": transfer.pk, "member_id": transfer.member_id, "member_name": transfer.member.name,
        "from_org": transfer.from_org.code, "to_org": transfer.to_org.code if transfer.to_org else None,
        "outside_destination": transfer.outside_destination, "letter_number": transfer.letter_number,
        "status": transfer.status, "sent_on": transfer.sent_on, "closed_on": transfer.closed_on,
    }


@router.get("/transfers/incoming", response=IncomingPage, summary="Pending transfers into your scope")
def incoming_transfers(request):
    items, total = selectors.incoming_transfers(request.user)
    return {"items": [{"id": item.pk, "name": item.name, "masked_id_number": item.masked_id_number,
                       "from_org": item.from_name, "to_org": item.to_code, "sent_on": item.sent_on,
                       "reason": item.reason} for item in items], "total": total}


@router.get("/transfers/outgoing", response=list[TransferOut], summary="Transfers sent from your scope")
def outgoing_transfers(request, pending_only: bool = False):
    queryset = selectors.outgoing_transfers(request.user, pending_only=pending_only)
    return [_transfer(t) for t in queryset[:selectors.INBOX_LIMIT]]


@router.post("/transfers/{transfer_id}/receive", response=TransferOut, summary="Receive a pending transfer")
def receive_transfer(request, transfer_id: int, payload: DateIn):
    transfer = selectors.incoming_transfer_for(request.user, transfer_id)
    return _transfer(services.transfer_receive(actor=request.user, transfer=transfer, on=payload.on))


@router.post("/transfers/{transfer_id}/refuse", response=TransferOut, summary="Refuse a pending transfer, saying why")
def refuse_transfer(request, transfer_id: int, payload: ReasonIn):
    transfer = selectors.incoming_transfer_for(request.user, transfer_id)
    return _transfer(services.transfer_refuse(actor=request.user, transfer=transfer, reason=payload.reason))


@router.post("/transfers/{transfer_id}/cancel", response=TransferOut, summary="Withdraw a transfer not yet received")
def cancel_transfer(request, transfer_id: int):
    transfer = selectors.outgoing_transfer_for(request.user, transfer_id)
    return _transfer(services.transfer_cancel(actor=request.user, transfer=transfer))


# --- registrations ----------------------------------------------------------------------------------

class RegistrationPage(Schema):
    items: list[RegistrationOut]
    total: int


@router.get("/registrations/pending", response=RegistrationPage,
            summary="Registrations with your communities waiting for confirmation")
def pending_registrations(request):
    rows, total = selectors.pending_registrations(request.user)
    return {"items": [_registration(r) for r in rows], "total": total}


@router.post("/registrations/{registration_id}/confirm", response=RegistrationOut,
             summary="Confirm an employed member's registration")
def confirm_registration(request, registration_id: int):
    registration = selectors.registration_for(request.user, registration_id)
    return _registration(residence.registration_confirm(actor=request.user, registration=registration))


@router.post("/registrations/{registration_id}/reject", response=RegistrationOut, summary="Reject a registration")
def reject_registration(request, registration_id: int, payload: ReasonIn):
    registration = selectors.registration_for(request.user, registration_id)
    return _registration(residence.registration_reject(actor=request.user, registration=registration,
                                                       reason=payload.reason))


# --- coverage ---------------------------------------------------------------------------------------

class BandOut(Schema):
    from_: int = Field(alias="from")
    to: int | None
    count: int


class DistributionOut(Schema):
    count: int
    total: int
    average: float | None
    min: int | None
    max: int | None
    bands: list[BandOut]


class CoverageOut(Schema):
    code: str
    members: int
    registered_members: int
    registered_share: float | None
    grids: int
    grids_with_organization: int
    grids_with_organization_share: float | None
    residents: int
    per_community: DistributionOut
    per_grid: DistributionOut


@router.get("/coverage/{code}", response=CoverageOut, by_alias=True,
            summary="The three full coverages of an organisation's subtree")
def coverage(request, code: str):
    organization = org_selectors.organization_for(request.user, code)
    return {"code": organization.code, **selectors.coverage(organization)}

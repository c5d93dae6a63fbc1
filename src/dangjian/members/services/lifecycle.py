"""Life-cycle events of a member: transfers, mobile and abroad, retirement, lost contact,
standing, leaving. Each function checks that the actor may manage the member, applies the
rules (members.rules), and writes the record, its history event, its membership periods, the
roll-up counts and the audit line in one transaction; a refused action changes nothing."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit
from dangjian.core.models import AuditAction
from dangjian.core.scope import require_permission
from dangjian.members import codes, rules
from dangjian.members.models import (
    Category,
    LeavingReason,
    Member,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
    Standing,
    Transfer,
)
from dangjian.members.selectors import lifecycle as selectors
from dangjian.members.signals import member_left
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Grid, Organization

Kind = MemberEvent.Kind


def require_manage(actor, path: str) -> None:
    """``actor`` None is the system itself (commands run by the operator)."""
    require_permission(actor, Permission.MANAGE_MEMBERS, path, _("You may not manage members of this organisation."))


def locked(member: Member) -> Member:
    """The member's row, locked for the rest of the transaction and read afresh."""
    return Member.objects.select_for_update(of=("self",)).select_related("home_org").get(pk=member.pk)


def fail(fault: rules.Fault | None) -> None:
    if fault is not None:
        raise ValidationError({fault.field: fault.message})


def record_event(member: Member, kind: str, on: dt.date, actor, **details) -> MemberEvent:
    details = {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in details.items()}
    event = MemberEvent.objects.create(member=member, kind=kind, on=on, details=details, org_path=member.org_path,
                                       actor=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(AuditAction.UPDATE, actor=actor, obj=member, org_path=member.org_path,
                 changes={"event": [None, kind], **{key: [None, value] for key, value in details.items()}})
    return event


def confirmed_registration(member: Member) -> ResidenceRegistration | None:
    return ResidenceRegistration.objects.filter(member=member, status=ResidenceRegistration.Status.CONFIRMED).first()


def count_registration(registration: ResidenceRegistration, member_path: str, sign: int) -> None:
    """Add (+1) or take away (-1) a confirmed registration from the roll-ups: on the member's
    home subtree, on the residence community's subtree and on the grid."""
    rollup.adjust(member_path, registered_members=sign)
    rollup.adjust(registration.org_path, residents=sign)
    Grid.objects.filter(pk=registration.grid_id).update(residents=F("residents") + sign)


def _count_member(member: Member, path: str, sign: int) -> None:
    category_field = "full_members" if member.category == Category.FULL else "probationary_members"
    rollup.adjust(path, members=sign, **{category_field: sign})
    registration = confirmed_registration(member)
    if registration is not None:
        count_registration(registration, path, sign)


def _begin(actor, member: Member, event: str, on: dt.date | None, field: str = "on") -> tuple[Member, dt.date]:
    """Check the actor, lock the member and check the event and its date; the member afresh
    and the event's date."""
    member = locked(member)
    require_manage(actor, member.org_path)
    fail(rules.event_fault(event, selectors.member_state(member)))
    today = timezone.localdate()
    on = on or today
    fail(rules.event_date_fault(on=on, joined_on=member.joined_on, today=today, field=field))
    return member, on


def _text(value: str, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _save(member: Member, *fields: str) -> None:
    member.updated_at = timezone.now()
    member.save(update_fields=[*fields, "updated_at"])


def _close_period(member: Member, on: dt.date, exit: str) -> None:
    period = MembershipPeriod.objects.filter(member=member, ended_on__isnull=True).first()
    if period is not None:
        period.ended_on = max(on, period.started_on)
        period.exit = exit
        period.save(update_fields=["ended_on", "exit"])


# --- transfers --------------------------------------------------------------------------------------

@transaction.atomic
def transfer_send(*, actor, member: Member, to_org: Organization | None = None, outside_destination: str = "",
                  letter_number: str = "", reason: str, on: dt.date | None = None) -> Transfer:
    """Send the member's organisational relationship to ``to_org`` (pending until received; the
    old organisation stays responsible) or out of the system with the introduction letter's
    number (completed at once: the member leaves the current register, kept and searchable)."""
    member, on = _begin(actor, member, "transfer", on)
    reason = _text(reason, "reason", 200)
    outside_destination = _text(outside_destination, "outside_destination", 200, required=False)
    letter_number = _text(letter_number, "letter_number", 64, required=False)
    fail(rules.transfer_fault(
        to_path=to_org.path if to_org else None, from_path=member.org_path,
        to_dissolved=bool(to_org and to_org.is_dissolved), outside_destination=outside_destination,
        letter_number=letter_number,
    ))
    transfer = Transfer(member=member, from_org=member.home_org, from_path=member.org_path, reason=reason,
                        sent_on=on, sent_by=actor if getattr(actor, "is_authenticated", False) else None)
    if to_org is not None:
        transfer.to_org, transfer.to_path = to_org, to_org.path
        transfer.save()
        record_event(member, Kind.TRANSFER_SENT, on, actor, transfer=transfer.pk, to=to_org.code, reason=reason)
        return transfer
    transfer.outside_destination, transfer.letter_number = outside_destination, letter_number
    transfer.status, transfer.closed_on, transfer.closed_by = Transfer.Status.COMPLETED, on, transfer.sent_by
    transfer.save()
    _count_member(member, member.org_path, -1)
    _close_period(member, on, MembershipPeriod.Exit.TRANSFER_OUT)
    # Out of the system the member is no longer current here: the date ends the current
    # membership as leaving does, but with no leaving reason, so they are told apart.
    member.left_on = on
    _save(member, "left_on")
    member_left.send(sender=Member, member=member, on=on, actor=actor)
    record_event(member, Kind.TRANSFER_OUT, on, actor, transfer=transfer.pk, destination=outside_destination,
                 letter_number=letter_number, reason=reason)
    return transfer


def _pending(transfer: Transfer) -> Transfer:
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("to_org", "from_org").get(
        pk=transfer.pk)
    if transfer.status != Transfer.Status.PENDING:
        raise ValidationError({"transfer": _("This transfer is no longer waiting: it was %(status)s.")
                               % {"status": transfer.get_status_display().lower()}})
    return transfer


@transaction.atomic
def transfer_receive(*, actor, transfer: Transfer, on: dt.date | None = None) -> Transfer:
    """The receiving organisation takes the member in: the old period closes, a new one opens,
    the member and the counts move."""
    require_manage(actor, transfer.to_path)
    transfer = _pending(transfer)
    if transfer.to_org.is_dissolved:
        raise ValidationError({"transfer": _("The receiving organisation has been dissolved.")})
    member = locked(transfer.member)
    today = timezone.localdate()
    on = on or today
    fail(rules.event_date_fault(on=on, joined_on=transfer.sent_on, today=today))
    old_path = member.org_path
    _count_member(member, old_path, -1)
    _close_period(member, on, MembershipPeriod.Exit.TRANSFER_OUT)
    MembershipPeriod.objects.create(member=member, organization=transfer.to_org, org_path=transfer.to_org.path,
                                    started_on=on, entry=MembershipPeriod.Entry.TRANSFER_IN)
    member.home_org, member.org_path, member.city_id = transfer.to_org, transfer.to_org.path, transfer.to_org.city_id
    _save(member, "home_org", "org_path", "city_id")
    _count_member(member, member.org_path, 1)
    transfer.status, transfer.closed_on = Transfer.Status.RECEIVED, on
    transfer.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    transfer.save(update_fields=["status", "closed_on", "closed_by"])
    record_event(member, Kind.TRANSFER_RECEIVED, on, actor, transfer=transfer.pk, **{"from": transfer.from_org.code},
                 to=transfer.to_org.code)
    return transfer


@transaction.atomic
def transfer_refuse(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiver refuses, saying why (refusing without cause is not allowed)."""
    require_manage(actor, transfer.to_path)
    reason = _text(reason, "reason", 200)
    transfer = _pending(transfer)
    return _close_transfer(actor, transfer, Transfer.Status.REJECTED, Kind.TRANSFER_REJECTED, reason=reason)


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer) -> Transfer:
    """The sender withdraws a transfer not yet received."""
    require_manage(actor, transfer.from_path)
    transfer = _pending(transfer)
    return _close_transfer(actor, transfer, Transfer.Status.CANCELLED, Kind.TRANSFER_CANCELLED)


def _close_transfer(actor, transfer: Transfer, status: str, kind: str, **details) -> Transfer:
    today = timezone.localdate()
    transfer.status, transfer.closed_on = status, today
    transfer.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    transfer.save(update_fields=["status", "closed_on", "closed_by"])
    record_event(transfer.member, kind, today, actor, transfer=transfer.pk, to=transfer.to_org.code, **details)
    return transfer


# --- mobile, abroad, retired ------------------------------------------------------------------------

@transaction.atomic
def mobile_out(*, actor, member: Member, province: str, city: str = "", county: str = "",
               since: dt.date | None = None) -> Member:
    member, since = _begin(actor, member, "mobile_out", since, field="since")
    parts = [_text(province, "province", 30), _text(city, "city", 30, required=False),
             _text(county, "county", 30, required=False)]
    member.mobile, member.mobile_destination, member.mobile_since = True, " ".join(p for p in parts if p), since
    _save(member, "mobile", "mobile_destination", "mobile_since")
    record_event(member, Kind.MOBILE_OUT, since, actor, destination=member.mobile_destination)
    return member


@transaction.atomic
def mobile_back(*, actor, member: Member, on: dt.date | None = None) -> Member:
    member, on = _begin(actor, member, "mobile_back", on)
    fail(None if on >= member.mobile_since else rules.Fault("on", _("The date is before the member went away.")))
    destination = member.mobile_destination
    member.mobile, member.mobile_destination, member.mobile_since = False, "", None
    _save(member, "mobile", "mobile_destination", "mobile_since")
    record_event(member, Kind.MOBILE_BACK, on, actor, destination=destination)
    return member


@transaction.atomic
def abroad(*, actor, member: Member, destination: str, since: dt.date | None = None) -> Member:
    member, since = _begin(actor, member, "abroad", since, field="since")
    member.abroad, member.abroad_destination, member.abroad_since = True, _text(destination, "destination", 100), since
    _save(member, "abroad", "abroad_destination", "abroad_since")
    record_event(member, Kind.ABROAD, since, actor, destination=member.abroad_destination)
    return member


@transaction.atomic
def abroad_back(*, actor, member: Member, on: dt.date | None = None) -> Member:
    member, on = _begin(actor, member, "abroad_back", on)
    fail(None if on >= member.abroad_since else rules.Fault("on", _("The date is before the member went abroad.")))
    destination = member.abroad_destination
    member.abroad, member.abroad_destination, member.abroad_since = False, "", None
    _save(member, "abroad", "abroad_destination", "abroad_since")
    record_event(member, Kind.BACK_FROM_ABROAD, on, actor, destination=destination)
    return member


@transaction.atomic
def retire(*, actor, member: Member, on: dt.date | None = None) -> Member:
    member, on = _begin(actor, member, "retire", on)
    member.retired = True
    _save(member, "retired")
    record_event(member, Kind.RETIRED, on, actor)
    return member


# --- lost contact and standing --------------------------------------------------------------------

@transaction.atomic
def lost_contact(*, actor, member: Member, reason: str, since: dt.date | None = None) -> Member:
    member, since = _begin(actor, member, "lost_contact", since, field="since")
    if reason not in codes.LOST_CONTACT_REASONS:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    member.lost_contact, member.lost_contact_on, member.lost_contact_reason = True, since, reason
    _save(member, "lost_contact", "lost_contact_on", "lost_contact_reason")
    record_event(member, Kind.LOST_CONTACT, since, actor, reason=reason)
    return member


@transaction.atomic
def contact_restored(*, actor, member: Member, on: dt.date | None = None) -> Member:
    member, on = _begin(actor, member, "contact_restored", on)
    fail(None if on >= member.lost_contact_on else rules.Fault("on", _("The date is before contact was lost.")))
    since = member.lost_contact_on
    member.lost_contact, member.lost_contact_on, member.lost_contact_reason = False, None, ""
    member.last_contact_on = on
    _save(member, "lost_contact", "lost_contact_on", "lost_contact_reason", "last_contact_on")
    record_event(member, Kind.CONTACT_RESTORED, on, actor, since=since)
    return member


@transaction.atomic
def suspend(*, actor, member: Member, reason: str, on: dt.date | None = None) -> Member:
    """Suspend standing (停止党籍) on one of the grounds RULES.md 3.3 allows."""
    member, on = _begin(actor, member, "suspend", on)
    message = rules.suspension_reason_allowed(
        reason=reason, lost_since=member.lost_contact_on if member.lost_contact else None,
        abroad_since=member.abroad_since if member.abroad else None, today=on,
    )
    if message:
        raise ValidationError({"reason": message})
    member.standing, member.standing_changed_on, member.suspension_reason = Standing.SUSPENDED, on, reason
    _save(member, "standing", "standing_changed_on", "suspension_reason")
    record_event(member, Kind.SUSPENDED, on, actor, reason=reason)
    return member


@transaction.atomic
def restore(*, actor, member: Member, on: dt.date | None = None) -> Member:
    member, on = _begin(actor, member, "restore", on)
    fail(None if on >= member.standing_changed_on
         else rules.Fault("on", _("The date is before the standing was suspended.")))
    reason = member.suspension_reason
    member.standing, member.standing_changed_on, member.suspension_reason = Standing.NORMAL, on, ""
    _save(member, "standing", "standing_changed_on", "suspension_reason")
    record_event(member, Kind.RESTORED, on, actor, suspension_reason=reason)
    return member


@transaction.atomic
def leave(*, actor, member: Member, reason: str, on: dt.date | None = None, note: str = "") -> Member:
    """The member leaves the Party: kept and searchable, no longer counted; the period closes."""
    member, on = _begin(actor, member, "leave", on)
    if reason not in LeavingReason.values:
        raise ValidationError({"reason": _("Choose how the member left from the list.")})
    note = _text(note, "note", 200, required=False)
    _count_member(member, member.org_path, -1)
    _close_period(member, on, MembershipPeriod.Exit.LEFT)
    member.left_on, member.left_reason = on, reason
    _save(member, "left_on", "left_reason")
    member_left.send(sender=Member, member=member, on=on, actor=actor)
    record_event(member, Kind.LEFT, on, actor, reason=reason, note=note)
    return member


@transaction.atomic
def flag_lost_contact(*, actor, members, today: dt.date | None = None) -> int:
    """Flag as lost every member given who has been out of contact for six months, from their
    last organisational life or dues; returns how many were flagged."""
    today = today or timezone.localdate()
    flagged = 0
    for member in members:
        require_manage(actor, member.org_path)
        member = locked(member)
        if (member.lost_contact or member.left_on is not None
                or rules.lost_contact_state(last_contact_on=member.last_contact_on, today=today) != "lost"):
            continue
        member.lost_contact, member.lost_contact_on = True, member.last_contact_on
        _save(member, "lost_contact", "lost_contact_on")
        record_event(member, Kind.LOST_CONTACT, today, actor, since=member.last_contact_on, automatic=True)
        flagged += 1
    return flagged

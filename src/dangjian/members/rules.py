"""Pure rules of the member register (RULES.md 3.1–3.3 and 9): record consistency, party age,
lost contact, standing. No database, no request."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dangjian.core import calendar, identity

ADULT_AGE = 18
PROBATION_MONTHS = 12
LONGEST_PROBATION_MONTHS = 24  # one extension of at most a year (RULES.md 1.2)
LOST_CONTACT_WARNING_MONTHS = 3
LOST_CONTACT_MONTHS = 6
LOST_CONTACT_REMOVAL_YEARS = 2

FULL = "full"
PROBATIONARY = "probationary"


@dataclass(frozen=True)
class Fault:
    field: str
    message: str


def record_faults(
    *, id_number: str, sex: str, birth_date: dt.date | None, category: str, joined_on: dt.date | None,
    full_member_on: dt.date | None, today: dt.date, left_on: dt.date | None = None,
) -> list[Fault]:
    """Everything wrong with a member record's core facts, each naming its field.

    ``id_number`` must already be normalised (core.identity.normalise_id_number)."""
    faults: list[Fault] = []
    if birth_date is not None and identity.birth_date_of(id_number) != birth_date:
        faults.append(Fault("birth_date", _("The birth date %(date)s differs from the ID number's %(id_date)s.")
                            % {"date": birth_date.isoformat(), "id_date": identity.birth_date_of(id_number).isoformat()}))
    if sex and identity.sex_of(id_number) != sex:
        faults.append(Fault("sex", _("The sex differs from the ID number (its 17th digit is odd for men, even for women).")))
    birth = birth_date or identity.birth_date_of(id_number)
    if joined_on is None:
        faults.append(Fault("joined_on", _("The date joined is required.")))
    else:
        if joined_on > today:
            faults.append(Fault("joined_on", _("The date joined %(date)s is in the future.") % {"date": joined_on.isoformat()}))
        if calendar.age_on(birth, joined_on) < ADULT_AGE:
            faults.append(Fault("joined_on", _("On the date joined, %(date)s, the member was not yet 18.")
                                % {"date": joined_on.isoformat()}))
    if category == PROBATIONARY:
        if full_member_on is not None:
            faults.append(Fault("full_member_on", _("A probationary member has no date of becoming a full member.")))
        elif joined_on is not None and calendar.add_months(joined_on, LONGEST_PROBATION_MONTHS) < today:
            faults.append(Fault("category", _("Still probationary more than two years after joining on %(date)s: "
                                              "probation is one year, extended once by at most a year.")
                                % {"date": joined_on.isoformat()}))
    elif category == FULL:
        if full_member_on is None:
            faults.append(Fault("full_member_on", _("A full member needs the date of becoming a full member.")))
        elif joined_on is not None:
            earliest = calendar.add_months(joined_on, PROBATION_MONTHS)
            latest = calendar.add_months(joined_on, LONGEST_PROBATION_MONTHS)
            if not earliest <= full_member_on <= latest:
                faults.append(Fault("full_member_on", _(
                    "Becoming a full member on %(date)s does not fit a probation of one year (at most two) "
                    "from joining on %(joined)s: expected between %(earliest)s and %(latest)s.")
                    % {"date": full_member_on.isoformat(), "joined": joined_on.isoformat(),
                       "earliest": earliest.isoformat(), "latest": latest.isoformat()}))
            if full_member_on > today:
                faults.append(Fault("full_member_on", _("The date %(date)s is in the future.")
                                    % {"date": full_member_on.isoformat()}))
    else:
        faults.append(Fault("category", _("The category is 正式党员 (full) or 预备党员 (probationary).")))
    if left_on is not None and joined_on is not None and left_on < joined_on:
        faults.append(Fault("left_on", _("The date of leaving is before the date joined.")))
    return faults


def party_age_months(*, full_member_on: dt.date | None, correction_months: int, today: dt.date) -> int | None:
    """Party age counts from becoming a full member (党章 第七条), corrected by the register's
    correction in months (extended probation, restored membership). None for probationary."""
    if full_member_on is None:
        return None
    return max(calendar.whole_months_between(full_member_on, today) + correction_months, 0)


def lost_contact_state(*, last_contact_on: dt.date | None, today: dt.date) -> str:
    """'ok', 'warning' after 3 months without organisational life or dues, 'lost' after 6
    (RULES.md 3.3: 失联 is ≥ 6 months, counted from the last organisational life or dues)."""
    if last_contact_on is None:
        return "ok"
    if calendar.add_months(last_contact_on, LOST_CONTACT_MONTHS) <= today:
        return "lost"
    if calendar.add_months(last_contact_on, LOST_CONTACT_WARNING_MONTHS) <= today:
        return "warning"
    return "ok"


# Ways of leaving the Party. Standing can be restored only for a suspension (停止党籍), never
# after any of these (党员教育管理工作条例 第二十四条): such a person may only apply again.
LEAVING_REASONS = ("death", "withdrawal", "persuaded", "removal", "self_detached", "expulsion")


def suspension_reason_allowed(*, reason: str, lost_since: dt.date | None, abroad_since: dt.date | None,
                              today: dt.date) -> str | None:
    """Why standing may not be suspended now, or None. Two grounds exist: lost contact for six
    months and still unreachable; settled abroad, or studying abroad for more than five years."""
    if reason == "lost_contact":
        if lost_since is None or calendar.add_months(lost_since, LOST_CONTACT_MONTHS) > today:
            return _("Standing is suspended for lost contact only after six months out of contact.")
        return None
    if reason == "abroad":
        if abroad_since is None or calendar.add_years(abroad_since, 5) >= today:
            return _("Standing is suspended for a stay abroad only after more than five years abroad.")
        return None
    if reason == "settled_abroad":
        return None
    return _("Choose a ground for suspension: lost contact, a long stay abroad, or settling abroad.")


def removal_due(*, suspended_on: dt.date | None, reason: str, today: dt.date) -> bool:
    """A member suspended for lost contact and unreachable for two more years is removed as 自行脱党."""
    return (reason == "lost_contact" and suspended_on is not None
            and calendar.add_years(suspended_on, LOST_CONTACT_REMOVAL_YEARS) <= today)


def contact_cutoff(*, months: int, today: dt.date) -> dt.date:
    """The latest last-contact date that is at least ``months`` old on ``today``: the bound a
    database query uses so that it selects exactly what ``lost_contact_state`` would."""
    cutoff = calendar.add_months(today, -months)
    # Clamping at month ends can make a few later days reach ``today`` too (31 Aug + 6 months
    # is 28 Feb, as is 28 Aug + 6 months).
    while calendar.add_months(cutoff + dt.timedelta(days=1), months) <= today:
        cutoff += dt.timedelta(days=1)
    return cutoff


@dataclass(frozen=True)
class MemberState:
    """The flags of a record the life-cycle events depend on."""

    left: bool = False
    mobile: bool = False
    abroad: bool = False
    retired: bool = False
    lost_contact: bool = False
    suspended: bool = False
    pending_transfer: bool = False


# Life-cycle events and the state each needs: (flag, value it must have, field, message). The
# messages are marked here and translated when used.
_EVENT_NEEDS = {
    "mobile_out": ("mobile", False, "province", gettext_noop("The member is already away as a mobile member.")),
    "mobile_back": ("mobile", True, "on", gettext_noop("The member is not away as a mobile member.")),
    "abroad": ("abroad", False, "destination", gettext_noop("The member is already recorded as abroad.")),
    "abroad_back": ("abroad", True, "on", gettext_noop("The member is not recorded as abroad.")),
    "retire": ("retired", False, "on", gettext_noop("The member is already recorded as retired.")),
    "lost_contact": ("lost_contact", False, "reason", gettext_noop("The member is already recorded as out of contact.")),
    "contact_restored": ("lost_contact", True, "on", gettext_noop("The member is not recorded as out of contact.")),
    "suspend": ("suspended", False, "reason", gettext_noop("The member's standing is already suspended.")),
    "restore": ("suspended", True, "on", gettext_noop(
                "Only a suspended standing can be restored; a member who left may only apply again.")),
}
LIFECYCLE_EVENTS = (*_EVENT_NEEDS, "transfer", "leave")


def event_fault(event: str, state: MemberState) -> Fault | None:
    """Why ``event`` cannot happen to a member in ``state``, or None."""
    if event not in LIFECYCLE_EVENTS:
        raise ValueError(event)
    if state.left:
        return Fault("member", _("The member has left the register; their record is kept but no longer changes."))
    if event in ("transfer", "leave") and state.pending_transfer:
        return Fault("member", _("A transfer of this member is waiting to be received: withdraw it first."))
    if event in _EVENT_NEEDS:
        flag, needed, field, message = _EVENT_NEEDS[event]
        if getattr(state, flag) != needed:
            return Fault(field, _(message))
    return None


def event_date_fault(*, on: dt.date | None, joined_on: dt.date, today: dt.date, field: str = "on") -> Fault | None:
    """An event happens after joining and not in the future."""
    if on is None:
        return Fault(field, _("Give the date."))
    if on > today:
        return Fault(field, _("The date %(date)s is in the future.") % {"date": on.isoformat()})
    if on < joined_on:
        return Fault(field, _("The date %(date)s is before the member joined on %(joined)s.")
                     % {"date": on.isoformat(), "joined": joined_on.isoformat()})
    return None


def transfer_fault(*, to_path: str | None, from_path: str, to_dissolved: bool, outside_destination: str,
                   letter_number: str) -> Fault | None:
    """What is wrong with a transfer's destination: an organisation in the system, or a place
    outside it with the introduction letter's number, never both."""
    if to_path is not None:
        if outside_destination or letter_number:
            return Fault("to_org", _("Choose either an organisation in the system or a destination outside it."))
        if to_path == from_path:
            return Fault("to_org", _("The member already belongs to this organisation."))
        if to_dissolved:
            return Fault("to_org", _("The receiving organisation has been dissolved."))
        return None
    if not outside_destination:
        return Fault("to_org", _("Choose the receiving organisation, or give a destination outside the system."))
    if not letter_number:
        return Fault("letter_number", _("A transfer out of the system needs the introduction letter's number."))
    return None

"""Entering and correcting member records, and revealing their masked values.

Every write checks the actor's permission over the member's organisation, validates the whole
record (ID number, birth date and sex against it, categories and dates, code lists), seals the
ID and phone numbers, keeps the membership period, the member's history and the roll-up counts,
and writes an audit line in which the ID and phone numbers appear only masked.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity, pinyin
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission, require_permission
from dangjian.members import codes, rules
from dangjian.members.models import Category, Member, MemberEvent, MembershipPeriod, Sex
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind

# The fields of the national form that entering and correcting a record may set. Flags, standing
# and leaving belong to the life-cycle services; the organisation changes only by transfer.
TEXT_LIMITS = {"name": 50, "address": 200, "registered_residence": 100, "current_residence": 200}
FIELDS = frozenset({
    "name", "sex", "birth_date", "id_number", "ethnicity", "education", "degree", "job_post", "category",
    "joined_on", "full_member_on", "phone", "address", "registered_residence", "current_residence",
    "party_age_correction_months",
})
CODE_FIELDS = {
    "ethnicity": codes.ethnicity_code,
    "education": codes.education_code,
    "degree": lambda value: codes.lookup(codes.DEGREES, value),
    "job_post": lambda value: codes.lookup(codes.JOB_POSTS, value),
}
# A correction of a few decades either way covers every real case (restored membership,
# probation extended); anything larger is a typing error.
CORRECTION_LIMIT_MONTHS = 600
REVEALABLE = ("id_number", "phone")
# Organisations that do not keep members' organisational relationships themselves.
NO_MEMBER_KINDS = frozenset({Kind.GROUP, Kind.RESPONSIBILITY_ZONE})


def _require(actor, permission: str, path: str, name: str) -> None:
    require_permission(actor, permission, path, _("You may not do this for %(name)s.") % {"name": name})


def _snapshot(member: Member, id_number: str, phone: str) -> dict:
    """The record as the audit trail shows it: the ID and phone numbers masked."""
    return {
        "name": member.name, "sex": member.sex, "birth_date": member.birth_date.isoformat(),
        "id_number": identity.mask_id_number(id_number), "phone": identity.mask_phone(phone) if phone else "",
        "ethnicity": member.ethnicity, "education": member.education, "degree": member.degree,
        "job_post": member.job_post, "category": member.category, "joined_on": member.joined_on.isoformat(),
        "full_member_on": member.full_member_on.isoformat() if member.full_member_on else None,
        "address": member.address, "registered_residence": member.registered_residence,
        "current_residence": member.current_residence,
        "party_age_correction_months": member.party_age_correction_months,
    }


def _clean(values: dict, *, today: dt.date, existing: Member | None) -> dict:
    """The validated record for ``values`` (every field of FIELDS present), or a ValidationError
    naming every bad field at once."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    clean = dict(values)
    for field, limit in TEXT_LIMITS.items():
        clean[field] = (values.get(field) or "").strip()
        if len(clean[field]) > limit:
            fail(field, _("At most %(n)s characters.") % {"n": limit})
    if not clean["name"]:
        fail("name", _("Give the member's name."))

    number = ""
    try:
        number = identity.normalise_id_number(values.get("id_number") or "", today=today)
    except identity.InvalidIdNumber as error:
        fail("id_number", str(error))
    clean["id_number"] = number

    sex = values.get("sex") or ""
    if sex and sex not in Sex.values:
        fail("sex", _("Choose male or female."))
    birth_date = values.get("birth_date")
    if birth_date is not None and birth_date > today:
        fail("birth_date", _("The birth date %(date)s is in the future.") % {"date": birth_date.isoformat()})
    category = values.get("category") or ""
    given_birth = birth_date if "birth_date" not in errors else None
    given_sex = sex if "sex" not in errors else ""
    if number:
        # Left empty, birth date and sex come from the ID number; given, they must agree with it.
        clean["sex"] = given_sex or identity.sex_of(number)
        clean["birth_date"] = given_birth or identity.birth_date_of(number)
        checked_number = number
    elif given_birth is not None:
        # The ID number is wrong, but the dates and category can still be checked, against a
        # stand-in number carrying the birth date and sex as given.
        first17 = f"110101{given_birth:%Y%m%d}00{'1' if given_sex != Sex.FEMALE else '2'}"
        checked_number = first17 + identity.check_character(first17)
    else:
        checked_number = ""
    if checked_number:
        for fault in rules.record_faults(
            id_number=checked_number, sex=given_sex, birth_date=given_birth, category=category,
            joined_on=values.get("joined_on"), full_member_on=values.get("full_member_on"), today=today,
            left_on=existing.left_on if existing else None,
        ):
            fail(fault.field, fault.message)
    elif category not in Category.values:
        fail("category", _("The category is 正式党员 (full) or 预备党员 (probationary)."))

    for field, lookup in CODE_FIELDS.items():
        raw = (values.get(field) or "").strip()
        if not raw:
            if field == "ethnicity":
                fail(field, _("Choose an ethnicity."))
            clean[field] = ""
            continue
        code = lookup(raw)
        if code is None:
            fail(field, _("%(value)s is not in the code list.") % {"value": raw})
        clean[field] = code or ""

    phone = (values.get("phone") or "").strip()
    try:
        clean["phone"] = identity.normalise_phone(phone) if phone else ""
    except identity.InvalidPhone as error:
        fail("phone", str(error))

    correction = values.get("party_age_correction_months") or 0
    if not isinstance(correction, int) or abs(correction) > CORRECTION_LIMIT_MONTHS:
        fail("party_age_correction_months",
             _("A correction is a whole number of months between -%(n)s and %(n)s.") % {"n": CORRECTION_LIMIT_MONTHS})
    clean["party_age_correction_months"] = correction

    if number and "id_number" not in errors:
        duplicate = Member.objects.filter(id_number_hash=crypto.lookup_hash(number)).select_related("home_org")
        if existing is not None:
            duplicate = duplicate.exclude(pk=existing.pk)
        clean["_duplicate"] = duplicate.first()
    if errors:
        raise ValidationError(errors)
    return clean


def _duplicate_error(actor, duplicate: Member) -> ValidationError:
    """Names where the existing member belongs only if the actor may see that organisation."""
    if actor is None or has_permission(actor, Permission.VIEW_MEMBERS, duplicate.org_path):
        message = _("A member with this ID number is already in the register, in %(org)s.") % {
            "org": duplicate.home_org.name}
    else:
        message = _("A member with this ID number is already in the register, outside your organisation.")
    return ValidationError({"id_number": message})


def _apply(member: Member, clean: dict) -> None:
    for field in FIELDS - {"id_number", "phone"}:
        setattr(member, field, clean[field])
    member.name_pinyin = pinyin.person_name_pinyin(member.name)
    member.name_initials = pinyin.person_name_initials(member.name)
    for field, value in crypto.sealed_identity(clean["id_number"], clean["phone"]).items():
        setattr(member, field, value)


def _save(member: Member, actor) -> None:
    """Save; a concurrent entry of the same ID number fails on the unique hash, reported as such."""
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        duplicate = Member.objects.select_related("home_org").filter(id_number_hash=member.id_number_hash).first()
        if duplicate is None:
            raise
        raise _duplicate_error(actor, duplicate) from None


def _count_field(category: str) -> str:
    return "full_members" if category == Category.FULL else "probationary_members"


@transaction.atomic
def member_create(*, actor, organization: Organization, entry: str = MembershipPeriod.Entry.JOINED,
                  started_on: dt.date | None = None, **fields) -> Member:
    """Enter a member in ``organization``. The membership period opens on the date joined when
    the member joined here, otherwise on ``started_on`` (default today)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"Unknown member fields: {sorted(unknown)}")
    _require(actor, Permission.MANAGE_MEMBERS, organization.path, organization.name)
    if organization.is_dissolved:
        raise ValidationError({"organization": _("%(name)s has been dissolved.") % {"name": organization.name}})
    if organization.kind in NO_MEMBER_KINDS:
        raise ValidationError({"organization": _(
            "A member's organisational relationship is kept by a branch or committee, not by a %(kind)s.")
            % {"kind": Kind(organization.kind).label}})
    if entry not in MembershipPeriod.Entry.values:
        raise ValidationError({"entry": _("Choose how the membership here began.")})
    today = timezone.localdate()
    clean = _clean({field: fields.get(field) for field in FIELDS} | {
        "ethnicity": fields.get("ethnicity", "01")}, today=today, existing=None)
    if clean["_duplicate"] is not None:
        raise _duplicate_error(actor, clean["_duplicate"])
    start = clean["joined_on"] if entry == MembershipPeriod.Entry.JOINED else (started_on or today)
    if start > today:
        raise ValidationError({"started_on": _("The date %(date)s is in the future.") % {"date": start.isoformat()}})

    member = Member(city_id=organization.city_id, home_org=organization, org_path=organization.path)
    _apply(member, clean)
    _save(member, actor)
    MembershipPeriod.objects.create(member=member, organization=organization, org_path=organization.path,
                                    started_on=start, entry=entry)
    MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.CREATED, on=today, org_path=member.org_path,
                               actor=actor if actor is not None and actor.is_authenticated else None,
                               details={"organization": organization.code, "entry": entry})
    rollup.adjust(member.org_path, members=1, **{_count_field(member.category): 1})
    audit.record(AuditAction.CREATE, actor=actor, obj=member, org_path=member.org_path,
                 changes={key: [None, value] for key, value in _snapshot(member, clean["id_number"], clean["phone"]).items()
                          if value not in ("", None)})
    return member


@transaction.atomic
def member_update(*, actor, member: Member, **fields) -> Member:
    """Correct a member's record. Fields left out stay as they are; the whole record is checked."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"Unknown member fields: {sorted(unknown)}")
    _require(actor, Permission.MANAGE_MEMBERS, member.org_path, member.name)
    member = Member.objects.select_for_update().select_related("home_org").get(pk=member.pk)
    today = timezone.localdate()
    old_number, old_phone = member.id_number, member.phone
    current = {field: getattr(member, field) for field in FIELDS - {"id_number", "phone"}}
    current.update(id_number=old_number, phone=old_phone)
    changed_id = "id_number" in fields and fields["id_number"] and fields["id_number"] != old_number
    if changed_id and "birth_date" not in fields and "sex" not in fields:
        # A new ID number brings its own birth date and sex unless they are given too.
        current.update(birth_date=None, sex="")
    clean = _clean(current | fields, today=today, existing=member)
    if clean["_duplicate"] is not None:
        raise _duplicate_error(actor, clean["_duplicate"])

    before = _snapshot(member, old_number, old_phone)
    old_category = member.category
    _apply(member, clean)
    member.updated_at = timezone.now()
    after = _snapshot(member, clean["id_number"], clean["phone"])
    changes = audit.diff(before, after)
    if clean["id_number"] != old_number:
        changes["id_number"] = [before["id_number"], after["id_number"]]
    if clean["phone"] != old_phone:
        changes["phone"] = [before["phone"], after["phone"]]
    if not changes:
        return member
    _save(member, actor)
    if member.category != old_category and member.left_on is None:
        rollup.adjust(member.org_path, **{_count_field(old_category): -1, _count_field(member.category): 1})
    MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.UPDATED, on=today, org_path=member.org_path,
                               actor=actor if actor is not None and actor.is_authenticated else None,
                               details={"fields": sorted(changes)})
    audit.record(AuditAction.UPDATE, actor=actor, obj=member, org_path=member.org_path, changes=changes)
    return member


@transaction.atomic
def member_reveal(*, actor, member: Member, field: str) -> str:
    """The clear ID or phone number, for a role allowed to reveal it; every reveal is audited."""
    if field not in REVEALABLE:
        raise ValidationError({"field": _("Only the ID number or the phone number can be revealed.")})
    if actor is None or not has_permission(actor, Permission.REVEAL_PERSONAL, member.org_path):
        raise PermissionDenied(_("Your role may not reveal ID or phone numbers."))
    value = member.id_number if field == "id_number" else member.phone
    audit.record(AuditAction.REVEAL, actor=actor, obj=member, org_path=member.org_path, changes={"field": [None, field]})
    return value

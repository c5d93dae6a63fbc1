"""Correction requests (更正申请): a member proposes a new value for one field of their own
record, with a reason; a clerk of the member's organisation approves it, which applies the
change through the register's own correction (services.register.member_update, validating the
whole record), or rejects it with a note.

A value is checked when it is requested as far as it can be on its own (a phone number's form,
a code of the national lists, a valid ID number). What depends on the rest of the record (the
ID number against the birth date and sex, the dates of joining) is checked on approval. Whether
an ID number is already someone else's is checked only then, by the clerk: telling the member
would let anyone with an account test other people's numbers.

ID and phone numbers are personal data: the proposed value is stored sealed, like the record's
own, and masked in the audit trail.
"""

import base64
import datetime as dt

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission
from dangjian.members import codes
from dangjian.members.models import CorrectionRequest, Member
from dangjian.members.services import register

# The fields a member may ask to correct, in the order the form offers them. Category, standing
# and the life-cycle flags change only through their own events, never by a correction.
FIELDS = {
    "name": gettext_lazy("Name"),
    "sex": gettext_lazy("Sex"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "id_number": gettext_lazy("ID number"),
    "birth_date": gettext_lazy("Birth date"),
    "education": gettext_lazy("Education"),
    "degree": gettext_lazy("Degree"),
    "job_post": gettext_lazy("Job post"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Home address"),
    "registered_residence": gettext_lazy("Registered residence"),
    "current_residence": gettext_lazy("Current residence"),
    "joined_on": gettext_lazy("Date joined"),
    "full_member_on": gettext_lazy("Date made full member"),
}
SENSITIVE = {"id_number": identity.mask_id_number, "phone": identity.mask_phone}
DATE_FIELDS = frozenset({"birth_date", "joined_on", "full_member_on"})
# Fields the record may leave empty: a correction may clear them.
CLEARABLE = frozenset({"education", "degree", "job_post", "phone", "address", "registered_residence",
                       "current_residence"})
CODE_LABELS = {
    "ethnicity": codes.ETHNICITIES,
    "education": {code: label for code, (label, _statistics) in codes.EDUCATIONS.items()},
    "degree": codes.DEGREES,
    "job_post": codes.JOB_POSTS,
}
SEXES = {"M": gettext_lazy("Male"), "F": gettext_lazy("Female")}
SEX_WORDS = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}
REASON_LIMIT = 200


def _label(field: str) -> str:
    """What the pages call ``field``: a refusal on approval may name any field of the record."""
    if field in FIELDS:
        return str(FIELDS[field])
    try:
        return str(Member._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _named(field: str, message: str) -> str:
    return _("%(field)s: %(message)s") % {"field": _label(field), "message": message}


def _invalid(key: str, field: str, message: str) -> ValidationError:
    """A refusal under ``key`` whose message names the record's ``field``."""
    return ValidationError({key: _named(field, message)})


def clean_value(field: str, raw: str, *, today: dt.date) -> str:
    """The normalised form of ``raw`` as a new value of ``field``: a code for code-list fields,
    an ISO date for dates; ``ValidationError`` under "value" otherwise."""
    if field not in FIELDS:
        raise ValidationError({"field": _("Choose one of the fields listed.")})
    value = " ".join(str(raw or "").split())
    if not value:
        if field in CLEARABLE:
            return ""
        raise _invalid("value", field, _("Give the corrected value."))
    limit = register.TEXT_LIMITS.get(field)
    if limit and len(value) > limit:
        raise _invalid("value", field, _("At most %(n)s characters.") % {"n": limit})
    if field in register.CODE_FIELDS:
        code = register.CODE_FIELDS[field](value)
        if code is None:
            raise _invalid("value", field, _("%(value)s is not in the national code list.") % {"value": value})
        return code
    if field == "sex":
        if value.upper() not in SEX_WORDS:
            raise _invalid("value", field, _("Give 男 (M) or 女 (F)."))
        return SEX_WORDS[value.upper()]
    if field == "id_number":
        try:
            return identity.normalise_id_number(value, today=today)
        except identity.InvalidIdNumber as error:
            raise _invalid("value", field, str(error)) from None
    if field == "phone":
        try:
            return identity.normalise_phone(value)
        except identity.InvalidPhone as error:
            raise _invalid("value", field, str(error)) from None
    if field in DATE_FIELDS:
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise _invalid("value", field, _("Give a date as YYYY-MM-DD.")) from None
        if date > today:
            raise _invalid("value", field, _("The date %(date)s is in the future.") % {"date": date.isoformat()})
        return date.isoformat()
    return value


def _stored(field: str, value: str) -> str:
    if field in SENSITIVE and value:
        return base64.b64encode(crypto.seal(value)).decode()
    return value


def proposed_value(correction: CorrectionRequest) -> str:
    """The proposed value in clear (ID and phone numbers are stored sealed)."""
    if correction.field in SENSITIVE and correction.proposed_value:
        return crypto.unseal(base64.b64decode(correction.proposed_value))
    return correction.proposed_value


def current_value(member: Member, field: str) -> str:
    value = getattr(member, field)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or ""


def masked(field: str, value: str) -> str:
    """The value as pages, the API and the audit trail show it without a reveal."""
    return SENSITIVE[field](value) if field in SENSITIVE and value else value


def display(field: str, value: str) -> str:
    """A stored value as people read it: the label of a code, the masked form of a personal number."""
    if field in CODE_LABELS:
        return CODE_LABELS[field].get(value, value)
    if field == "sex":
        return str(SEXES.get(value, value))
    return masked(field, value)


@transaction.atomic
def correction_request(*, actor, member: Member, field: str, value: str, reason: str,
                       today: dt.date | None = None) -> CorrectionRequest:
    """A member's request to correct ``field`` of their own record; one pending request per field."""
    today = today or timezone.localdate()
    if actor is None or member.account_id != actor.pk:
        raise PermissionDenied(_("Only the member may request a correction of their own record."))
    # Locked, so that two requests for the same field cannot both find none pending.
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError({"field": _("The record of a member who has left is kept but no longer changes.")})
    clean = clean_value(field, value, today=today)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the record is wrong, so that the clerk can check it.")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": REASON_LIMIT}})
    if clean == current_value(member, field):
        raise _invalid("value", field, _("This is what the record already says."))
    if member.corrections.filter(field=field, status=CorrectionRequest.Status.PENDING).exists():
        raise _invalid("field", field, _("A request to correct this field is already waiting for a clerk."))
    correction = CorrectionRequest.objects.create(
        member=member, field=field, proposed_value=_stored(field, clean), reason=reason, org_path=member.org_path,
    )
    audit.record(AuditAction.CREATE, actor=actor, obj=correction, org_path=member.org_path,
                 object_repr=f"{member.name}: {field}",
                 changes={"field": [None, field], "proposed_value": [None, masked(field, clean)],
                          "reason": [None, reason]})
    return correction


def _require_decider(actor, correction: CorrectionRequest) -> None:
    if actor is None or not has_permission(actor, Permission.MANAGE_MEMBERS, correction.member.org_path):
        raise PermissionDenied(_("You may not manage members of this organisation."))
    if correction.member.account_id == actor.pk:
        raise PermissionDenied(_("Another clerk decides on your own request."))


def _locked_pending(correction: CorrectionRequest) -> CorrectionRequest:
    correction = CorrectionRequest.objects.select_for_update().select_related("member").get(pk=correction.pk)
    if correction.status != CorrectionRequest.Status.PENDING:
        raise ValidationError({"status": _("This request has already been decided: %(status)s.")
                               % {"status": correction.get_status_display()}})
    return correction


def _typed(field: str, value: str):
    return dt.date.fromisoformat(value) if field in DATE_FIELDS else value


@transaction.atomic
def correction_approve(*, actor, correction: CorrectionRequest, today: dt.date | None = None) -> CorrectionRequest:
    """Apply the proposed value through the register's correction, which checks the whole
    record; when it refuses, nothing changes and each message names its field."""
    today = today or timezone.localdate()
    _require_decider(actor, correction)
    correction = _locked_pending(correction)
    member = correction.member
    if member.left_on is not None:
        raise ValidationError({"field": _("The record of a member who has left is kept but no longer changes.")})
    field = correction.field
    # Checked again: the code lists or the day may have changed while the request waited.
    value = clean_value(field, proposed_value(correction), today=today)
    try:
        register.member_update(actor=actor, member=member, **{field: _typed(field, value)})
    except ValidationError as error:
        raise ValidationError({name: [_named(name, message) for message in messages]
                               for name, messages in error.message_dict.items()}) from None
    correction.status = CorrectionRequest.Status.APPROVED
    correction.reviewed_by = actor
    correction.reviewed_at = timezone.now()
    correction.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=correction, org_path=member.org_path,
                 object_repr=f"{member.name}: {field}",
                 changes={"status": ["pending", correction.status], field: [None, masked(field, value)]})
    return correction


@transaction.atomic
def correction_reject(*, actor, correction: CorrectionRequest, note: str) -> CorrectionRequest:
    """Turn the request down; the note tells the member why."""
    _require_decider(actor, correction)
    note = " ".join(str(note or "").split())
    if not note:
        raise ValidationError({"note": _("Tell the member why the request is rejected.")})
    if len(note) > REASON_LIMIT:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": REASON_LIMIT}})
    correction = _locked_pending(correction)
    correction.status = CorrectionRequest.Status.REJECTED
    correction.reviewed_by = actor
    correction.reviewed_at = timezone.now()
    correction.review_note = note
    correction.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=correction, org_path=correction.member.org_path,
                 object_repr=f"{correction.member.name}: {correction.field}",
                 changes={"status": ["pending", correction.status], "review_note": [None, note]})
    return correction

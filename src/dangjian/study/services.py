"""Writes of study hours. Other apps credit hours only through ``record`` (once per member and
source, whatever the number of calls) and take them back only through ``record_remove``, each
with an audit line."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.models import AuditAction
from dangjian.members.models import Member
from dangjian.study.models import StudyKind, StudyRecord
from dangjian.study.rules import ONE_PLACE

MAX_HOURS = Decimal("99.9")


@transaction.atomic
def record(*, actor, member: Member, on: dt.date, hours: Decimal, kind: str, source: str,
           title: str = "") -> tuple[StudyRecord, bool]:
    """Credit ``member`` with ``hours`` of study on ``on`` for ``source``; returns the record and
    whether it is new. Crediting the same source again changes nothing (the caller's permission
    to do what earns the hours is the caller's to check)."""
    hours = Decimal(hours).quantize(ONE_PLACE)
    errors = {}
    if not Decimal(0) < hours <= MAX_HOURS:
        errors["hours"] = [_("Study hours from 0.1 to %(max)s.") % {"max": MAX_HOURS}]
    if kind not in StudyKind.values:
        errors["kind"] = [_("Choose a kind of study.")]
    if not source or len(source) > 64:
        errors["source"] = [_("Name what the hours were earned by.")]
    if errors:
        raise ValidationError(errors)
    existing = StudyRecord.objects.filter(member=member, source=source).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            study = StudyRecord.objects.create(member=member, city_id=member.city_id, org_path=member.org_path, on=on,
                                               hours=hours, kind=kind, source=source, title=title[:200])
    except IntegrityError:  # credited at the same moment by another call
        return StudyRecord.objects.get(member=member, source=source), False
    audit.record(AuditAction.CREATE, actor=actor, obj=study, org_path=member.org_path, changes={"study": {
        "member": member.pk, "on": on.isoformat(), "hours": str(hours), "kind": kind, "source": source}})
    return study, True


@transaction.atomic
def record_remove(*, actor, member: Member, source: str, reason: str) -> StudyRecord | None:
    """Take back the study hours ``member`` was credited for ``source`` (what earned them turned out
    not to have happened), with the reason; returns the record removed, None when there was none
    (the caller's permission is the caller's to check)."""
    study = StudyRecord.objects.select_for_update().filter(member=member, source=source).first()
    if study is None:
        return None
    audit.record(AuditAction.DELETE, actor=actor, obj=study, org_path=study.org_path, changes={"study": {
        "member": member.pk, "on": study.on.isoformat(), "hours": str(study.hours), "source": source,
        "reason": reason}})
    study.delete()
    return study

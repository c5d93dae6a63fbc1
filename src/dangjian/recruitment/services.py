"""Writes of recruitment: opening a person's file, recording each step (checked against the rules
in force on its date, refused with the rule's message unless an upper-committee admin records a
justified exception), and ending a file. The approval makes the person a probationary member of
the register; the conversion makes them a full member. Each write is one transaction with its
audit line; a refused one changes nothing."""

import dataclasses
import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity, uploads
from dangjian.core.models import AuditAction
from dangjian.core.scope import PATH_END, require_permission
from dangjian.core.selectors import working_days
from dangjian.members.models import Category, LeavingReason, Member
from dangjian.members.services import lifecycle, register
from dangjian.orgs.models import Organization
from dangjian.recruitment import cases, rules, selectors
from dangjian.recruitment.models import RecruitmentFile, Stage, StepDocument, StepRecord

APPLICATION, ACTIVIST, CANDIDATE, ADMISSION_VOTE, APPROVAL = "1", "3", "7", "15", "17"
CONVERSION_VOTE, CONVERSION_APPROVAL, ARCHIVE = "23", "24", "25"
# The stage a recorded step moves a file to.
STAGE_AFTER = {ACTIVIST: Stage.ACTIVIST, CANDIDATE: Stage.CANDIDATE, APPROVAL: Stage.PROBATIONARY}


def _require(actor, permission: str, path: str) -> None:
    require_permission(actor, permission, path, _("Your role does not allow this for this organisation."))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def file_open(*, actor, organization: Organization, name: str, id_number: str, applied_on: dt.date,
              phone: str = "", rules_name: str = "auto") -> RecruitmentFile:
    """Open the file of someone who applied to ``organization`` on ``applied_on``: step 1 is
    recorded with it, so that the application is checked too (age, date)."""
    _require(actor, Permission.MANAGE_MEMBERS, organization.path)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 50:
        errors["name"] = [_("A name of 1 to 50 characters.")]
    today = timezone.localdate()
    number = ""
    try:
        number = identity.normalise_id_number(id_number or "", today=today)
    except identity.InvalidIdNumber as error:
        errors["id_number"] = [str(error)]
    try:
        phone = identity.normalise_phone(phone) if (phone or "").strip() else ""
    except identity.InvalidPhone as error:
        errors["phone"] = [str(error)]
    names = [rule_set.name for rule_set in selectors.rule_sets()]
    if rules_name != "auto" and rules_name not in names:
        errors["rules_name"] = [_("Choose auto or one of the rule sets: %(names)s.") % {"names": ", ".join(names)}]
    if organization.is_dissolved:
        errors["organization"] = [_("%(name)s has been dissolved.") % {"name": organization.name}]
    hash_ = crypto.lookup_hash(number) if number else ""
    if hash_:
        if Member.objects.filter(id_number_hash=hash_, left_on__isnull=True).exists():
            errors["id_number"] = [_("This person is already a member of the Party.")]
        elif RecruitmentFile.objects.filter(id_number_hash=hash_).exclude(stage=Stage.ENDED).exists():
            errors["id_number"] = [_("This person already has an open recruitment file.")]
    if errors:
        raise ValidationError(errors)
    file = RecruitmentFile.objects.create(
        organization=organization, org_path=organization.path, name=name, sex=identity.sex_of(number),
        birth_date=identity.birth_date_of(number), **crypto.sealed_identity(number, phone, id_number_hash=hash_),
        rules=rules_name)
    audit.record(AuditAction.CREATE, actor=actor, obj=file, org_path=file.org_path,
                 changes={"recruitment_file": {"organization": organization.code, "rules": rules_name}})
    step_record(actor=actor, file=file, step=APPLICATION, on=applied_on)
    return file


def _case(file: RecruitmentFile, records) -> rules.Case:
    return cases.case_of_records(f"{file.pk} {file.name}", birth_date=file.birth_date, rules=file.rules,
                                 records=[(record.step, record.on, record.facts) for record in records])


def file_check(file: RecruitmentFile, rule_sets, calendar) -> tuple[rules.Case, rules.Outcome]:
    """Every rule over a kept file (its records prefetched or not), as the check of files from
    elsewhere does; a violation an admin excepted on its step is a warning that says so."""
    records = list(file.records.all())
    case = _case(file, records)
    outcome = rules.check(case, rule_sets, calendar)
    excepted = {(record.step, rule): record.exception_reason for record in records for rule in record.excepted_rules}
    kept = []
    for finding in outcome.violations:
        reason = excepted.get((finding.step, finding.rule))
        if reason is None:
            kept.append(finding)
        else:
            outcome.warnings.append(dataclasses.replace(finding, severity=rules.WARNING, message=_(
                "%(message)s Excepted: %(reason)s") % {"message": finding.message, "reason": reason}))
    outcome.violations = kept
    return case, outcome


def closed_to(file: RecruitmentFile, step: str) -> bool:
    """Whether ``file`` takes ``step`` no more: an ended file takes nothing, a full member's file
    only its archiving."""
    return file.stage == Stage.ENDED or (file.stage == Stage.FULL and step != ARCHIVE)


def _key(finding: rules.Finding) -> tuple[str, str, str]:
    return finding.step, finding.rule, finding.message


@transaction.atomic
def step_record(*, actor, file: RecruitmentFile, step: str, on: dt.date, facts: dict | None = None, note: str = "",
                exception_reason: str = "", documents=()) -> StepRecord:
    """Record that ``step`` happened on ``on``, with its ``documents`` (uploaded files). Refused,
    naming each rule with its source and dates, when it breaks a rule that the file did not break
    before; recorded all the same when an actor who may grant exceptions gives the reason."""
    _require(actor, Permission.MANAGE_MEMBERS, file.org_path)
    file = RecruitmentFile.objects.select_for_update().get(pk=file.pk)
    if closed_to(file, step):
        raise ValidationError({"step": _("This file is closed: %(stage)s.") % {"stage": file.get_stage_display()}})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": _("The date %(date)s is in the future.") % {"date": on.isoformat()}})
    note, exception_reason = (note or "").strip()[:500], (exception_reason or "").strip()
    try:
        facts = cases.read_facts(facts or {})
    except cases.CaseFormatError as error:
        raise ValidationError({"facts": error.problems}) from None
    rule_sets = selectors.rule_sets()
    definition = rules.find_step(rule_sets, step)
    if definition is None:
        raise ValidationError({"step": _("“%(step)s” is not a step of the recruitment rules.") % {"step": step}})
    if definition.upper and not selectors.may_act_above(actor, file):
        raise ValidationError({"step": _(
            "Step %(number)s (%(name)s) is for the committee above %(branch)s: someone assigned there records it.")
            % {"number": step, "name": definition.name, "branch": file.organization.name}})
    records = list(file.records.all())
    record = StepRecord(file=file, step=step, on=on, facts=cases.stored_facts(facts), note=note,
                        recorded_by=_user(actor))
    calendar = working_days()
    before = {_key(finding) for finding in rules.check(_case(file, records), rule_sets, calendar).violations}
    broken = [finding for finding in rules.check(_case(file, [*records, record]), rule_sets, calendar).violations
              if _key(finding) not in before]
    if broken:
        if not exception_reason:
            raise ValidationError({"step": [f"{finding.message} [{finding.source}]" for finding in broken]})
        require_permission(actor, Permission.GRANT_EXCEPTIONS, file.org_path, _(
            "Only an organisation department admin above the branch may record an exception to the recruitment "
            "rules."))
        record.excepted_rules = sorted({finding.rule for finding in broken})
        record.exception_reason = exception_reason
    record.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=file, org_path=file.org_path, changes={"recruitment_step": {
        "step": step, "on": on.isoformat(), "facts": record.facts, "excepted_rules": record.excepted_rules,
        "exception_reason": record.exception_reason}})
    if documents:
        documents_attach(actor=actor, record=record, uploaded=list(documents))
    _advance(actor, file, record, [*records, record], rule_sets)
    return record


def _advance(actor, file: RecruitmentFile, record: StepRecord, records: list[StepRecord], rule_sets) -> None:
    """The stage the steps now reach (``_stage_of``, as for a file brought in), and the register
    after an approval or the approval of a decided conversion."""
    fields = ["stage", "updated_at"]
    case = _case(file, records)
    stage, ended_on = _stage_of(case)
    if record.step == APPROVAL:
        file.member = _admit(actor, file, records)
        fields.append("member")
    elif record.step == CONVERSION_APPROVAL and stage == Stage.FULL:
        full_on = rules.full_member_on(case, rules.rule_set_on(rule_sets, record.on))
        if file.member is not None and full_on is not None:
            register.member_update(actor=actor, member=file.member, category=Category.FULL, full_member_on=full_on)
    elif record.step == CONVERSION_APPROVAL and stage == Stage.ENDED:
        if file.member is not None:
            lifecycle.leave(actor=actor, member=file.member, reason=LeavingReason.PROBATION_CANCELLED, on=ended_on)
        file.ended_on, file.end_reason = ended_on, str(LeavingReason.PROBATION_CANCELLED.label)
        fields += ["ended_on", "end_reason"]
    file.stage = stage
    _set_next_due(file, records, rule_sets)
    file.updated_at = timezone.now()
    file.save(update_fields=[*fields, "next_due_on", "next_due_step", "next_due_rule"])


def _set_next_due(file: RecruitmentFile, records: list[StepRecord], rule_sets) -> None:
    """What the file waits for next, under the rules in force today (the step still to come
    will be judged by the rules of its own day, which is today or later)."""
    file.next_due_on, file.next_due_step, file.next_due_rule = None, "", ""
    if file.stage in (Stage.ENDED, Stage.FULL):
        return
    waiting = rules.deadlines(_case(file, records), rules.governing_set(rule_sets, file.rules, timezone.localdate()))
    if waiting:
        file.next_due_on, file.next_due_step, file.next_due_rule = waiting[0].due, waiting[0].step, waiting[0].rule


def _admit(actor, file: RecruitmentFile, records: list[StepRecord]) -> Member:
    """The approved candidate enters the register as a probationary member of the file's branch,
    a member from the day of the admission vote (RULES.md 1.2, 党籍)."""
    vote = next(record for record in records if record.step == ADMISSION_VOTE)
    return register.member_create(
        actor=actor, organization=file.organization, name=file.name, sex=file.sex, birth_date=file.birth_date,
        id_number=file.id_number, phone=file.phone, category=Category.PROBATIONARY, joined_on=vote.on)


@transaction.atomic
def file_end(*, actor, file: RecruitmentFile, on: dt.date, reason: str) -> RecruitmentFile:
    """End a file before full membership (the applicant withdraws, the branch stops developing
    them); it stays as history."""
    _require(actor, Permission.MANAGE_MEMBERS, file.org_path)
    file = RecruitmentFile.objects.select_for_update().get(pk=file.pk)
    reason = (reason or "").strip()
    if file.stage in (Stage.ENDED, Stage.FULL):
        raise ValidationError({"file": _("This file is closed: %(stage)s.") % {"stage": file.get_stage_display()}})
    if file.stage == Stage.PROBATIONARY:
        raise ValidationError({"file": _("A probationary member's file ends by the conversion vote and its approval.")})
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": _("Say why, in at most 200 characters.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date %(date)s is in the future.") % {"date": on.isoformat()}})
    file.stage, file.ended_on, file.end_reason, file.updated_at = Stage.ENDED, on, reason, timezone.now()
    file.next_due_on, file.next_due_step, file.next_due_rule = None, "", ""
    file.save(update_fields=["stage", "ended_on", "end_reason", "updated_at", "next_due_on", "next_due_step",
                             "next_due_rule"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=file, org_path=file.org_path,
                 changes={"recruitment_file": {"ended_on": on.isoformat(), "reason": reason}})
    return file


def _digest(uploaded) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def documents_attach(*, actor, record: StepRecord, uploaded: list) -> list[StepDocument]:
    """Keep ``uploaded`` documents with a recorded step. Every file is checked before any is
    kept: one that is too large or not a document we keep refuses them all."""
    file = record.file
    _require(actor, Permission.MANAGE_MEMBERS, file.org_path)
    if not uploaded:
        raise ValidationError({"documents": _("Choose at least one document.")})
    problems, types = [], []
    for item in uploaded:
        try:
            types.append(uploads.document_type(item, max_bytes=settings.DANGJIAN_DOCUMENT_MAX_BYTES))
        except uploads.UploadRefused as refused:
            problems.append(str(refused))
    if problems:
        raise ValidationError({"documents": problems})
    kept = []
    for item, content_type in zip(uploaded, types, strict=True):
        document = StepDocument(record=record, name=uploads.display_name(item.name), content_type=content_type,
                                size=item.size, sha256=_digest(item), uploaded_by=_user(actor))
        document.content.save(f"document.{uploads.DOCUMENT_TYPES[content_type]}", item, save=False)
        document.save()
        kept.append(document)
    audit.record(AuditAction.UPDATE, actor=actor, obj=file, org_path=file.org_path, changes={"recruitment_documents": {
        "step": record.step, "on": record.on.isoformat(),
        "documents": [{"name": document.name, "sha256": document.sha256} for document in kept]}})
    return kept


def document_download(*, actor, document: StepDocument) -> StepDocument:
    """Note in the audit trail that ``actor`` took a copy of ``document`` (it may hold personal
    data), and give it back to be sent."""
    file = document.record.file
    audit.record(AuditAction.DOWNLOAD, actor=actor, obj=file, org_path=file.org_path, changes={
        "recruitment_document": {"step": document.record.step, "name": document.name, "sha256": document.sha256}})
    return document


def _stage_of(case: rules.Case) -> tuple[str, dt.date | None]:
    """The stage a file's steps have reached, and the day it ended if it did: a conversion
    vote that decided (confirm or cancel) takes effect with the first approval on or after it."""
    decided = [vote for vote in case.steps.get(CONVERSION_VOTE, ()) if vote.facts.get("outcome") in ("confirm", "cancel")]
    approvals = [approval for approval in case.steps.get(CONVERSION_APPROVAL, ())
                 if decided and approval.date >= decided[-1].date]
    if approvals:
        if decided[-1].facts["outcome"] == "confirm":
            return Stage.FULL, None
        return Stage.ENDED, approvals[0].date
    reached = [stage for number, stage in STAGE_AFTER.items() if case.first(number) is not None]
    return (reached[-1] if reached else Stage.APPLICANT), None


@dataclasses.dataclass
class _Incoming:
    item: cases.ImportedCase
    organization: Organization
    id_number: str
    phone: str
    hash: str


def _same_records(file: RecruitmentFile, case: rules.Case) -> bool:
    kept = sorted((record.step, record.on, record.facts) for record in file.records.all())
    brought = sorted((number, occurrence.date, cases.stored_facts(dict(occurrence.facts)))
                     for number, occurrences in case.steps.items() for occurrence in occurrences)
    return kept == brought


def files_import(*, actor, organization: Organization, imported: list[cases.ImportedCase], apply: bool) -> dict:
    """Bring old recruitment files into the platform under ``organization`` as they were kept,
    rule-breaking steps included: the check then audits them with the files recorded here. A
    person who is in the register is linked to their file. All or nothing: any problem, named by
    case and field, keeps every file out; a case already brought in unchanged is left as it is.
    Without ``apply`` nothing is written and the report says what would be."""
    _require(actor, Permission.MANAGE_MEMBERS, organization.path)
    today = timezone.localdate()
    errors: list[dict] = []

    def problem(item, field: str, message: str) -> None:
        errors.append({"case": item.case.id, "field": field, "message": message})

    codes = {item.org for item in imported if item.org}
    branches = {branch.code: branch for branch in Organization.objects.filter(
        code__in=codes, path__gte=organization.path, path__lt=organization.path + PATH_END)}
    incoming: list[_Incoming] = []
    first_case_of: dict[str, str] = {}
    for item in imported:
        branch = branches.get(item.org) if item.org else organization
        if branch is None:
            problem(item, "org", _("No organisation with the code %(code)s under %(name)s.") % {
                "code": item.org, "name": organization.name})
        if len(item.name) > 50:
            problem(item, "name", _("A name of 1 to 50 characters."))
        try:
            number = identity.normalise_id_number(item.id_number, today=today)
        except identity.InvalidIdNumber as error:
            problem(item, "id_number", str(error))
            continue
        try:
            phone = identity.normalise_phone(item.phone) if item.phone else ""
        except identity.InvalidPhone as error:
            problem(item, "phone", str(error))
        if item.case.birth_date is not None and item.case.birth_date != identity.birth_date_of(number):
            problem(item, "birth_date", _("%(date)s is not the birth date in the ID number.") % {
                "date": item.case.birth_date.isoformat()})
        future = sorted(number_ for number_, occurrences in item.case.steps.items()
                        if any(occurrence.date > today for occurrence in occurrences))
        if future:
            problem(item, "steps", _("Steps %(steps)s are dated in the future.") % {"steps": ", ".join(future)})
        hash_ = crypto.lookup_hash(number)
        if hash_ in first_case_of:
            problem(item, "id_number", _("The same person as case %(other)s.") % {"other": first_case_of[hash_]})
        first_case_of.setdefault(hash_, item.case.id)
        if branch is not None:
            incoming.append(_Incoming(item, branch, number, phone, hash_))

    existing = {file.id_number_hash: file for file in RecruitmentFile.objects.filter(
        id_number_hash__any_of=[entry.hash for entry in incoming]).select_related("organization")
        .prefetch_related("records").order_by("pk")}
    new = []
    for entry in incoming:
        kept = existing.get(entry.hash)
        if kept is None:
            new.append(entry)
        elif kept.organization_id != entry.organization.pk or not _same_records(kept, entry.item.case):
            problem(entry.item, "id_number", _("This person already has a recruitment file in the platform (%(org)s); "
                                               "it is not replaced.") % {"org": kept.organization.name})
    report = {"cases": len(imported), "created": len(new), "unchanged": len(incoming) - len(new), "errors": errors}
    if errors:
        report["created"] = report["unchanged"] = 0
        return report
    if apply and new:
        _import_new(actor, organization, new)
    return report


@transaction.atomic
def _import_new(actor, organization: Organization, new: list[_Incoming]) -> None:
    rule_sets = selectors.rule_sets()
    # A current member wins over an earlier record of the same person who left: the last of
    # each hash is kept, and the current one sorts last.
    members = dict(Member.objects.filter(id_number_hash__any_of=[entry.hash for entry in new], recruitment_file__isnull=True)
                   .order_by(F("left_on").desc(nulls_last=True), "pk").values_list("id_number_hash", "pk"))
    files, records_of = [], []
    for entry in new:
        case = entry.item.case
        stage, ended_on = _stage_of(case)
        file = RecruitmentFile(
            organization=entry.organization, org_path=entry.organization.path, name=entry.item.name,
            sex=identity.sex_of(entry.id_number), birth_date=identity.birth_date_of(entry.id_number),
            **crypto.sealed_identity(entry.id_number, entry.phone, id_number_hash=entry.hash),
            rules=case.rules, stage=stage, member_id=members.get(entry.hash), ended_on=ended_on,
            end_reason=str(LeavingReason.PROBATION_CANCELLED.label) if stage == Stage.ENDED else "")
        records = [StepRecord(step=number, on=occurrence.date, facts=cases.stored_facts(dict(occurrence.facts)),
                              recorded_by=_user(actor))
                   for number, occurrences in case.steps.items() for occurrence in occurrences]
        _set_next_due(file, records, rule_sets)
        files.append(file)
        records_of.append(records)
    RecruitmentFile.objects.bulk_create(files, batch_size=1000)
    for file, records in zip(files, records_of, strict=True):
        for record in records:
            record.file = file
    StepRecord.objects.bulk_create([record for records in records_of for record in records], batch_size=2000)
    audit.record(AuditAction.CREATE, actor=actor, obj=organization, org_path=organization.path, changes={
        "recruitment_import": {"files": len(files), "file_ids": [file.pk for file in files]}})

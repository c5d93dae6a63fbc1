"""Recruitment: files of the people being developed, their steps (each checked against the rules
in force on its date), what is due, the funnel, and the check of cases brought from elsewhere.
A file outside the caller's scope is a 404; a visible one the caller may not manage, a 403; a
step that breaks a rule, a 422 naming each rule with its source and dates."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dangjian.accounts.roles import Permission
from dangjian.core.selectors import working_days
from dangjian.members.api.register import OrgRef
from dangjian.orgs import selectors as org_selectors
from dangjian.recruitment import cases, rules, selectors, services
from dangjian.recruitment.models import RecruitmentFile, Stage, StepDocument

router = Router(tags=["recruitment"])
PAGE_SIZE = 50


class FileOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked: first six and last four characters.")
    organization: OrgRef
    stage: Stage
    rules: str
    next_due_on: dt.date | None = Field(description="The soonest time limit the file waits for.")
    next_due_step: str
    ended_on: dt.date | None


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="Where to download it (GET, the same credentials).")


class RecordOut(Schema):
    id: int
    step: str
    step_name: str
    on: dt.date
    facts: dict[str, Any]
    note: str
    excepted_rules: list[str]
    exception_reason: str
    documents: list[DocumentOut]


class FindingOut(Schema):
    step: int | str
    rule: str
    message: str


class FileDetailOut(FileOut):
    sex: str
    birth_date: dt.date
    phone: str = Field(description="Masked; empty if none.")
    member_id: int | None
    end_reason: str
    records: list[RecordOut]
    violations: list[FindingOut]
    warnings: list[FindingOut]


class FilePageOut(Schema):
    items: list[FileOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class FileFilter(Schema):
    org: str | None = Field(default=None, max_length=32, description="Code of an organisation: its whole subtree.")
    stage: Stage | None = None
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=200)


class FileIn(Schema):
    organization: str = Field(min_length=1, max_length=32, description="Code of the branch that develops the person.")
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)
    applied_on: dt.date = Field(description="The day the written application was received (step 1).")
    phone: str = Field(default="", max_length=30)
    rules: str = Field(default="auto", max_length=16, description="auto, or a rule set's name (2014, 2026).")


class StepIn(Schema):
    step: str = Field(min_length=1, max_length=8, description="The step's number (RULES.md 1.1).")
    on: dt.date
    facts: dict[str, Any] = Field(default_factory=dict, description="Counts, dates and outcome, as in docs/recruitment.md.")
    note: str = Field(default="", max_length=500)
    exception_reason: str = Field(default="", max_length=2000,
                                  description="Record a step that breaks a rule: organisation department admins only.")


class EndIn(Schema):
    on: dt.date
    reason: str = Field(min_length=1, max_length=200)


class DueFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    within_days: int = Field(default=30, ge=1, le=365)


class DueOut(Schema):
    overdue: list[FileOut]
    due_soon: list[FileOut]


class FunnelFilter(Schema):
    org: str = Field(min_length=1, max_length=32)


class CaseFindingsOut(Schema):
    id: str
    violations: list[FindingOut]
    warnings: list[FindingOut]


class CheckOut(Schema):
    cases: list[CaseFindingsOut]


def _out(file: RecruitmentFile) -> dict:
    return {"id": file.pk, "name": file.name, "id_number": file.masked_id_number,
            "organization": {"code": file.organization.code, "name": file.organization.name}, "stage": file.stage,
            "rules": file.rules, "next_due_on": file.next_due_on, "next_due_step": file.next_due_step,
            "ended_on": file.ended_on}


def _document(document: StepDocument) -> dict:
    return {"id": document.pk, "name": document.name, "content_type": document.content_type, "size": document.size,
            "sha256": document.sha256, "url": f"/api/recruitment/documents/{document.pk}"}


def _detail(file: RecruitmentFile) -> dict:
    rule_sets = selectors.rule_sets()
    findings = rules.report(*services.file_check(file, rule_sets, working_days()))
    step_names = {step.number: str(step.name) for rule_set in rule_sets for step in rule_set.steps}
    return _out(file) | {
        "sex": file.sex, "birth_date": file.birth_date,
        "phone": file.masked_phone, "member_id": file.member_id,
        "end_reason": file.end_reason,
        "records": [{"id": record.pk, "step": record.step, "step_name": step_names.get(record.step, ""),
                     "on": record.on, "facts": record.facts, "note": record.note,
                     "excepted_rules": record.excepted_rules, "exception_reason": record.exception_reason,
                     "documents": [_document(document) for document in record.documents.all()]}
                    for record in file.records.all()],
        "violations": findings["violations"], "warnings": findings["warnings"],
    }


@router.get("/files", response=FilePageOut, summary="List recruitment files in your scope")
def list_files(request, filters: Query[FileFilter]):
    if selectors.recruitment_scope(request.user).is_empty:
        raise Http404
    if filters.org:
        files = selectors.files_under(
            request.user, org_selectors.organization_for(request.user, filters.org, Permission.VIEW_MEMBERS))
    else:
        files = selectors.visible_files(request.user)
    if filters.stage:
        files = files.filter(stage=filters.stage)
    if filters.after is not None:
        files = files.filter(pk__gt=filters.after)
    page = list(files.select_related("organization").order_by("pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    return {"items": [_out(file) for file in page[: filters.limit]],
            "next_after": page[filters.limit - 1].pk if more else None}


@router.post("/files", response={201: FileDetailOut}, summary="Open the file of someone who applied")
def open_file(request, payload: FileIn):
    organization = org_selectors.organization_for(request.user, payload.organization, Permission.VIEW_MEMBERS)
    file = services.file_open(actor=request.user, organization=organization, name=payload.name,
                              id_number=payload.id_number, applied_on=payload.applied_on, phone=payload.phone,
                              rules_name=payload.rules)
    return Status(201, _detail(selectors.file_for(request.user, file.pk)))


@router.get("/files/{file_id}", response=FileDetailOut, summary="One file with its steps and what the rules say")
def get_file(request, file_id: int):
    return _detail(selectors.file_for(request.user, file_id))


@router.post("/files/{file_id}/steps", response={201: FileDetailOut},
             summary="Record a step; refused with the rule it breaks")
def record_step(request, file_id: int, payload: StepIn):
    file = selectors.file_for(request.user, file_id)
    services.step_record(actor=request.user, file=file, step=payload.step, on=payload.on, facts=payload.facts,
                         note=payload.note, exception_reason=payload.exception_reason)
    return Status(201, _detail(selectors.file_for(request.user, file_id)))


@router.post("/files/{file_id}/records/{record_id}/documents", response={201: list[DocumentOut]},
             summary="Keep documents with a recorded step")
def add_documents(request, file_id: int, record_id: int, documents: File[list[UploadedFile]] = None):
    """A multipart upload of one or more files in the field `documents`: PDF, JPEG, PNG or
    .docx, each within the deployment's size limit. One bad file refuses them all."""
    file = selectors.file_for(request.user, file_id)
    if not selectors.can_manage(request.user, file):
        raise PermissionDenied
    record = selectors.record_for(request.user, file, record_id)
    if not documents:
        raise ValidationError({"documents": _("Send the documents as the multipart field “documents”.")})
    kept = services.documents_attach(actor=request.user, record=record, uploaded=documents)
    return Status(201, [_document(document) for document in kept])


@router.get("/documents/{document_id}", summary="Download a step's document", response={200: None},
            openapi_extra={"responses": {200: {"description": "The document, as an attachment.",
                                               "content": {"application/octet-stream": {}}}}})
def download_document(request, document_id: int):
    document = services.document_download(actor=request.user,
                                          document=selectors.document_for(request.user, document_id))
    return FileResponse(document.content.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type)


@router.post("/files/{file_id}/end", response=FileDetailOut, summary="End a file before probation")
def end_file(request, file_id: int, payload: EndIn):
    file = selectors.file_for(request.user, file_id)
    services.file_end(actor=request.user, file=file, on=payload.on, reason=payload.reason)
    return _detail(selectors.file_for(request.user, file_id))


@router.get("/due", response=DueOut, summary="Overdue files and files due soon, under an organisation")
def due(request, filters: Query[DueFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_MEMBERS)
    lists = selectors.due(request.user, organization, today=dt.date.today(), within_days=filters.within_days)
    return {name: [_out(file) for file in files.select_related("organization")[:PAGE_SIZE]]
            for name, files in lists.items()}


@router.get("/funnel", response=dict[Literal[tuple(Stage.values)], int], summary="Files by stage, under an organisation")
def funnel(request, filters: Query[FunnelFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_MEMBERS)
    return selectors.funnel(request.user, organization)


@router.post("/check", response=CheckOut, summary="Check cases brought from elsewhere against the rules")
def check(request, payload: list[dict[str, Any]] | dict[str, Any]):
    rule_sets = selectors.rule_sets()
    try:
        read = cases.read_cases(payload, tuple(rule_set.name for rule_set in rule_sets))
    except cases.CaseFormatError as error:
        raise ValidationError({"cases": error.problems}) from None
    calendar = working_days()
    return {"cases": [rules.report(case, rules.check(case, rule_sets, calendar)) for case in read]}

"""Roster import (multipart upload: check, then apply) and export, as jobs the caller polls."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dangjian.accounts.roles import Permission
from dangjian.core.scope import has_permission, scope_for
from dangjian.members.models import RosterJob
from dangjian.members.services import imports as service
from dangjian.orgs import selectors as org_selectors

router = Router(tags=["members"])


class ProblemOut(Schema):
    row: int = Field(description="Spreadsheet row number (0 for the file as a whole).")
    column: str
    message: str


class JobOut(Schema):
    id: int
    kind: str
    status: str = Field(description="queued, running, previewed, applied, done or failed.")
    organization: str
    file_name: str
    done: int = Field(description="Rows read or written so far.")
    rows: int | None = None
    valid: int | None = None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    errors: list[ProblemOut] = Field(default_factory=list)
    unmasked: bool
    expires_at: dt.datetime | None
    download_url: str | None = Field(description="For a finished export: the page that serves the file to its maker.")


class ExportIn(Schema):
    unmasked: bool = Field(default=False, description="Needs the REVEAL_PERSONAL permission; audited.")


def _out(job: RosterJob) -> dict:
    report = job.report or {}
    return {
        "id": job.pk, "kind": job.kind, "status": job.status, "organization": job.organization.code,
        "file_name": job.file_name, "done": job.done, "unmasked": job.unmasked, "expires_at": job.expires_at,
        **{key: report.get(key) for key in ("rows", "valid", "created", "updated", "unchanged")},
        "errors": report.get("errors", []),
        "download_url": reverse("members:export_download", args=[job.pk])
        if job.kind == RosterJob.Kind.EXPORT and job.status == RosterJob.Status.DONE else None,
    }


def _job(user, pk: int, kind: str, permission: str) -> RosterJob:
    return scope_for(user, permission).get_or_404(RosterJob.objects.select_related("organization"), pk=pk, kind=kind)


@router.post("/imports/{code}", response={200: JobOut}, summary="Upload a roster to check it (and apply it if asked)")
def import_roster(request, code: str, file: File[UploadedFile] = None, apply: Form[bool] = False):
    """A multipart upload (`file`, `apply`). Small files are checked in the request; a large one
    answers with a queued job to poll. Apply a checked roster with `/imports/jobs/{id}/apply`,
    or send `apply=true` to apply at once when the file has no problem."""
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, organization.path):
        raise PermissionDenied
    if file is None:
        raise ValidationError({"file": _("Send the roster as the multipart field “file”.")})
    job = service.import_start(actor=request.user, organization=organization, data=file.read(),
                               filename=file.name or "", apply_now=apply)
    return _out(job)


@router.get("/imports/jobs/{job_id}", response=JobOut, summary="The state and report of a roster import")
def import_job(request, job_id: int):
    return _out(_job(request.user, job_id, RosterJob.Kind.IMPORT, Permission.MANAGE_MEMBERS))


@router.post("/imports/jobs/{job_id}/apply", response=JobOut, summary="Apply a checked roster")
def import_apply(request, job_id: int):
    job = _job(request.user, job_id, RosterJob.Kind.IMPORT, Permission.MANAGE_MEMBERS)
    return _out(service.import_apply(actor=request.user, job=job))


@router.post("/exports/{code}", response={202: JobOut}, summary="Export the roster of a subtree")
def export_roster(request, code: str, body: ExportIn):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    job = service.export_start(actor=request.user, organization=organization, unmasked=body.unmasked)
    return Status(202, _out(job))


@router.get("/exports/jobs/{job_id}", response=JobOut, summary="The state of a roster export")
def export_job(request, job_id: int):
    return _out(_job(request.user, job_id, RosterJob.Kind.EXPORT, Permission.VIEW_MEMBERS))

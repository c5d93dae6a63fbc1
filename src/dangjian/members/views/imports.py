"""Roster pages: upload and check, the report, apply, progress; export and download; the template."""

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core.scope import has_permission, scope_for
from dangjian.members import exports
from dangjian.members.models import RosterJob
from dangjian.members.services import imports as service
from dangjian.orgs import selectors as org_selectors

# While a job runs, its page asks the browser to reload it (the Refresh header needs no script).
REFRESH_SECONDS = 2


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster file"),
                           help_text=gettext_lazy(".xlsx or .csv (UTF-8 or GB18030), in the national system's columns."))


class ExportForm(forms.Form):
    unmasked = forms.BooleanField(label=gettext_lazy("Unmasked ID numbers and phones (recorded in the audit trail)"),
                                  required=False)


def _job(user, pk: int, kind: str, permission: str) -> RosterJob:
    return scope_for(user, permission).get_or_404(RosterJob.objects.select_related("organization"), pk=pk, kind=kind)


def _job_page(request, template: str, job: RosterJob, **context):
    response = render(request, template, {"job": job, "org": job.organization, **context})
    if not job.finished:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, code):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, organization.path):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job = service.import_start(actor=request.user, organization=organization, data=upload_file.read(),
                                       filename=upload_file.name)
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("members:import_job", job.pk)
    return render(request, "members/imports_upload.html", {"form": form, "org": organization})


@login_required
@require_GET
def import_job(request, pk):
    job = _job(request.user, pk, RosterJob.Kind.IMPORT, Permission.MANAGE_MEMBERS)
    return _job_page(request, "members/imports_job.html", job, report=job.report, errors=job.report.get("errors", []))


@login_required
@require_POST
def import_apply(request, pk):
    job = _job(request.user, pk, RosterJob.Kind.IMPORT, Permission.MANAGE_MEMBERS)
    try:
        service.import_apply(actor=request.user, job=job)
    except ValidationError as error:
        return _job_page(request, "members/imports_job.html", job, report=job.report,
                         errors=job.report.get("errors", []), apply_error=" ".join(error.messages))
    return redirect("members:import_job", job.pk)


@login_required
@require_GET
def template(request):
    if scope_for(request.user, Permission.MANAGE_MEMBERS).is_empty:
        raise PermissionDenied
    stream = io.BytesIO()
    exports.write_template(stream)
    response = HttpResponse(stream.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export(request, code):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    may_reveal = has_permission(request.user, Permission.REVEAL_PERSONAL, organization.path)
    form = ExportForm(request.POST) if request.method == "POST" else ExportForm()
    if not may_reveal:
        del form.fields["unmasked"]
    if request.method == "POST" and form.is_valid():
        job = service.export_start(actor=request.user, organization=organization,
                                   unmasked=form.cleaned_data.get("unmasked", False))
        return redirect("members:export_job", job.pk)
    return render(request, "members/imports_export.html", {
        "form": form, "org": organization, "members": exports.member_count(organization),
        "can_import": has_permission(request.user, Permission.MANAGE_MEMBERS, organization.path)})


@login_required
@require_GET
def export_job(request, pk):
    job = _job(request.user, pk, RosterJob.Kind.EXPORT, Permission.VIEW_MEMBERS)
    return _job_page(request, "members/imports_export_job.html", job, mine=job.created_by_id == request.user.pk)


@login_required
@require_GET
def export_download(request, pk):
    job = _job(request.user, pk, RosterJob.Kind.EXPORT, Permission.VIEW_MEMBERS)
    try:
        file_path = service.export_file(actor=request.user, job=job)
    except ValidationError as error:
        return render(request, "members/imports_export_job.html", {
            "job": job, "org": job.organization, "mine": True, "download_error": " ".join(error.messages)}, status=410)
    return FileResponse(file_path.open("rb"), as_attachment=True, filename=job.file_name)


urlpatterns = [
    path("import/template.xlsx", template, name="import_template"),
    path("import/<str:code>/", upload, name="import"),
    path("import/job/<int:pk>/", import_job, name="import_job"),
    path("import/job/<int:pk>/apply/", import_apply, name="import_apply"),
    path("export/<str:code>/", export, name="export"),
    path("export/job/<int:pk>/", export_job, name="export_job"),
    path("export/job/<int:pk>/download/", export_download, name="export_download"),
]

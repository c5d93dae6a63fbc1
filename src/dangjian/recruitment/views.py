"""Recruitment pages: a subtree's files with the funnel and what is due, opening a file, a file
with its steps, documents and what the rules say, recording a step (refused with the rule it
breaks), ending a file, and the printable record. Files are addressed by their primary key: ID
numbers never appear in addresses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core.forms import apply_errors
from dangjian.core.selectors import working_days
from dangjian.orgs import selectors as org_selectors
from dangjian.recruitment import rules, selectors, services
from dangjian.recruitment.forms import DocumentsForm, EndForm, FileFilterForm, FileOpenForm, StepForm, describe_facts
from dangjian.recruitment.models import RecruitmentFile, Stage

PAGE_SIZE = 50
CLOSED = (Stage.ENDED, Stage.FULL)


def _posted(request):
    return request.POST if request.method == "POST" else None


def _managed_file(request, pk) -> RecruitmentFile:
    """The file if visible (404 otherwise) and manageable by the user (403 otherwise)."""
    file = selectors.file_for(request.user, pk)
    if not selectors.can_manage(request.user, file):
        raise PermissionDenied
    return file


@login_required
@require_GET
def home(request):
    """The recruitment page of the user's organisation: straight there when the scope has one
    root, else the choice of roots."""
    roots = list(selectors.scope_roots(request.user))
    if not roots:
        raise Http404
    if len(roots) == 1:
        return redirect("recruitment:organization", code=roots[0].code)
    return render(request, "recruitment/home.html", {"roots": roots})


@login_required
@require_GET
def organization(request, code):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    form = FileFilterForm(request.GET or None, stages=Stage.choices)
    files = selectors.files_under(request.user, organization)
    if form.is_valid() and form.cleaned_data["stage"]:
        files = files.filter(stage=form.cleaned_data["stage"])
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        after = None
    if after is not None:
        files = files.filter(pk__gt=after)
    page = list(files.select_related("organization").order_by("pk")[:PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("after", None)
    lists = selectors.due(request.user, organization, today=timezone.localdate())
    funnel = selectors.funnel(request.user, organization)
    return render(request, "recruitment/organization.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
        "funnel": [(stage, label, funnel[stage]) for stage, label in Stage.choices],
        "overdue": lists["overdue"].select_related("organization")[:PAGE_SIZE],
        "due_soon": lists["due_soon"].select_related("organization")[:PAGE_SIZE],
        "files": page[:PAGE_SIZE], "next_after": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        "form": form, "query": query.urlencode(),
        "can_open": selectors.can_manage(request.user, organization) and not organization.is_dissolved,
        "today": timezone.localdate(),
    })


@login_required
def file_open(request, code):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    if not selectors.can_manage(request.user, organization):
        raise PermissionDenied
    form = FileOpenForm(_posted(request), rule_sets=selectors.rule_sets())
    if request.method == "POST" and form.is_valid():
        try:
            file = services.file_open(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The file of %(name)s is open.") % {"name": file.name})
            return redirect("recruitment:file", pk=file.pk)
    return render(request, "recruitment/form.html", {
        "form": form, "title": _("Open a recruitment file in %(name)s") % {"name": organization.name},
        "back": reverse("recruitment:organization", args=[organization.code]), "multipart": False,
    })


def _file_context(file: RecruitmentFile) -> dict:
    """What the file page and the printable record show: the steps with their names, actors and
    documents, what the rules say, and what is due next."""
    rule_sets = selectors.rule_sets()
    case, outcome = services.file_check(file, rule_sets, working_days())
    today_set = rules.governing_set(rule_sets, file.rules, timezone.localdate())
    steps = {step.number: step for rule_set in rule_sets for step in rule_set.steps}
    return {
        "file": file, "records": [(record, steps.get(record.step), describe_facts(record.facts))
                                 for record in file.records.all()],
        "violations": outcome.violations, "warnings": outcome.warnings,
        "deadlines": [] if file.stage in CLOSED else
        [(deadline, steps.get(deadline.step)) for deadline in rules.deadlines(case, today_set)],
        "next_steps": _next_steps(file, case, today_set),
        "id_number": file.masked_id_number, "phone": file.masked_phone, "today": timezone.localdate(),
    }


def _next_steps(file: RecruitmentFile, case, rule_set) -> list:
    return [step for step in rules.next_steps(case, rule_set) if not services.closed_to(file, step.number)]


@login_required
@require_GET
def file_detail(request, pk):
    file = selectors.file_for(request.user, pk)
    manage = selectors.can_manage(request.user, file)
    return render(request, "recruitment/file.html", {
        **_file_context(file), "manage": manage, "may_act_above": selectors.may_act_above(request.user, file),
        "can_end": manage and file.stage not in (*CLOSED, Stage.PROBATIONARY),
        "documents_form": DocumentsForm() if manage else None,
        "org": file.organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, file.organization),
    })


@login_required
@require_GET
def file_print(request, pk):
    file = selectors.file_for(request.user, pk)
    return render(request, "recruitment/file_print.html", {**_file_context(file), "printed_at": timezone.localtime()})


@login_required
def step_new(request, pk):
    """Record a step. Without ``?step=`` the page offers the steps that may come next; with it,
    the step's own form."""
    file = _managed_file(request, pk)
    rule_sets = selectors.rule_sets()
    number = request.GET.get("step", "")
    step = rules.find_step(rule_sets, number)
    if step is None:
        context = _file_context(file)
        return render(request, "recruitment/step_choose.html", {
            "file": file, "next_steps": context["next_steps"],
            "may_act_above": selectors.may_act_above(request.user, file),
            "all_steps": rule_sets[-1].steps, "back": reverse("recruitment:file", args=[file.pk])})
    form = StepForm(_posted(request), request.FILES or None, rule_sets=rule_sets, step=step.number,
                    may_except=selectors.may_grant_exceptions(request.user, file))
    if request.method == "POST" and form.is_valid():
        try:
            services.step_record(actor=request.user, file=file, step=step.number, on=form.cleaned_data["on"],
                                 facts=form.facts(), note=form.cleaned_data["note"],
                                 exception_reason=form.cleaned_data.get("exception_reason", ""),
                                 documents=form.cleaned_data["documents"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Step %(number)s (%(name)s) is recorded.") % {
                "number": step.number, "name": step.name})
            return redirect("recruitment:file", pk=file.pk)
    return render(request, "recruitment/form.html", {
        "form": form, "file": file, "step": step, "multipart": True,
        "title": _("Step %(number)s: %(name)s") % {"number": step.number, "name": step.name},
        "back": reverse("recruitment:file", args=[file.pk]),
    })


@login_required
@require_POST
def documents_add(request, pk, record_pk):
    file = _managed_file(request, pk)
    record = selectors.record_for(request.user, file, record_pk)
    form = DocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.documents_attach(actor=request.user, record=record, uploaded=form.cleaned_data["documents"])
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("The documents are kept with step %(number)s.") % {"number": record.step})
    return redirect(reverse("recruitment:file", args=[file.pk]) + f"#record-{record.pk}")


@login_required
@require_GET
def document_download(request, pk):
    document = services.document_download(actor=request.user, document=selectors.document_for(request.user, pk))
    return FileResponse(document.content.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type)


@login_required
def file_end(request, pk):
    file = _managed_file(request, pk)
    form = EndForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.file_end(actor=request.user, file=file, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The file of %(name)s has ended; it is kept.") % {"name": file.name})
            return redirect("recruitment:file", pk=file.pk)
    return render(request, "recruitment/form.html", {
        "form": form, "file": file, "title": _("End the file of %(name)s") % {"name": file.name}, "danger": True,
        "back": reverse("recruitment:file", args=[file.pk]), "multipart": False,
    })


app_name = "recruitment"
urlpatterns = [
    path("", home, name="home"),
    path("org/<str:code>/", organization, name="organization"),
    path("org/<str:code>/new/", file_open, name="file_open"),
    path("<int:pk>/", file_detail, name="file"),
    path("<int:pk>/print/", file_print, name="file_print"),
    path("<int:pk>/step/", step_new, name="step_new"),
    path("<int:pk>/end/", file_end, name="file_end"),
    path("<int:pk>/records/<int:record_pk>/documents/", documents_add, name="documents_add"),
    path("documents/<int:pk>/", document_download, name="document_download"),
]

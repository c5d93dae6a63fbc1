from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dangjian.accounts.roles import Permission
from dangjian.core.forms import apply_errors
from dangjian.core.scope import has_permission
from dangjian.orgs import selectors, services
from dangjian.orgs.forms import (
    DissolveForm,
    MoveForm,
    OrganizationCreateForm,
    OrganizationEditForm,
)


def _can(user, permission, organization) -> bool:
    return has_permission(user, permission, organization.path)


@login_required
@require_GET
def tree(request):
    query = request.GET.get("q", "")[:50]
    results = selectors.search(request.user, query) if query else None
    return render(request, "orgs/tree.html", {
        "tops": selectors.top_organizations(request.user), "query": query, "results": results,
    })


@login_required
@require_GET
def children(request, code):
    """The children of one node, as a fragment the tree browser inserts when a node opens."""
    organization = selectors.organization_for(request.user, code)
    return render(request, "orgs/_children.html", {"children": selectors.children(organization)})


@login_required
@require_GET
def detail(request, code):
    organization = selectors.organization_for(request.user, code)
    counts = selectors.subtree_counts(organization)
    return render(request, "orgs/detail.html", {
        "org": organization,
        "counts": counts,
        "warnings": selectors.warnings_for(organization, counts),
        "breadcrumbs": selectors.breadcrumbs(request.user, organization),
        "children": selectors.children(organization),
        "grids": selectors.grids_of(organization).filter(org_path=organization.path)[:200],
        "can_edit": _can(request.user, Permission.EDIT_ORGS, organization) and not organization.is_dissolved,
        "can_restructure": _can(request.user, Permission.RESTRUCTURE_ORGS, organization) and not organization.is_dissolved,
    })


@login_required
def create(request, code):
    parent = selectors.organization_for(request.user, code)
    if not _can(request.user, Permission.RESTRUCTURE_ORGS, parent):
        raise PermissionDenied
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been created.") % {"name": organization.name})
            return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {
        "form": form, "org": parent, "title": _("New organisation under %(name)s") % {"name": parent.name},
        "breadcrumbs": selectors.breadcrumbs(request.user, parent),
    })


@login_required
def edit(request, code):
    organization = selectors.organization_for(request.user, code)
    if not _can(request.user, Permission.EDIT_ORGS, organization):
        raise PermissionDenied
    initial = {"name": organization.name, "has_committee": organization.has_committee, "founded_on": organization.founded_on}
    form = OrganizationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {
        "form": form, "org": organization, "title": _("Edit %(name)s") % {"name": organization.name},
        "breadcrumbs": selectors.breadcrumbs(request.user, organization),
    })


@login_required
def move(request, code):
    organization = selectors.organization_for(request.user, code)
    if not _can(request.user, Permission.RESTRUCTURE_ORGS, organization):
        raise PermissionDenied
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_parent = selectors.organization_for(request.user, form.cleaned_data["new_parent"].strip())
        except Http404:
            form.add_error("new_parent", _("No organisation with this code in your scope."))
        else:
            try:
                services.organization_move(actor=request.user, organization=organization, new_parent=new_parent)
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied as error:
                form.add_error("new_parent", str(error))
            else:
                messages.success(request, _("%(name)s now stands under %(parent)s.")
                                 % {"name": organization.name, "parent": new_parent.name})
                return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {
        "form": form, "org": organization, "title": _("Move %(name)s") % {"name": organization.name},
        "breadcrumbs": selectors.breadcrumbs(request.user, organization),
    })


@login_required
def dissolve(request, code):
    organization = selectors.organization_for(request.user, code)
    if not _can(request.user, Permission.RESTRUCTURE_ORGS, organization):
        raise PermissionDenied
    form = DissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_dissolve(actor=request.user, organization=organization, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been dissolved.") % {"name": organization.name})
            return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {
        "form": form, "org": organization, "title": _("Dissolve %(name)s") % {"name": organization.name},
        "breadcrumbs": selectors.breadcrumbs(request.user, organization), "danger": True,
    })


@login_required
@require_GET
def history(request, code):
    organization = selectors.organization_for(request.user, code)
    return render(request, "orgs/history.html", {
        "org": organization, "records": organization.history.select_related("history_user").order_by("-history_date")[:200],
        "breadcrumbs": selectors.breadcrumbs(request.user, organization),
    })

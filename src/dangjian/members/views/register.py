"""The member list, the member page, entering and correcting records, and revealing a masked
value. Members are addressed by their primary key: ID numbers never appear in addresses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core.forms import apply_errors
from dangjian.core.scope import has_permission
from dangjian.members.forms_register import MemberEditForm, MemberFilterForm, MemberForm
from dangjian.members.selectors import register as selectors
from dangjian.members.services import register as services
from dangjian.orgs import selectors as org_selectors

YES_NO = {"yes": True, "no": False}


def _filters(request, form) -> selectors.MemberFilters | None:
    """The filters of a valid form, or None when a field is wrong (its error is on the form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    organization = None
    if data["org"].strip():
        try:
            organization = org_selectors.organization_for(request.user, data["org"].strip(), Permission.VIEW_MEMBERS)
        except Http404:
            form.add_error("org", _("No organisation with this code in your scope."))
            return None
    return selectors.MemberFilters(
        q=data["q"], organization=organization, category=data["category"], standing=data["standing"],
        sex=data["sex"], age_band=data["age_band"], education=data["education"], join_year=data["join_year"],
        flags={flag: YES_NO[data[flag]] for flag in selectors.FLAGS if data[flag]},
        registered=YES_NO.get(data["registered"]), status=data["status"] or "current", sort=data["sort"] or "name",
    )


@login_required
@require_GET
def member_list(request):
    if selectors.member_scope(request.user).is_empty:
        raise Http404
    form = MemberFilterForm(request.GET or None)
    filters = _filters(request, form) if request.GET else selectors.MemberFilters()
    page = None
    if filters is not None:
        try:
            after = int(request.GET.get("after", ""))
        except ValueError:
            after = None
        page = selectors.member_page(request.user, filters, after=after)
    query = request.GET.copy()
    query.pop("after", None)
    organization = filters.organization if filters else None
    return render(request, "members/register_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "org_filter": organization,
        "waiting": selectors.waiting_for(request.user),
        "can_create": organization is not None and has_permission(request.user, Permission.MANAGE_MEMBERS,
                                                                   organization.path),
    })


def _detail(request, member, *, revealed=None):
    months = selectors.party_age_months(member)
    return render(request, "members/register_detail.html", {
        "member": member,
        "party_age": divmod(months, 12) if months is not None else None,
        "history": selectors.member_history(member),
        "revealed": revealed or {},
        "can_edit": has_permission(request.user, Permission.MANAGE_MEMBERS, member.org_path),
        "can_reveal": has_permission(request.user, Permission.REVEAL_PERSONAL, member.org_path),
        "breadcrumbs": org_selectors.breadcrumbs(request.user, member.home_org),
    })


@login_required
@require_GET
def detail(request, pk):
    return _detail(request, selectors.member_for(request.user, pk))


@login_required
@require_POST
def reveal(request, pk):
    """Shows the value once, in the answer to this POST: it is never stored or put in an address."""
    member = selectors.member_for(request.user, pk)
    field = request.POST.get("field", "")
    try:
        value = services.member_reveal(actor=request.user, member=member, field=field)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members:detail", pk=member.pk)
    return _detail(request, member, revealed={field: value})


@login_required
def create(request, code):
    organization = org_selectors.organization_for(request.user, code, Permission.VIEW_MEMBERS)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, organization.path):
        raise PermissionDenied
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, organization=organization, **_fields(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been entered in the register.") % {"name": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/register_form.html", {
        "form": form, "title": _("New member in %(name)s") % {"name": organization.name},
        "cancel": f"{reverse('members:list')}?org={organization.code}",
        "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
    })


def _fields(form, *, editing: bool = False) -> dict:
    fields = {key: value for key, value in form.cleaned_data.items() if key != "remove_phone"}
    fields["party_age_correction_months"] = fields["party_age_correction_months"] or 0
    if editing:
        # Empty means unchanged: the form never shows the clear values.
        if not fields["id_number"]:
            del fields["id_number"]
        if form.cleaned_data.get("remove_phone"):
            fields["phone"] = ""
        elif not fields["phone"]:
            del fields["phone"]
    return fields


@login_required
def edit(request, pk):
    member = selectors.member_for(request.user, pk)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, member.org_path):
        raise PermissionDenied
    initial = {field: getattr(member, field) for field in services.FIELDS - {"id_number", "phone"}}
    form = MemberEditForm(request.POST or None, initial=initial, masked_id=member.masked_id_number,
                          masked_phone=member.masked_phone)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, **_fields(form, editing=True))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/register_form.html", {
        "form": form, "title": _("Correct the record of %(name)s") % {"name": member.name},
        "cancel": reverse("members:detail", args=[member.pk]), "breadcrumbs": org_selectors.breadcrumbs(request.user, member.home_org),
    })


urlpatterns = [
    path("", member_list, name="list"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/reveal/", reveal, name="reveal"),
    path("org/<str:code>/new/", create, name="create"),
]

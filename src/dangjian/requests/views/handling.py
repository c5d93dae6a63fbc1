"""The staff's pages: a level's working lists (overdue, due soon, unassigned, risen to it), filing
for a resident, a request with its timeline and the actions open to the reader, its photo, the
resident's phone revealed on purpose, and the statistics of any subtree."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core import paging, uploads
from dangjian.core.forms import MonthRangeForm, apply_errors
from dangjian.core.scope import has_permission
from dangjian.members.selectors.own import own_member
from dangjian.orgs import counts as org_counts
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.projects import selectors as project_selectors
from dangjian.requests import rules, selectors, services, tally
from dangjian.requests.forms import ChangeForm, ListFilterForm, RequestForm
from dangjian.requests.models import Source
from dangjian.requests.views import common
from dangjian.requests.views.public import places_for


@login_required
@require_GET
def home(request):
    roots = list(Organization.objects.filter(path__in=selectors.request_scope(request.user).paths).order_by("path"))
    if len(roots) == 1:
        return redirect("requests:organization", code=roots[0].code)
    if not roots:
        if own_member(request.user) is None:
            raise Http404
        return redirect("requests:mine")
    return render(request, "requests/home.html", {"roots": roots})


@login_required
@require_GET
def organization(request, code):
    organization = common.organization(request, code)
    today = timezone.localdate()
    form = ListFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    lists = selectors.lists(request.user, organization, today=today)
    name = chosen.get("list") or "overdue"
    rows = selectors.request_list(request.user, organization, name, today=today, state=chosen.get("state"),
                                  category=chosen.get("category"), after=paging.after(request))
    page = paging.page_context(request, rows.select_related("category", "grid", "assigned_org", "assigned_member",
                                                            "assigned_team"))
    counts = {key: queryset.count() for key, queryset in lists.items()}
    return render(request, "requests/organization.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
        "form": form, "list_name": name, "lists": ListFilterForm.LISTS, "counts": counts, **page,
        "rows": [(row, rules.light_of(row, today)) for row in page["rows"]],
        "can_file": has_permission(request.user, Permission.HANDLE_REQUESTS, organization.path),
        "may_configure": selectors.may_configure(request.user),
    })


@login_required
def file_for_resident(request, code):
    """Staff (or a representative) file for a resident who came, phoned or was met."""
    organization = selectors.filing_organization(request.user, code)
    if not _may_file_somewhere(request.user, organization):
        raise PermissionDenied
    search, places = places_for(request.POST if request.method == "POST" else request.GET, within=organization)
    places = selectors.fileable_places(request.user, places)
    form = None
    if places:
        form = RequestForm(request.POST if request.method == "POST" and "description" in request.POST else None,
                           request.FILES or None, places=places, categories=selectors.categories(), on_behalf=True)
        if form.is_bound and form.is_valid():
            try:
                filed, tracking_code = services.request_file(actor=request.user, source=Source.ON_BEHALF,
                                                             **form.service_arguments())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                return render(request, "requests/public_filed.html", {
                    "filed": filed, "code": rules.format_tracking_code(tracking_code), "on_behalf": True})
    return render(request, "requests/public_file.html", {
        "search": search, "form": form, "org": organization, "on_behalf": True,
        "searched": bool(search.data.get("place_text")),
    })


def _may_file_somewhere(user, organization: Organization) -> bool:
    return has_permission(user, Permission.HANDLE_REQUESTS, organization.path) or any(
        term.org_path.startswith(organization.path) or organization.path.startswith(term.org_path)
        for term in selectors.own_terms(user))


@login_required
@require_GET
def detail(request, pk):
    return _detail(request, selectors.request_for(request.user, pk))


def _detail(request, filed, **extra):
    kinds = selectors.actor_kinds(request.user, filed)
    actions = rules.actions_for(filed.state, kinds)
    staff = rules.Actor.STAFF in kinds
    community = selectors.community_of(filed)
    return render(request, "requests/detail.html", {**extra,
        "filed": filed, "light": rules.light_of(filed, timezone.localdate()),
        "timeline": selectors.timeline_for(request.user, filed, kinds),
        "actions": [(action, rules.Action(action).label) for action in actions], "staff": staff,
        "templates": selectors.reply_templates(filed.category) if actions else [],
        "teams": selectors.teams_to_assign(request.user, filed, community)
        if rules.Action.ASSIGN in actions else [],
        "propose_in": community if community and has_permission(
            request.user, Permission.MANAGE_PROJECTS, community.path) else None,
        "may_reveal": has_permission(request.user, Permission.REVEAL_PERSONAL, filed.org_path),
        "duplicates": filed.duplicates.all(), "org": filed.organization,
        "projects": project_selectors.projects_of_request(request.user, filed),
        "breadcrumbs": org_selectors.breadcrumbs(request.user, filed.organization),
    })


@login_required
@require_POST
def change(request, pk):
    filed = selectors.request_for(request.user, pk)
    form = ChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_change(
                actor=request.user, request=filed, action=data["action"], version=data["version"],
                public_note=data["public_note"], internal_note=data["internal_note"],
                organization=selectors.assignable_organization(request.user, data["organization"]),
                member=selectors.current_member(request.user, data["member"]),
                team=selectors.assignable_team(request.user, data["team"]),
                original=selectors.original_request(request.user, data["original"]),
                referred_to=data["referred_to"], public=data["public"] if data["action"] == rules.Action.ACCEPT else None)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": rules.Action(data["action"]).label})
            return redirect("requests:detail", pk=filed.pk)
    # The forms are on the request's page: their errors go back there, each with its field's name.
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("requests:detail", pk=filed.pk)


@login_required
@require_GET
def photo(request, pk):
    filed = selectors.request_for(request.user, pk)
    if not filed.photo:
        raise Http404
    services.request_photo_download(actor=request.user, request=filed)
    extension = filed.photo.name.rsplit(".", 1)[-1]
    kind = next((mime for mime, known in uploads.PHOTO_TYPES.items() if known == extension), "application/octet-stream")
    response = FileResponse(filed.photo.open("rb"), content_type=kind)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def reveal_phone(request, pk):
    """Shows the number once, in the answer to this POST: it is never stored, put in an address or
    in the messages of the next page."""
    filed = selectors.request_for(request.user, pk)
    return _detail(request, filed, revealed_phone=services.request_reveal_phone(actor=request.user, request=filed)
                   or _("none given"))


@login_required
@require_GET
def statistics(request, code):
    organization = common.organization(request, code)
    today = timezone.localdate()
    form = MonthRangeForm(request.GET or None)
    first, last = form.months()
    figures = tally.figures(organization, first, last)
    now = selectors.open_counts(request.user, organization, today=today)
    return render(request, "requests/statistics.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization), "form": form,
        "first": org_counts.month_of(first), "last": org_counts.month_of(last), "figures": figures,
        "open_now": now["open"], "overdue_now": now["overdue"],
        "satisfaction": round(figures["satisfaction_sum"] / figures["satisfaction_count"], 2)
        if figures["satisfaction_count"] else None,
        "on_time_share": round(100 * figures["resolved_on_time"] / figures["resolved"])
        if figures["resolved"] else None,
    })


urlpatterns = [
    path("", home, name="home"),
    path("org/<str:code>/", organization, name="organization"),
    path("org/<str:code>/new/", file_for_resident, name="file_for_resident"),
    path("org/<str:code>/statistics/", statistics, name="statistics"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/change/", change, name="change"),
    path("<int:pk>/photo/", photo, name="photo"),
    path("<int:pk>/phone/", reveal_phone, name="reveal_phone"),
]

"""Representatives and their reception rota, receptions with the problems raised (each a request
filed in the same step, its tracking code shown once to hand to the resident), members' household
visits, and a member's own page: the requests assigned to them, their visits and their terms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core import paging
from dangjian.core.forms import apply_errors
from dangjian.core.scope import has_permission
from dangjian.members.models import ResidenceRegistration
from dangjian.members.selectors.lifecycle import residence_of
from dangjian.members.selectors.own import own_member
from dangjian.members.selectors.register import MemberFilters, filtered_members, member_page
from dangjian.orgs import selectors as org_selectors
from dangjian.requests import rules, selectors, services
from dangjian.requests.forms_receptions import (
    MAX_PROBLEMS,
    PROBLEM_ROWS,
    DutyForm,
    MemberSearchForm,
    ProblemForm,
    ReceptionForm,
    RepresentativeForm,
    TermEndForm,
    VisitForm,
    VisitProblemForm,
    apply_problem_errors,
    filled,
    problem_formset,
)
from dangjian.requests.models import ReceptionDuty, Representative
from dangjian.requests.views import common

SEARCH_SIZE = 20


def _posted(request):
    return request.POST if request.method == "POST" else None


def _require_handling(user, *paths: str) -> None:
    if not any(has_permission(user, Permission.HANDLE_REQUESTS, path) for path in paths if path):
        raise PermissionDenied


def _newest_first(request, rows, date_field: str | None = None) -> dict:
    """One page of ``rows`` (ordered newest ``date_field`` first, or newest key first without one)
    after the row ``?after=``, and what the pager needs."""
    after = paging.after(request)
    if after is not None:
        rows = rows.filter(pk__lt=after) if date_field is None else paging.after_key(
            rows, after, date_field, descending=True)
    return paging.page_context(request, rows)


def _rows(request) -> int:
    """How many problem rows to offer (``?rows=``, for more than the usual few)."""
    return paging.number(request, "rows") or PROBLEM_ROWS


def _with_lights(requests) -> list:
    today = timezone.localdate()
    return [(filed, rules.light_of(filed, today)) for filed in requests]


def _active_rota():
    return Prefetch("duties", queryset=ReceptionDuty.objects.filter(active=True), to_attr="rota")


# --- representatives and their rota ----------------------------------------------------------------

@login_required
@require_GET
def representatives(request, code):
    organization = common.organization(request, code)
    ended = request.GET.get("ended") == "1"
    terms = (selectors.representatives_under(request.user, organization).filter(until__isnull=not ended)
             .prefetch_related(_active_rota()).order_by("-pk"))
    return render(request, "requests/representatives.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
        **_newest_first(request, terms), "ended": ended,
        "can_handle": has_permission(request.user, Permission.HANDLE_REQUESTS, organization.path),
    })


@login_required
def representative_new(request, code):
    """Appoint a current member of the subtree, found by name (or pinyin, or the end of the ID
    number) or given by member number."""
    organization = common.organization(request, code)
    _require_handling(request.user, organization.path)
    search = MemberSearchForm(request.GET)
    text = search.cleaned_data["q"].strip() if search.is_valid() else ""
    candidates = member_page(request.user, MemberFilters(q=text, organization=organization),
                             limit=SEARCH_SIZE).items if text else []
    form = RepresentativeForm(_posted(request), initial={"member": paging.number(request, "member")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = filtered_members(request.user, MemberFilters(organization=organization)).filter(
            pk=data["member"]).first()
        if member is None:
            form.add_error("member", _("No current member %(number)s in %(name)s.") % {
                "number": data["member"], "name": organization.name})
        else:
            try:
                services.representative_appoint(actor=request.user, member=member, organization=organization,
                                                title=data["title"], since=data["since"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(name)s serves as %(title)s in %(org)s.") % {
                    "name": member.name, "title": data["title"], "org": organization.name})
                return redirect("requests:representatives", code=organization.code)
    return render(request, "requests/representative_new.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
        "search": search, "searched": bool(text), "candidates": candidates, "form": form,
    })


def _managed_representative(request, pk) -> Representative:
    representative = selectors.representative_for(request.user, pk)
    _require_handling(request.user, representative.org_path)
    return representative


def _representative_form(request, representative: Representative, form, title: str):
    return render(request, "requests/representative_form.html", {
        "form": form, "title": title, "representative": representative, "org": representative.organization,
        "back": reverse("requests:representatives", args=[representative.organization.code]),
    })


@login_required
def representative_end(request, pk):
    representative = _managed_representative(request, pk)
    form = TermEndForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.representative_end(actor=request.user, representative=representative,
                                        until=form.cleaned_data["until"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The term of %(name)s has ended; it is kept with its receptions.") % {
                "name": representative.member.name})
            return redirect("requests:representatives", code=representative.organization.code)
    return _representative_form(request, representative, form, _("End the term of %(name)s (%(title)s)") % {
        "name": representative.member.name, "title": representative.title})


@login_required
def duty_new(request, pk):
    representative = _managed_representative(request, pk)
    form = DutyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_add(actor=request.user, representative=representative, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The rota line is added."))
            return redirect("requests:representatives", code=representative.organization.code)
    return _representative_form(request, representative, form, _("A rota line for %(name)s") % {
        "name": representative.member.name})


@login_required
@require_POST
def duty_end(request, pk):
    duty = selectors.duty_for(request.user, pk)
    _require_handling(request.user, duty.org_path)
    services.duty_end(actor=request.user, duty=duty)
    messages.success(request, _("The rota line of %(name)s is taken off the rota.") % {
        "name": duty.representative.member.name})
    return redirect("requests:representatives", code=duty.representative.organization.code)


# --- receptions --------------------------------------------------------------------------------------

def _held(request, code, kind: str):
    """The receptions or visits (``kind``) of a subtree, newest first, each with the number of
    problems that became requests."""
    organization = common.organization(request, code)
    under, date_field = {"reception": (selectors.receptions_under, "held_on"),
                         "visit": (selectors.visits_under, "visited_on")}[kind]
    page = _newest_first(request, under(request.user, organization), date_field)
    counts = selectors.problems_raised(kind, [row.pk for row in page["rows"]])
    return render(request, f"requests/{kind}s.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization), **page,
        "rows": [(row, counts.get(row.pk, 0)) for row in page["rows"]],
    })


@login_required
@require_GET
def receptions(request, code):
    return _held(request, code, "reception")


@login_required
def reception_new(request, pk):
    """Log a reception with the problems raised; each problem becomes a request at once, and the
    page that answers the save shows their tracking codes, the only time they are shown."""
    representative = selectors.representative_receiving(request.user, pk)
    form = ReceptionForm(_posted(request), duties=representative.duties.filter(active=True))
    grids = list(org_selectors.grids_of(representative.organization))
    problems = problem_formset(ProblemForm, _posted(request), rows=_rows(request), grids=grids)
    if request.method == "POST" and all([form.is_valid(), problems.is_valid()]):
        rows = filled(problems)
        try:
            reception, filed = services.reception_log(actor=request.user, representative=representative,
                                                      problems=[row.problem() for row in rows],
                                                      **form.cleaned_data)
        except ValidationError as error:
            apply_problem_errors(form, rows, error)
        else:
            return render(request, "requests/reception_filed.html", {
                "reception": reception, "org": reception.organization,
                "filed": [(new, rules.format_tracking_code(code)) for new, code in filed]})
    staff = selectors.request_scope(request.user).covers(representative.org_path)
    return render(request, "requests/reception_new.html", {
        "back": reverse("requests:receptions", args=[representative.organization.code]) if staff
        else reverse("requests:mine"),
        "representative": representative, "org": representative.organization, "form": form,
        "problems": problems, "grids": grids,
        "more_rows": min(problems.total_form_count() + PROBLEM_ROWS, MAX_PROBLEMS),
    })


@login_required
@require_GET
def reception(request, pk):
    held = selectors.reception_for(request.user, pk)
    staff = selectors.request_scope(request.user).covers(held.org_path)
    return render(request, "requests/reception.html", {
        "reception": held, "org": held.organization, "staff": staff,
        "breadcrumbs": org_selectors.breadcrumbs(request.user, held.organization) if staff else [],
        "rows": _with_lights(held.requests.select_related("category", "grid").order_by("pk")),
    })


# --- household visits ----------------------------------------------------------------------------------

@login_required
@require_GET
def visits(request, code):
    return _held(request, code, "visit")


def _confirmed(residence: ResidenceRegistration | None) -> ResidenceRegistration | None:
    """The registration where the member visits households: a confirmed one only."""
    return residence if residence and residence.status == ResidenceRegistration.Status.CONFIRMED else None


def _visit(request, member, *, own: bool):
    form = VisitForm(_posted(request))
    problems = problem_formset(VisitProblemForm, _posted(request), rows=_rows(request))
    if request.method == "POST" and all([form.is_valid(), problems.is_valid()]):
        rows = filled(problems)
        try:
            visit, filed = services.visit_log(actor=request.user, member=member,
                                              problems=[row.problem() for row in rows], **form.cleaned_data)
        except ValidationError as error:
            apply_problem_errors(form, rows, error)
        else:
            return render(request, "requests/visit_filed.html", {
                "visit": visit, "own": own, "filed": [(new, rules.format_tracking_code(code)) for new, code in filed]})
    return render(request, "requests/visit_new.html", {
        "member": member, "own": own, "residence": _confirmed(residence_of(member)), "form": form,
        "problems": problems, "more_rows": min(problems.total_form_count() + PROBLEM_ROWS, MAX_PROBLEMS),
    })


@login_required
def visit_new(request):
    """A member logs their own visit, in the grid where they are registered as living."""
    member = own_member(request.user)
    if member is None:
        raise Http404
    return _visit(request, member, own=True)


@login_required
def member_visit_new(request, pk):
    """Staff log a visit for a member of their organisation or one living in it."""
    member = selectors.visiting_member_for(request.user, pk)
    residence = residence_of(member)
    _require_handling(request.user, member.org_path, residence.org_path if residence else "")
    return _visit(request, member, own=False)


# --- a member's own page ----------------------------------------------------------------------------

@login_required
@require_GET
def mine(request):
    member = own_member(request.user)
    if member is None:
        raise Http404
    page = _newest_first(request, selectors.assigned_to_member(member))
    return render(request, "requests/mine.html", {
        "member": member, **page, "assigned": _with_lights(page["rows"]),
        "visits": selectors.own_visits(member)[:paging.PAGE_SIZE], "residence": _confirmed(residence_of(member)),
        "terms": selectors.own_terms(request.user).prefetch_related(_active_rota()),
    })


urlpatterns = [
    path("org/<str:code>/representatives/", representatives, name="representatives"),
    path("org/<str:code>/representatives/new/", representative_new, name="representative_new"),
    path("representatives/<int:pk>/end/", representative_end, name="representative_end"),
    path("representatives/<int:pk>/duties/new/", duty_new, name="duty_new"),
    path("duties/<int:pk>/end/", duty_end, name="duty_end"),
    path("org/<str:code>/receptions/", receptions, name="receptions"),
    path("representatives/<int:pk>/receptions/new/", reception_new, name="reception_new"),
    path("receptions/<int:pk>/", reception, name="reception"),
    path("org/<str:code>/visits/", visits, name="visits"),
    path("visits/new/", visit_new, name="visit_new"),
    path("members/<int:pk>/visits/new/", member_visit_new, name="member_visit_new"),
    path("mine/", mine, name="mine"),
]

"""The staff's micro-project pages: a subtree's projects filtered by state and type, a proposal
(from residents' requests or on the staff's own), a project with its timeline and the steps open to
the reader, one form per step, the statistics and the funding-source report of any subtree, a
member's own proposal, and the configuration (caps, lists, funding sources, notice period)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core import paging
from dangjian.core.forms import MonthRangeForm, apply_errors
from dangjian.core.scope import has_permission
from dangjian.members.selectors.own import own_member
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects import rules, selectors, services, tally
from dangjian.projects.forms import (
    STEP_FORMS,
    CommunityChoiceForm,
    ConfigurationForm,
    FundingSourceForm,
    ListFilterForm,
    ListItemForm,
    PresetForm,
    ProposalForm,
    YearForm,
)
from dangjian.projects.models import ListItem, Source
from dangjian.requests import rules as request_rules


def _organization(request, code) -> Organization:
    return org_selectors.organization_for(request.user, code, Permission.VIEW_PROJECTS)


@login_required
@require_GET
def home(request):
    roots = list(Organization.objects.filter(path__in=selectors.project_scope(request.user).paths).order_by("path"))
    if len(roots) == 1:
        return redirect("projects:organization", code=roots[0].code)
    if not roots:
        raise Http404
    return render(request, "projects/home.html", {"roots": roots})


@login_required
@require_GET
def organization(request, code):
    organization = _organization(request, code)
    form = ListFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = selectors.project_list(request.user, organization, state=chosen.get("state"), kind=chosen.get("kind"),
                                  after=paging.after(request)).select_related("organization")
    return render(request, "projects/organization.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization), "form": form,
        **paging.page_context(request, rows), "counts": selectors.state_counts(organization),
        "can_propose": organization.level == Level.COMMUNITY and has_permission(
            request.user, Permission.MANAGE_PROJECTS, organization.path),
        "may_configure": selectors.may_configure(request.user),
    })


@login_required
def propose(request, code):
    """Staff enter a proposal for a community: on their own, or from residents' requests."""
    organization = _organization(request, code)
    if not has_permission(request.user, Permission.MANAGE_PROJECTS, organization.path):
        raise PermissionDenied
    initial = {"requests": request.GET.get("requests", "")}
    form = ProposalForm(request.POST or None, staff=True, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            project, _code = services.project_propose(
                actor=request.user, organization=organization, title=data["title"], description=data["description"],
                kind=data["kind"], estimate=data["estimate"],
                source=Source.REQUESTS if data["requests"] else Source.STAFF, proposer_name=data["proposer_name"],
                phone=data["phone"], requests=selectors.requests_to_link(request.user, data["requests"]))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The proposal is collected."))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/propose.html", {"form": form, "org": organization,
                                                     "breadcrumbs": org_selectors.breadcrumbs(request.user,
                                                                                              organization)})


@login_required
def member_propose(request):
    """A member proposes a project for a community, in their own name."""
    member = own_member(request.user)
    if member is None:
        raise Http404
    search = CommunityChoiceForm(request.GET)
    text = search.cleaned_data["community_text"] if search.is_valid() else ""
    form = ProposalForm(request.POST or None)
    communities = list(selectors.communities(text)[:50])
    chosen = next((org for org in communities if org.code == request.POST.get("community")), None)
    if form.is_bound and form.is_valid():
        if chosen is None:
            form.add_error(None, _("Choose the community the project is for."))
        else:
            data = form.cleaned_data
            try:
                project, code = services.project_propose(
                    actor=request.user, organization=chosen, title=data["title"], description=data["description"],
                    kind=data["kind"], estimate=data["estimate"], source=Source.MEMBER, member=member)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "projects/proposed.html", {
                    "project": project, "code": request_rules.format_tracking_code(code)})
    return render(request, "projects/member_propose.html", {"form": form, "search": search,
                                                            "communities": communities})


@login_required
@require_GET
def detail(request, pk):
    return _detail(request, selectors.project_for(request.user, pk))


def _detail(request, project, **extra):
    kinds = selectors.actor_kinds(request.user, project)
    return render(request, "projects/detail.html", {
        **extra, "project": project, "org": project.organization,
        "breadcrumbs": org_selectors.breadcrumbs(request.user, project.organization),
        "timeline": selectors.timeline(project), "milestones": selectors.milestones(project),
        "spendings": project.spendings.all(), "linked_requests": selectors.linked_requests(project),
        "actions": [(action, rules.Action(action).label) for action in rules.actions_for(project.state, kinds)],
        "notice_over": project.state == rules.State.NOTICE and rules.notice_refusal(
            project.notice_until, timezone.localdate()) is None,
        "may_reveal": has_permission(request.user, Permission.REVEAL_PERSONAL, project.org_path),
    })


@login_required
def step(request, pk, action):
    """The form of one step (``action``) and, on POST, the step itself."""
    project = selectors.project_for(request.user, pk)
    if action not in STEP_FORMS:
        raise Http404
    kinds = selectors.actor_kinds(request.user, project)
    if not kinds & rules.TRANSITIONS[action].actors:
        raise PermissionDenied
    form_class = STEP_FORMS[action]
    form = form_class(request.POST or None, project=project, initial={"version": project.version})
    if form.is_bound and form.is_valid():
        try:
            services.project_act(actor=request.user, project=project, action=action,
                                 version=form.cleaned_data["version"], **form.arguments())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": rules.Action(action).label})
            return redirect("projects:detail", pk=project.pk)
    refusal = rules.refusal(project.state, action, kinds)
    return render(request, "projects/step.html", {
        "project": project, "form": form, "action": action, "label": rules.Action(action).label,
        "refusal": refusal, "org": project.organization,
        "breadcrumbs": org_selectors.breadcrumbs(request.user, project.organization)},
        status=422 if form.is_bound else 200)


@login_required
@require_POST
def reveal_phone(request, pk):
    """Shows the proposer's number once, in the answer to this POST."""
    project = selectors.project_for(request.user, pk)
    return _detail(request, project, revealed_phone=services.project_reveal_phone(actor=request.user, project=project)
                   or _("none given"))


@login_required
@require_GET
def statistics(request, code):
    organization = _organization(request, code)
    form = MonthRangeForm(request.GET or None)
    first, last = form.months()
    return render(request, "projects/statistics.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization), "form": form,
        "first": first, "last": last, **statistics_of(organization, first, last)})


def statistics_of(organization: Organization, first, last) -> dict:
    """The figures of a subtree: the months' roll-ups and the projects in each state now."""
    figures = tally.figures(organization, first, last)
    return {"figures": figures, "now": selectors.state_counts(organization), "states": rules.State.choices,
            "satisfaction_rate": round(100 * figures["satisfied"] / figures["surveyed"], 1)
            if figures["surveyed"] else None,
            "mean_score": round(figures["score_sum"] / figures["score_count"], 1) if figures["score_count"] else None}


@login_required
@require_GET
def funding(request, code):
    organization = _organization(request, code)
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year
    return render(request, "projects/funding.html", {
        "org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization), "form": form,
        "place": organization, "year": year, "report": selectors.funding_report(organization, year),
        "public": False})


# --- configuration --------------------------------------------------------------------------------

def _require_configure(request) -> None:
    if not selectors.may_configure(request.user):
        raise Http404


@login_required
def config(request):
    """The caps, the notice period and the passing rule (POST saves them), with the lists and the
    funding sources."""
    _require_configure(request)
    current = selectors.configuration()
    caps = selectors.caps()
    form = ConfigurationForm(request.POST or None, initial={
        "notice_working_days": current.notice_working_days, "passing_rule": current.passing_rule,
        **{f"cap_{kind}": cap for kind, cap in caps.items()}})
    if form.is_bound and form.is_valid():
        try:
            services.configuration_save(
                actor=request.user, notice_working_days=form.cleaned_data["notice_working_days"],
                passing_rule=form.cleaned_data["passing_rule"], caps=form.caps())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The configuration is saved."))
            return redirect("projects:config")
    return render(request, "projects/config.html", {
        "form": form, "preset_form": PresetForm(initial={"preset": current.preset}), "configuration": current,
        "items": selectors.list_items(active_only=False), "sources": selectors.configurable_sources(request.user)})


@login_required
@require_POST
def config_preset(request):
    _require_configure(request)
    form = PresetForm(request.POST)
    if form.is_valid():
        services.preset_load(actor=request.user, name=form.cleaned_data["preset"])
        messages.success(request, _("The preset is loaded."))
    else:
        messages.error(request, " ".join(form.errors.get("preset", [])))
    return redirect("projects:config")


def _config_form(request, form, save, title):
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects:config")
    return render(request, "projects/config_form.html", {"form": form, "title": title})


@login_required
def config_item(request, pk=None):
    _require_configure(request)
    item = None if pk is None else ListItem.objects.filter(pk=pk).first()
    if pk is not None and item is None:
        raise Http404
    initial = {} if item is None else {"side": item.side, "text": item.text, "order": item.order,
                                       "active": item.active}
    return _config_form(request, ListItemForm(request.POST or None, initial=initial or None),
                        lambda data: services.list_item_save(actor=request.user, item=item, **data),
                        _("List entry"))


@login_required
def config_source(request, pk=None):
    _require_configure(request)
    source = None if pk is None else selectors.configurable_sources(request.user).filter(pk=pk).first()
    if pk is not None and source is None:
        raise Http404
    initial = {} if source is None else {"organization": source.organization.code, "name": source.name,
                                         "kind": source.kind, "year": source.year, "budget": source.budget,
                                         "active": source.active}

    def save(data):
        fields = dict(data)
        organization = selectors.source_organization(request.user, fields.pop("organization"))
        return services.funding_source_save(actor=request.user, source=source, organization=organization, **fields)

    return _config_form(request, FundingSourceForm(request.POST or None, initial=initial or None), save,
                        _("Funding source"))


app_name = "projects"
urlpatterns = [
    path("", home, name="home"),
    path("propose/", member_propose, name="member_propose"),
    path("org/<str:code>/", organization, name="organization"),
    path("org/<str:code>/new/", propose, name="propose"),
    path("org/<str:code>/statistics/", statistics, name="statistics"),
    path("org/<str:code>/funding/", funding, name="funding"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/step/<str:action>/", step, name="step"),
    path("<int:pk>/phone/", reveal_phone, name="reveal_phone"),
    path("config/", config, name="config"),
    path("config/preset/", config_preset, name="config_preset"),
    path("config/items/new/", config_item, name="config_item_new"),
    path("config/items/<int:pk>/", config_item, name="config_item"),
    path("config/sources/new/", config_source, name="config_source_new"),
    path("config/sources/<int:pk>/", config_source, name="config_source"),
]

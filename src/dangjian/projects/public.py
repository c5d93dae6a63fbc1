"""The public register of micro-projects, without an account: the projects of a community or a
street with their state, type, amount, progress and milestones, each project's steps with their
dates and the requests it answers (number and category only), the funding-source report, a
resident's proposal and following it by tracking code. No proposer's name or phone is shown
anywhere here, nor the signatories' names (only how many signed), nor any note (of an objection only
that it was recorded); every free text shown, titles first, has anything like a phone or ID number
blotted out (``selectors.shown_in_public``)."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangjian.core import paging
from dangjian.core.forms import apply_errors
from dangjian.core.throttle import public_read, public_write
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects import rules, selectors, services
from dangjian.projects.forms import CommunityChoiceForm, ListFilterForm, ProposalForm, TrackForm, YearForm
from dangjian.projects.models import Source
from dangjian.requests import rules as request_rules


@public_read
def index(request):
    """The streets and communities whose registers may be read, found by part of a name."""
    search = CommunityChoiceForm(request.GET)
    text = search.cleaned_data["community_text"].strip() if search.is_valid() else ""
    places = Organization.objects.live().filter(level__in=[Level.STREET, Level.COMMUNITY]).order_by("path")
    if text:
        places = places.filter(name__contains=text)
    return render(request, "projects/public_index.html", {"search": search, "places": places[:100]})


@public_read
def register(request, code):
    organization = selectors.public_organization(code)
    form = ListFilterForm(request.GET or None)
    state = form.cleaned_data.get("state") if form.is_valid() else None
    page = paging.page_context(request, selectors.public_projects(organization, state=state,
                                                                  after=paging.after(request)))
    page["rows"] = [selectors.shown_in_public(row) for row in page["rows"]]
    return render(request, "projects/public_register.html", {
        "place": organization, "form": form, **page,
        "counts": selectors.state_counts(organization), "states": rules.State.choices})


def _project_page(request, project):
    """The public page of ``project`` (already ``selectors.shown_in_public``)."""
    return render(request, "projects/public_project.html", {
        "project": project, "public": True, "steps": selectors.public_steps(project),
        "milestones": selectors.public_milestones(project), "linked_requests": selectors.linked_requests(project)})


@public_read
def project(request, pk):
    return _project_page(request, selectors.public_project(pk))


@public_read
def funding(request, code):
    organization = selectors.public_organization(code)
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year
    report = selectors.funding_report(organization, year)
    for entry in report:
        entry["projects"] = [selectors.shown_in_public(project) for project in entry["projects"]]
    return render(request, "projects/funding.html", {
        "place": organization, "form": form, "year": year, "report": report, "public": True})


@never_cache
@public_write
def propose(request):
    """A resident proposes a project for their community; the answer gives the tracking code."""
    search = CommunityChoiceForm(request.GET)
    text = search.cleaned_data["community_text"] if search.is_valid() else ""
    communities = list(selectors.communities(text)[:50])
    form = ProposalForm(request.POST or None, resident=True)
    chosen = next((org for org in communities if org.code == request.POST.get("community")), None)
    if form.is_bound and form.is_valid():
        if chosen is None:
            form.add_error(None, _("Choose the community the project is for."))
        else:
            data = form.cleaned_data
            try:
                found, code = services.project_propose(
                    actor=None, organization=chosen, title=data["title"], description=data["description"],
                    kind=data["kind"], estimate=data["estimate"], source=Source.PUBLIC_PAGE,
                    proposer_name=data["proposer_name"], phone=data["phone"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "projects/proposed.html", {
                    "project": found, "code": request_rules.format_tracking_code(code)})
    return render(request, "projects/public_propose.html", {
        "form": form, "search": search, "communities": communities,
        "chosen": request.POST.get("community", "")}, status=422 if form.is_bound else 200)


@never_cache
@public_write
def track(request):
    """GET: the form. POST with a code: where the proposal stands. The code is never in an address."""
    form = TrackForm(request.POST or None)
    if not form.is_bound:
        return render(request, "projects/public_track.html", {"form": form})
    if not form.is_valid():
        return render(request, "projects/public_track.html", {"form": form}, status=422)
    found = selectors.by_tracking_code(form.cleaned_data["code"])
    if found is None:
        form.add_error("code", _("No proposal has this tracking code. Check it and try again."))
        return render(request, "projects/public_track.html", {"form": form}, status=404)
    return _project_page(request, selectors.shown_in_public(found))


app_name = "public_projects"
urlpatterns = [
    path("", index, name="index"),
    path("org/<str:code>/", register, name="register"),
    path("org/<str:code>/funding/", funding, name="funding"),
    path("<int:pk>/", project, name="project"),
    path("propose/", propose, name="propose"),
    path("track/", track, name="track"),
]

"""Reads of micro-projects: within the reader's scope for the staff, and the public register,
which shows every project of a subtree without any personal data."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.roles import ROLE_PERMISSIONS, Permission
from dangjian.core import crypto
from dangjian.core.scope import PATH_END, Scope, has_permission, scope_for
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects import rules
from dangjian.projects.models import (
    Configuration,
    FundingSource,
    ListItem,
    MicroProject,
    ProjectTracking,
    ProjectUpdate,
    TypeCap,
)
from dangjian.requests import rules as request_rules
from dangjian.requests import selectors as request_selectors
from dangjian.requests.models import Request

ZERO = Decimal("0.00")


def project_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_PROJECTS)


def _under(organization: Organization) -> Q:
    return Q(org_path__gte=organization.path, org_path__lt=organization.path + PATH_END)


def projects_under(user, organization: Organization) -> QuerySet:
    return project_scope(user).filter(MicroProject.objects.filter(_under(organization)))


def project_list(user, organization: Organization, *, state: str | None = None, kind: str | None = None,
                 after: int | None = None) -> QuerySet:
    """The projects under ``organization``, newest first, narrowed by state and type, from after
    the project ``after``: pages by key."""
    rows = projects_under(user, organization).order_by("-pk")
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.filter(pk__lt=after) if after is not None else rows


def project_for(user, pk: int) -> MicroProject:
    """The project if ``user`` sees it; 404 otherwise, whether outside or absent."""
    return project_scope(user).get_or_404(
        MicroProject.objects.select_related("organization", "positive_item", "negative_item",
                                            "funding_source__organization",
                                            "approved_by", "approver_org", "entered_by", "proposer_member"), pk=pk)


def approving_organization(project: MicroProject) -> Organization | None:
    """The organisation above the project's community that approves it: the street, or the
    community's parent in a tree without streets."""
    community = project.organization
    return request_selectors.level_above(community, 1) or Organization.objects.filter(
        path__in=community.ancestor_paths()).order_by("-depth").first()


def actor_kinds(user, project: MicroProject) -> set[str]:
    """The parts ``user`` may act in on ``project``: its community's staff (managing projects over
    it), the street's (managing projects over the level above), or both."""
    kinds = set()
    if has_permission(user, Permission.MANAGE_PROJECTS, project.org_path):
        kinds.add(rules.Actor.STAFF)
    upper = approving_organization(project)
    if upper is not None and has_permission(user, Permission.MANAGE_PROJECTS, upper.path):
        kinds.add(rules.Actor.UPPER)
    return kinds


def managers_at(organization: Organization) -> QuerySet:
    """The accounts that manage projects at exactly ``organization`` (its own staff, not those of
    the whole city above it), to be told when a project awaits their approval."""
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.MANAGE_PROJECTS in permissions]
    return User.objects.filter(is_active=True, assignments__organization=organization,
                               assignments__role__in=roles).distinct()


def timeline(project: MicroProject) -> QuerySet:
    return project.updates.select_related("actor").order_by("at", "pk")


def linked_requests(project: MicroProject) -> QuerySet:
    return project.requests.select_related("category").order_by("pk")


def milestones(project: MicroProject) -> QuerySet:
    return project.milestones.order_by("pk")


def projects_of_request(user, request: Request) -> QuerySet:
    """The projects a request led to, as far as ``user`` sees them (for the request's page)."""
    return project_scope(user).filter(MicroProject.objects.filter(requests=request)).order_by("pk")


def requests_to_link(user, numbers) -> list[Request]:
    """The requests numbered ``numbers`` that ``user`` sees; the first not found is named."""
    numbers = list(dict.fromkeys(numbers))
    found = {request.pk: request for request in request_selectors.visible_requests(user).filter(pk__in=numbers)
             .select_related("category")}
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ValidationError({"requests": _("No request %(number)s that you can see.") % {"number": missing[0]}})
    return [found[number] for number in numbers]


def community_for_proposal(user, code: str) -> Organization:
    """The community named by ``code`` where ``user`` manages projects; 404 outside the scope,
    and a message naming the field for an organisation that is not a community."""
    organization = scope_for(user, Permission.VIEW_PROJECTS).get_or_404(Organization.objects.all(), "path",
                                                                        code=(code or "").strip())
    if organization.level != Level.COMMUNITY:
        raise ValidationError({"organization": _("Projects belong to a community: choose one, not %(org)s.") % {
            "org": organization.name}})
    return organization


def communities(text: str = "") -> QuerySet:
    """Live communities, for the resident's proposal form (by part of the name)."""
    rows = Organization.objects.live().filter(level=Level.COMMUNITY).order_by("path")
    return rows.filter(name__contains=text.strip()) if text.strip() else rows


def by_tracking_code(code: str) -> MicroProject | None:
    normalised = request_rules.normalise_tracking_code(code)
    if normalised is None:
        return None
    tracking = (ProjectTracking.objects.select_related("project__organization")
                .filter(code_hash=crypto.lookup_hash(normalised)).first())
    return tracking.project if tracking else None


def may_configure(user) -> bool:
    """Caps, lists and funding sources are the deployment's: set from the top of the tree."""
    return scope_for(user, Permission.CONFIGURE_PROJECTS).covers_everything()


def configuration() -> Configuration:
    """The configuration, or its defaults while none is saved."""
    return Configuration.objects.filter(pk=1).first() or Configuration(pk=1)


def caps() -> dict[str, object]:
    return dict(TypeCap.objects.values_list("kind", "cap"))


def list_items(side: str | None = None, *, active_only: bool = True) -> QuerySet:
    rows = ListItem.objects.all()
    if side:
        rows = rows.filter(side=side)
    return rows.filter(active=True) if active_only else rows


def funding_sources(*, year: int | None = None, active_only: bool = False) -> QuerySet:
    rows = FundingSource.objects.select_related("organization")
    if year is not None:
        rows = rows.filter(year=year)
    return rows.filter(active=True) if active_only else rows


def sources_for(project: MicroProject, year: int) -> QuerySet:
    """The sources that may fund ``project`` if approved in ``year``: those of its own community
    or of an organisation above it, for that year, that fund new projects."""
    community = project.organization
    return funding_sources(year=year, active_only=True).filter(
        organization__path__in=[*community.ancestor_paths(), community.path])


def visible_sources(user) -> QuerySet:
    """The sources of the organisations in ``user``'s scope and of those above it: the budgets
    their projects may be funded from."""
    scope = project_scope(user)
    above = {path[:end] for path in scope.paths for end in range(Organization.steplen, len(path), Organization.steplen)}
    return funding_sources().filter(scope.q("organization__path") | Q(organization__path__in=above))


def configurable_sources(user) -> QuerySet:
    """The sources of the organisations where ``user`` configures projects (all of them for the
    command line)."""
    rows = funding_sources()
    return rows if user is None else scope_for(user, Permission.CONFIGURE_PROJECTS).filter(rows, "organization__path")


def source_organization(user, code: str) -> Organization:
    """The live organisation ``code`` that ``user`` may give a funding source to: a city, district,
    street or community where they configure projects; a message naming the field otherwise."""
    rows = Organization.objects.live().filter(code=(code or "").strip(), level__in=SOURCE_LEVELS)
    if user is not None:
        rows = scope_for(user, Permission.CONFIGURE_PROJECTS).filter(rows, "path")
    organization = rows.first()
    if organization is None:
        raise ValidationError({"organization": _(
            "No city, district, street or community with the code “%(code)s” where you configure micro-projects.")
            % {"code": code}})
    return organization


def state_counts(organization: Organization) -> dict[str, int]:
    """How many projects of ``organization``'s subtree are in each state now."""
    counts = dict.fromkeys(rules.State.values, 0)
    counts.update(MicroProject.objects.filter(_under(organization)).order_by().values_list("state")
                  .annotate(n=Count("*")))
    return counts


FUNDING_ROWS = 500  # projects listed per source; the totals count them all
SOURCE_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY)
# The projects that hold money of their source: the funded ones (their budget), and the cancelled
# ones that had paid out before they were cancelled (what they spent, which is gone).
HOLDING = Q(state__in=sorted(rules.FUNDED)) | Q(state=rules.State.CANCELLED, spent__gt=0)
HELD = Case(When(state=rules.State.CANCELLED, then=F("spent")), default=F("budget"))


def funding_report(organization: Organization, year: int) -> list[dict]:
    """Where each source of ``year`` went in ``organization``'s subtree: the sources that funded
    projects in it and those owned within it, each with what its projects here hold (``committed``)
    and have spent in all, and project by project (the first ``FUNDING_ROWS`` of each source)."""
    holding = MicroProject.objects.filter(_under(organization), HOLDING, funding_source__year=year)
    totals = {source: (committed, spent, count) for source, committed, spent, count in (
        holding.order_by().values_list("funding_source").annotate(held=Sum(HELD), spent_=Sum("spent"),
                                                                  n=Count("*")))}
    sources = funding_sources(year=year).filter(
        Q(pk__in=list(totals)) | Q(organization__path__gte=organization.path,
                                   organization__path__lt=organization.path + PATH_END))
    report = []
    for source in sources.order_by("organization__path", "name"):
        committed, spent, count = totals.get(source.pk, (ZERO, ZERO, 0))
        report.append({"source": source, "committed": (committed or ZERO).quantize(rules.CENT),
                       "spent": (spent or ZERO).quantize(rules.CENT), "count": count,
                       "projects": list(holding.filter(funding_source=source).select_related("organization")
                                        .order_by("pk")[:FUNDING_ROWS]) if count else []})
    return report


def source_commitments(source: FundingSource) -> Decimal:
    """What the projects funded by ``source`` hold of its budget."""
    total = source.projects.filter(HOLDING).aggregate(total=Sum(HELD))["total"]
    return (total or ZERO).quantize(rules.CENT)


# --- the public register --------------------------------------------------------------------------

def public_organization(code: str) -> Organization:
    organization = Organization.objects.live().filter(code=code).first()
    if organization is None:
        raise Http404
    return organization


def public_projects(organization: Organization, *, state: str | None = None, after: int | None = None) -> QuerySet:
    rows = MicroProject.objects.filter(_under(organization)).select_related("organization").order_by("-pk")
    if state:
        rows = rows.filter(state=state)
    return rows.filter(pk__lt=after) if after is not None else rows


def public_project(pk: int) -> MicroProject:
    """The project numbered ``pk`` as the public sees it (``shown_in_public``); 404 if none."""
    project = (MicroProject.objects.select_related("organization", "funding_source__organization", "approver_org")
               .filter(pk=pk).first())
    if project is None:
        raise Http404
    return shown_in_public(project)


# Free text typed by residents or staff that the public pages show: any of it may hold a phone or an
# ID number (a resident's own, a contractor's mobile, a signatory's in the record).
PUBLIC_TEXT = ("title", "description", "screening_rule", "minutes", "contractor", "acceptance_record",
               "cancel_reason")


def shown_in_public(project: MicroProject) -> MicroProject:
    """``project`` made fit to show in public, in place: its free text with anything like a phone
    or ID number blotted out, its signatories only counted (``signatory_count``). It is for showing
    only and is never saved."""
    for field in PUBLIC_TEXT:
        setattr(project, field, request_rules.redact(getattr(project, field)))
    project.signatory_count = len(rules.signatory_names(project.signatories))
    project.signatories = ""
    return project


def public_milestones(project: MicroProject) -> list:
    """The project's milestones with their titles made fit to show in public (never saved)."""
    shown = list(milestones(project))
    for milestone in shown:
        milestone.title = request_rules.redact(milestone.title)
    return shown


def public_steps(project: MicroProject) -> QuerySet:
    """The steps shown in public: the changes of state and that an objection was recorded; the
    staff's notes (an objection's among them) are left out."""
    return (ProjectUpdate.objects.filter(project=project).exclude(action__in=[rules.Action.SPEND])
            .defer("note", "data").order_by("at", "pk"))


"""Micro-projects: the projects of a subtree, one project with its milestones, spending, timeline
and the steps open to the caller, a proposal (from residents' requests or the staff's own), every
step of the lifecycle, the statistics and the funding-source report of a subtree, and the
configuration (caps, lists, funding sources, notice period, presets). A project outside the
caller's scope is a 404; a visible one the caller may not change, a 403; a step made on a version
someone has changed since, a 422 naming ``version``.

Under ``/public``, without a token and rate-limited per address as the public pages are: the
register of a street or community, one project, a resident's proposal (answered with its
tracking code, once) and following it by that code, sent in the body. Nothing personal is
answered there: no proposer, no signatories' names, no notes, and free text with anything like a
phone or ID number blotted out."""

import datetime as dt
import functools
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from dangjian.accounts.api import ApiError
from dangjian.accounts.roles import Permission
from dangjian.core import paging, throttle
from dangjian.core.paging import MAX_KEY, key_page
from dangjian.core.schemas import StatisticsFilter
from dangjian.core.throttle import public_read, public_write
from dangjian.members.api.register import OrgRef
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.projects import rules, selectors, services, tally
from dangjian.projects.models import FundingSource, ListItem, MicroProject, ProjectTally, Source
from dangjian.projects.rules import Action, Kind, PassingRule, State
from dangjian.requests import rules as request_rules

router = Router(tags=["projects"])
Figure = Literal[tuple(ProjectTally.FIELDS)]
Side = Literal[tuple(ListItem.Side.values)]
SourceKind = Literal[tuple(FundingSource.SourceKind.values)]


# --- schemas --------------------------------------------------------------------------------------

class RequestRef(Schema):
    id: int
    category: str = Field(description="The request's category.")


class MilestoneOut(Schema):
    id: int
    title: str
    weight: int
    progress: int = Field(description="Percent.")
    due_on: dt.date | None
    done_on: dt.date | None


class SpendingOut(Schema):
    spent_on: dt.date
    amount: Decimal
    payee: str
    note: str


class StepOut(Schema):
    at: dt.datetime
    occurred_on: dt.date
    action: str = Field(description="An action, or propose.")
    from_state: str = Field(description="Empty for the proposal.")
    to_state: State
    note: str
    data: dict


class SourceRef(Schema):
    id: int
    name: str
    year: int
    organization: OrgRef = Field(description="Whose budget it is.")


class ProjectOut(Schema):
    id: int
    title: str
    organization: OrgRef
    kind: Kind
    state: State
    estimate: Decimal
    budget: Decimal | None
    spent: Decimal
    progress: Decimal = Field(description="Percent: the mean of the milestones' progress by their weights.")
    funding_source: SourceRef | None
    proposed_at: dt.datetime


class ProjectCourse(Schema):
    """What a project's page tells of its course, to its staff and to the public alike."""

    description: str
    screening_rule: str
    council_on: dt.date | None
    present: int | None
    votes_for: int | None
    votes_against: int | None
    abstaining: int | None
    passing_rule: str
    minutes: str
    notice_from: dt.date | None
    notice_until: dt.date | None
    approved_on: dt.date | None
    approver_org: OrgRef | None
    contractor: str
    started_on: dt.date | None
    completed_on: dt.date | None
    accepted_on: dt.date | None
    acceptance_record: str
    surveyed: int | None
    satisfied: int | None
    score: Decimal | None
    cancel_reason: str
    requests: list[RequestRef]
    milestones: list[MilestoneOut]


class ProjectDetailOut(ProjectOut, ProjectCourse):
    version: int = Field(description="Send it back with a step: a step made on an older version is refused.")
    source: Source
    proposer_name: str
    proposer_phone: str = Field(description="Masked.")
    signatories: str
    spending: list[SpendingOut]
    actions: list[Action] = Field(description="The steps open to you on this project now.")
    timeline: list[StepOut]


class ProjectPageOut(Schema):
    items: list[ProjectOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class ProjectFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    state: State | None = None
    kind: Kind | None = None
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=paging.PAGE_SIZE, ge=1, le=200)


class ProposalWords(Schema):
    """What every proposal gives, whoever makes it."""

    organization: str = Field(min_length=1, max_length=32, description="The community's code.")
    title: str = Field(max_length=100)
    description: str = Field(max_length=2000)
    kind: Kind
    estimate: Decimal = Field(max_digits=10, decimal_places=2, description="Yuan, to the fen.")


class ProposalIn(ProposalWords):
    requests: list[Annotated[int, Field(ge=1, le=MAX_KEY)]] = Field(
        default_factory=list, max_length=100, description="The numbers of the residents' requests it answers.")
    proposer_name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)


class StepIn(Schema):
    action: Action
    version: int = Field(ge=1, description="The `version` of the project as you read it.")
    note: str = Field(default="", max_length=2000)
    positive_item: int | None = Field(default=None, description="screen: the positive-list entry's key.")
    negative_item: int | None = Field(default=None, description="screen_out: the negative-list entry's key.")
    reason: str = Field(default="", max_length=500, description="screen_out, cancel: the rule or reason.")
    held_on: dt.date | None = Field(default=None, description="council: the day it met.")
    present: int | None = Field(default=None, ge=0, le=10000)
    votes_for: int | None = Field(default=None, ge=0, le=10000)
    votes_against: int | None = Field(default=None, ge=0, le=10000)
    abstaining: int | None = Field(default=None, ge=0, le=10000)
    minutes: str = Field(default="", max_length=4000)
    jury_passed: bool | None = Field(default=None, description="council: a jury's decision instead of votes.")
    budget: Decimal | None = Field(default=None, max_digits=10, decimal_places=2, description="approve: yuan.")
    funding_source: int | None = Field(default=None, description="approve: the funding source's key: a source of "
                                                                 "this year, of the community or above it.")
    contractor: str = Field(default="", max_length=200, description="start.")
    title: str = Field(default="", max_length=100, description="milestone.")
    weight: int | None = Field(default=None, ge=1, le=rules.MAX_WEIGHT, description="milestone.")
    due_on: dt.date | None = Field(default=None, description="milestone.")
    milestone: int | None = Field(default=None, description="progress: the milestone's key.")
    progress: int | None = Field(default=None, ge=0, le=100, description="progress: percent.")
    amount: Decimal | None = Field(default=None, max_digits=10, decimal_places=2, description="spend: yuan.")
    spent_on: dt.date | None = Field(default=None, description="spend.")
    payee: str = Field(default="", max_length=200, description="spend.")
    accepted_on: dt.date | None = Field(default=None, description="accept.")
    record: str = Field(default="", max_length=4000, description="accept: the acceptance record.")
    signatories: str = Field(default="", max_length=300, description="accept: at least two names, comma-separated.")
    surveyed: int | None = Field(default=None, ge=0, le=10_000_000, description="evaluate.")
    satisfied: int | None = Field(default=None, ge=0, le=10_000_000, description="evaluate.")
    score: Decimal | None = Field(default=None, max_digits=5, decimal_places=2, description="evaluate: 0-100.")


class StepDoneOut(Schema):
    id: int
    state: State
    version: int
    progress: Decimal


class StatisticsOut(Schema):
    organization: OrgRef
    first: dt.date
    last: dt.date
    figures: dict[Figure, Decimal | int]
    now: dict[State, int] = Field(description="Projects in each state now.")


class FundingFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    year: int | None = Field(default=None, ge=2000, le=2100, description="This year if left out.")


class FundedOut(Schema):
    id: int
    title: str
    organization: OrgRef
    state: State
    approved: Decimal
    spent: Decimal


class FundingOut(Schema):
    source: SourceRef
    kind: SourceKind
    budget: Decimal
    committed: Decimal = Field(description="What the source's projects in the subtree hold of it: the budgets of "
                                           "those funded, and what cancelled ones had spent.")
    spent: Decimal
    count: int = Field(description="How many projects in the subtree hold money of the source.")
    projects: list[FundedOut] = Field(description="The first 500 of them, cancelled ones with their spending "
                                                  "among them.")


class ListItemOut(Schema):
    id: int
    side: Side
    text: str
    order: int
    active: bool


class SourceOut(Schema):
    id: int
    organization: OrgRef = Field(description="Whose budget it is.")
    name: str
    kind: SourceKind
    year: int
    budget: Decimal
    active: bool


class ConfigurationOut(Schema):
    preset: str
    notice_working_days: int
    passing_rule: PassingRule
    caps: dict[Kind, Decimal] = Field(description="Cap per project, in yuan, of each type that has one.")
    items: list[ListItemOut]
    sources: list[SourceOut]


class ConfigurationIn(Schema):
    notice_working_days: int = Field(ge=1, le=rules.MAX_NOTICE_DAYS)
    passing_rule: PassingRule
    caps: dict[Kind, Decimal | None] = Field(description="Cap per type in yuan; null removes a cap.")


class PresetIn(Schema):
    preset: Literal[tuple(rules.PRESETS)]


class ListItemIn(Schema):
    side: Side
    text: str = Field(max_length=200)
    order: int = Field(default=0, ge=0, le=32767)
    active: bool = True


class SourceIn(Schema):
    organization: str = Field(min_length=1, max_length=32, description="Code of the city, district, street or "
                                                                       "community whose budget it is.")
    name: str = Field(max_length=100)
    kind: SourceKind
    year: int = Field(ge=2000, le=2100)
    budget: Decimal = Field(max_digits=12, decimal_places=2)
    active: bool = True


class PublicStepOut(Schema):
    occurred_on: dt.date
    action: str = Field(description="An action, or propose. An objection is only said to be recorded.")
    to_state: State


class PublicProjectDetailOut(ProjectOut, ProjectCourse):
    signatories: int = Field(description="How many signed the acceptance; their names are not public.")
    steps: list[PublicStepOut]


class PublicFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of a street or community: its whole register.")
    state: State | None = None
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=paging.PAGE_SIZE, ge=1, le=200)


class PublicProposalIn(ProposalWords):
    proposer_name: str = Field(max_length=50, description="Kept for the community's staff; never shown.")
    phone: str = Field(default="", max_length=30, description="Kept sealed for the community's staff; never shown.")


class ProposedOut(Schema):
    tracking_code: str = Field(description="Answered this once only: keep it to follow the proposal.")
    project: PublicProjectDetailOut


class TrackIn(Schema):
    code: str = Field(min_length=1, max_length=30, description="The tracking code answered with the proposal.")


# --- shaping answers ------------------------------------------------------------------------------

def _org(organization: Organization | None) -> dict | None:
    return {"code": organization.code, "name": organization.name} if organization is not None else None


def _source(source: FundingSource | None) -> dict | None:
    if source is None:
        return None
    return {"id": source.pk, "name": source.name, "year": source.year, "organization": _org(source.organization)}


def _out(project: MicroProject) -> dict:
    return {"id": project.pk, "title": project.title, "organization": _org(project.organization),
            "kind": project.kind, "state": project.state, "estimate": project.estimate, "budget": project.budget,
            "spent": project.spent, "progress": project.progress, "funding_source": _source(project.funding_source),
            "proposed_at": project.proposed_at}


def _detail(user, project: MicroProject) -> dict:
    return _out(project) | {
        "version": project.version, "description": project.description, "source": project.source,
        "proposer_name": project.proposer_name, "proposer_phone": project.masked_phone,
        **{field: getattr(project, field) for field in (
            "screening_rule", "council_on", "present", "votes_for", "votes_against", "abstaining", "passing_rule",
            "minutes", "notice_from", "notice_until", "approved_on", "contractor", "started_on", "completed_on",
            "accepted_on", "acceptance_record", "signatories", "surveyed", "satisfied", "score", "cancel_reason")},
        "approver_org": _org(project.approver_org),
        "requests": [{"id": request.pk, "category": request.category.name}
                     for request in selectors.linked_requests(project)],
        "milestones": list(selectors.milestones(project).values("id", "title", "weight", "progress", "due_on",
                                                                "done_on")),
        "spending": list(project.spendings.values("spent_on", "amount", "payee", "note")),
        "actions": rules.actions_for(project.state, selectors.actor_kinds(user, project)),
        "timeline": list(selectors.timeline(project).values("at", "occurred_on", "action", "from_state", "to_state",
                                                            "note", "data")),
    }


def _configuration(user) -> dict:
    current = selectors.configuration()
    return {"preset": current.preset, "notice_working_days": current.notice_working_days,
            "passing_rule": current.passing_rule, "caps": selectors.caps(),
            "items": list(selectors.list_items(active_only=False).values("id", "side", "text", "order", "active")),
            "sources": [_source_out(source) for source in selectors.visible_sources(user)]}


def _require_configure(request) -> None:
    if not selectors.may_configure(request.user):
        raise PermissionDenied(_("Caps, lists and funding sources are set by the organisation department at the "
                                 "top."))


# --- projects -------------------------------------------------------------------------------------

@router.get("", response=ProjectPageOut, summary="The micro-projects under an organisation, newest first")
def list_projects(request, filters: Query[ProjectFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_PROJECTS)
    rows = selectors.project_list(request.user, organization, state=filters.state, kind=filters.kind,
                                  after=filters.after).select_related("organization", "funding_source__organization")
    items, next_after = key_page(rows, filters.limit)
    return {"items": [_out(project) for project in items], "next_after": next_after}


@router.post("", response={201: ProjectDetailOut}, summary="Enter a proposal for a community")
def propose(request, payload: ProposalIn):
    """Staff managing the community's projects enter a proposal: on their own, or from residents'
    requests (``requests``), which are linked both ways."""
    organization = selectors.community_for_proposal(request.user, payload.organization)
    project, _code = services.project_propose(
        actor=request.user, organization=organization, title=payload.title, description=payload.description,
        kind=payload.kind, estimate=payload.estimate, source=Source.REQUESTS if payload.requests else Source.STAFF,
        proposer_name=payload.proposer_name, phone=payload.phone,
        requests=selectors.requests_to_link(request.user, payload.requests))
    return Status(201, _detail(request.user, selectors.project_for(request.user, project.pk)))


@router.get("/statistics", response=StatisticsOut, summary="What happened to the micro-projects of a subtree")
def statistics(request, filters: Query[StatisticsFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_PROJECTS)
    first, last = filters.months()
    return {"organization": _org(organization), "first": first.replace(day=1), "last": last.replace(day=1),
            "figures": tally.figures(organization, first, last), "now": selectors.state_counts(organization)}


@router.get("/funding", response=list[FundingOut], summary="Where each funding source's money went, for a year")
def funding(request, filters: Query[FundingFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_PROJECTS)
    report = selectors.funding_report(organization, filters.year or timezone.localdate().year)
    return [{"source": _source(entry["source"]), "kind": entry["source"].kind, "budget": entry["source"].budget,
             "committed": entry["committed"], "spent": entry["spent"], "count": entry["count"],
             "projects": [{"id": project.pk, "title": project.title, "organization": _org(project.organization),
                           "state": project.state, "approved": project.budget, "spent": project.spent}
                          for project in entry["projects"]]} for entry in report]


@router.get("/config", response=ConfigurationOut, summary="The caps, lists, funding sources and notice period")
def get_configuration(request):
    if not selectors.project_scope(request.user).paths:
        raise PermissionDenied(_("Your role does not allow this."))
    return _configuration(request.user)


@router.post("/config", response=ConfigurationOut, summary="Set the caps, notice period and passing rule")
def set_configuration(request, payload: ConfigurationIn):
    _require_configure(request)
    services.configuration_save(actor=request.user, notice_working_days=payload.notice_working_days,
                                passing_rule=payload.passing_rule,
                                caps={str(kind): cap for kind, cap in payload.caps.items()})
    return _configuration(request.user)


@router.post("/config/preset", response=ConfigurationOut, summary="Load a city's caps and lists")
def load_preset(request, payload: PresetIn):
    _require_configure(request)
    services.preset_load(actor=request.user, name=payload.preset)
    return _configuration(request.user)


@router.post("/config/items", response={201: ListItemOut}, summary="Add an entry to the positive or negative list")
def add_item(request, payload: ListItemIn):
    _require_configure(request)
    item = services.list_item_save(actor=request.user, **payload.model_dump())
    return Status(201, {"id": item.pk, "side": item.side, "text": item.text, "order": item.order,
                        "active": item.active})


@router.post("/config/items/{int:item_id}", response=ListItemOut, summary="Change a list entry")
def change_item(request, item_id: int, payload: ListItemIn):
    _require_configure(request)
    item = ListItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    item = services.list_item_save(actor=request.user, item=item, **payload.model_dump())
    return {"id": item.pk, "side": item.side, "text": item.text, "order": item.order, "active": item.active}


def _source_out(source: FundingSource) -> dict:
    return {"id": source.pk, "organization": _org(source.organization), "name": source.name, "kind": source.kind,
            "year": source.year, "budget": source.budget, "active": source.active}


def _save_source(request, payload: SourceIn, source: FundingSource | None = None) -> FundingSource:
    fields = payload.model_dump()
    organization = selectors.source_organization(request.user, fields.pop("organization"))
    return services.funding_source_save(actor=request.user, source=source, organization=organization, **fields)


@router.post("/config/sources", response={201: SourceOut}, summary="Add a funding source")
def add_source(request, payload: SourceIn):
    _require_configure(request)
    return Status(201, _source_out(_save_source(request, payload)))


@router.post("/config/sources/{int:source_id}", response=SourceOut, summary="Change a funding source")
def change_source(request, source_id: int, payload: SourceIn):
    _require_configure(request)
    source = selectors.configurable_sources(request.user).filter(pk=source_id).first()
    if source is None:
        raise Http404
    return _source_out(_save_source(request, payload, source))


@router.get("/{int:project_id}", response=ProjectDetailOut,
            summary="One micro-project with its milestones, spending, timeline and your steps")
def get_project(request, project_id: int):
    return _detail(request.user, selectors.project_for(request.user, project_id))


def _step_arguments(project: MicroProject, payload: StepIn) -> dict:
    """The service's arguments from the payload: keys resolved to objects, an unknown key named."""
    arguments = payload.model_dump(exclude={"action", "version", "note"}, exclude_none=True)
    lookups = {"positive_item": (selectors.list_items(active_only=False), _("There is no list entry %(number)s.")),
               "negative_item": (selectors.list_items(active_only=False), _("There is no list entry %(number)s.")),
               "funding_source": (selectors.funding_sources(), _("There is no funding source %(number)s.")),
               "milestone": (selectors.milestones(project), _("This project has no milestone %(number)s."))}
    for field, (rows, missing) in lookups.items():
        if field in arguments:
            found = rows.filter(pk=arguments[field]).first()
            if found is None:
                raise ValidationError({field: missing % {"number": arguments[field]}})
            arguments[field] = found
    return arguments


@router.post("/{int:project_id}/actions", response=StepDoneOut,
             summary="Take a step: screen, council, notice, approve, start, milestone, progress, spend …")
def act(request, project_id: int, payload: StepIn):
    """One step of `actions` in the project's detail, on the `version` read there, with the fields
    that step takes (see each field's description)."""
    project = selectors.project_for(request.user, project_id)
    if not selectors.actor_kinds(request.user, project):
        raise PermissionDenied
    changed = services.project_act(actor=request.user, project=project, action=str(payload.action),
                                   version=payload.version, note=payload.note, **_step_arguments(project, payload))
    return {"id": changed.pk, "state": changed.state, "version": changed.version, "progress": changed.progress}


# --- the public register: no token, rate-limited ----------------------------------------------------

def _public(limit):
    """Open to anyone without a token, each call counted against the rate of the public pages
    (``limit``: core.throttle's public_read or public_write); a call over it is answered 429 as
    the public pages' API calls are."""
    def decorate(view):
        limited = limit(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return limited(request, *args, **kwargs)
            except Ratelimited:
                return throttle.limited(request)
        return wrapper
    return decorate


def _public_out(project: MicroProject) -> dict:
    """A project made fit for the public (``selectors.shown_in_public``), in a list."""
    return {field: getattr(project, field) for field in (
        "id", "title", "kind", "state", "estimate", "budget", "spent", "progress", "proposed_at")} | {
        "organization": _org(project.organization), "funding_source": _source(project.funding_source)}


def _public_detail(project: MicroProject) -> dict:
    return _public_out(project) | {
        **{field: getattr(project, field) for field in (
            "description", "screening_rule", "council_on", "present", "votes_for", "votes_against", "abstaining",
            "passing_rule", "minutes", "notice_from", "notice_until", "approved_on", "contractor", "started_on",
            "completed_on", "accepted_on", "acceptance_record", "surveyed", "satisfied", "score", "cancel_reason")},
        "signatories": project.signatory_count, "approver_org": _org(project.approver_org),
        "requests": [{"id": request.pk, "category": request.category.name}
                     for request in selectors.linked_requests(project)],
        "milestones": [{"id": milestone.pk, "title": milestone.title, "weight": milestone.weight,
                        "progress": milestone.progress, "due_on": milestone.due_on, "done_on": milestone.done_on}
                       for milestone in selectors.public_milestones(project)],
        "steps": list(selectors.public_steps(project).values("occurred_on", "action", "to_state")),
    }


@router.get("/public", auth=None, response={200: ProjectPageOut, 429: ApiError},
            summary="The public register of a street or community, newest first (no token)")
@_public(public_read)
def public_register(request, filters: Query[PublicFilter]):
    organization = selectors.public_organization(filters.org)
    rows = selectors.public_projects(organization, state=filters.state, after=filters.after).select_related(
        "funding_source__organization")
    items, next_after = key_page(rows, filters.limit)
    return {"items": [_public_out(selectors.shown_in_public(project)) for project in items], "next_after": next_after}


@router.get("/public/{int:project_id}", auth=None, response={200: PublicProjectDetailOut, 429: ApiError},
            summary="One project of the public register: its record, milestones and steps (no token)")
@_public(public_read)
def public_project(request, project_id: int):
    return _public_detail(selectors.public_project(project_id))


@router.post("/public/proposals", auth=None, response={201: ProposedOut, 429: ApiError},
             summary="A resident proposes a project for their community; answers its tracking code, once")
@_public(public_write)
def public_propose(request, payload: PublicProposalIn):
    community = selectors.communities().filter(code=payload.organization.strip()).first()
    if community is None:
        raise ValidationError({"organization": _("No live community has the code “%(code)s”.") % {
            "code": payload.organization}})
    project, code = services.project_propose(
        actor=None, organization=community, title=payload.title, description=payload.description, kind=payload.kind,
        estimate=payload.estimate, source=Source.PUBLIC_PAGE, proposer_name=payload.proposer_name,
        phone=payload.phone)
    return Status(201, {"tracking_code": request_rules.format_tracking_code(code),
                        "project": _public_detail(selectors.public_project(project.pk))})


@router.post("/public/track", auth=None, response={200: PublicProjectDetailOut, 404: ApiError, 429: ApiError},
             summary="Where a proposal stands, by its tracking code sent in the body (no token)")
@_public(public_write)
def public_track(request, payload: TrackIn):
    found = selectors.by_tracking_code(payload.code)
    if found is None:
        raise HttpError(404, _("No proposal has this tracking code. Check it and try again."))
    return _public_detail(selectors.public_project(found.pk))

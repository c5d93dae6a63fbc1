"""Residents' requests: the working lists of a level, one request with its timeline and the actions
open to the caller, filing for a resident, every change of state, the statistics of a subtree, and
the representatives with their rota, their receptions and members' household visits, whose problems
become requests in the same call. A request outside the caller's scope is a 404; a visible one the
caller may not change, a 403; a change made on a version someone has changed since, a 422 naming
``version``."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.accounts.roles import Permission
from dangjian.core import paging
from dangjian.core.schemas import OrgPageFilter, StatisticsFilter
from dangjian.members.api.register import OrgRef
from dangjian.members.selectors.own import own_member
from dangjian.orgs import counts as org_counts
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.requests import rules, selectors, services, tally
from dangjian.requests.forms import ListFilterForm
from dangjian.requests.models import (
    Category,
    Reception,
    ReceptionDuty,
    Representative,
    Request,
    RequestTally,
    Source,
    Visit,
)
from dangjian.requests.rules import Action, Actor, Light, State

router = Router(tags=["requests"])
ListName = Literal[tuple(name for name, _label in ListFilterForm.LISTS)]
Figure = Literal[tuple(RequestTally.FIELDS)]


# --- schemas ------------------------------------------------------------------------------------------

class ValueOut(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    code: str
    datatype: str = Field(description="string, number, datetime, text, singlevaluelist or multivaluelist.")
    required: bool
    description: str = Field(description="The question asked.")
    datatype_description: str
    order: int
    values: list[ValueOut]


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    group: str
    keywords: str
    time_limit_days: int = Field(description="Working days from acceptance to the deadline.")
    attributes: list[AttributeOut] = Field(description="What the category asks for more, if anything.")


class CategoryRef(Schema):
    code: str
    name: str


class MemberRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str


class PlaceOut(Schema):
    grid_code: str
    grid: str
    building_id: int | None
    building: str = Field(description="Empty when the request names no building.")
    address: str


class RequestOut(Schema):
    id: int
    category: CategoryRef
    place: PlaceOut
    organization: OrgRef = Field(description="The organisation answering for the place.")
    state: State
    light: Light | None = Field(description="While the request is open and has a deadline: green, yellow (due "
                                            "soon) or red (overdue).")
    due_on: dt.date | None
    escalation_level: int = Field(description="Levels risen since the deadline passed: 0 none, 1 community, "
                                              "2 street.")
    escalated_to: OrgRef | None
    assigned_org: OrgRef | None
    assigned_member: MemberRef | None
    assigned_team: TeamRef | None = Field(description="The service team it is assigned to.")
    source: Source
    received_at: dt.datetime
    phone: str = Field(description="The resident's phone, masked; empty if none.")
    description: str


class UpdateOut(Schema):
    at: dt.datetime
    by: Actor
    action: str = Field(description="An action, or file and escalate.")
    from_state: str = Field(description="Empty for the filing.")
    to_state: State
    public_note: str = Field(description="The reply the resident reads.")
    internal_note: str = Field(description="Shown to the staff handling the request only.")


class RequestDetailOut(RequestOut):
    version: int = Field(description="Send it back with an action: a change made on an older version is refused.")
    contact_name: str
    address: str
    public: bool = Field(description="The description may be shown in public.")
    attributes: dict[str, Any]
    has_photo: bool
    entered_by: str = Field(description="Who entered it for the resident; empty when the resident filed it.")
    accepted_on: dt.date | None
    warn_on: dt.date | None = Field(description="From this day the request is due soon.")
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    duplicate_of: int | None
    referred_to: str
    satisfaction: int | None
    reopen_count: int
    public_note: str = Field(description="The latest reply to the resident.")
    actions: list[Action] = Field(description="The actions open to you on this request now.")
    timeline: list[UpdateOut]


class FiledOut(RequestDetailOut):
    tracking_code: str = Field(description="Give it to the resident: it is shown this once.")


class RequestPageOut(Schema):
    items: list[RequestOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class RequestFilter(Schema):
    org: str = Field(min_length=1, max_length=32, description="Code of an organisation: its whole subtree.")
    list_name: ListName = Field(default="all", alias="list",
                                description="overdue and due_soon (soonest first), unassigned, escalated (risen to "
                                            "this organisation), or all (newest first).")
    state: State | None = None
    category: str | None = Field(default=None, max_length=32, description="A category's code.")
    after: int | None = Field(default=None, description="`next_after` of the previous page.")
    limit: int = Field(default=paging.PAGE_SIZE, ge=1, le=200)


class FileIn(Schema):
    category: str = Field(min_length=1, max_length=32, description="A category's code.")
    grid: str = Field(min_length=1, max_length=32, description="The grid's code.")
    building: int | None = Field(default=None, description="A building of that grid, by key.")
    description: str = Field(max_length=2000)
    address: str = Field(default="", max_length=200, description="Where exactly.")
    contact_name: str = Field(default="", max_length=50, description="The name of the resident you file for.")
    phone: str = Field(default="", max_length=30, description="The resident's phone, if they give it.")
    public: bool = Field(default=False, description="The resident agrees that the description is shown in public.")
    attributes: dict[str, list[str] | str] = Field(default_factory=dict,
                                                   description="Answers to the category's attributes, by code.")


class ActionIn(Schema):
    action: Action
    version: int = Field(ge=1, description="The `version` of the request as you read it.")
    public_note: str = Field(default="", max_length=1000, description="The reply the resident reads.")
    internal_note: str = Field(default="", max_length=1000)
    organization: str = Field(default="", max_length=32, description="assign: the organisation's code.")
    member: int | None = Field(default=None, description="assign: the member's key.")
    team: int | None = Field(default=None, description="assign: the service team's key.")
    original: int | None = Field(default=None, description="duplicate: the request it repeats.")
    referred_to: str = Field(default="", max_length=200, description="refer: where to.")
    public: bool | None = Field(default=None, description="accept: whether the description may be shown in public.")


class ActionOut(Schema):
    id: int
    state: State
    version: int


class StatisticsOut(Schema):
    organization: OrgRef
    first: dt.date
    last: dt.date
    figures: dict[Figure, int]
    median_days_to_resolve: float | None
    open_now: int
    overdue_now: int


class DutyOut(Schema):
    id: int
    place: str
    weekday: int = Field(description="0 Monday … 6 Sunday.")
    starts_at: dt.time
    ends_at: dt.time


class RepresentativeOut(Schema):
    id: int
    member: MemberRef
    organization: OrgRef
    title: str
    since: dt.date
    until: dt.date | None
    duties: list[DutyOut] = Field(description="The representative's lines on the reception rota.")


class RepresentativePageOut(Schema):
    items: list[RepresentativeOut]
    next_after: int | None


class RepresentativeIn(Schema):
    member: int = Field(description="The member's key.")
    organization: str = Field(min_length=1, max_length=32, description="Where the representative serves.")
    title: str = Field(max_length=100, description="e.g. 区党代表")
    since: dt.date


class TermEndIn(Schema):
    until: dt.date


class DutyIn(Schema):
    place: str = Field(max_length=200)
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday.")
    starts_at: dt.time
    ends_at: dt.time


class ProblemIn(Schema):
    category: str = Field(max_length=32, description="A category's code.")
    grid: str | None = Field(default=None, max_length=32,
                             description="The grid's code (for a visit, the member's own grid if left out).")
    building: int | None = Field(default=None, description="A building of that grid, by key.")
    description: str = Field(max_length=2000)
    address: str = Field(default="", max_length=200)
    contact_name: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30)
    attributes: dict[str, list[str] | str] = Field(default_factory=dict)


class FiledRef(Schema):
    id: int
    tracking_code: str = Field(description="Give it to the resident: it is shown this once.")


class RepresentativeRef(Schema):
    id: int
    name: str
    title: str


class ReceptionOut(Schema):
    id: int
    representative: RepresentativeRef
    organization: OrgRef
    place: str
    held_on: dt.date
    visitors: int
    visitor_names: str
    notes: str
    problems: int = Field(description="How many requests the reception raised.")


class ReceptionPageOut(Schema):
    items: list[ReceptionOut]
    next_after: int | None


class ReceptionIn(Schema):
    representative: int = Field(description="The representative's key (your own term, or one you handle).")
    held_on: dt.date
    visitors: int = Field(ge=0, le=rules.MAX_VISITORS)
    place: str = Field(default="", max_length=200, description="The rota line's place if left out.")
    duty: int | None = Field(default=None, description="The rota line, by key.")
    visitor_names: str = Field(default="", max_length=500, description="Only with the visitors' consent.")
    notes: str = Field(default="", max_length=2000)
    problems: list[ProblemIn] = Field(default_factory=list, max_length=100,
                                      description="Each problem raised becomes a request.")


class ReceptionLoggedOut(Schema):
    reception: ReceptionOut
    requests: list[FiledRef]


class VisitOut(Schema):
    id: int
    member: MemberRef
    organization: OrgRef = Field(description="The responsibility zone, or the grid's organisation.")
    grid: CategoryRef
    visited_on: dt.date
    household: str
    notes: str
    problems: int = Field(description="How many requests the visit raised.")


class VisitPageOut(Schema):
    items: list[VisitOut]
    next_after: int | None


class VisitIn(Schema):
    member: int = Field(description="The visiting member's key (your own, or one you handle).")
    visited_on: dt.date
    household: str = Field(max_length=100, description="Building and door, e.g. 3栋502.")
    notes: str = Field(default="", max_length=2000)
    problems: list[ProblemIn] = Field(default_factory=list, max_length=100,
                                      description="Each problem found becomes a request.")


class VisitLoggedOut(Schema):
    visit: VisitOut
    requests: list[FiledRef]


# --- shaping answers ----------------------------------------------------------------------------------

def _org(organization: Organization | None) -> dict | None:
    return {"code": organization.code, "name": organization.name} if organization is not None else None


def _page(rows: QuerySet, limit: int, out) -> dict:
    items, next_after = paging.key_page(rows, limit)
    return {"items": out(items), "next_after": next_after}


def _out(filed: Request, today: dt.date) -> dict:
    return {
        "id": filed.pk, "category": {"code": filed.category.code, "name": filed.category.name},
        "place": {"grid_code": filed.grid.code, "grid": filed.grid.name, "building_id": filed.building_id,
                  "building": filed.building.name if filed.building_id else "", "address": filed.address},
        "organization": _org(filed.organization), "state": filed.state, "light": rules.light_of(filed, today),
        "due_on": filed.due_on, "escalation_level": filed.escalation_level, "escalated_to": _org(filed.escalated_to),
        "assigned_org": _org(filed.assigned_org),
        "assigned_member": {"id": filed.assigned_member.pk, "name": filed.assigned_member.name}
        if filed.assigned_member_id else None,
        "assigned_team": {"id": filed.assigned_team.pk, "name": filed.assigned_team.name}
        if filed.assigned_team_id else None,
        "source": filed.source, "received_at": filed.received_at, "phone": filed.masked_phone,
        "description": filed.description,
    }


def _detail(user, filed: Request) -> dict:
    kinds = selectors.actor_kinds(user, filed)
    staff = Actor.STAFF in kinds
    entered_by = (filed.entered_by.get_full_name() or filed.entered_by.username) if filed.entered_by_id else ""
    return _out(filed, timezone.localdate()) | {
        "version": filed.version, "contact_name": filed.contact_name, "address": filed.address,
        "public": filed.public, "attributes": filed.attributes, "has_photo": bool(filed.photo),
        "entered_by": entered_by, "accepted_on": filed.accepted_on, "warn_on": filed.warn_on,
        "resolved_at": filed.resolved_at, "closed_at": filed.closed_at, "duplicate_of": filed.duplicate_of_id,
        "referred_to": filed.referred_to, "satisfaction": filed.satisfaction, "reopen_count": filed.reopen_count,
        "public_note": filed.public_note, "actions": rules.actions_for(filed.state, kinds),
        "timeline": [{"at": update.at, "by": update.actor_kind, "action": update.action,
                      "from_state": update.from_state, "to_state": update.to_state,
                      "public_note": update.public_note, "internal_note": update.internal_note if staff else ""}
                     for update in selectors.timeline_for(user, filed, kinds)],
    }


def _filed(filed: list[tuple[Request, str]]) -> list[dict]:
    return [{"id": request.pk, "tracking_code": rules.format_tracking_code(code)} for request, code in filed]


def _representatives(page: list[Representative]) -> list[dict]:
    return [{"id": term.pk, "member": {"id": term.member.pk, "name": term.member.name},
             "organization": _org(term.organization), "title": term.title, "since": term.since, "until": term.until,
             "duties": [_duty(duty) for duty in term.duties.all() if duty.active]} for term in page]


def _duty(duty: ReceptionDuty) -> dict:
    return {"id": duty.pk, "place": duty.place, "weekday": duty.weekday, "starts_at": duty.starts_at,
            "ends_at": duty.ends_at}


def _receptions(page: list[Reception]) -> list[dict]:
    raised = selectors.problems_raised("reception", [reception.pk for reception in page])
    return [{"id": reception.pk, "representative": {"id": reception.representative.pk,
                                                    "name": reception.representative.member.name,
                                                    "title": reception.representative.title},
             "organization": _org(reception.organization), "place": reception.place, "held_on": reception.held_on,
             "visitors": reception.visitors, "visitor_names": reception.visitor_names, "notes": reception.notes,
             "problems": raised.get(reception.pk, 0)} for reception in page]


def _visits(page: list[Visit]) -> list[dict]:
    raised = selectors.problems_raised("visit", [visit.pk for visit in page])
    return [{"id": visit.pk, "member": {"id": visit.member.pk, "name": visit.member.name},
             "organization": _org(visit.organization), "grid": {"code": visit.grid.code, "name": visit.grid.name},
             "visited_on": visit.visited_on, "household": visit.household, "notes": visit.notes,
             "problems": raised.get(visit.pk, 0)} for visit in page]


# --- reading what was sent ----------------------------------------------------------------------------

def _category(code: str | None) -> Category | None:
    return selectors.categories(active_only=False).filter(code=(code or "").strip()).first()


def _values(attributes: dict[str, list[str] | str]) -> dict[str, list[str]]:
    """Open311's form (``attribute[code]`` → one value or several) as the rules read it."""
    return {code: value if isinstance(value, list) else [value] for code, value in attributes.items()}


def _problems(problems: list[ProblemIn]) -> list[dict]:
    """The problems as the services take them; a grid or building that does not exist is named."""
    errors, read = {}, []
    for index, problem in enumerate(problems, start=1):
        grid, building = selectors.place_named(problem.grid, problem.building)
        if problem.grid and grid is None:
            errors[f"problems[{index}].grid"] = _("No grid has this code.")
        if problem.building is not None and building is None:
            errors[f"problems[{index}].building"] = _("No building %(number)s.") % {"number": problem.building}
        read.append({"category": _category(problem.category), "grid": grid, "building": building,
                     "description": problem.description, "address": problem.address,
                     "contact_name": problem.contact_name, "phone": problem.phone,
                     "attributes": _values(problem.attributes)})
    if errors:
        raise ValidationError(errors)
    return read


# --- requests -----------------------------------------------------------------------------------------

@router.get("/categories", response=list[CategoryOut], summary="Categories taking new requests")
def list_categories(request):
    return [{"code": category.code, "name": category.name, "description": category.description,
             "group": category.group, "keywords": category.keywords, "time_limit_days": category.time_limit_days,
             "attributes": category.attributes} for category in selectors.categories()]


@router.get("", response=RequestPageOut, summary="A working list of requests under an organisation")
def list_requests(request, filters: Query[RequestFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_REQUESTS)
    category = None
    if filters.category:
        category = _category(filters.category)
        if category is None:
            raise ValidationError({"category": _("No category has this code.")})
    today = timezone.localdate()
    rows = selectors.request_list(request.user, organization, filters.list_name, today=today, state=filters.state,
                                  category=category, after=filters.after)
    rows = rows.select_related("category", "grid", "building", "organization", "escalated_to", "assigned_org",
                               "assigned_member", "assigned_team")
    return _page(rows, filters.limit, lambda page: [_out(filed, today) for filed in page])


@router.get("/statistics", response=StatisticsOut, summary="What happened to the requests of a subtree, by month")
def statistics(request, filters: Query[StatisticsFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_REQUESTS)
    today = timezone.localdate()
    first, last = filters.months()
    figures = tally.figures(organization, first, last)
    now = selectors.open_counts(request.user, organization, today=today)
    return {"organization": _org(organization), "first": org_counts.month_of(first), "last": org_counts.month_of(last),
            "figures": {field: figures[field] for field in RequestTally.FIELDS},
            "median_days_to_resolve": figures["median_days_to_resolve"], "open_now": now["open"],
            "overdue_now": now["overdue"]}


@router.post("", response={201: FiledOut}, summary="File a request for a resident")
def file_request(request, payload: FileIn):
    """Staff of the place, or a representative serving over it, file for a resident who came,
    phoned or was met; the resident follows it with the tracking code of the answer."""
    grid, building = selectors.place_named(payload.grid, payload.building)
    if grid is None:
        raise ValidationError({"grid": _("No grid has this code.")})
    if not (selectors.request_scope(request.user).covers(grid.org_path)
            or selectors.may_file_for_residents(request.user, grid)):
        raise Http404
    if payload.building is not None and building is None:
        raise ValidationError({"building": _("No building %(number)s.") % {"number": payload.building}})
    filed, code = services.request_file(
        actor=request.user, source=Source.ON_BEHALF, category=_category(payload.category), grid=grid,
        building=building, description=payload.description, address=payload.address,
        contact_name=payload.contact_name, phone=payload.phone, public=payload.public,
        attributes=_values(payload.attributes))
    return Status(201, _detail(request.user, filed) | {"tracking_code": rules.format_tracking_code(code)})


@router.get("/{int:request_id}", response=RequestDetailOut, summary="One request with its timeline and your actions")
def get_request(request, request_id: int):
    return _detail(request.user, selectors.request_for(request.user, request_id))


@router.post("/{int:request_id}/actions", response=ActionOut, summary="Change a request: accept, assign, resolve …")
def change_request(request, request_id: int, payload: ActionIn):
    """One action of `actions` in the request's detail, on the `version` read there. Assign names
    an organisation (code), a member (key) or a service team (key); duplicate the original; refer where to."""
    filed = selectors.request_for(request.user, request_id)
    if not selectors.actor_kinds(request.user, filed):
        raise PermissionDenied
    changed = services.request_change(
        actor=request.user, request=filed, action=payload.action, version=payload.version,
        public_note=payload.public_note, internal_note=payload.internal_note,
        organization=selectors.assignable_organization(request.user, payload.organization),
        member=selectors.current_member(request.user, payload.member),
        team=selectors.assignable_team(request.user, payload.team),
        original=selectors.original_request(request.user, payload.original), referred_to=payload.referred_to,
        public=payload.public)
    return {"id": changed.pk, "state": changed.state, "version": changed.version}


# --- representatives, receptions, visits --------------------------------------------------------------

@router.get("/representatives", response=RepresentativePageOut, summary="Party representatives under an organisation")
def list_representatives(request, filters: Query[OrgPageFilter]):
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_REQUESTS)
    rows = selectors.representatives_under(request.user, organization).order_by("pk").prefetch_related("duties")
    if filters.after is not None:
        rows = rows.filter(pk__gt=filters.after)
    return _page(rows, filters.limit, _representatives)


@router.post("/representatives", response={201: RepresentativeOut}, summary="Appoint a Party representative")
def appoint_representative(request, payload: RepresentativeIn):
    organization = org_selectors.organization_for(request.user, payload.organization, Permission.VIEW_REQUESTS)
    term = services.representative_appoint(actor=request.user, organization=organization, title=payload.title,
                                           member=selectors.current_member(request.user, payload.member),
                                           since=payload.since)
    return Status(201, _representatives([selectors.representative_for(request.user, term.pk)])[0])


@router.post("/representatives/{int:representative_id}/end", response=RepresentativeOut,
             summary="End a representative's term (and their rota)")
def end_representative(request, representative_id: int, payload: TermEndIn):
    term = services.representative_end(actor=request.user, until=payload.until,
                                       representative=selectors.representative_for(request.user, representative_id))
    return _representatives([selectors.representative_for(request.user, term.pk)])[0]


@router.post("/representatives/{int:representative_id}/duties", response={201: DutyOut},
             summary="Put a representative on the reception rota")
def add_duty(request, representative_id: int, payload: DutyIn):
    duty = services.duty_add(actor=request.user, representative=selectors.representative_for(request.user,
                                                                                              representative_id),
                             place=payload.place, weekday=payload.weekday, starts_at=payload.starts_at,
                             ends_at=payload.ends_at)
    return Status(201, _duty(duty))


def _held(request, filters: OrgPageFilter, under, date_field: str, out) -> dict:
    """Receptions or visits under an organisation, latest first, paged by key."""
    organization = org_selectors.organization_for(request.user, filters.org, Permission.VIEW_REQUESTS)
    rows = under(request.user, organization).select_related("organization")
    if filters.after is not None:
        rows = paging.after_key(rows, filters.after, date_field, descending=True)
    return _page(rows, filters.limit, out)


@router.get("/receptions", response=ReceptionPageOut, summary="Receptions held under an organisation, latest first")
def list_receptions(request, filters: Query[OrgPageFilter]):
    return _held(request, filters, selectors.receptions_under, "held_on", _receptions)


@router.post("/receptions", response={201: ReceptionLoggedOut},
             summary="Log a reception; each problem raised becomes a request")
def log_reception(request, payload: ReceptionIn):
    """By the representative themself or staff over their organisation. The answer gives each new
    request's tracking code, to hand to the resident who raised it."""
    term = selectors.representative_receiving(request.user, payload.representative)
    duty = None
    if payload.duty is not None:
        duty = term.duties.filter(pk=payload.duty).first()
        if duty is None:
            raise ValidationError({"duty": _("The representative has no rota line %(number)s.") % {
                "number": payload.duty}})
    reception, filed = services.reception_log(
        actor=request.user, representative=term, held_on=payload.held_on, visitors=payload.visitors,
        place=payload.place, visitor_names=payload.visitor_names, notes=payload.notes, duty=duty,
        problems=_problems(payload.problems))
    return Status(201, {"reception": _receptions([reception])[0], "requests": _filed(filed)})


@router.get("/visits", response=VisitPageOut, summary="Household visits under an organisation, latest first")
def list_visits(request, filters: Query[OrgPageFilter]):
    return _held(request, filters, selectors.visits_under, "visited_on", _visits)


@router.post("/visits", response={201: VisitLoggedOut},
             summary="Log a household visit; each problem found becomes a request")
def log_visit(request, payload: VisitIn):
    """A member logs their own visit, or staff over the place log one for a member."""
    own = own_member(request.user)
    member = own if own is not None and own.pk == payload.member else selectors.visiting_member_for(
        request.user, payload.member)
    visit, filed = services.visit_log(actor=request.user, member=member, visited_on=payload.visited_on,
                                      household=payload.household, notes=payload.notes,
                                      problems=_problems(payload.problems))
    return Status(201, {"visit": _visits([visit])[0], "requests": _filed(filed)})

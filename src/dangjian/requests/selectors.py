"""Reads of residents' requests, receptions and visits, within the reader's scope: a request is
seen by staff whose scope holds its place or the organisation or team it is assigned to, by the
member it is assigned to or who serves in the team it is assigned to, and by the resident who
holds its tracking code."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import crypto
from dangjian.core.paging import after_key
from dangjian.core.scope import PATH_END, Scope, has_permission, scope_for
from dangjian.members.models import Member, ResidenceRegistration
from dangjian.members.selectors.own import is_own_record, own_member
from dangjian.orgs.counts import prefixes
from dangjian.orgs.models import Building, Grid, Organization
from dangjian.orgs.rules import Level
from dangjian.requests import rules
from dangjian.requests.models import (
    OPEN_STATES,
    Category,
    Open311Key,
    Reception,
    ReceptionDuty,
    ReplyTemplate,
    Representative,
    Request,
    Tracking,
    Visit,
)
from dangjian.service.models import ServiceTeam
from dangjian.service.selectors import teams_served_by


def request_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_REQUESTS)


def _visible(scope: Scope) -> Q:
    return scope.q("org_path") | scope.q("assigned_path")


def visible_requests(user) -> QuerySet:
    return Request.objects.filter(_visible(request_scope(user)))


def _assigned_to(member: Member) -> Q:
    return Q(assigned_member=member) | Q(assigned_team__in=teams_served_by(member))


def request_for(user, pk: int) -> Request:
    """The request if ``user`` may see it (staff in scope, or the member it is assigned to, alone
    or through a team); 404 otherwise, whether outside or absent."""
    member = own_member(user)
    condition = _visible(request_scope(user))
    if member is not None:
        condition |= _assigned_to(member)
    try:
        return (Request.objects.select_related("category", "grid", "building", "organization", "assigned_org",
                                               "assigned_member", "assigned_team", "escalated_to", "duplicate_of",
                                               "entered_by")
                .filter(condition).get(pk=pk))
    except Request.DoesNotExist:
        raise Http404 from None


def can_handle(user, request: Request) -> bool:
    return any(has_permission(user, Permission.HANDLE_REQUESTS, path)
               for path in (request.org_path, request.assigned_path) if path)


def actor_kinds(user, request: Request) -> set[str]:
    """The parts ``user`` may act in on ``request``: staff, the assignee (the member it is
    assigned to, or a member of the team it is assigned to), or both."""
    kinds = set()
    if can_handle(user, request):
        kinds.add(rules.Actor.STAFF)
    member = own_member(user)
    if member is not None and (request.assigned_member_id == member.pk or (
            request.assigned_team_id is not None
            and teams_served_by(member).filter(team_id=request.assigned_team_id).exists())):
        kinds.add(rules.Actor.ASSIGNEE)
    return kinds


def requests_under(user, organization: Organization) -> QuerySet:
    """Requests placed in or assigned into ``organization``'s subtree, as far as ``user`` sees."""
    end = organization.path + PATH_END
    inside = (Q(org_path__gte=organization.path, org_path__lt=end)
              | Q(assigned_path__gte=organization.path, assigned_path__lt=end))
    return visible_requests(user).filter(inside)


def lists(user, organization: Organization, *, today: dt.date) -> dict[str, QuerySet]:
    """The working lists of a level: overdue and due soon (soonest first), not yet assigned, and
    risen to this organisation (newest first)."""
    open_ = requests_under(user, organization).filter(OPEN_STATES)
    return {
        "overdue": open_.filter(due_on__lt=today).order_by("due_on", "pk"),
        "due_soon": open_.filter(warn_on__lte=today, due_on__gte=today).order_by("due_on", "pk"),
        "unassigned": open_.filter(state__in=[rules.State.RECEIVED, rules.State.ACCEPTED]).order_by("-pk"),
        "escalated": visible_requests(user).filter(OPEN_STATES, escalated_to=organization).order_by("due_on", "pk"),
    }


# The lists in due order; the others run newest first.
DUE_ORDER = frozenset({"overdue", "due_soon", "escalated"})
def request_list(user, organization: Organization, name: str, *, today: dt.date, state: str | None = None,
                 category: Category | None = None, after: int | None = None) -> QuerySet:
    """One of the working lists of ``lists``, or ``all`` the requests under ``organization``
    (newest first), narrowed by state and category, from after the request ``after`` in the
    list's order: pages by key."""
    rows = (requests_under(user, organization).order_by("-pk") if name == "all"
            else lists(user, organization, today=today)[name])
    if state:
        rows = rows.filter(state=state)
    if category is not None:
        rows = rows.filter(category=category)
    if after is None:
        return rows
    return after_key(rows, after, "due_on") if name in DUE_ORDER else rows.filter(pk__lt=after)


def open_counts(user, organization: Organization, *, today: dt.date) -> dict[str, int]:
    """How many requests under ``organization`` are open now, and how many of those overdue."""
    open_ = requests_under(user, organization).filter(OPEN_STATES)
    return {"open": open_.count(), "overdue": open_.filter(due_on__lt=today).count()}


def assignable_organization(user, code: str) -> Organization | None:
    """The organisation named by ``code`` to assign a request to, among those where ``user``
    handles requests; None when none is named."""
    if not code:
        return None
    found = scope_for(user, Permission.HANDLE_REQUESTS).filter(Organization.objects.all(), "path").filter(
        code=code.strip()).first()
    if found is None:
        raise ValidationError({"organization": _("No organisation %(code)s within yours.") % {"code": code}})
    return found


def current_member(user, number: int | None) -> Member | None:
    """The current member with key ``number`` among those ``user`` sees; None when none is named."""
    if number is None:
        return None
    found = scope_for(user, Permission.VIEW_MEMBERS).filter(Member.objects.current()).filter(pk=number).first()
    if found is None:
        raise ValidationError({"member": _("No current member %(number)s within your organisation.") % {
            "number": number}})
    return found


def assignable_team(user, number: int | None) -> ServiceTeam | None:
    """The service team with key ``number`` to assign a request to, among the live teams of the
    organisations where ``user`` handles requests; None when none is named."""
    if number is None:
        return None
    found = scope_for(user, Permission.HANDLE_REQUESTS).filter(
        ServiceTeam.objects.filter(pk=number, disbanded_on__isnull=True)).first()
    if found is None:
        raise ValidationError({"team": _("No active service team %(number)s within your organisation.") % {
            "number": number}})
    return found


def community_of(request: Request) -> Organization | None:
    """The community the request's place lies in (None for a place above any community)."""
    return Organization.objects.filter(path__in=prefixes(request.org_path), level=Level.COMMUNITY).first()


def teams_to_assign(user, request: Request, community: Organization | None) -> QuerySet:
    """The live service teams of the request's ``community`` (its own and its grids'), where
    ``user`` handles requests: the choice offered on the request's page."""
    if community is None:
        return ServiceTeam.objects.none()
    end = community.path + PATH_END
    return scope_for(user, Permission.HANDLE_REQUESTS).filter(ServiceTeam.objects.filter(
        org_path__gte=community.path, org_path__lt=end, disbanded_on__isnull=True).order_by("org_path", "name"))


def original_request(user, number: int | None) -> Request | None:
    """The request with key ``number``, which another repeats, among those ``user`` sees; None
    when none is named."""
    if number is None:
        return None
    found = visible_requests(user).filter(pk=number).first()
    if found is None:
        raise ValidationError({"original": _("No request %(number)s that you can see.") % {"number": number}})
    return found


def assigned_to_member(member: Member) -> QuerySet:
    """The requests assigned to ``member``, alone or through a team they serve in."""
    return (Request.objects.filter(_assigned_to(member)).select_related("category", "grid", "assigned_team")
            .order_by("-pk"))


def by_tracking_code(code: str) -> tuple[Request, Tracking] | None:
    """The request a resident follows with ``code`` (as typed), and the code's record."""
    normalised = rules.normalise_tracking_code(code)
    if normalised is None:
        return None
    tracking = (Tracking.objects.select_related("request__category", "request__grid", "request__organization",
                                                "request__building")
                .filter(code_hash=crypto.lookup_hash(normalised)).first())
    return (tracking.request, tracking) if tracking else None


def by_open311_token(token: str) -> int | None:
    """The number of the request an Open311 client filed and was given ``token`` for."""
    if len(token) != rules.OPEN311_TOKEN_LENGTH:
        return None
    return Request.objects.filter(open311_token=token).values_list("pk", flat=True).first()


def timeline(request: Request, *, public_only: bool) -> QuerySet:
    updates = request.updates.select_related("actor").order_by("at", "pk")
    return updates.exclude(public_note="", action="note") if public_only else updates


def timeline_for(user, request: Request, kinds: set[str]) -> QuerySet:
    """The timeline as ``user``, acting as ``kinds`` (``actor_kinds``), reads it: whole for staff
    of the request, its place or the organisation handling it; the replies only for the member it
    is assigned to."""
    whole = rules.Actor.STAFF in kinds or has_permission(user, Permission.VIEW_REQUESTS, request.org_path)
    return timeline(request, public_only=not whole)


def categories(*, active_only: bool = True) -> QuerySet:
    queryset = Category.objects.all()
    return queryset.filter(active=True) if active_only else queryset


def reply_templates(category: Category | None) -> QuerySet:
    return ReplyTemplate.objects.filter(Q(category__isnull=True) | Q(category=category)) if category else \
        ReplyTemplate.objects.filter(category__isnull=True)


def may_configure(user) -> bool:
    """Categories and templates are the deployment's: set from the top of the tree."""
    scope = scope_for(user, Permission.CONFIGURE_REQUESTS)
    return scope.covers_everything()


# --- places -------------------------------------------------------------------------------------------

def place_matches(text: str, *, within: Organization | None = None, limit: int = 20) -> list[Grid | Building]:
    """Grids and buildings whose name or address holds ``text`` (the way a resident names the
    place, without a map), grids first; within ``within``'s subtree when given."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    grids = Grid.objects.filter(Q(name__icontains=text) | Q(community__name__icontains=text)).select_related(
        "community")
    buildings = Building.objects.filter(Q(name__icontains=text) | Q(address__icontains=text)).select_related(
        "grid__community")
    if within is not None:
        end = within.path + PATH_END
        grids = grids.filter(org_path__gte=within.path, org_path__lt=end)
        buildings = buildings.filter(org_path__gte=within.path, org_path__lt=end)
    found = list(grids.order_by("code")[:limit])
    return found + list(buildings.order_by("grid__code", "name")[:max(0, limit - len(found))])


def place_named(grid_code: str | None, building_id: int | None) -> tuple[Grid | None, Building | None]:
    """The grid and the building a problem names by grid code and building key, each None when
    not found: any place of the city may be named, and who files where is the services' call."""
    grid = (Grid.objects.select_related("community", "organization").filter(code=grid_code.strip()).first()
            if grid_code else None)
    building = Building.objects.select_related("grid").filter(pk=building_id).first() if building_id else None
    return grid, building


def place_organization(grid: Grid) -> Organization:
    """The organisation that answers for a grid: its own branch, or its community."""
    return grid.organization if grid.organization_id and not grid.organization.is_dissolved else grid.community


def level_above(organization: Organization, levels: int) -> Organization | None:
    """The ancestor ``levels`` levels up the escalation ladder (grid → community → street) from
    the organisation that answers for a place; None when the tree has no such level."""
    ladder = [Level.COMMUNITY, Level.STREET]
    ancestors = {org.level: org for org in Organization.objects.filter(path__in=organization.ancestor_paths())}
    if organization.level in ladder:
        ladder = ladder[ladder.index(organization.level) + 1:]
    return ancestors.get(ladder[levels - 1]) if 0 < levels <= len(ladder) else None


def handlers_at(organization: Organization) -> QuerySet:
    """The accounts that handle requests at exactly ``organization`` (its own staff, not those of
    the whole city above it), to be told when a request rises to it."""
    from dangjian.accounts.models import User
    from dangjian.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if Permission.HANDLE_REQUESTS in permissions]
    return User.objects.filter(is_active=True, assignments__organization=organization,
                               assignments__role__in=roles).distinct()


# --- representatives, receptions, visits ----------------------------------------------------------

def representatives_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(Representative.objects.filter(
        org_path__gte=organization.path, org_path__lt=end).select_related("member", "organization"))


def representative_for(user, pk: int) -> Representative:
    return request_scope(user).get_or_404(Representative.objects.select_related("member", "organization"), pk=pk)


def representative_receiving(user, pk: int) -> Representative:
    """The representative whose reception ``user`` logs: their own current term, or one in their
    scope, where logging needs the right to handle requests (403 without it); 404 otherwise."""
    representative = Representative.objects.select_related("member", "organization").filter(pk=pk).first()
    if representative is None:
        raise Http404
    if representative.until is None and is_own_record(user, representative.member):
        return representative
    if not request_scope(user).covers(representative.org_path):
        raise Http404
    if not may_log_reception(user, representative):
        raise PermissionDenied
    return representative


def own_terms(user) -> QuerySet:
    """``user``'s current terms as a representative."""
    member = own_member(user)
    if member is None:
        return Representative.objects.none()
    return Representative.objects.filter(member=member, until__isnull=True).select_related("organization")


def may_log_reception(user, representative: Representative) -> bool:
    """The representative during their term, staff over their organisation, or the command line
    (``user`` None)."""
    own = representative.until is None and is_own_record(user, representative.member)
    return user is None or own or has_permission(user, Permission.HANDLE_REQUESTS, representative.org_path)


def filing_organization(user, code: str) -> Organization:
    """The organisation whose residents ``user`` files for: one in their view of the tree, or one
    inside the subtree where they serve as a representative (who may hold no role at all); 404
    otherwise."""
    organization = Organization.objects.filter(code=code).first()
    if organization is None or not (scope_for(user, Permission.VIEW_ORGS).covers(organization.path) or any(
            organization.path.startswith(term.org_path) for term in own_terms(user))):
        raise Http404
    return organization


def may_file_for_residents(user, grid: Grid) -> bool:
    """Staff over the grid, or a representative serving in a subtree that holds it."""
    return bool(fileable_places(user, [grid]))


def fileable_places(user, places) -> list:
    """The grids and buildings among ``places`` whose residents ``user`` may file for, reading
    the user's representative terms once."""
    scope = scope_for(user, Permission.HANDLE_REQUESTS)
    terms = None
    kept = []
    for place in places:
        path = getattr(place, "grid", place).org_path
        if not scope.covers(path):
            terms = [term.org_path for term in own_terms(user)] if terms is None else terms
            if not any(path.startswith(term) for term in terms):
                continue
        kept.append(place)
    return kept


def receptions_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(Reception.objects.filter(org_path__gte=organization.path, org_path__lt=end)
                                      .select_related("representative__member").order_by("-held_on", "-pk"))


def reception_for(user, pk: int) -> Reception:
    reception = Reception.objects.select_related("representative__member", "organization").filter(pk=pk).first()
    if reception is None or not (request_scope(user).covers(reception.org_path)
                                 or is_own_record(user, reception.representative.member)):
        raise Http404
    return reception


def visits_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(Visit.objects.filter(org_path__gte=organization.path, org_path__lt=end)
                                      .select_related("member", "grid").order_by("-visited_on", "-pk"))


def own_visits(member: Member) -> QuerySet:
    return Visit.objects.filter(member=member).select_related("grid").order_by("-visited_on", "-pk")


def duty_for(user, pk: int) -> ReceptionDuty:
    return request_scope(user).get_or_404(ReceptionDuty.objects.select_related("representative__member"), pk=pk)


def visiting_member_for(user, pk: int) -> Member:
    """A current member whose household visits ``user`` sees: one of the organisation's own, or one
    confirmed as living in it (who visits where they live); 404 otherwise."""
    scope = request_scope(user)
    lives_here = Q(residence__status=ResidenceRegistration.Status.CONFIRMED) & scope.q("residence__org_path")
    member = Member.objects.current().filter(scope.q("org_path") | lives_here).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def problems_raised(link: str, ids) -> dict[int, int]:
    """How many requests each of the receptions or visits ``ids`` raised (``link``: the request's
    field naming them, "reception" or "visit")."""
    return dict(Request.objects.filter(**{f"{link}__in": list(ids)}).values_list(link).annotate(count=Count("pk"))
                .order_by())


def open311_requests(*, ids=None, received_from=None, received_until=None, categories=None, open_=None,
                     limit: int = 1000) -> list[Request]:
    """Requests for the public Open311 reads, newest first, at most ``limit``: those numbered
    ``ids`` (the standard lets a list of numbers override every other filter), or those received
    in a window, of some ``categories``, open or not (``open_``). What of each may be shown is
    the interface's to decide."""
    queryset = Request.objects.select_related("category", "grid__community", "building", "organization",
                                              "assigned_org")
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    else:
        queryset = queryset.filter(received_at__gte=received_from, received_at__lte=received_until)
        if categories:
            queryset = queryset.filter(category__in=categories)
        if open_ is not None:
            queryset = queryset.filter(OPEN_STATES) if open_ else queryset.exclude(OPEN_STATES)
    return list(queryset.order_by("-received_at", "-pk")[:limit])


def open311_keys() -> QuerySet:
    return Open311Key.objects.select_related("issued_by")


def open311_key_by_secret(secret: str) -> Open311Key | None:
    return Open311Key.objects.filter(key_hash=crypto.secret_digest(secret),
                                     revoked_at__isnull=True).first() if secret else None

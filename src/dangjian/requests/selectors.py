"""Reads of residents' requests, receptions and visits, within the reader's scope: a request is
seen by staff whose scope holds its place or the organisation it is assigned to, by the member it
is assigned to, and by the resident who holds its tracking code."""

import datetime as dt
import hashlib

from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.accounts.roles import Permission
from dangjian.core import crypto
from dangjian.core.scope import PATH_END, Scope, has_permission, scope_for
from dangjian.members.models import Member
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


def request_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_REQUESTS)


def _visible(scope: Scope) -> Q:
    return scope.q("org_path") | scope.q("assigned_path")


def visible_requests(user) -> QuerySet:
    return Request.objects.filter(_visible(request_scope(user)))


def own_member(user) -> Member | None:
    """The member record of ``user``'s own account, if any."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.current().filter(account=user).first()


def request_for(user, pk: int) -> Request:
    """The request if ``user`` may see it (staff in scope, or the member it is assigned to); 404
    otherwise, whether outside or absent."""
    member = own_member(user)
    condition = _visible(request_scope(user))
    if member is not None:
        condition |= Q(assigned_member=member)
    try:
        return (Request.objects.select_related("category", "grid", "building", "organization", "assigned_org",
                                               "assigned_member", "escalated_to", "duplicate_of", "entered_by")
                .filter(condition).get(pk=pk))
    except Request.DoesNotExist:
        raise Http404 from None


def can_handle(user, request: Request) -> bool:
    return any(has_permission(user, Permission.HANDLE_REQUESTS, path)
               for path in (request.org_path, request.assigned_path) if path)


def actor_kinds(user, request: Request) -> set[str]:
    """The parts ``user`` may act in on ``request``: staff, the assigned member, or both."""
    kinds = set()
    if can_handle(user, request):
        kinds.add(rules.Actor.STAFF)
    member = own_member(user)
    if member is not None and request.assigned_member_id == member.pk:
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


def assigned_to_member(member: Member) -> QuerySet:
    return Request.objects.filter(assigned_member=member).select_related("category", "grid").order_by("-pk")


def by_tracking_code(code: str) -> tuple[Request, Tracking] | None:
    """The request a resident follows with ``code`` (as typed), and the code's record."""
    normalised = rules.normalise_tracking_code(code)
    if normalised is None:
        return None
    tracking = (Tracking.objects.select_related("request__category", "request__grid", "request__organization",
                                                "request__duplicate_of")
                .filter(code_hash=crypto.lookup_hash(normalised)).first())
    return (tracking.request, tracking) if tracking else None


def timeline(request: Request, *, public_only: bool) -> QuerySet:
    updates = request.updates.select_related("actor").order_by("at", "pk")
    return updates.exclude(public_note="", action="note") if public_only else updates


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
        org_path__gte=organization.path, org_path__lt=end).select_related("member", "organization")
        .order_by("until", "member__name_pinyin"))


def representative_for(user, pk: int) -> Representative:
    return request_scope(user).get_or_404(Representative.objects.select_related("member", "organization"), pk=pk)


def own_terms(user) -> QuerySet:
    """``user``'s current terms as a representative."""
    member = own_member(user)
    if member is None:
        return Representative.objects.none()
    return Representative.objects.filter(member=member, until__isnull=True).select_related("organization")


def may_log_reception(user, representative: Representative) -> bool:
    own = representative.until is None and representative.member.account_id == getattr(user, "pk", None)
    return own or has_permission(user, Permission.HANDLE_REQUESTS, representative.org_path)


def may_file_for_residents(user, grid: Grid) -> bool:
    """Staff over the grid, or a representative serving in a subtree that holds it."""
    if has_permission(user, Permission.HANDLE_REQUESTS, grid.org_path):
        return True
    return any(grid.org_path.startswith(term.org_path) for term in own_terms(user))


def duties_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(ReceptionDuty.objects.filter(
        org_path__gte=organization.path, org_path__lt=end, active=True, representative__until__isnull=True)
        .select_related("representative__member"))


def receptions_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(Reception.objects.filter(org_path__gte=organization.path, org_path__lt=end)
                                      .select_related("representative__member").order_by("-held_on", "-pk"))


def reception_for(user, pk: int) -> Reception:
    reception = Reception.objects.select_related("representative__member", "organization").filter(pk=pk).first()
    if reception is None or not (request_scope(user).covers(reception.org_path)
                                 or reception.representative.member.account_id == getattr(user, "pk", None)):
        raise Http404
    return reception


def visits_under(user, organization: Organization) -> QuerySet:
    end = organization.path + PATH_END
    return request_scope(user).filter(Visit.objects.filter(org_path__gte=organization.path, org_path__lt=end)
                                      .select_related("member", "grid").order_by("-visited_on", "-pk"))


def own_visits(member: Member) -> QuerySet:
    return Visit.objects.filter(member=member).select_related("grid").order_by("-visited_on", "-pk")


def open311_keys() -> QuerySet:
    return Open311Key.objects.select_related("issued_by")


def open311_key_by_secret(secret: str) -> Open311Key | None:
    return Open311Key.objects.filter(key_hash=hashlib.sha256(secret.encode()).hexdigest(),
                                     revoked_at__isnull=True).first() if secret else None

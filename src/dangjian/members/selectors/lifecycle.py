"""Reads for the life-cycle pages: transfers, residence registrations, coverage and lost contact.
Every query starts from the caller's scope; coverage reads roll-ups and one row per community
or grid, never the members of a subtree."""

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core.scope import PATH_END, has_permission, scope_for
from dangjian.members import rules
from dangjian.members.models import Member, ResidenceRegistration, Standing, Transfer
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Building, Grid, Organization, OrgCounts
from dangjian.orgs.rules import Level

INBOX_LIMIT = 200


def member_for(user, pk: int) -> Member:
    """A member the user may see, or 404; whether they may act on it is ``can_manage``."""
    return scope_for(user, Permission.VIEW_MEMBERS).get_or_404(Member.objects.select_related("home_org"), pk=pk)


def can_manage(user, path: str) -> bool:
    return has_permission(user, Permission.MANAGE_MEMBERS, path)


def may_manage_anywhere(user) -> bool:
    return not scope_for(user, Permission.MANAGE_MEMBERS).is_empty


def member_state(member: Member) -> rules.MemberState:
    return rules.MemberState(
        left=member.left_on is not None, mobile=member.mobile, abroad=member.abroad, retired=member.retired,
        lost_contact=member.lost_contact, suspended=member.standing == Standing.SUSPENDED,
        pending_transfer=Transfer.objects.filter(member=member, status=Transfer.Status.PENDING).exists(),
    )


def history(member: Member) -> dict:
    """The member's periods, life-cycle events and transfers, for the life-cycle page."""
    return {
        "periods": member.periods.select_related("organization").order_by("-started_on", "-pk"),
        "events": member.events.select_related("actor"),
        "transfers": member.transfers.select_related("from_org", "to_org").order_by("-sent_on", "-pk"),
    }


# --- transfers --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IncomingTransfer:
    """What the receiver needs before the member is theirs: no more than this."""

    pk: int
    name: str
    masked_id_number: str
    from_name: str
    to_name: str
    to_code: str
    sent_on: dt.date
    reason: str


def incoming_transfers(user) -> tuple[list[IncomingTransfer], int]:
    """Pending transfers into the user's scope (the member is still outside it), and how many."""
    queryset = scope_for(user, Permission.MANAGE_MEMBERS).filter(
        Transfer.objects.filter(status=Transfer.Status.PENDING), "to_path")
    rows = queryset.select_related("member", "from_org", "to_org").order_by("sent_on", "pk")[:INBOX_LIMIT]
    items = [IncomingTransfer(t.pk, t.member.name, t.member.masked_id_number, t.from_org.name, t.to_org.name,
                              t.to_org.code, t.sent_on, t.reason) for t in rows]
    return items, queryset.count()


def outgoing_transfers(user, *, pending_only: bool = False) -> QuerySet:
    queryset = scope_for(user, Permission.MANAGE_MEMBERS).filter(Transfer.objects.all(), "from_path")
    if pending_only:
        queryset = queryset.filter(status=Transfer.Status.PENDING)
    return queryset.select_related("member", "from_org", "to_org").order_by("-sent_on", "-pk")


def incoming_transfer_for(user, pk: int) -> Transfer:
    return scope_for(user, Permission.MANAGE_MEMBERS).get_or_404(
        Transfer.objects.select_related("member", "from_org", "to_org"), "to_path", pk=pk, status=Transfer.Status.PENDING)


def outgoing_transfer_for(user, pk: int) -> Transfer:
    return scope_for(user, Permission.MANAGE_MEMBERS).get_or_404(
        Transfer.objects.select_related("member", "from_org", "to_org"), "from_path", pk=pk)


def destination(code: str) -> Organization | None:
    """The receiving organisation named by ``code`` (None for none named). A transfer may go to
    any live organisation of the system, in the sender's scope or not."""
    code = (code or "").strip()
    if not code:
        return None
    organization = Organization.objects.live().filter(code=code).first()
    if organization is None:
        raise ValidationError({"to_org": _("No organisation has this code.")})
    return organization


# --- residence registration -------------------------------------------------------------------------

def place(*, grid: str, building: str = "", zone: str = "") -> dict:
    """The grid, building and zone a registration names by code and name. Members live
    anywhere in the city: any grid may be named."""
    found = Grid.objects.select_related("community").filter(code=(grid or "").strip()).first()
    if found is None:
        raise ValidationError({"grid": _("No grid has this code.")})
    result = {"grid": found, "building": None, "zone": None}
    if (building or "").strip():
        result["building"] = Building.objects.filter(grid=found, name=building.strip()).first()
        if result["building"] is None:
            raise ValidationError({"building": _("The grid has no building of this name.")})
    if (zone or "").strip():
        result["zone"] = Organization.objects.filter(code=zone.strip()).first()
        if result["zone"] is None:
            raise ValidationError({"zone": _("No organisation has this code.")})
    return result


def pending_registrations(user) -> tuple[QuerySet, int]:
    queryset = scope_for(user, Permission.MANAGE_MEMBERS).filter(
        ResidenceRegistration.objects.filter(status=ResidenceRegistration.Status.PENDING))
    rows = queryset.select_related("member", "member__home_org", "community", "grid", "building", "zone").order_by(
        "registered_on", "pk")[:INBOX_LIMIT]
    return rows, queryset.count()


def registration_for(user, pk: int) -> ResidenceRegistration:
    return scope_for(user, Permission.MANAGE_MEMBERS).get_or_404(
        ResidenceRegistration.objects.select_related("member", "grid", "community"), pk=pk)


def residence_of(member: Member) -> ResidenceRegistration | None:
    return ResidenceRegistration.objects.select_related("community", "grid", "building", "zone").filter(
        member=member).first()


# --- coverage ---------------------------------------------------------------------------------------

# Upper bounds of the distribution's bands. PRACTICE.md: a community averages 300+ resident
# members and a grid 50+ where registration is complete.
COMMUNITY_BANDS = (1, 100, 300, 500)
GRID_BANDS = (1, 20, 50, 100)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bands(field: str, bounds: tuple[int, ...]) -> dict:
    """Aggregates counting rows per band of ``field``: [0, b1), [b1, b2), ..., [bn, ∞)."""
    edges = (0, *bounds, None)
    aggregates = {}
    for index, (low, high) in enumerate(pairwise(edges)):
        condition = Q(**{f"{field}__gte": low})
        if high is not None:
            condition &= Q(**{f"{field}__lt": high})
        aggregates[f"band_{index}"] = Count("pk", filter=condition)
    return aggregates


def _band_labels(bounds: tuple[int, ...]) -> list[tuple[int, int | None]]:
    edges = (0, *bounds, None)
    return [(low, None if high is None else high - 1) for low, high in pairwise(edges)]


def _distribution(queryset: QuerySet, field: str, bounds: tuple[int, ...]) -> dict:
    figures = queryset.aggregate(count=Count("pk"), total=Sum(field), average=Avg(field), least=Min(field),
                                 most=Max(field), **_bands(field, bounds))
    count = figures["count"]
    return {
        "count": count,
        "total": figures["total"] or 0,
        "average": round(float(figures["average"]), 1) if count else None,
        "min": figures["least"],
        "max": figures["most"],
        "bands": [{"from": low, "to": high, "count": figures[f"band_{index}"]}
                  for index, (low, high) in enumerate(_band_labels(bounds))],
    }


def coverage(organization: Organization) -> dict:
    """The three full coverages (PRACTICE.md 三个全覆盖) of ``organization``'s subtree: members
    registered where they live, grids with a branch or group, members per community and grid."""
    counts = org_selectors.subtree_counts(organization)
    in_subtree = Q(path__gte=organization.path, path__lt=organization.path + PATH_END)
    communities = OrgCounts.objects.filter(
        organization__in=Organization.objects.live().filter(in_subtree, level=Level.COMMUNITY))
    grids = Grid.objects.filter(org_path__gte=organization.path, org_path__lt=organization.path + PATH_END)
    return {
        "members": counts["members"],
        "registered_members": counts["registered_members"],
        "registered_share": _share(counts["registered_members"], counts["members"]),
        "grids": counts["grids"],
        "grids_with_organization": counts["grids_with_organization"],
        "grids_with_organization_share": _share(counts["grids_with_organization"], counts["grids"]),
        "residents": counts["residents"],
        "per_community": _distribution(communities, "residents", COMMUNITY_BANDS),
        "per_grid": _distribution(grids, "residents", GRID_BANDS),
    }


# --- lost contact -----------------------------------------------------------------------------------

def lost_contact_due(*, today: dt.date, root: Organization | None = None) -> tuple[QuerySet, QuerySet]:
    """Current members not yet flagged whose last organisational life or dues is 3 months old
    (warning) and 6 months old (to flag as lost), per ``rules.lost_contact_state``."""
    queryset = Member.objects.current().filter(lost_contact=False, last_contact_on__isnull=False)
    if root is not None:
        queryset = queryset.filter(org_path__gte=root.path, org_path__lt=root.path + PATH_END)
    lost_cutoff = rules.contact_cutoff(months=rules.LOST_CONTACT_MONTHS, today=today)
    warning_cutoff = rules.contact_cutoff(months=rules.LOST_CONTACT_WARNING_MONTHS, today=today)
    ordered = queryset.select_related("home_org").order_by("org_path", "pk")
    return (ordered.filter(last_contact_on__gt=lost_cutoff, last_contact_on__lte=warning_cutoff),
            ordered.filter(last_contact_on__lte=lost_cutoff))


def organization_by_code(code: str) -> Organization:
    organization = Organization.objects.filter(code=code).first()
    if organization is None:
        raise Http404
    return organization

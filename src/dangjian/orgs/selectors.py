"""Reads of the organisation tree. Every query starts from the caller's scope."""

from django.db import connection
from django.db.models import Q, QuerySet

from dangjian.accounts.roles import Permission
from dangjian.core.scope import PATH_END, Scope, scope_for
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Grid, Organization
from dangjian.orgs.rules import SizeWarning, size_warnings

SEARCH_LIMIT = 50


def visible_organizations(user, permission: str = Permission.VIEW_ORGS) -> QuerySet:
    return scope_for(user, permission).filter(Organization.objects.all(), "path")


def organization_for(user, code: str, permission: str = Permission.VIEW_ORGS) -> Organization:
    """The organisation with ``code`` if ``user`` holds ``permission`` over it; 404 otherwise."""
    return scope_for(user, permission).get_or_404(
        Organization.objects.select_related("counts"), "path", code=code
    )


def top_organizations(user) -> QuerySet:
    """The roots of the user's scope: where their tree browser starts."""
    scope = scope_for(user, Permission.VIEW_ORGS)
    return Organization.objects.filter(path__in=scope.paths).select_related("counts").order_by("path")


def children(organization: Organization, *, include_dissolved: bool = False) -> QuerySet:
    queryset = Organization.objects.filter(
        depth=organization.depth + 1,
        path__gt=organization.path,
        path__lt=organization.path + "~",
    ).select_related("counts").order_by("path")
    return queryset if include_dissolved else queryset.live()


def breadcrumbs(user, organization: Organization) -> list[Organization]:
    """The ancestors the user may see, top first (those above the user's scope are left out)."""
    scope = scope_for(user, Permission.VIEW_ORGS)
    visible = [path for path in organization.ancestor_paths() if scope.covers(path)]
    return list(Organization.objects.filter(path__in=visible).order_by("depth")) if visible else []


def search(user, text: str, *, include_dissolved: bool = False) -> QuerySet:
    """Organisations in scope whose name contains ``text``, or whose code or pinyin initials
    start with it."""
    text = text.strip()
    queryset = visible_organizations(user)
    if not include_dissolved:
        queryset = queryset.live()
    if not text:
        return queryset.none()
    lowered = text.lower()
    return queryset.filter(
        Q(name__contains=text) | Q(code__startswith=text.upper()) | Q(code__startswith=text)
        | Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    ).order_by("depth", "path")[:SEARCH_LIMIT]


def filter_organizations(user, *, parent: Organization | None = None, level: str | None = None,
                         code: str | None = None, include_dissolved: bool = False) -> QuerySet:
    queryset = visible_organizations(user)
    if parent is not None:
        queryset = queryset.filter(depth=parent.depth + 1, path__gt=parent.path, path__lt=parent.path + "~")
    if level:
        queryset = queryset.filter(level=level)
    if code:
        queryset = queryset.filter(code=code)
    if not include_dissolved:
        queryset = queryset.live()
    return queryset.select_related("counts").order_by("path")


def subtree_counts(organization: Organization) -> dict[str, int]:
    """The roll-up counts of the subtree (one row, any size)."""
    counts = getattr(organization, "counts", None)
    if counts is None:
        return rollup.subtree_totals(organization.pk)
    return {field: getattr(counts, field) for field in counts.FIELDS}


def live_member_counts(organization: Organization) -> dict[str, int]:
    """The same figures counted from the member table: one range scan of the path index over
    the subtree, in plain SQL because it is the hot path of every live count."""
    from dangjian.members.models import Category, Member

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT category, count(*) FROM {Member._meta.db_table} "
            "WHERE org_path >= %s AND org_path < %s AND left_on IS NULL GROUP BY category",
            [organization.path, organization.path + PATH_END],
        )
        by_category = dict(cursor.fetchall())
    full = by_category.get(Category.FULL, 0)
    probationary = by_category.get(Category.PROBATIONARY, 0)
    return {"members": full + probationary, "full_members": full, "probationary_members": probationary}


def warnings_for(organization: Organization, counts: dict[str, int] | None = None) -> list[SizeWarning]:
    counts = counts or subtree_counts(organization)
    return size_warnings(
        kind=organization.kind,
        members=counts["members"],
        full_members=counts["full_members"],
        has_committee=organization.has_committee,
    )


def grids_of(organization: Organization) -> QuerySet:
    return Scope((organization.path,)).filter(Grid.objects.select_related("organization", "community")).order_by("code")

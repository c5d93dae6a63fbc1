"""Maintaining the per-organisation roll-up counts (OrgCounts).

Services adjust the counts of an organisation and its ancestors in the same transaction as the
change; after a bulk load ``rebuild`` recomputes every node from a few GROUP BY queries, walking
the path prefixes in Python over one row per organisation (never per member).
"""

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.orgs.models import Grid, Organization, OrgCounts

STEP = Organization.steplen


def prefixes(path: str) -> list[str]:
    """The path of the organisation and of every ancestor."""
    return [path[:end] for end in range(STEP, len(path) + 1, STEP)]


def adjust(path: str, **deltas: int) -> None:
    """Add ``deltas`` (e.g. members=1, full_members=1) to the organisation at ``path`` and to
    every ancestor."""
    changes = {field: F(field) + delta for field, delta in deltas.items() if delta}
    if changes:
        OrgCounts.objects.filter(organization__path__in=prefixes(path)).update(**changes, updated_at=timezone.now())


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def ancestor_ids(path: str) -> list[int]:
    """The organisation at ``path`` and its ancestors: the rows a count goes to. A change that
    counts twice for one path reads them once and passes them as ``ids``."""
    return list(Organization.objects.filter(path__in=prefixes(path)).values_list("pk", flat=True))


def add_monthly(model, path: str, day, *, ids: list[int] | None = None, **deltas) -> None:
    """Add ``deltas`` to the month of ``day`` in ``model``, a monthly roll-up with a row per
    organisation and month (``organization``, ``month``), for the organisation at ``path`` and
    its ancestors: the rows are made when missing, then raised in one UPDATE."""
    changes = {field: F(field) + delta for field, delta in deltas.items() if delta}
    if not changes:
        return
    month = month_of(day)
    ids = ancestor_ids(path) if ids is None else ids
    model.objects.bulk_create([model(organization_id=pk, month=month) for pk in ids], ignore_conflicts=True)
    model.objects.filter(organization_id__in=ids, month=month).update(**changes)


def monthly_rollups() -> list[tuple]:
    """Every monthly roll-up, as (model, key fields besides the organisation, counted fields):
    a table with a row per organisation and month (and maybe more, like a histogram's bucket)
    under a unique constraint that starts with ``organization`` and ``month``. Found by that shape,
    so that a new app's roll-up is never forgotten when an organisation moves."""
    from django.apps import apps
    from django.db.models import UniqueConstraint

    found = []
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and list(constraint.fields[:2]) == ["organization", "month"]:
                key = tuple(constraint.fields[1:])
                counted = tuple(field.name for field in model._meta.concrete_fields
                                if not field.primary_key and field.name not in ("organization", *key))
                found.append((model, key, counted))
    return found


def move_monthly(organization_id: int, old_ancestor_ids: list[int], new_ancestor_ids: list[int]) -> None:
    """Carry an organisation's monthly roll-ups (which already count its whole subtree) from the
    ancestors it left to those it joined, in a few statements a table whatever the number of
    months; the ancestors both share are left as they are."""
    leaving = [pk for pk in old_ancestor_ids if pk not in new_ancestor_ids]
    joining = [pk for pk in new_ancestor_ids if pk not in old_ancestor_ids]
    for model, key, counted in monthly_rollups():
        own = model.objects.filter(organization_id=organization_id)
        model.objects.bulk_create([model(organization_id=pk, **where) for where in own.values(*key) for pk in joining],
                                  ignore_conflicts=True)
        same_month = own.filter(**{field: OuterRef(field) for field in key})
        for ids, sign in ((leaving, -1), (joining, 1)):
            model.objects.filter(Exists(same_month), organization_id__in=ids).update(**{
                field: F(field) + sign * Subquery(same_month.values(field)[:1]) for field in counted})


def subtree_totals(organization_id: int) -> dict[str, int]:
    """The roll-up row of one organisation. Dashboards call this for every node they show, so
    it is one primary-key lookup in plain SQL, without the ORM's per-query cost."""
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL, [organization_id])
        row = cursor.fetchone()
    return dict(zip(OrgCounts.FIELDS, row, strict=True)) if row else dict.fromkeys(OrgCounts.FIELDS, 0)


TOTALS_SQL = f"SELECT {', '.join(OrgCounts.FIELDS)} FROM {OrgCounts._meta.db_table} WHERE organization_id = %s"


@transaction.atomic
def rebuild() -> int:
    """Recompute every organisation's counts; returns the number of organisations."""
    from dangjian.members.models import Category, Member, ResidenceRegistration

    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OrgCounts.FIELDS, 0))

    def add(path: str, field: str, amount: int) -> None:
        for prefix in prefixes(path):
            totals[prefix][field] += amount

    for path, category, count in (
        Member.objects.current().values_list("org_path", "category").annotate(n=Count("id")).order_by()
    ):
        add(path, "members", count)
        add(path, "full_members" if category == Category.FULL else "probationary_members", count)
    for path in Organization.objects.live().values_list("path", flat=True):
        add(path, "organizations", 1)
    grids = Grid.objects.values_list("org_path").annotate(n=Count("id")).order_by()
    for path, count in grids:
        add(path, "grids", count)
    for path, count in grids.filter(organization__isnull=False):
        add(path, "grids_with_organization", count)
    registered = ResidenceRegistration.objects.filter(
        status=ResidenceRegistration.Status.CONFIRMED, member__left_on__isnull=True).order_by()
    for path, count in registered.values_list("member__org_path").annotate(n=Count("id")):
        add(path, "registered_members", count)
    for path, count in registered.values_list("org_path").annotate(n=Count("id")):
        add(path, "residents", count)
    per_grid = registered.filter(grid_id=OuterRef("pk")).values("grid_id").annotate(n=Count("id")).values("n")
    Grid.objects.update(residents=Coalesce(Subquery(per_grid), 0))

    now = timezone.now()
    rows = [
        OrgCounts(organization_id=org_id, updated_at=now, **totals.get(path, dict.fromkeys(OrgCounts.FIELDS, 0)))
        for org_id, path in Organization.objects.values_list("id", "path").iterator(chunk_size=5000)
    ]
    OrgCounts.objects.all().delete()
    OrgCounts.objects.bulk_create(rows, batch_size=2000)
    return len(rows)

"""Keeping the monthly roll-ups of micro-projects (ProjectTally).

Services add to the row of the project's organisation and of every ancestor for the month of the
step, in the same transaction as the step, so that the statistics of any subtree over any months
read one row per month, as requests/tally.py does. ``rebuild`` recomputes them from GROUP BY
queries over the timeline and the spending after a bulk load.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from dangjian.orgs.counts import add_monthly, month_of, prefixes
from dangjian.orgs.models import Organization
from dangjian.projects.models import ProjectTally, ProjectUpdate, Spending
from dangjian.projects.rules import CENT, Action, State


def add(path: str, day: dt.date, **deltas) -> None:
    """Add ``deltas`` to the month of ``day`` for the organisation at ``path`` and its ancestors."""
    add_monthly(ProjectTally, path, day, **deltas)


def figures(organization: Organization, first_month: dt.date, last_month: dt.date) -> dict:
    """The totals of ``organization``'s subtree from ``first_month`` to ``last_month`` (first days
    of months, both included)."""
    totals = ProjectTally.objects.filter(
        organization=organization, month__gte=month_of(first_month), month__lte=month_of(last_month)).aggregate(
        **{field: Sum(field) for field in ProjectTally.FIELDS})
    return {field: (Decimal(value or 0).quantize(CENT) if field in ProjectTally.AMOUNTS else value or 0)
            for field, value in totals.items()}


# The steps counted, with the field they count in; their amounts come from the project's own columns.
EVENTS = {Action.SCREEN_OUT: "screened_out", Action.APPROVE: "approved", Action.START: "started",
          Action.COMPLETE: "completed", Action.ACCEPT: "accepted", Action.EVALUATE: "evaluated",
          Action.CANCEL: "cancelled"}


@transaction.atomic
def rebuild() -> int:
    """Recompute every roll-up from the projects' timelines and spending; returns the rows written."""
    zero = {field: Decimal(0) if field in ProjectTally.AMOUNTS else 0 for field in ProjectTally.FIELDS}
    tallies: dict[tuple[str, dt.date], dict] = defaultdict(lambda: dict(zero))

    def put(path: str, month, field: str, amount) -> None:
        month = month.date() if isinstance(month, dt.datetime) else month
        for prefix in prefixes(path):
            tallies[prefix, month][field] += amount or 0

    updates = ProjectUpdate.objects.order_by().annotate(month=TruncMonth("occurred_on"))
    for path, month, count, estimate in (updates.filter(action="propose").values_list("project__org_path", "month")
                                         .annotate(n=Count("*"), s=Sum("project__estimate"))):
        put(path, month, "collected", count)
        put(path, month, "amount_collected", estimate)
    for path, month, action, count in (updates.filter(action__in=list(EVENTS))
                                       .values_list("project__org_path", "month", "action").annotate(n=Count("*"))):
        put(path, month, EVENTS[action], count)
    for path, month, to_state, count in (updates.filter(action=Action.COUNCIL)
                                         .values_list("project__org_path", "month", "to_state")
                                         .annotate(n=Count("*"))):
        put(path, month, "council_passed" if to_state == State.PASSED else "council_rejected", count)
    for path, month, budget in (updates.filter(action=Action.APPROVE).values_list("project__org_path", "month")
                                .annotate(s=Sum("project__budget"))):
        put(path, month, "amount_approved", budget)
    for path, month, surveyed, satisfied, score, scored in (
            updates.filter(action=Action.EVALUATE).values_list("project__org_path", "month")
            .annotate(a=Sum("project__surveyed"), b=Sum("project__satisfied"), c=Sum("project__score"),
                      d=Count("project__score"))):
        put(path, month, "surveyed", surveyed)
        put(path, month, "satisfied", satisfied)
        put(path, month, "score_sum", score)
        put(path, month, "score_count", scored)
    for path, month, amount in (Spending.objects.order_by().annotate(month=TruncMonth("spent_on"))
                                .values_list("project__org_path", "month").annotate(s=Sum("amount"))):
        put(path, month, "amount_spent", amount)

    ids = dict(Organization.objects.values_list("path", "pk"))
    ProjectTally.objects.all().delete()
    ProjectTally.objects.bulk_create([ProjectTally(organization_id=ids[path], month=month, **values)
                                      for (path, month), values in tallies.items() if path in ids], batch_size=5000)
    return len(tallies)


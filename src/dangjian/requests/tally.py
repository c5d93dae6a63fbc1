"""Keeping the monthly roll-ups of requests, receptions and visits (RequestTally, ResolutionDays).

Services add to the row of the organisation and of every ancestor for the month of the event, in
the same transaction as the change, so that the statistics of any subtree over any months read
one row per month (ENGINEERING.md 3.2: a roll-up answers any node in a fraction of a
millisecond). After a bulk load ``rebuild`` recomputes them from GROUP BY queries.
"""

import datetime as dt
import statistics as _statistics
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dangjian.orgs.counts import add_monthly, ancestor_ids, month_of, prefixes
from dangjian.orgs.models import Organization
from dangjian.requests.models import Reception, Request, RequestTally, RequestUpdate, ResolutionDays, Source, Visit
from dangjian.requests.rules import SATISFIED_FROM, Action

# A request resolved after more days than this is counted in the last bucket.
MAX_DAYS = 365


def add(path: str, day: dt.date, *, ids: list[int] | None = None, **deltas: int) -> None:
    """Add ``deltas`` to the month of ``day`` for the organisation at ``path`` and its ancestors."""
    add_monthly(RequestTally, path, day, ids=ids, **deltas)


def add_resolution(path: str, day: dt.date, days: int, delta: int = 1, *, ids: list[int] | None = None) -> None:
    """Count one request resolved on ``day`` after ``days`` days (``delta=-1`` takes it back)."""
    month, days = month_of(day), min(max(days, 0), MAX_DAYS)
    ids = ancestor_ids(path) if ids is None else ids
    ResolutionDays.objects.bulk_create([ResolutionDays(organization_id=pk, month=month, days=days) for pk in ids],
                                       ignore_conflicts=True)
    ResolutionDays.objects.filter(organization_id__in=ids, month=month, days=days).update(count=F("count") + delta)


def figures(organization: Organization, first_month: dt.date, last_month: dt.date) -> dict:
    """The totals of ``organization``'s subtree from ``first_month`` to ``last_month`` (first days
    of months, both included), with the median days to resolve."""
    months = {"organization": organization, "month__gte": month_of(first_month), "month__lte": month_of(last_month)}
    totals = RequestTally.objects.filter(**months).aggregate(**{field: Sum(field) for field in RequestTally.FIELDS})
    totals = {field: value or 0 for field, value in totals.items()}
    buckets = (ResolutionDays.objects.filter(**months, count__gt=0).values_list("days").annotate(n=Sum("count"))
               .order_by("days"))
    totals["median_days_to_resolve"] = median_of_histogram(list(buckets))
    return totals


def median_of_histogram(buckets: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) sorted by value; None when there are none."""
    total = sum(count for _value, count in buckets)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the two middle ones
    found, seen = [], 0
    for value, count in buckets:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return _statistics.mean(found)


def days_to_resolve(request: Request, resolved_on: dt.date) -> int:
    """Calendar days from the day the request was received to the day it was resolved."""
    return (resolved_on - timezone.localtime(request.received_at).date()).days


@transaction.atomic
def rebuild() -> int:
    """Recompute every roll-up from the requests, their timeline, receptions and visits; returns
    the number of rows written."""
    tallies: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(RequestTally.FIELDS, 0))
    histogram: dict[tuple[str, dt.date, int], int] = defaultdict(int)

    def put(path: str, month: dt.date, field: str, amount: int) -> None:
        for prefix in prefixes(path):
            tallies[prefix, month][field] += amount

    tz = timezone.get_current_timezone()
    requests = Request.objects.order_by()
    for path, month, source, count in (requests.annotate(month=TruncMonth("received_at", tzinfo=tz))
                                       .values_list("org_path", "month", "source").annotate(n=Count("*"))):
        put(path, _date(month), "received", count)
        if source in (Source.RECEPTION, Source.VISIT):
            put(path, _date(month), "problems_collected", count)
    updates = RequestUpdate.objects.order_by().annotate(month=TruncMonth("at", tzinfo=tz))
    events = {Action.ACCEPT: "accepted", Action.CONFIRM: "confirmed", Action.CLOSE: "closed_unanswered",
              Action.REOPEN: "reopened", Action.DUPLICATE: "duplicates", Action.REFER: "referred",
              Action.WITHDRAW: "withdrawn", "escalate": "escalated"}
    for path, month, action, count in (updates.filter(action__in=list(events))
                                       .values_list("request__org_path", "month", "action").annotate(n=Count("*"))):
        put(path, _date(month), events[action], count)
    for path, month, rating, count in (updates.filter(action=Action.CONFIRM, data__satisfaction__isnull=False)
                                       .values_list("request__org_path", "month", "data__satisfaction")
                                       .annotate(n=Count("*"))):
        if rating is None:  # confirmed without saying how satisfied: the key is there, empty
            continue
        rating = int(rating)
        put(path, _date(month), "satisfaction_count", count)
        put(path, _date(month), "satisfaction_sum", rating * count)
        if rating >= SATISFIED_FROM:
            put(path, _date(month), "satisfied", count)
    for path, month, data, source, count in (
            updates.filter(action=Action.RESOLVE)
            .values_list("request__org_path", "month", "data", "request__source").annotate(n=Count("*"))):
        month = _date(month)
        put(path, month, "resolved", count)
        put(path, month, "resolved_on_time", count if data.get("on_time") else 0)
        put(path, month, "resolution_days", data.get("days", 0) * count)
        if source in (Source.RECEPTION, Source.VISIT):
            put(path, month, "problems_resolved", count)
        for prefix in prefixes(path):
            histogram[prefix, month, min(data.get("days", 0), MAX_DAYS)] += count
    for path, month, count, visitors in (Reception.objects.order_by().annotate(month=TruncMonth("held_on"))
                                         .values_list("org_path", "month").annotate(n=Count("*"), v=Sum("visitors"))):
        put(path, _date(month), "receptions", count)
        put(path, _date(month), "visitors", visitors)
    for path, month, count in (Visit.objects.order_by().annotate(month=TruncMonth("visited_on"))
                               .values_list("org_path", "month").annotate(n=Count("*"))):
        put(path, _date(month), "visits", count)

    ids = dict(Organization.objects.values_list("path", "pk"))
    RequestTally.objects.all().delete()
    ResolutionDays.objects.all().delete()
    RequestTally.objects.bulk_create([RequestTally(organization_id=ids[path], month=month, **values)
                                      for (path, month), values in tallies.items() if path in ids], batch_size=5000)
    ResolutionDays.objects.bulk_create([ResolutionDays(organization_id=ids[path], month=month, days=days, count=count)
                                        for (path, month, days), count in histogram.items() if path in ids],
                                       batch_size=5000)
    return len(tallies) + len(histogram)


def _date(month) -> dt.date:
    return month.date() if isinstance(month, dt.datetime) else month

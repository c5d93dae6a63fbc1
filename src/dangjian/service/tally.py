"""Keeping the monthly roll-ups of service teams and activities (ServiceTally).

Services add to the row of the organisation and of every ancestor for the month, in the same
transaction as the change; the statistics of any subtree read one row per month. Activities,
participations and hours count in the month the activity starts; teams and team people as net
changes in the month they were formed or joined (and taken back when disbanded or left), so
that their sum up to a month is how many there were. ``rebuild`` recomputes every row from the
teams, activities and check-ins, after a bulk load.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dangjian.orgs.counts import add_monthly, month_of, prefixes
from dangjian.orgs.models import Organization
from dangjian.service.models import Activity, CheckIn, ServiceTally, ServiceTeam, TeamMembership


def tenths(hours: Decimal) -> int:
    return int(Decimal(hours) * 10)


def add(path: str, day: dt.date, *, ids: list[int] | None = None, **deltas: int) -> None:
    """Add ``deltas`` to the month of ``day`` for the organisation at ``path`` and its ancestors."""
    add_monthly(ServiceTally, path, day, ids=ids, **deltas)


def figures(organization: Organization, first_month: dt.date, last_month: dt.date) -> dict:
    """The totals of ``organization``'s subtree from ``first_month`` to ``last_month`` (both
    included); teams and team people as they stood at the end of ``last_month``. Hours as
    Decimals with one place."""
    first, last = month_of(first_month), month_of(last_month)
    sums = {field: Sum(field, filter=Q(month__gte=first)) for field in ServiceTally.FIELDS
            if field not in ServiceTally.STANDING}
    sums.update({field: Sum(field) for field in ServiceTally.STANDING})
    totals = ServiceTally.objects.filter(organization=organization, month__lte=last).aggregate(**sums)
    totals = {field: value or 0 for field, value in totals.items()}
    totals["volunteer_hours"] = Decimal(totals.pop("volunteer_hours_tenths")) / 10
    totals["study_hours"] = Decimal(totals.pop("study_hours_tenths")) / 10
    return totals


@transaction.atomic
def rebuild() -> int:
    """Recompute every roll-up from the teams, memberships, activities and check-ins; returns the
    number of rows written."""
    tallies: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ServiceTally.FIELDS, 0))

    def put(path: str, month, field: str, amount: int) -> None:
        month = month.date() if isinstance(month, dt.datetime) else month
        for prefix in prefixes(path):
            tallies[prefix, month][field] += amount

    tz = timezone.get_current_timezone()
    for path, month, count in (ServiceTeam.objects.order_by().annotate(month=TruncMonth("formed_on"))
                               .values_list("org_path", "month").annotate(n=Count("*"))):
        put(path, month, "teams", count)
    for path, month, count in (ServiceTeam.objects.order_by().filter(disbanded_on__isnull=False)
                               .annotate(month=TruncMonth("disbanded_on")).values_list("org_path", "month")
                               .annotate(n=Count("*"))):
        put(path, month, "teams", -count)
    people = TeamMembership.objects.order_by()
    for date_field, sign in (("joined_on", 1), ("left_on", -1)):
        rows = people.filter(**{f"{date_field}__isnull": False}).annotate(month=TruncMonth(date_field))
        for path, month, members, volunteers in rows.values_list("team__org_path", "month").annotate(
                m=Count("pk", filter=Q(member__isnull=False)), v=Count("pk", filter=Q(volunteer__isnull=False))):
            put(path, month, "team_members", sign * members)
            put(path, month, "team_volunteers", sign * volunteers)
    activities = Activity.objects.order_by().annotate(month=TruncMonth("starts_at", tzinfo=tz))
    for path, month, count in activities.filter(cancelled_at__isnull=True).values_list("org_path", "month").annotate(
            n=Count("*")):
        put(path, month, "activities", count)
    for path, month, count in activities.filter(present__gt=0).values_list("org_path", "month").annotate(
            n=Count("*")):
        put(path, month, "activities_held", count)
    check_ins = CheckIn.objects.order_by().annotate(month=TruncMonth("activity__starts_at", tzinfo=tz))
    for path, month, total, members, volunteers, late, hours, study in check_ins.values_list(
            "org_path", "month").annotate(n=Count("*"), m=Count("pk", filter=Q(member__isnull=False)),
                                          v=Count("pk", filter=Q(volunteer__isnull=False)),
                                          late=Count("pk", filter=Q(late=True)), hours=Sum("hours"),
                                          study=Sum("study_hours")):
        put(path, month, "participations", total)
        put(path, month, "member_participations", members)
        put(path, month, "volunteer_participations", volunteers)
        put(path, month, "late", late)
        put(path, month, "volunteer_hours_tenths", tenths(hours or 0))
        put(path, month, "study_hours_tenths", tenths(study or 0))
    ids = dict(Organization.objects.values_list("path", "pk"))
    ServiceTally.objects.all().delete()
    ServiceTally.objects.bulk_create([ServiceTally(organization_id=ids[path], month=month, **values)
                                      for (path, month), values in tallies.items() if path in ids], batch_size=5000)
    return len(tallies)


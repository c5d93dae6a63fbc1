"""Residents' requests at city scale: a street's overdue list as its page reads it, and the root's
statistics, through the platform's selectors, each beside the same answer in raw SQL on a bare
psycopg connection, in the same run.

    python bench/requests_views.py [--requests 1000000] [--runs 200]

Runs in the city of bench/subtree_count.py. A year of requests is generated once (demo.loader.
write_requests: the demo's planner, written by COPY, the roll-ups rebuilt) unless the city holds
that many already.

- The street's overdue view is what `views/handling.organization` runs for `list=overdue`: the
  first page of 50 (and one more, to know whether a next page exists) from
  `selectors.request_list`, and the four counts of `selectors.lists`. The raw SQL reads the same
  rows (with the same joined names) and counts the same four lists.
- The root's statistics are what `views/handling.statistics` runs by default (this year up to
  today): `tally.figures` (the monthly roll-ups) and `selectors.open_counts`. The raw SQL computes
  the same figures from the requests, their timelines, receptions and visits, without the
  roll-ups.
"""

import argparse
import datetime as dt
import time

import _common

OPEN = "('received', 'accepted', 'assigned', 'in_progress', 'reopened')"
WITHIN = "(r.org_path >= %(path)s AND r.org_path < %(end)s OR r.assigned_path >= %(path)s AND r.assigned_path < %(end)s)"
OVERDUE_PAGE_SQL = f"""
    SELECT r.*, c.name, g.name, o.name, m.name
    FROM requests_request r
    JOIN requests_category c ON c.id = r.category_id
    JOIN orgs_grid g ON g.id = r.grid_id
    LEFT JOIN orgs_organization o ON o.id = r.assigned_org_id
    LEFT JOIN members_member m ON m.id = r.assigned_member_id
    WHERE {WITHIN} AND r.state IN {OPEN} AND r.due_on < %(today)s
    ORDER BY r.due_on, r.id LIMIT %(limit)s"""
LIST_COUNTS_SQL = f"""
    SELECT count(*) FILTER (WHERE r.due_on < %(today)s),
           count(*) FILTER (WHERE r.warn_on <= %(today)s AND r.due_on >= %(today)s),
           count(*) FILTER (WHERE r.state IN ('received', 'accepted')),
           (SELECT count(*) FROM requests_request e WHERE e.escalated_to_id = %(org)s AND e.state IN {OPEN})
    FROM requests_request r WHERE {WITHIN} AND r.state IN {OPEN}"""
SUBTREE = "r.org_path >= %(path)s AND r.org_path < %(end)s"
STATISTICS_SQL = f"""
    SELECT
      (SELECT count(*) FROM requests_request r WHERE {SUBTREE} AND r.received_at >= %(since)s
         AND r.received_at < %(until)s),
      (SELECT count(*) FROM requests_request r WHERE {SUBTREE} AND r.received_at >= %(since)s
         AND r.received_at < %(until)s AND r.source IN ('reception', 'visit')),
      u.*,
      (SELECT count(*) FROM requests_reception r WHERE {SUBTREE} AND r.held_on >= %(first)s AND r.held_on < %(after)s),
      (SELECT coalesce(sum(r.visitors), 0) FROM requests_reception r WHERE {SUBTREE} AND r.held_on >= %(first)s
         AND r.held_on < %(after)s),
      (SELECT count(*) FROM requests_visit r WHERE {SUBTREE} AND r.visited_on >= %(first)s
         AND r.visited_on < %(after)s),
      (SELECT count(*) FROM requests_request r WHERE {WITHIN} AND r.state IN {OPEN}),
      (SELECT count(*) FROM requests_request r WHERE {WITHIN} AND r.state IN {OPEN} AND r.due_on < %(today)s)
    FROM (
      SELECT count(*) FILTER (WHERE u.action = 'accept'),
             count(*) FILTER (WHERE u.action = 'resolve'),
             count(*) FILTER (WHERE u.action = 'resolve' AND (u.data ->> 'on_time')::boolean),
             coalesce(sum((u.data ->> 'days')::int) FILTER (WHERE u.action = 'resolve'), 0),
             count(*) FILTER (WHERE u.action = 'confirm'),
             count(*) FILTER (WHERE u.action = 'confirm' AND (u.data ->> 'satisfaction')::int >= 4),
             coalesce(sum((u.data ->> 'satisfaction')::int) FILTER (WHERE u.action = 'confirm'), 0),
             count(u.data ->> 'satisfaction') FILTER (WHERE u.action = 'confirm'),
             count(*) FILTER (WHERE u.action = 'close'),
             count(*) FILTER (WHERE u.action = 'reopen'),
             count(*) FILTER (WHERE u.action = 'duplicate'),
             count(*) FILTER (WHERE u.action = 'refer'),
             count(*) FILTER (WHERE u.action = 'withdraw'),
             count(*) FILTER (WHERE u.action = 'escalate'),
             count(*) FILTER (WHERE u.action = 'resolve' AND r.source IN ('reception', 'visit')),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY least((u.data ->> 'days')::int, 365))
               FILTER (WHERE u.action = 'resolve')
      FROM requests_requestupdate u JOIN requests_request r ON r.id = u.request_id
      WHERE {SUBTREE} AND u.at >= %(since)s AND u.at < %(until)s) u"""
FIGURES = ("received", "problems_collected", "accepted", "resolved", "resolved_on_time", "resolution_days", "confirmed",
           "satisfied", "satisfaction_sum", "satisfaction_count", "closed_unanswered", "reopened", "duplicates",
           "referred", "withdrawn", "escalated", "problems_resolved", "median_days_to_resolve", "receptions", "visitors",
           "visits", "open", "overdue")


def _numbers(figures: dict) -> dict:
    """The statistics' figures as floats (the median is one), to compare the two answers."""
    return {key: None if figures[key] is None else float(figures[key]) for key in FIGURES}


def generate(requests: int) -> dict:
    """A year of ``requests`` over the city, replacing any there were; returns how long it took."""
    from django.db import connection, transaction

    from dangjian.demo import loader
    from dangjian.demo.citygen import CityGenerator, Plan
    from dangjian.members.models import Member

    tables = ("requests_requestupdate", "requests_tracking", "requests_request", "requests_reception",
              "requests_visit", "requests_receptionduty", "requests_representative", "requests_requesttally",
              "requests_resolutiondays")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    report = loader.LoadReport()
    started = time.perf_counter()
    with transaction.atomic():
        loader.write_requests(CityGenerator(Plan.for_members(Member.objects.count()), seed=2024), report,
                              requests=requests, progress=print)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "phases": [[name, rows, round(spent, 1)] for name, rows, spent in report.phases]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    _common.setup_django()


    import psycopg
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.accounts.roles import Role
    from dangjian.core.scope import PATH_END
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.requests import selectors, tally
    from dangjian.requests.models import Request, RequestUpdate
    from dangjian.requests.views.handling import PAGE_SIZE

    generation = None
    if abs(Request.objects.count() - arguments.requests) > arguments.requests // 100:
        generation = generate(arguments.requests)
    generation = _common.earlier_generation("requests_views", generation)
    total, updates = Request.objects.count(), RequestUpdate.objects.count()
    today = timezone.localdate()
    root = Organization.objects.get(depth=1)
    street = Organization.objects.filter(level=Level.STREET).order_by("path")[5]

    def reader(node):
        # A viewer holding a role on the node, without an account in the database: the scope
        # module reads the role assignments from this cache first.
        user = User(username=f"bench-{node.code}", is_active=True)
        user.__dict__["_assignments_cache"] = [(Role.VIEWER, node.path)]
        return user

    def overdue_view(user, node):
        lists = selectors.lists(user, node, today=today)
        rows = selectors.request_list(user, node, "overdue", today=today, state=None, category=None, after=None)
        page = list(rows.select_related("category", "grid", "assigned_org", "assigned_member")[:PAGE_SIZE + 1])
        return [row.pk for row in page], {key: queryset.count() for key, queryset in lists.items()}

    first, last = today.replace(month=1, day=1), today

    def statistics(user, node):
        return _numbers({**tally.figures(node, first, last), **selectors.open_counts(user, node, today=today)})

    raw = psycopg.connect(_common.database_url(), cursor_factory=psycopg.ClientCursor)
    tz = timezone.get_current_timezone()
    after = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    def raw_overdue_view(node):
        bound = {"path": node.path, "end": node.path + PATH_END, "today": today, "org": node.pk,
                 "limit": PAGE_SIZE + 1}
        page = raw.execute(OVERDUE_PAGE_SQL, bound).fetchall()
        counts = raw.execute(LIST_COUNTS_SQL, bound).fetchone()
        return [row[0] for row in page], dict(zip(("overdue", "due_soon", "unassigned", "escalated"), counts,
                                                  strict=True))

    def raw_statistics(node):
        found = raw.execute(STATISTICS_SQL, {
            "path": node.path, "end": node.path + PATH_END, "today": today, "first": first, "after": after,
            "since": dt.datetime.combine(first, dt.time.min, tz), "until": dt.datetime.combine(after, dt.time.min, tz),
        }).fetchone()
        return _numbers(dict(zip(FIGURES, found, strict=True)))

    street_reader, root_reader = reader(street), reader(root)
    cases = [
        ("street", "overdue view: first page of 50 and the four list counts",
         lambda: overdue_view(street_reader, street), lambda: raw_overdue_view(street)),
        ("root", "statistics this year: figures, open and overdue now",
         lambda: statistics(root_reader, root), lambda: raw_statistics(root)),
    ]
    rows = _common.compare(cases, arguments.runs, keep_answer=True)
    raw.close()

    under_street = Request.objects.filter(org_path__gte=street.path, org_path__lt=street.path + PATH_END).count()
    machine = _common.machine()
    _common.write_results("requests_views", {"machine": machine, "requests": total, "updates": updates,
                                             "street_requests": under_street, "generation": generation, "rows": rows})
    lines = [
        f"Measured {machine}; {total:,} requests ({updates:,} changes in their timelines) received over the year "
        f"up to {today:%Y-%m-%d} in the 1,000,000-member city; the street holds {under_street:,} of them. "
        f"{arguments.runs} warm runs each, ms; the reader holds a viewer role on the node.",
        "",
        *_common.comparison_table(rows),
        "",
        f"Target (issue 5): p95 under 200 ms for both; slowest p95 through the platform: "
        f"{max(row['platform_p95'] for row in rows):.1f} ms.",
    ]
    if generation:
        lines += ["", f"Generating the year (`demo.loader.write_requests`: planned, worked through the rules, COPY, "
                      f"roll-ups rebuilt, analysed) took {generation['seconds']:.0f} s."]
    _common.write_section("requests-views", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

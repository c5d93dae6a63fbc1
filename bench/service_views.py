"""Service activities at city scale: the root's statistics and a member's own service page, through
the platform's selectors, each beside the same figures in raw SQL on a bare psycopg connection, in
the same run.

    python bench/service_views.py [--check-ins 5000000] [--runs 200]

Runs in the city of bench/subtree_count.py (1,000,000 members). Unless the city holds that many
check-ins already, a year of activities up to today is generated once, written by COPY: each
community holds activities of about 25 people drawn from its own members, a quarter of them
counting as study; every member present at a study activity gets a study record; then the
monthly roll-ups are rebuilt (``service.tally.rebuild``) and the tables analysed.

- The root's statistics are what `views.statistics` runs by default (this year up to today):
  `tally.figures`, a few roll-up rows. The raw SQL counts the same figures from the activities,
  check-ins and team tables, without the roll-ups.
- A member's page is what `views.mine` runs: `selectors.own_service` (volunteer and study hours
  this year, the target, what they attended and signed up for) and the activities open to them.
  The raw SQL reads the same figures and lists.
"""

import argparse
import datetime as dt
import random
import secrets
import time
from decimal import Decimal

import _common

PER_ACTIVITY = 25
TABLES = ("service_checkin", "service_signup", "service_teammembership", "service_activity", "service_serviceteam",
          "service_volunteer", "service_servicetally", "study_studyrecord")

STATISTICS_SQL = """
WITH a AS (SELECT id, present, cancelled_at FROM service_activity
           WHERE org_path >= %(path)s AND org_path < %(end)s AND starts_at >= %(since)s AND starts_at < %(until)s),
     c AS (SELECT c.* FROM service_checkin c JOIN a ON a.id = c.activity_id)
SELECT
  (SELECT count(*) FROM service_serviceteam t WHERE t.org_path >= %(path)s AND t.org_path < %(end)s
     AND t.formed_on < %(after)s AND (t.disbanded_on IS NULL OR t.disbanded_on >= %(after)s)),
  (SELECT count(*) FROM a WHERE cancelled_at IS NULL),
  (SELECT count(*) FROM a WHERE present > 0),
  (SELECT count(*) FROM c), (SELECT count(*) FROM c WHERE member_id IS NOT NULL),
  (SELECT count(*) FROM c WHERE volunteer_id IS NOT NULL), (SELECT count(*) FROM c WHERE late),
  (SELECT coalesce(sum(hours), 0) FROM c), (SELECT coalesce(sum(study_hours), 0) FROM c)
"""
STATISTICS = ("teams", "activities", "activities_held", "participations", "member_participations",
              "volunteer_participations", "late", "volunteer_hours", "study_hours")

MEMBER_SQL = """
SELECT
  (SELECT coalesce(sum(hours), 0) FROM service_checkin WHERE member_id = %(member)s AND "on" >= %(first)s
     AND "on" <= %(last)s),
  (SELECT count(*) FROM service_checkin WHERE member_id = %(member)s AND "on" >= %(first)s AND "on" <= %(last)s),
  (SELECT coalesce(sum(hours), 0) FROM study_studyrecord WHERE member_id = %(member)s AND "on" >= %(first)s
     AND "on" <= %(last)s)
"""
ATTENDED_SQL = """
SELECT c.id, a.title FROM service_checkin c JOIN service_activity a ON a.id = c.activity_id
WHERE c.member_id = %(member)s AND c."on" >= %(first)s AND c."on" <= %(last)s ORDER BY c."on" DESC, c.id DESC LIMIT 100
"""
OPEN_SQL = """
SELECT a.id FROM service_activity a
WHERE (a.org_path = ANY(%(prefixes)s) OR a.org_path >= %(community)s AND a.org_path < %(community_end)s)
  AND a.cancelled_at IS NULL AND a.starts_at > %(now)s AND (a.signup_until IS NULL OR a.signup_until > %(now)s)
ORDER BY a.starts_at, a.id LIMIT 30
"""


def generate(check_ins: int) -> dict:
    """A year of activities up to today with ``check_ins`` check-ins over the city, by COPY,
    replacing any there were; returns how long it took."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.service import rules, tally

    started = time.perf_counter()
    rng = random.Random(2025)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
        cursor.execute("SELECT id, org_path FROM members_member WHERE left_on IS NULL ORDER BY id")
        members = cursor.fetchall()
    communities = list(Organization.objects.filter(level=Level.COMMUNITY, dissolved_at__isnull=True)
                       .values_list("pk", "path", "city_id"))
    by_community: dict[str, list[int]] = {path: [] for _pk, path, _city in communities}
    length = len(communities[0][1])
    for pk, path in members:
        if path[:length] in by_community:
            by_community[path[:length]].append(pk)
    communities = [row for row in communities if len(by_community[row[1]]) >= PER_ACTIVITY]
    activities = check_ins // PER_ACTIVITY
    now = timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    check_in_rows = 0
    # One COPY at a time per connection: each table streams on its own connection, committed in
    # the order of their foreign keys (Django's are deferred to the commit).
    streams = [psycopg.connect(_common.database_url()) for _table in range(3)]
    with streams[0].cursor().copy(
            "COPY service_activity (id, city_id, organization_id, org_path, title, description, place, starts_at, "
            "ends_at, capacity, counts_as_study, signed_up, present, check_in_token, cancel_reason, created_at) "
            "FROM STDIN") as activity_copy, streams[1].cursor().copy(
            "COPY service_checkin (activity_id, member_id, city_id, org_path, \"on\", at, method, late, hours, "
            "hours_by_staff, study_hours) FROM STDIN") as check_in_copy, streams[2].cursor().copy(
            "COPY study_studyrecord (member_id, city_id, org_path, \"on\", hours, kind, source, title, "
            "recorded_at) FROM STDIN") as study_copy:
        for number in range(1, activities + 1):
            org_pk, path, city = communities[number % len(communities)]
            day = today - dt.timedelta(days=rng.randrange(365))
            start = dt.datetime.combine(day, dt.time(rng.choice((8, 9, 14, 15, 19)), rng.choice((0, 30))), tz)
            end = start + dt.timedelta(minutes=rng.choice((60, 90, 120, 180, 240)))
            if end > now:
                start, end = start - dt.timedelta(days=1), end - dt.timedelta(days=1)
            study = number % 4 == 0
            hours = rules.volunteer_hours(start, end)
            study_hours = rules.study_hours(start, end) if study else Decimal(0)
            activity_copy.write_row((number, city, org_pk, path, f"志愿服务活动{number}", "", "社区党群服务中心", start,
                                     end, PER_ACTIVITY, study, PER_ACTIVITY, PER_ACTIVITY,
                                     secrets.token_urlsafe(18), "", start - dt.timedelta(days=7)))
            on = start.astimezone(tz).date()
            for member in rng.sample(by_community[path], PER_ACTIVITY):
                late = rng.random() < 0.08
                at = start + dt.timedelta(minutes=rng.randrange(20, 40) if late else rng.randrange(-30, 10))
                check_in_copy.write_row((number, member, city, path, on, at, "code", late, hours, False,
                                         study_hours))
                if study and study_hours:
                    study_copy.write_row((member, city, path, on, study_hours, "activity",
                                          f"service.activity:{number}", f"志愿服务活动{number}", at))
                check_in_rows += 1
            if number % 20000 == 0:
                print(f"{number:,} activities, {check_in_rows:,} check-ins", flush=True)
    for stream in streams:
        stream.commit()
        stream.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('service_activity_id_seq', %s)", [activities])
    rows = tally.rebuild()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"seconds": time.perf_counter() - started, "activities": activities, "check_ins": check_in_rows,
            "tally_rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-ins", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    _common.setup_django()

    import psycopg
    from django.db.models import Count
    from django.utils import timezone

    from dangjian.core.scope import PATH_END
    from dangjian.members.models import Member
    from dangjian.orgs.counts import prefixes
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.service import selectors, tally
    from dangjian.service.models import CheckIn
    from dangjian.study import selectors as study_selectors

    generation = None
    if abs(CheckIn.objects.count() - arguments.check_ins) > arguments.check_ins // 100:
        generation = generate(arguments.check_ins)
    generation = _common.earlier_generation("service_views", generation)
    today = timezone.localdate()
    now = timezone.now()
    root = Organization.objects.get(depth=1)
    # The member present most often: the heaviest own page.
    member_pk = (CheckIn.objects.filter(on__year=today.year).values("member").annotate(n=Count("pk"))
                 .order_by("-n").values_list("member", flat=True).first())
    member = Member.objects.get(pk=member_pk)
    community = next(path for path, level in Organization.objects.filter(path__in=prefixes(member.org_path))
                     .values_list("path", "level") if level == Level.COMMUNITY)
    first, last = today.replace(month=1, day=1), today
    tz = timezone.get_current_timezone()
    after = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    def statistics():
        figures = tally.figures(root, first, last)
        return {key: float(figures[key]) for key in STATISTICS}

    def own_page():
        mine = selectors.own_service(member, year=today.year, now=now)
        opened = [row.pk for row in selectors.open_activities(member, now=now)[:30]]
        return {"volunteer_hours": float(mine["volunteer_hours"]), "attended": mine["attended_count"],
                "study_hours": float(mine["study_hours"]), "target": mine["study_target"],
                "rows": [row.pk for row in mine["attended"]], "open": opened}

    raw = psycopg.connect(_common.database_url(), cursor_factory=psycopg.ClientCursor)

    def raw_statistics():
        found = raw.execute(STATISTICS_SQL, {
            "path": root.path, "end": root.path + PATH_END, "after": after,
            "since": dt.datetime.combine(first, dt.time.min, tz),
            "until": dt.datetime.combine(after, dt.time.min, tz)}).fetchone()
        return {key: float(value) for key, value in zip(STATISTICS, found, strict=True)}

    def raw_own_page():
        bound = {"member": member.pk, "first": first, "last": dt.date(today.year, 12, 31)}
        hours, attended, study = raw.execute(MEMBER_SQL, bound).fetchone()
        rows = [row[0] for row in raw.execute(ATTENDED_SQL, bound).fetchall()]
        opened = [row[0] for row in raw.execute(OPEN_SQL, {
            "prefixes": prefixes(member.org_path), "community": community, "community_end": community + PATH_END,
            "now": now}).fetchall()]
        return {"volunteer_hours": float(hours), "attended": attended, "study_hours": float(study),
                "target": study_selectors.target_for(member), "rows": rows, "open": opened}

    cases = [("root", "statistics this year (teams, activities, participations, hours)", statistics, raw_statistics),
             ("member", "own service page: hours this year, target, attended, open activities", own_page,
              raw_own_page)]
    rows = _common.compare(cases, arguments.runs)
    raw.close()
    total = CheckIn.objects.count()
    machine = _common.machine()
    _common.write_results("service_views", {"machine": machine, "check_ins": total, "member": member.pk,
                                            "generation": generation, "rows": rows})
    lines = [
        f"Measured {machine}; {total:,} check-ins at a year of activities up to {today:%Y-%m-%d} in the "
        f"1,000,000-member city. {arguments.runs} warm runs each, ms.",
        "",
        *_common.comparison_table(rows),
        "",
        f"Target (issue 6): p95 under 200 ms; slowest p95 through the platform: "
        f"{max(row['platform_p95'] for row in rows):.1f} ms.",
    ]
    if generation:
        lines += ["", f"Generating the year ({generation['activities']:,} activities, COPY, roll-ups rebuilt, "
                      f"analysed) took {generation['seconds']:.0f} s."]
    _common.write_section("service-views", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

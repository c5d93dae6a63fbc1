"""Micro-projects at city scale: the root's statistics and a street's public register page, each
beside the same answer in raw SQL on a bare psycopg connection, in the same run.

    python bench/projects_views.py [--projects 50000] [--runs 200]

Runs in the city of bench/subtree_count.py. The projects are generated once (unless the city
holds that many already), spread over its communities and over the past year, in every state with
the steps that led there, milestones and spending, written by COPY; the roll-ups are then rebuilt
by ``tally.rebuild``.

- The root's statistics are what `views.statistics` runs by default (this year up to today):
  `tally.figures` (the monthly roll-ups) and `selectors.state_counts`. The raw SQL computes the
  same figures from the projects, their timelines and spending, without the roll-ups.
- The street's public register is `public.register` as a resident's browser gets it (the view,
  the template, the rate limit): its first page of 50 and the counts by state. The raw SQL reads
  the same rows and counts.

It rewrites its section of bench/README.md with the latest figures.
"""

import argparse
import datetime as dt
import random
import re
import time
from decimal import Decimal

import _common

SEED = 2026
SUBTREE = "p.org_path >= %(path)s AND p.org_path < %(end)s"
STATISTICS_SQL = f"""
    SELECT
      count(*) FILTER (WHERE u.action = 'propose'),
      coalesce(sum(p.estimate) FILTER (WHERE u.action = 'propose'), 0),
      count(*) FILTER (WHERE u.action = 'screen_out'),
      count(*) FILTER (WHERE u.action = 'council' AND u.to_state = 'passed'),
      count(*) FILTER (WHERE u.action = 'council' AND u.to_state = 'rejected'),
      count(*) FILTER (WHERE u.action = 'approve'),
      coalesce(sum(p.budget) FILTER (WHERE u.action = 'approve'), 0),
      count(*) FILTER (WHERE u.action = 'start'),
      (SELECT coalesce(sum(s.amount), 0) FROM projects_spending s JOIN projects_microproject p ON p.id = s.project_id
        WHERE {SUBTREE} AND s.spent_on >= %(first)s AND s.spent_on < %(after)s),
      count(*) FILTER (WHERE u.action = 'complete'),
      count(*) FILTER (WHERE u.action = 'accept'),
      count(*) FILTER (WHERE u.action = 'evaluate'),
      coalesce(sum(p.surveyed) FILTER (WHERE u.action = 'evaluate'), 0),
      coalesce(sum(p.satisfied) FILTER (WHERE u.action = 'evaluate'), 0),
      coalesce(sum(p.score) FILTER (WHERE u.action = 'evaluate'), 0),
      count(p.score) FILTER (WHERE u.action = 'evaluate'),
      count(*) FILTER (WHERE u.action = 'cancel')
    FROM projects_projectupdate u JOIN projects_microproject p ON p.id = u.project_id
    WHERE {SUBTREE} AND u.occurred_on >= %(first)s AND u.occurred_on < %(after)s"""
STATE_COUNTS_SQL = f"SELECT p.state, count(*) FROM projects_microproject p WHERE {SUBTREE} GROUP BY p.state"
REGISTER_PAGE_SQL = f"""
    SELECT p.*, o.name FROM projects_microproject p JOIN orgs_organization o ON o.id = p.organization_id
    WHERE {SUBTREE} ORDER BY p.id DESC LIMIT %(limit)s"""
FIGURES = ("collected", "amount_collected", "screened_out", "council_passed", "council_rejected", "approved",
           "amount_approved", "started", "amount_spent", "completed", "accepted", "evaluated", "surveyed", "satisfied",
           "score_sum", "score_count", "cancelled")

# Where 50,000 projects stand after a year or so: Jinwan's shares (PRACTICE.md: of 1,177 collected,
# 269 in progress and 139 completed), the rest spread over the other steps.
STATES = {"collected": 6, "screened": 4, "screened_out": 8, "passed": 2, "rejected": 4, "public_notice": 2, "approved": 8,
          "in_progress": 23, "completed": 12, "accepted": 14, "evaluated": 12, "cancelled": 5}
PATH = ["collected", "screened", "passed", "public_notice", "approved", "in_progress", "completed", "accepted", "evaluated"]
ACTION_TO = {"screened": "screen", "passed": "council", "public_notice": "public_notice", "approved": "approve",
             "in_progress": "start", "completed": "complete", "accepted": "accept", "evaluated": "evaluate"}
TITLES = ["楼道照明改造", "长者助餐服务", "社区文体活动", "休闲座椅添置", "小区排水疏通", "困境儿童课后托管", "无障碍坡道改造",
          "农贸市场周边清理", "邻里互助志愿服务", "社区书屋建设"]


def _numbers(figures: dict) -> dict:
    return {key: float(value) for key, value in figures.items()}


def _rows(model, values: list[dict]):
    """The rows of ``values`` in the order of the model's columns, defaults filled in."""
    fields = model._meta.concrete_fields
    columns = tuple(field.attname for field in fields if not field.primary_key or values and field.attname in values[0])
    defaults = {field.attname: field for field in fields}
    return columns, [tuple(row[column] if column in row else defaults[column].get_default() for column in columns)
                     for row in values]


def generate(projects: int) -> dict:
    """``projects`` over the city's communities, replacing any there were; returns how long it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.demo.loader import reset_sequences, write_rows
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.projects import rules, services, tally
    from dangjian.projects.models import (
        FundingSource,
        MicroProject,
        Milestone,
        ProjectTally,
        ProjectUpdate,
        Spending,
    )

    started = time.perf_counter()
    tables = ("projects_spending", "projects_milestone", "projects_projectupdate", "projects_microproject_requests",
              "projects_projecttracking", "projects_microproject", "projects_projecttally", "projects_fundingsource")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    services.preset_load(actor=None, name="zhuhai")
    today = timezone.localdate()
    # The bench's projects are written in bulk, not approved one by one: the city's sources fund them all.
    root = Organization.objects.filter(depth=1).order_by("path").first()
    sources = [services.funding_source_save(actor=None, organization=root, name=name, kind=kind, year=year,
                                            budget=Decimal(budget))
               for year in (today.year - 1, today.year)
               for name, kind, budget in (("区民生微实事专项资金", "district", "300000000"),
                                          ("街道民生微实事资金", "street", "100000000"))]
    positive = list(rules.PRESETS["zhuhai"].positive)
    communities = list(Organization.objects.filter(level=Level.COMMUNITY).values_list("pk", "path", "city_id"))
    street_of = dict(Organization.objects.filter(level=Level.STREET).values_list("path", "pk"))
    caps = {kind: float(cap) for kind, cap in rules.PRESETS["zhuhai"].caps.items()}
    generator = random.Random(SEED)
    states = generator.choices(list(STATES), weights=list(STATES.values()), k=projects)
    tz = timezone.get_current_timezone()
    project_rows, update_rows, milestone_rows, spending_rows = [], [], [], []
    milestone_id = 0
    for pk, state in enumerate(states, start=1):
        community, path, city_id = generator.choice(communities)
        kind = generator.choice(rules.Kind.values)
        estimate = Decimal(generator.randrange(50, int(caps[kind]) // 100) * 100).quantize(rules.CENT)
        day = today - dt.timedelta(days=generator.randrange(20, 400))
        row = {"id": pk, "city_id": city_id, "organization_id": community, "org_path": path,
               "title": generator.choice(TITLES), "description": "居民反映的需求，经社区征集整理。", "kind": kind,
               "estimate": estimate, "source": generator.choice(["public_page", "member", "staff", "requests"]),
               "state": state, "version": 1, "proposed_at": dt.datetime.combine(day, dt.time(10), tz),
               "updated_at": dt.datetime.combine(day, dt.time(10), tz), "spent": Decimal("0.00"),
               "progress": Decimal("0.00")}
        steps = [("propose", "", "collected")]
        if state == "screened_out":
            steps.append(("screen_out", "collected", "screened_out"))
            row["screening_rule"] = rules.PRESETS["zhuhai"].negative[0]
        elif state == "rejected":
            steps += [("screen", "collected", "screened"), ("council", "screened", "rejected")]
        elif state == "cancelled":
            steps.append(("cancel", "collected", "cancelled"))
            row["cancel_reason"] = "居民意见变化"
        else:
            for previous, target in zip(PATH, PATH[1:PATH.index(state) + 1], strict=False):
                steps.append((ACTION_TO[target], previous, target))
        dates = sorted(min(today, day + dt.timedelta(days=generator.randrange(0, 20) * index))
                       for index in range(len(steps)))
        for (action, previous, target), on in zip(steps, dates, strict=True):
            update_rows.append({"project_id": pk, "at": dt.datetime.combine(on, dt.time(11), tz), "occurred_on": on,
                                "action": action, "from_state": previous, "to_state": target, "note": "", "data": {}})
            if action == "screen":
                row.update(screened_on=on, screening_rule=generator.choice(positive))
            elif action == "council":
                row.update(council_on=on, present=9, votes_for=7 if target == "passed" else 3, votes_against=2,
                           abstaining=0, passing_rule="majority_present")
            elif action == "public_notice":
                row.update(notice_from=on, notice_until=on + dt.timedelta(days=7))
            elif action == "approve":
                row.update(approved_on=on, budget=estimate, funding_source_id=sources[-1 if on.year == today.year
                                                                                      else 0].pk,
                           approver_org_id=street_of.get(path[:-4]))
            elif action == "start":
                row.update(started_on=on, contractor="某服务机构")
            elif action == "complete":
                row["completed_on"] = on
            elif action == "accept":
                row.update(accepted_on=on, acceptance_record="验收合格。", signatories="社区书记、街道代表、居民代表")
            elif action == "evaluate":
                surveyed = generator.randrange(20, 200)
                row.update(surveyed=surveyed, satisfied=surveyed - generator.randrange(0, surveyed // 10 + 1))
        if row.get("started_on"):
            done = state in ("completed", "accepted", "evaluated")
            progress = []
            for _index in range(generator.randrange(1, 5)):
                milestone_id += 1
                weight, percent = generator.randrange(1, 5), 100 if done else generator.randrange(0, 101)
                progress.append((weight, percent))
                milestone_rows.append({"id": milestone_id, "project_id": pk, "title": "施工节点", "weight": weight,
                                       "progress": percent, "done_on": row["started_on"] if percent == 100 else None})
            row["progress"] = rules.weighted_progress(progress)
            paid = (estimate * Decimal(generator.randrange(10, 101)) / 100).quantize(rules.CENT)
            spending_rows.append({"project_id": pk, "spent_on": max(row["started_on"], today - dt.timedelta(days=30))
                                  if not done else row["completed_on"], "amount": paid, "payee": "某服务机构",
                                  "note": ""})
            row["spent"] = paid
        if state in rules.FINAL:
            row["closed_at"] = dt.datetime.combine(dates[-1], dt.time(12), tz)
        project_rows.append(row)
    with transaction.atomic():
        for model, values in ((MicroProject, project_rows), (ProjectUpdate, update_rows), (Milestone, milestone_rows),
                              (Spending, spending_rows)):
            columns, rows = _rows(model, values)
            write_rows(model, columns, rows)
        reset_sequences(MicroProject, ProjectUpdate, Milestone, Spending, FundingSource)
        tally.rebuild()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"seconds": time.perf_counter() - started, "updates": len(update_rows), "milestones": len(milestone_rows),
            "tally_rows": ProjectTally.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=200)
    arguments = parser.parse_args()
    _common.setup_django()


    import psycopg
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from dangjian.core import paging
    from dangjian.core.scope import PATH_END
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.projects.models import MicroProject, ProjectUpdate
    from dangjian.projects.views import statistics_of

    generation = None
    if MicroProject.objects.count() != arguments.projects:
        generation = generate(arguments.projects)
    generation = _common.earlier_generation("projects_views", generation)
    total, updates = MicroProject.objects.count(), ProjectUpdate.objects.count()
    today = timezone.localdate()
    root = Organization.objects.get(depth=1)
    street = Organization.objects.filter(level=Level.STREET).order_by("path")[5]
    first = today.replace(month=1, day=1)
    after = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    def statistics():
        found = statistics_of(root, first, today)
        return _numbers(found["figures"]), {state: n for state, n in found["now"].items() if n}

    raw = psycopg.connect(_common.database_url(), cursor_factory=psycopg.ClientCursor)

    def raw_statistics():
        bound = {"path": root.path, "end": root.path + PATH_END, "first": first, "after": after}
        figures = raw.execute(STATISTICS_SQL, bound).fetchone()
        return (_numbers(dict(zip(FIGURES, figures, strict=True))),
                dict(raw.execute(STATE_COUNTS_SQL, bound).fetchall()))

    # The public pages' rate limit would turn the runs into 429s: a resident reads a page at a time.
    settings.DANGJIAN_PUBLIC_READ_RATE = "1000000/m"
    client = Client(HTTP_HOST="localhost")
    register_url = f"/p/org/{street.code}/"

    def register_page():
        response = client.get(register_url)
        assert response.status_code == 200, response.status_code
        page = response.content.decode()
        return ([int(pk) for pk in re.findall(r'<tr data-project="([0-9]+)"', page)],
                {state: int(count.replace(",", "")) for state, count in
                 re.findall(r'data-count="([a-z_]+)">([0-9,]+)<', page)})

    def raw_register_page():
        bound = {"path": street.path, "end": street.path + PATH_END, "limit": paging.PAGE_SIZE + 1}
        rows = raw.execute(REGISTER_PAGE_SQL, bound).fetchall()
        return [row[0] for row in rows[:paging.PAGE_SIZE]], dict(raw.execute(STATE_COUNTS_SQL, bound).fetchall())

    cases = [
        ("root", "statistics this year: the roll-ups' figures and the projects in each state now", statistics,
         raw_statistics),
        ("street", "public register page (HTTP, rendered): first 50 projects and the counts by state", register_page,
         raw_register_page),
    ]
    rows = _common.compare(cases, arguments.runs)
    raw.close()

    in_street = MicroProject.objects.filter(org_path__gte=street.path, org_path__lt=street.path + PATH_END).count()
    machine = _common.machine()
    _common.write_results("projects_views", {"machine": machine, "projects": total, "updates": updates,
                                             "street_projects": in_street, "generation": generation, "rows": rows})
    lines = [
        f"Measured {machine}; {total:,} micro-projects ({updates:,} steps in their timelines) over the past year "
        f"in the 1,000,000-member city's {Organization.objects.filter(level=Level.COMMUNITY).count():,} "
        f"communities; the street holds {in_street:,} of them. {arguments.runs} warm runs each, ms.",
        "",
        *_common.comparison_table(rows),
        "",
        f"Target (issue 6): p95 under 200 ms; slowest p95 through the platform: "
        f"{max(row['platform_p95'] for row in rows):.1f} ms.",
    ]
    if generation:
        lines += ["", f"Generating them (COPY of projects, steps, milestones and spending; roll-ups rebuilt; "
                      f"analysed) took {generation['seconds']:.0f} s."]
    _common.write_section("projects-views", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

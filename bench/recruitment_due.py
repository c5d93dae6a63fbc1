"""Recruitment at city scale: the overdue and due-soon lists (first page of 50) and the stage
funnel, through the platform's selectors (recruitment.selectors), beside the same SQL on a bare
psycopg connection, for a reader whose scope is the root, a street or a grid.

    python bench/recruitment_due.py [--files 200000] [--runs 50]

Runs in the city of bench/subtree_count.py. The files are generated once, in SQL, spread over
the city's branches: half of them still open (applicants to probationary members, each with its
next time limit within 200 days either side of today), half closed (full members, ended files).
"""

import argparse
import datetime as dt

import _common


def generate(files: int) -> None:
    """``files`` recruitment files over the city's branches, written in one statement."""
    from django.db import connection

    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Kind
    from dangjian.recruitment.models import RecruitmentFile

    branches = list(Organization.objects.filter(kind=Kind.BRANCH, dissolved_at__isnull=True)
                    .values_list("id", "path"))
    stages = ["applicant", "activist", "candidate", "probationary", "full", "ended"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_branch (n int, id bigint, path text)")
        with cursor.cursor.copy("COPY bench_branch FROM STDIN") as copy:
            for index, (pk, path) in enumerate(branches):
                copy.write_row((index, pk, path))
        cursor.execute(f"""
            INSERT INTO {RecruitmentFile._meta.db_table}
                (organization_id, org_path, name, sex, birth_date, id_number_sealed, id_number_hash, id_last4,
                 phone_last4, rules, stage, next_due_on, next_due_step, next_due_rule, end_reason, created_at,
                 updated_at)
            SELECT b.id, b.path, '申请人' || g, CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
                   DATE '1990-01-01' + (g %% 9000), '\\x00'::bytea, md5(g::text) || md5('file' || g), lpad((g %% 10000)::text, 4, '0'),
                   '', 'auto', s.stage,
                   CASE WHEN s.stage IN ('full', 'ended') THEN NULL ELSE current_date + (g * 7919 %% 401) - 200 END,
                   CASE WHEN s.stage IN ('full', 'ended') THEN '' ELSE '2' END, '', '', now(), now()
            FROM generate_series(1, %s) AS g
            JOIN bench_branch b ON b.n = g %% %s
            CROSS JOIN LATERAL (SELECT (ARRAY{stages!r})[CASE WHEN g %% 2 = 0 THEN 5 + g / 2 %% 2 ELSE 1 + g / 2 %% 4 END]
                                AS stage) s
        """, [files, len(branches)])
        cursor.execute(f"ANALYZE {RecruitmentFile._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    arguments = parser.parse_args()
    _common.setup_django()

    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.models import User
    from dangjian.accounts.roles import Role
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level
    from dangjian.recruitment import selectors
    from dangjian.recruitment.models import RecruitmentFile

    if RecruitmentFile.objects.count() < arguments.files:
        RecruitmentFile.objects.all().delete()
        generate(arguments.files)
    total = RecruitmentFile.objects.count()
    today = dt.date.today()
    nodes = {
        "root": Organization.objects.get(depth=1),
        "street": Organization.objects.filter(level=Level.STREET).order_by("path")[5],
        "grid": Organization.objects.filter(level=Level.GRID).order_by("path")[100],
    }
    raw = psycopg.connect(_common.database_url(), cursor_factory=psycopg.ClientCursor)
    rows = []
    for label, node in nodes.items():
        reader = User(username=f"bench-{label}", is_active=True)
        reader.__dict__["_assignments_cache"] = [(Role.VIEWER, node.path)]
        cases = {
            "overdue, first 50":
                lambda reader=reader, node=node: list(selectors.due(reader, node, today=today)["overdue"][:50]),
            "due within 30 days, first 50":
                lambda reader=reader, node=node: list(selectors.due(reader, node, today=today)["due_soon"][:50]),
            "funnel (files by stage)": lambda reader=reader, node=node: selectors.funnel(reader, node),
        }
        for case, action in cases.items():
            with CaptureQueriesContext(connection) as captured:
                action()
            sql = captured.captured_queries[-1]["sql"]
            rows.append(_common.comparison_row(label, case, _common.timings(action, arguments.runs), _common.timings(
                lambda sql=sql: raw.execute(sql).fetchall(), arguments.runs)))
    _common.write_results("recruitment_due", {"machine": _common.machine(), "files": total, "rows": rows})
    worst = max(row["platform_p95"] for row in rows)
    lines = [
        f"Measured {_common.machine()}; {total:,} recruitment files (half open) over the 1,000,000-member city; "
        f"{arguments.runs} runs each, ms.",
        "",
        *_common.comparison_table(rows),
        "",
        f"Slowest p95 through the platform: {worst:.1f} ms.",
    ]
    _common.write_section("recruitment-due", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

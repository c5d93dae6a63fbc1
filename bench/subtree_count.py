"""Count members and organisations under a node, at city scale, through the platform's own
selectors (live and roll-up), beside the same count in raw SQL on a bare psycopg connection.

    python bench/subtree_count.py [--members 1000000] [--reuse]

Generates the city with `dangjian generate-city` unless --reuse finds one of that size.
"""

import argparse
import json
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing city of that size")
    arguments = parser.parse_args()
    _common.setup_django()

    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from dangjian.members.models import Member
    from dangjian.orgs import counts as rollup
    from dangjian.orgs import selectors
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level

    generation = None
    if not (arguments.reuse and Member.objects.count() == arguments.members):
        started = time.perf_counter()
        call_command("generate_city", "--members", str(arguments.members), "--replace")
        seconds = time.perf_counter() - started
        generation = {"seconds": seconds, "rows_per_second": arguments.members / seconds}
    connection.close()

    nodes = {
        "root": Organization.objects.get(depth=1),
        "street": Organization.objects.filter(level=Level.STREET).order_by("path")[5],
        "grid": Organization.objects.filter(level=Level.GRID).order_by("path")[100],
    }
    raw = psycopg.connect(_common.database_url())
    live_sql = ("SELECT category, count(*) FROM members_member WHERE org_path >= %s AND org_path < %s "
                "AND left_on IS NULL GROUP BY category")
    rollup_sql = rollup.TOTALS_SQL
    rows = []
    for label, node in nodes.items():
        members = selectors.live_member_counts(node)["members"]
        live = _common.median_ms(lambda node=node: selectors.live_member_counts(node))
        live_raw = _common.median_ms(lambda node=node: raw.execute(live_sql, [node.path, node.path + "~"]).fetchall())
        rolled = _common.median_ms(lambda node=node: rollup.subtree_totals(node.pk))
        rolled_raw = _common.median_ms(lambda node=node: raw.execute(rollup_sql, [node.pk]).fetchone())
        rows.append({"node": label, "members": members, "live_ms": live, "live_raw_ms": live_raw,
                     "rollup_ms": rolled, "rollup_raw_ms": rolled_raw})
    raw.close()

    results_file = _common.results_path("subtree_count")
    if generation is None and results_file.exists():
        generation = json.loads(results_file.read_text()).get("generation")
    result = {"members": arguments.members, "machine": _common.machine(), "generation": generation, "rows": rows}
    _common.write_results("subtree_count", result)
    lines = [
        f"Measured {result['machine']}; {arguments.members:,} members. Median of 5 warm runs, ms.",
        "",
        "| node | members under it | platform, live count | raw SQL, same count | ratio | platform, roll-up | raw SQL, roll-up row | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['node']} | {row['members']:,} | {row['live_ms']:.2f} | {row['live_raw_ms']:.2f} | "
            f"{row['live_ms'] / row['live_raw_ms']:.2f}x | {row['rollup_ms']:.3f} | {row['rollup_raw_ms']:.3f} | "
            f"{row['rollup_ms'] / row['rollup_raw_ms']:.2f}x |")
    if generation:
        lines += ["", f"`dangjian generate-city --members {arguments.members:,}` took {generation['seconds']:.0f} s "
                      f"({generation['rows_per_second']:,.0f} members/s, COPY, everything included)."]
    _common.write_section("subtree-count", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

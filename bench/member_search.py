"""Member search and filtered lists at city scale: one page of 50 through the platform's selector
(members.selectors.register.member_page), beside the same SQL run on a bare psycopg connection,
for a reader whose scope is the root, a street or a grid.

    python bench/member_search.py [--runs 50]

Needs the city of bench/subtree_count.py (1,000,000 members); it does not generate one.
"""

import argparse

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    arguments = parser.parse_args()
    _common.setup_django()

    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts.models import User
    from dangjian.accounts.roles import Role
    from dangjian.members.models import Member
    from dangjian.members.selectors import register as selectors
    from dangjian.members.selectors.register import MemberFilters
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Level

    members = Member.objects.count()
    nodes = {
        "root": Organization.objects.get(depth=1),
        "street": Organization.objects.filter(level=Level.STREET).order_by("path")[5],
        "grid": Organization.objects.filter(level=Level.GRID).order_by("path")[100],
    }
    educated = Member.objects.exclude(education="").exists()
    # Client-side binding, as Django sends its queries: the same plans, not generic prepared ones.
    raw = psycopg.connect(_common.database_url(), cursor_factory=psycopg.ClientCursor)
    rows = []
    for label, node in nodes.items():
        # A viewer holding a role on the node, without writing an account to the database: the
        # scope module reads the role assignments from this cache first.
        reader = User(username=f"bench-{label}", is_active=True)
        reader.__dict__["_assignments_cache"] = [(Role.VIEWER, node.path)]
        scope = selectors.visible_members(reader).filter(left_on__isnull=True)
        in_scope = scope.count()
        # A real full name from the middle of the scope, and its pinyin initials.
        name, initials = scope.order_by("pk").values_list("name", "name_initials")[in_scope // 2]
        two_characters = scope.filter(name__regex=r"^..$").order_by("pk").values_list("name", flat=True)[
            in_scope // 6]
        cases = {
            "list": MemberFilters(),
            f"name {name}": MemberFilters(q=name),
            f"initials {initials}": MemberFilters(q=initials),
            f"two characters {two_characters}": MemberFilters(q=two_characters),
            "surname 王 (broad)": MemberFilters(q="王"),
            "given-name character 明 (broad)": MemberFilters(q="明"),
            "surname 王, sorted by birth date": MemberFilters(q="王", sort="birth_date"),
            "pinyin wang (broad)": MemberFilters(q="wang"),
            "full + 51-55 + women": MemberFilters(category="full", age_band="51-55", sex="F"),
            "full + 51-55 + 大学": MemberFilters(category="full", age_band="51-55", education="大学"),
            "mobile members": MemberFilters(flags={"mobile": True}),
            "list, sorted by birth date": MemberFilters(sort="birth_date"),
        }
        for case, filters in cases.items():
            # The reference runs the very statements the platform sent for the page (one, or two for
            # a pinyin search), as Django bound them.
            with CaptureQueriesContext(connection) as captured:
                found = len(selectors.member_page(reader, filters).items)
            statements = [query["sql"] for query in captured.captured_queries]
            platform = _common.timings(lambda filters=filters, reader=reader: selectors.member_page(reader, filters),
                               arguments.runs)
            reference = _common.timings(lambda statements=statements: [raw.execute(sql).fetchall() for sql in statements],
                                arguments.runs)
            rows.append({
                "scope": label, "members_in_scope": in_scope, "case": case, "rows": found,
                "p50_ms": _common.percentile(platform, 0.5), "p95_ms": _common.percentile(platform, 0.95),
                "raw_p50_ms": _common.percentile(reference, 0.5), "raw_p95_ms": _common.percentile(reference, 0.95),
            })
            print(rows[-1])
    raw.close()
    connection.close()

    result = {"members": members, "machine": _common.machine(), "runs": arguments.runs, "rows": rows}
    _common.write_results("member_search", result)
    lines = [
        (f"Measured {result['machine']}; {members:,} members. {arguments.runs} warm runs each; ms. "
         "A page is 50 members; the reader holds a viewer role on the node."),
        "",
        "| scope | members in scope | query | rows | platform p50 | platform p95 | raw SQL p50 | raw SQL p95 |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(f"| {row['scope']} | {row['members_in_scope']:,} | {row['case']} | {row['rows']} | "
                     f"{row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['raw_p50_ms']:.1f} | {row['raw_p95_ms']:.1f} |")
    if not educated:
        lines += ["", ("The benchmark city was generated before members carried an education code: every "
                       "member's education is empty, so the education filter matches nobody and shows the "
                       "cost of a filter that finds nothing.")]
    _common.write_section("member-search", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

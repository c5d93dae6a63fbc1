"""A district's recruitment history brought in and audited in one run: `dangjian recruitment
import` (recruitment.services.files_import) beside COPY of the same step rows into a bare copy of
the table, then the check of every file kept under the district (`dangjian recruitment check
--org`: recruitment.selectors.files_for_audit and services.file_check) beside reading the same
records with raw SQL.

    python bench/recruitment_audit.py [--files 20000]

Runs in the city of bench/subtree_count.py, in its first district. The files follow the demo's
clean timeline from applications spread over the last three years, so they reach every stage.
"""

import argparse
import datetime as dt
import json
import random
import time
from collections import Counter

import _common


def cases(branches: list[str], count: int):
    """``count`` files over ``branches`` (their codes), in the import's form."""
    from dangjian.core import identity
    from dangjian.demo.citygen import RECRUITMENT_TIMELINE
    from dangjian.recruitment.cases import ImportedCase
    from dangjian.recruitment.rules import Case, Occurrence

    rng = random.Random(4)
    today = dt.date.today()
    made = []
    for index in range(count):
        applied = today - dt.timedelta(days=rng.randint(5, 1100))
        birth = dt.date(1975 + index % 30, 1 + index // 30 % 12, 1 + index // 360 % 28)
        # A region the generated city does not use, so that no one here is already someone there.
        first17 = f"440402{birth:%Y%m%d}{index // 10080 % 1000:03d}"
        steps: dict[str, list] = {}
        for days, number, facts in RECRUITMENT_TIMELINE:
            day = applied + dt.timedelta(days=days)
            if day >= today:
                break
            facts = {name: applied + dt.timedelta(days=value) if name.startswith("notice_") else value
                     for name, value in facts.items()}
            steps.setdefault(number, []).append(Occurrence(day, facts))
        made.append(ImportedCase(Case(f"audit-{index}", {number: tuple(found) for number, found in steps.items()},
                                      birth_date=birth),
                                 name=f"审计{index}", id_number=first17 + identity.check_character(first17),
                                 org=branches[index % len(branches)]))
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20_000)
    arguments = parser.parse_args()
    _common.setup_django()

    import psycopg
    from django.db import connection

    from dangjian.core.scope import PATH_END
    from dangjian.core.selectors import working_days
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Kind, Level
    from dangjian.recruitment import cases as case_format
    from dangjian.recruitment import selectors, services
    from dangjian.recruitment.models import RecruitmentFile, StepRecord

    district = Organization.objects.filter(level=Level.DISTRICT).order_by("path").first()
    under = {"org_path__gte": district.path, "org_path__lt": district.path + PATH_END}
    branches = list(Organization.objects.filter(kind=Kind.BRANCH, dissolved_at__isnull=True,
                                                path__gte=district.path, path__lt=district.path + PATH_END)
                    .values_list("code", flat=True))
    StepRecord.objects.filter(**{f"file__{name}": value for name, value in under.items()}).delete()
    RecruitmentFile.objects.filter(**under).delete()
    imported = cases(branches, arguments.files)

    started = time.perf_counter()
    report = services.files_import(actor=None, organization=district, imported=imported, apply=True)
    import_seconds = time.perf_counter() - started
    assert not report["errors"], report["errors"][:3]
    records = StepRecord.objects.filter(**{f"file__{name}": value for name, value in under.items()}).count()

    table = StepRecord._meta.db_table
    rows = [(index, number, occurrence.date, json.dumps(case_format.stored_facts(dict(occurrence.facts))))
            for index, item in enumerate(imported) for number, found in item.case.steps.items() for occurrence in found]
    raw = psycopg.connect(_common.database_url())
    raw.execute('CREATE TEMP TABLE bare_records (file_id bigint, step varchar(8), "on" date, facts jsonb)')
    started = time.perf_counter()
    with raw.cursor().copy('COPY bare_records (file_id, step, "on", facts) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {RecruitmentFile._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {table}")

    started = time.perf_counter()
    rule_sets, calendar = selectors.rule_sets(), working_days()
    violations = Counter(finding.rule for file in selectors.files_for_audit(district)
                         for finding in services.file_check(file, rule_sets, calendar)[1].violations)
    check_seconds = time.perf_counter() - started
    started = time.perf_counter()
    read = raw.execute(
        f"SELECT f.id, f.birth_date, f.rules, r.step, r.on, r.facts FROM {RecruitmentFile._meta.db_table} f "
        f"JOIN {table} r ON r.file_id = f.id WHERE f.org_path >= %s AND f.org_path < %s ORDER BY f.org_path, f.id",
        [district.path, district.path + PATH_END]).fetchall()
    read_seconds = time.perf_counter() - started
    raw.close()

    files = report["created"]
    figures = {"machine": _common.machine(), "files": files, "records": records, "import_seconds": import_seconds,
               "copy_seconds": copy_seconds, "check_seconds": check_seconds, "read_seconds": read_seconds,
               "violations": dict(violations), "rows_read": len(read)}
    _common.write_results("recruitment_audit", figures)
    lines = [
        f"Measured {figures['machine']}; {files:,} files with {records:,} recorded steps brought into one "
        f"district ({district.name}) of the 1,000,000-member city.",
        "",
        "| what | platform | reference in the same run | |",
        "| --- | ---: | ---: | --- |",
        f"| import (`recruitment import --apply`) | {import_seconds:.1f} s, {files / import_seconds:,.0f} files/s "
        f"| COPY of the same step rows into a bare table: {copy_seconds:.2f} s | "
        f"{import_seconds / copy_seconds:.0f}x |",
        f"| audit (`recruitment check --org`), every rule of every file | {check_seconds:.1f} s, "
        f"{files / check_seconds:,.0f} files/s | the same records read with raw SQL: {read_seconds:.2f} s | "
        f"{check_seconds / read_seconds:.0f}x |",
        "",
        f"Violations the check found, by rule: {dict(violations.most_common()) or 'none'}.",
    ]
    _common.write_section("recruitment-audit", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""Import a 100,000-row .xlsx roster through the platform's importer (reading, checking and
writing), beside PostgreSQL COPY of the same rows into a bare table and beside
django-import-export's import of the same file (a sample of it: it is far slower).

    python bench/member_import.py [--rows 100000] [--sample 10000]

Runs in the 1,000,000-member city of `dangjian_bench` (see subtree_count.py): the roster goes
into a fresh street created for the run under one of the city's districts, and the street, its
members and everything hanging on them are removed afterwards, with the counts put back.
Needs the `bench` extra (django-import-export[xlsx]).
"""

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import _common

BRANCHES = 50
REGION = "659001"  # a county code the generated city does not use, so no ID number collides


def write_roster(path: Path, rows: int, branch_names: list[str]) -> None:
    import xlsxwriter

    from dangjian.core import calendar, identity
    from dangjian.members.imports import COLUMNS

    keys = [column.key for column in COLUMNS]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, [column.header for column in COLUMNS])
    first_birth = dt.date(1950, 1, 1)
    for index in range(rows):
        male = index % 2 == 0
        birth = first_birth + dt.timedelta(days=index // 400)
        first17 = f"{REGION}{birth:%Y%m%d}{(index % 400) // 2 * 2 + (1 if male else 0):03d}"
        joined = calendar.add_years(birth, 20 + index % 30)
        values = {
            "serial": str(index + 1), "name": ("张王李赵刘陈杨黄"[index % 8] + "建国秀英志强丽华"[index % 7:index % 7 + 2]),
            "sex": "男" if male else "女", "id_number": first17 + identity.check_character(first17),
            "ethnicity": "汉族" if index % 20 else "回族", "birth_date": birth.isoformat(),
            "education": ("大学本科毕业", "大学专科毕业", "普通高中毕业", "硕士研究生毕业")[index % 4], "category": "正式党员",
            "branch": branch_names[index % len(branch_names)], "phone": f"139{index:08d}",
            "joined_on": f"{joined.year}/{joined.month}/{joined.day}", "full_member_on": calendar.add_years(joined, 1).isoformat(),
            "party_age_correction_months": "0", "job_post": "退休人员" if index % 3 else "社区工作人员",
            "current_residence": f"幸福路{index % 200}号", "registered_residence": "新疆石河子市", "lost_contact": "否",
            "mobile": "否", "address": f"幸福路{index % 200}号{index % 12}栋", "standing": "正常",
        }
        sheet.write_row(index + 1, 0, [values.get(key, "") for key in keys])
    workbook.close()


def make_subtree():
    from dangjian.orgs import services
    from dangjian.orgs.models import Organization
    from dangjian.orgs.rules import Kind, Level

    district = Organization.objects.filter(level=Level.DISTRICT, dissolved_at__isnull=True).order_by("path").first()
    stamp = time.strftime("%H%M%S")
    street = services.organization_create(actor=None, parent=district, name=f"导入基准街道{stamp}党工委",
                                          level=Level.STREET, kind=Kind.WORKING_COMMITTEE)
    community = services.organization_create(actor=None, parent=street, name=f"导入基准社区{stamp}党委",
                                             level=Level.COMMUNITY, kind=Kind.PRIMARY_COMMITTEE)
    branches = [services.organization_create(actor=None, parent=community, name=f"导入基准第{n}网格党支部",
                                             level=Level.GRID, kind=Kind.BRANCH) for n in range(1, BRANCHES + 1)]
    return street, [branch.name for branch in branches]


def remove_subtree(street) -> None:
    """Members, their periods and events, the organisations, their history and counts; the
    ancestors' counts lose what the street had. Audit lines stay (append-only)."""
    from django.db import connection, transaction

    from dangjian.members.models import Member, MemberEvent, MembershipPeriod, RosterJob
    from dangjian.orgs import counts as rollup
    from dangjian.orgs.models import Organization, OrgCounts

    totals = rollup.subtree_totals(street.pk)
    bounds = [street.path, street.path + "~"]
    with transaction.atomic(), connection.cursor() as cursor:
        members = f"SELECT id FROM {Member._meta.db_table} WHERE org_path >= %s AND org_path < %s"
        for model in (MemberEvent, MembershipPeriod):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE member_id IN ({members})", bounds)
        cursor.execute(f"DELETE FROM {Member._meta.db_table} WHERE org_path >= %s AND org_path < %s", bounds)
        RosterJob.objects.filter(org_path__gte=bounds[0], org_path__lt=bounds[1]).delete()
        organizations = Organization.objects.filter(path__gte=bounds[0], path__lt=bounds[1])
        OrgCounts.objects.filter(organization__in=organizations).delete()
        Organization.history.model.objects.filter(path__gte=bounds[0], path__lt=bounds[1]).delete()
        parent = Organization.objects.get_parent(street)
        organizations.delete()
        Organization.objects.filter(pk=parent.pk).update(numchild=parent.numchild - 1)
        rollup.adjust(parent.path, **{field: -value for field, value in totals.items()})


def vacuum_register() -> None:
    """The removed rows leave dead index entries under the same ID-number hashes, which each
    later run's unique check would visit: the next run starts from a clean register."""
    from django.db import connection

    from dangjian.members.models import Member, MemberEvent, MembershipPeriod

    with connection.cursor() as cursor:
        for model in (Member, MembershipPeriod, MemberEvent):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def copy_reference(roster_path: Path) -> tuple[float, int]:
    """COPY the file's rows, as read, into a bare table of text columns: the floor for writing."""
    import psycopg
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(roster_path)).get_sheet_by_index(0).to_python()
    header, body = rows[0], [[str(cell) for cell in row] for row in rows[1:]]
    columns = ", ".join(f"c{index} text" for index in range(len(header)))
    with psycopg.connect(_common.database_url()) as connection:
        connection.execute(f"CREATE TEMP TABLE bare_roster ({columns})")
        started = time.perf_counter()
        with connection.cursor().copy("COPY bare_roster FROM STDIN") as copy:
            for row in body:
                copy.write_row(row)
        connection.commit()
        seconds = time.perf_counter() - started
    return seconds, len(body)


def database_floor(street) -> tuple[float, int]:
    """The database's own share, without Python: the street's imported rows staged again (under
    new ID-number hashes, so that they are new members) and written by the importer's own SQL
    into the register, with all its indexes, then the foreign-key checks the commit would run.
    Rolled back. No client, however fast, can import faster than this."""
    from django.db import connection, transaction

    from dangjian.members.models import Member
    from dangjian.members.services import imports

    columns = ", ".join(imports._NEW_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE roster_stage ON COMMIT DROP AS SELECT NULL::bigint AS member_id, {columns} "
                       f"FROM {Member._meta.db_table} WHERE org_path >= %s AND org_path < %s", [street.path, street.path + "~"])
        cursor.execute("UPDATE roster_stage SET id_number_hash = md5(id_number_hash) || md5(id_number_hash || 'again')")
        cursor.execute("ANALYZE roster_stage")
        started = time.perf_counter()
        cursor.execute(imports._Staging._create_sql, {"now": dt.datetime.now(dt.UTC), "today": dt.date.today(),
                                                      "entry": "imported", "kind": "created", "actor": None})
        rows = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, rows


def serial_part(data: bytes) -> tuple[float, float]:
    """What the importer must do before and beside the writing, each on its own: parse the
    sheet (python-calamine reads a whole sheet before its first row can be checked), and look
    up the file's ID-number hashes in the register a batch at a time, on the one connection that
    also writes. Returns (read seconds, lookup seconds)."""
    from dangjian.core import crypto
    from dangjian.members import imports as parsing
    from dangjian.members.models import Member
    from dangjian.members.services import imports

    started = time.perf_counter()
    rows = parsing.read_table(data, "roster.xlsx")
    read_seconds = time.perf_counter() - started
    header = next(rows)
    position = [index for index, cell in enumerate(header) if cell == "公民身份号码"][0]
    hashes = [crypto.lookup_hash(row[position]) for row in rows]
    started = time.perf_counter()
    for start in range(0, len(hashes), imports.BATCH_ROWS):
        found = Member.objects.filter(id_number_hash__any_of=hashes[start:start + imports.BATCH_ROWS])
        assert not found.exists()
    return read_seconds, time.perf_counter() - started


def import_export_reference(roster_path: Path, sample: int, street) -> tuple[float, int]:
    """django-import-export on the first ``sample`` rows: a ModelResource on Member that maps the
    Chinese headers and computes the sealed ID number, its hash and the pinyin per row."""
    import tablib
    from django.db import transaction
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from dangjian.core import crypto, pinyin
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    org_ids = dict(Organization.objects.filter(path__gte=street.path, path__lt=street.path + "~")
                   .values_list("name", "pk"))
    org_paths = dict(Organization.objects.filter(pk__in=org_ids.values()).values_list("pk", "path"))
    # The sample is cut from the same file and saved as its own .xlsx, which tablib reads
    # with openpyxl as django-import-export does for an upload.
    rows = CalamineWorkbook.from_path(str(roster_path)).get_sheet_by_index(0).to_python()[: sample + 1]
    sample_path = roster_path.with_name("sample.xlsx")
    import xlsxwriter
    workbook = xlsxwriter.Workbook(str(sample_path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, [str(cell) for cell in row])
    workbook.close()

    COMPUTED = ("id_number_hash", "id_number_sealed", "id_last4", "name_pinyin", "name_initials", "sex", "category",
                "home_org", "org_path", "phone_sealed", "phone_last4")

    class Raw(widgets.Widget):
        """Sealed values are bytes; the default widget of a BinaryField decodes text."""

        def clean(self, value, row=None, **kwargs):
            return value

        def render(self, value, obj=None, **kwargs):
            return bytes(value or b"").hex()

    class MemberResource(resources.ModelResource):
        id_number_sealed = fields.Field(attribute="id_number_sealed", column_name="id_number_sealed", widget=Raw())
        phone_sealed = fields.Field(attribute="phone_sealed", column_name="phone_sealed", widget=Raw())
        name = fields.Field(attribute="name", column_name="姓名")
        home_org = fields.Field(attribute="home_org", column_name="home_org",
                                widget=widgets.ForeignKeyWidget(Organization, "pk"))
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget("%Y-%m-%d"))
        joined_on = fields.Field(attribute="joined_on", column_name="入党日期", widget=widgets.DateWidget("%Y/%m/%d"))
        full_member_on = fields.Field(attribute="full_member_on", column_name="转正日期",
                                      widget=widgets.DateWidget("%Y-%m-%d"))

        class Meta:
            model = Member
            import_id_fields = ("id_number_hash",)
            fields = ("id_number_hash", "id_number_sealed", "id_last4", "name", "name_pinyin", "name_initials", "sex",
                      "birth_date", "category", "home_org", "org_path", "joined_on", "full_member_on", "phone_sealed",
                      "phone_last4")
            skip_unchanged = True

        def before_import(self, dataset, **kwargs):
            for name in COMPUTED:
                dataset.append_col([""] * len(dataset), header=name)

        def before_import_row(self, row, **kwargs):
            number, phone = row["公民身份号码"], row["手机号码"]
            row.update({
                "id_number_hash": crypto.lookup_hash(number), "id_number_sealed": crypto.seal(number),
                "id_last4": number[-4:], "name_pinyin": pinyin.person_name_pinyin(row["姓名"]),
                "name_initials": pinyin.person_name_initials(row["姓名"]), "sex": "M" if row["性别"] == "男" else "F",
                "category": "full", "home_org": org_ids[row["所在党支部"]],
                "org_path": org_paths[org_ids[row["所在党支部"]]], "phone_sealed": crypto.seal(phone),
                "phone_last4": phone[-4:],
            })

    started = time.perf_counter()
    dataset = tablib.Dataset().load(sample_path.read_bytes(), format="xlsx")
    with transaction.atomic():
        result = MemberResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=False)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    assert result.totals["new"] == sample, result.totals
    return seconds, sample


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=10_000, help="rows imported by django-import-export")
    arguments = parser.parse_args()
    _common.setup_django()

    from dangjian.members.models import Member
    from dangjian.members.services import imports

    street, branch_names = make_subtree()
    work = Path(tempfile.mkdtemp(prefix="dangjian-import-bench-"))
    roster_path = work / "roster.xlsx"
    try:
        started = time.perf_counter()
        write_roster(roster_path, arguments.rows, branch_names)
        write_seconds = time.perf_counter() - started
        data = roster_path.read_bytes()

        dji_seconds, dji_rows = import_export_reference(roster_path, arguments.sample, street)
        copy_seconds, copy_rows = copy_reference(roster_path)
        read_seconds, lookup_seconds = serial_part(data)

        started = time.perf_counter()
        report = imports.apply(actor=None, organization=street, data=data, filename="roster.xlsx")
        import_seconds = time.perf_counter() - started
        assert report["applied"] and report["created"] == arguments.rows, report["errors"][:5]
        created = Member.objects.filter(org_path__gte=street.path, org_path__lt=street.path + "~").count()
        assert created == arguments.rows

        started = time.perf_counter()
        again = imports.apply(actor=None, organization=street, data=data, filename="roster.xlsx")
        reimport_seconds = time.perf_counter() - started
        assert again["unchanged"] == arguments.rows

        floor_seconds, floor_rows = database_floor(street)
        assert floor_rows == arguments.rows
    finally:
        remove_subtree(street)
        vacuum_register()
        for path in work.iterdir():
            path.unlink()
        work.rmdir()

    rate = arguments.rows / import_seconds
    copy_rate = copy_rows / copy_seconds
    dji_rate = dji_rows / dji_seconds
    floor_rate = floor_rows / floor_seconds
    serial_seconds = read_seconds + lookup_seconds + floor_seconds
    serial_rate = arguments.rows / serial_seconds
    result = {
        "machine": _common.machine(), "rows": arguments.rows, "file_mb": len(data) / 2**20,
        "write_xlsx_seconds": write_seconds,
        "import": {"seconds": import_seconds, "rows_per_second": rate},
        "reimport_unchanged": {"seconds": reimport_seconds, "rows_per_second": arguments.rows / reimport_seconds},
        "database_floor": {"seconds": floor_seconds, "rows_per_second": floor_rate},
        "serial_part": {"read_seconds": read_seconds, "lookup_seconds": lookup_seconds, "seconds": serial_seconds,
                        "rows_per_second": serial_rate},
        "copy": {"seconds": copy_seconds, "rows_per_second": copy_rate},
        "django_import_export": {"rows": dji_rows, "seconds": dji_seconds, "rows_per_second": dji_rate},
    }
    _common.write_results("member_import", result)
    verdict = {True: "met", False: "not met"}
    lines = [
        (f"Measured {result['machine']}; a {arguments.rows:,}-row roster ({result['file_mb']:.1f} MB .xlsx, "
         f"29 columns) imported into a fresh street of the 1,000,000-member city, removed afterwards. One run each."),
        "",
        "| what | rows | s | rows/s | platform vs this |",
        "| --- | ---: | ---: | ---: | ---: |",
        ("| platform importer: read (calamine), check, write (COPY staging + SQL merge), counts, audit | "
         f"{arguments.rows:,} | {import_seconds:.2f} | {rate:,.0f} | 1x |"),
        (f"| same file again: everything unchanged | {arguments.rows:,} | {reimport_seconds:.2f} | "
         f"{arguments.rows / reimport_seconds:,.0f} | |"),
        ("| the database alone: the same rows already staged, written by the importer's SQL into the register "
         f"(its indexes, periods, events, foreign-key checks) | {floor_rows:,} | {floor_seconds:.2f} | {floor_rate:,.0f} | "
         f"{floor_rate / rate:.1f}x slower than this |"),
        (f"| the serial part: reading the sheet ({read_seconds:.2f} s, before the first row), looking the rows up "
         f"({lookup_seconds:.2f} s) and the database alone ({floor_seconds:.2f} s), one after the other on one "
         f"connection | {arguments.rows:,} | {serial_seconds:.2f} | {serial_rate:,.0f} | "
         f"{serial_rate / rate:.1f}x slower than this |"),
        (f"| PostgreSQL COPY of the same rows (as read, text) into a bare table | {copy_rows:,} | {copy_seconds:.2f} | "
         f"{copy_rate:,.0f} | {copy_rate / rate:.1f}x slower than COPY |"),
        (f"| django-import-export 4.4 ModelResource on Member, first {dji_rows:,} rows (openpyxl read, save per row) | "
         f"{dji_rows:,} | {dji_seconds:.2f} | {dji_rate:,.0f} | {rate / dji_rate:.1f}x faster |"),
        "",
        (f"Targets: at least 15,000 rows/s ({verdict[rate >= 15_000]}), within 10x of COPY "
         f"({verdict[copy_rate / rate <= 10]}), at least 10x django-import-export ({verdict[rate / dji_rate >= 10]}). "
         "django-import-export does less per row than the importer (no code lists, no record rules, no membership "
         f"period, event or counts) and was timed on a {dji_rows:,}-row sample of the same file because the full "
         "file takes minutes. "
         + ("The serial part alone runs below 15,000 rows/s on this machine: no overlap of the checking with "
            "the writing can meet that target here." if serial_rate < 15_000 else "")),
    ]
    _common.write_section("member-import", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

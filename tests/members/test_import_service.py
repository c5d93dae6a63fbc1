"""The roster import service: every kind of problem by row and column, all-or-nothing, idempotent,
updates by ID number, what each new member gets, counts and audit. Runs on SQLite and PostgreSQL."""

import datetime as dt
import hashlib
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from dangjian.accounts.roles import Role
from dangjian.core import calendar, crypto
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import Member, MemberEvent, MembershipPeriod
from dangjian.members.services import imports as service
from dangjian.orgs import counts as rollup
from tests import factories
from tests.members import roster_files
from tests.members.roster_files import HEADERS, row, xlsx

pytestmark = pytest.mark.django_db
PROBATION_START = (dt.date.today() - dt.timedelta(days=100)).isoformat()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def preview(tree, data, filename="roster.xlsx", org=None):
    return service.preview(actor=None, organization=org or tree.street_a, data=data, filename=filename)


def apply(tree, data, filename="roster.xlsx", org=None, actor=None):
    return service.apply(actor=actor, organization=org or tree.street_a, data=data, filename=filename)


def errors_of(report):
    return {(error["row"], error["column"]) for error in report["errors"]}


def test_a_clean_roster_creates_what_member_create_would(tree):
    number = factories.id_number(dt.date(1985, 3, 2), male=False)
    data = xlsx([row(tree.grid_a.name, name="李娜", birth=dt.date(1985, 3, 2), male=False, id_number=number,
                     phone="13912345678", joined="2010-06-30", full="2011-07-01"),
                 row(tree.community_a.code, name="王五", category="预备党员", joined=PROBATION_START, full="-")])
    assert preview(tree, data) == {"rows": 2, "valid": 2, "created": 2, "updated": 0, "unchanged": 0,
                                   "applied": False, "errors": []}
    assert Member.objects.count() == 0

    assert apply(tree, data)["created"] == 2
    member = Member.objects.get(name="李娜")
    assert member.id_number == number and member.id_number_hash == crypto.lookup_hash(number)
    assert member.id_last4 == number[-4:] and member.phone == "13912345678" and member.phone_last4 == "5678"
    assert (member.name_pinyin, member.name_initials) == ("lina", "ln")
    assert member.home_org == tree.grid_a and member.org_path == tree.grid_a.path
    assert member.sex == "F" and member.birth_date == dt.date(1985, 3, 2) and member.education == "21"
    assert member.joined_on == dt.date(2010, 6, 30) and member.full_member_on == dt.date(2011, 7, 1)
    period = MembershipPeriod.objects.get(member=member)
    assert period.entry == MembershipPeriod.Entry.IMPORTED and period.ended_on is None
    assert period.organization == tree.grid_a and period.org_path == tree.grid_a.path
    assert list(member.events.values_list("kind", flat=True)) == [MemberEvent.Kind.CREATED]
    probationary = Member.objects.get(name="王五")
    assert probationary.home_org == tree.community_a and probationary.full_member_on is None
    assert member.events.get().details == {"organization": tree.grid_a.code, "entry": "imported"}
    totals = rollup.subtree_totals(tree.street_a.pk)
    assert (totals["members"], totals["full_members"], totals["probationary_members"]) == (2, 1, 1)
    assert rollup.subtree_totals(tree.community_a.pk)["members"] == 2
    assert rollup.subtree_totals(tree.grid_a.pk)["members"] == 1
    assert rollup.subtree_totals(tree.street_b.pk)["members"] == 0


def test_reimporting_the_same_file_changes_nothing(tree):
    data = xlsx([row(tree.grid_a.name), row(tree.grid_a.name, name="赵六")])
    apply(tree, data)
    before = list(Member.objects.order_by("pk").values_list("pk", "updated_at", "name"))
    counts = rollup.subtree_totals(tree.street_a.pk)
    report = apply(tree, data)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert list(Member.objects.order_by("pk").values_list("pk", "updated_at", "name")) == before
    assert rollup.subtree_totals(tree.street_a.pk) == counts
    assert MemberEvent.objects.count() == 2


def test_a_changed_row_updates_the_member_found_by_id_number(tree):
    number = factories.id_number(dt.date(1990, 1, 1))
    joined = dt.date.today() - dt.timedelta(days=400)
    full = calendar.add_months(joined, 12)
    apply(tree, xlsx([row(tree.grid_a.name, birth=dt.date(1990, 1, 1), id_number=number, category="预备党员",
                          joined=joined.isoformat(), full="")]))
    member = Member.objects.get()
    assert rollup.subtree_totals(tree.street_a.pk)["probationary_members"] == 1
    changed = xlsx([row(tree.grid_a.name, name="张三丰", birth=dt.date(1990, 1, 1), id_number=number.lower(),
                        category="正式党员", joined=joined.isoformat(), full=full.isoformat(), phone="13700000001")])
    report = apply(tree, changed)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 0), report["errors"]
    member.refresh_from_db()
    assert member.name == "张三丰" and member.name_initials == "zsf" and member.phone == "13700000001"
    assert member.phone_last4 == "0001" and member.category == "full" and member.full_member_on == full
    assert Member.objects.count() == 1
    event = member.events.get(kind=MemberEvent.Kind.UPDATED)
    assert set(event.details["fields"]) == {"name", "category", "full_member_on", "phone"}
    totals = rollup.subtree_totals(tree.street_a.pk)
    assert (totals["members"], totals["full_members"], totals["probationary_members"]) == (1, 1, 0)


def test_a_name_change_updates_and_counts(tree):
    number = factories.id_number(dt.date(1970, 2, 3))
    apply(tree, xlsx([row(tree.grid_a.name, birth=dt.date(1970, 2, 3), id_number=number)]))
    report = apply(tree, xlsx([row(tree.grid_a.name, name="张三丰", birth=dt.date(1970, 2, 3), id_number=number)]))
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 0)
    assert Member.objects.get().name_pinyin == "zhangsanfeng"
    assert rollup.subtree_totals(tree.street_a.pk)["members"] == 1


def test_every_kind_of_problem_is_reported_by_row_and_column(tree):
    duplicate = factories.id_number(dt.date(1980, 5, 1))
    good = factories.id_number(dt.date(1980, 5, 1))
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        row(tree.grid_a.name, id_number=bad_check),                                       # 2: check digit
        row(tree.grid_a.name, birth=dt.date(1980, 5, 1), id_number=good) [:5] + ["1980-05-02"]
        + row(tree.grid_a.name, id_number=good)[6:],                                       # 3: birth date vs ID
        row(tree.grid_a.name, male=False)[:2] + ["男"] + row(tree.grid_a.name, male=False)[3:],  # 4: sex vs ID
        row(tree.grid_a.name, category="预备党员", joined="2024-01-01", full="2025-01-01"),  # 5: probationary, full date
        row("不存在的党支部"),                                                               # 6: unknown branch
        row(tree.grid_b.name),                                                              # 7: outside the subtree
        row(tree.grid_a.name, id_number=duplicate),                                         # 8
        row(tree.grid_a.name, id_number=duplicate),                                         # 9: duplicate of 8
        row(tree.grid_a.name, name=""),                                                     # 10: blank required
        row(tree.grid_a.name, ethnicity="火星族"),                                          # 11: unknown code
        row(tree.grid_a.name, joined="2005-07-01", full="2004-07-01"),                      # 12: dates out of order
        row(tree.grid_a.name, joined="July"),                                               # 13: not a date
        row(tree.grid_a.name, phone="12345"),                                               # 14: phone
        row(tree.grid_a.name, category="党员"),                                             # 15: category
        row(tree.grid_a.name, birth=dt.date(2000, 1, 1), joined="2010-01-01", full="2011-01-01"),  # 16: under 18
        row(tree.grid_a.name, joined=""),                                                   # 17: blank joined
    ]
    report = preview(tree, xlsx(rows))
    assert errors_of(report) >= {
        (2, "公民身份号码"), (3, "出生日期"), (4, "性别"), (5, "转正日期"), (6, "所在党支部"), (7, "所在党支部"),
        (9, "公民身份号码"), (10, "姓名"), (11, "民族"), (12, "转正日期"), (13, "入党日期"), (14, "手机号码"),
        (15, "人员类别"), (16, "入党日期"), (17, "入党日期"),
    }
    assert (8, "公民身份号码") not in errors_of(report)
    messages = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert "check character" in messages[(2, "公民身份号码")]
    assert "row 8" in messages[(9, "公民身份号码")]
    assert "not under" in messages[(7, "所在党支部")] and "No organisation" in messages[(6, "所在党支部")]
    assert report["rows"] == 16 and report["valid"] == 1
    assert [e["row"] for e in report["errors"]] == sorted(e["row"] for e in report["errors"])


def test_a_group_keeps_no_members(tree):
    report = preview(tree, xlsx([row(tree.building_a.name)]))
    assert errors_of(report) == {(2, "所在党支部")}


def test_one_bad_row_means_nothing_is_written(tree):
    data = xlsx([row(tree.grid_a.name), row(tree.grid_a.name, name="李四"), row("不存在的党支部", name="王五")])
    report = apply(tree, data)
    assert not report["applied"] and report["created"] == 2 and len(report["errors"]) == 1
    assert Member.objects.count() == 0 and MembershipPeriod.objects.count() == 0
    assert rollup.subtree_totals(tree.street_a.pk)["members"] == 0
    assert not AuditEvent.objects.filter(changes__has_key="import").exists()


@pytest.mark.parametrize("last_row", ["bad check character", "duplicate of row 2", "member elsewhere"])
def test_a_problem_after_batches_were_written_takes_them_all_back(tree, monkeypatch, last_row):
    # On PostgreSQL each batch is written while the next is checked: a problem in a later batch
    # must still leave the register as it was.
    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    rows = [row(tree.grid_a.name, name=f"党员{n}") for n in range(5)]
    if last_row == "bad check character":
        number = rows[0][3]
        rows.append(row(tree.grid_a.name, id_number=number[:17] + ("0" if number[17] != "0" else "1")))
    elif last_row == "duplicate of row 2":
        rows.append(row(tree.grid_a.name, id_number=rows[0][3]))
    else:
        rows.append(row(tree.grid_a.name, id_number=factories.make_member(tree.grid_b).id_number))
    before = (Member.objects.count(), MembershipPeriod.objects.count())
    report = apply(tree, xlsx(rows))
    assert not report["applied"] and errors_of(report) <= {(7, "公民身份号码"), (7, "所在党支部")}
    assert len(report["errors"]) == 1
    assert (Member.objects.count(), MembershipPeriod.objects.count()) == before
    assert not MemberEvent.objects.filter(kind=MemberEvent.Kind.CREATED, details__entry="imported").exists()
    assert rollup.subtree_totals(tree.street_a.pk)["members"] == 0


def test_a_failure_while_writing_stops_the_checking_and_reaches_the_caller(tree, monkeypatch):
    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    batches = []

    def failing_sort(result, records):
        batches.append(records)
        raise ValidationError({"file": "the register changed"})

    monkeypatch.setattr(service, "_sort", failing_sort)
    with pytest.raises(ValidationError):
        apply(tree, xlsx([row(tree.grid_a.name, name=f"党员{n}") for n in range(9)]))
    assert len(batches) == 1 and Member.objects.count() == 0
    assert not [thread for thread in threading.enumerate() if thread.name == "roster-check"]


def test_an_id_number_entered_while_the_roster_is_written_stops_it_whole(tree, monkeypatch):
    """Someone enters one of the roster's people between the lookup and the write: the import
    says so and writes nothing, on either database."""
    rows = [row(tree.grid_a.name, name=f"党员{n}") for n in range(3)]
    sort = service._sort

    def sort_then_enter(result, records):
        sorted_batch = sort(result, records)
        factories.make_member(tree.grid_a, id_number=records[-1].id_number)
        return sorted_batch

    monkeypatch.setattr(service, "_sort", sort_then_enter)
    with pytest.raises(ValidationError) as raised:
        apply(tree, xlsx(rows))
    assert "register changed" in str(raised.value)
    assert not Member.objects.filter(name__startswith="党员").exists()
    assert not MembershipPeriod.objects.filter(member__name__startswith="党员").exists()


def test_a_roster_of_several_batches_is_written_whole(tree, monkeypatch):
    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    data = xlsx([row(tree.grid_a.name, name=f"党员{n}") for n in range(5)])
    assert apply(tree, data)["created"] == 5
    assert MembershipPeriod.objects.filter(member__name__startswith="党员").count() == 5
    assert apply(tree, data)["unchanged"] == 5


def test_headers_as_rosters_write_them(tree):
    headers = ["序 号", "姓名*", "性别", "身份证号", "民族", "出生年月", "文化程度", "党员类别", "组织关系所在党支部",
               "联系电话", "加入党组织日期", "转为正式党员日期", "备注"]
    report = apply(tree, xlsx([[*row(tree.grid_a.name), "无"]], headers))
    assert report["created"] == 1, report["errors"]


def test_errors_name_the_header_as_written_in_the_file(tree):
    headers = [h if h != "公民身份号码" else "身份证号码" for h in HEADERS]
    report = preview(tree, xlsx([row(tree.grid_a.name, id_number="123")], headers))
    assert errors_of(report) == {(2, "身份证号码")}


def test_a_missing_required_column_is_reported_on_the_header_row(tree):
    headers = [h for h in HEADERS if h != "入党日期"]
    rows = [[v for h, v in zip(HEADERS, row(tree.grid_a.name), strict=True) if h != "入党日期"]]
    report = preview(tree, xlsx(rows, headers))
    assert errors_of(report) == {(1, "入党日期")}


def test_dates_in_every_form_and_excel_dates(tree):
    rows = [
        row(tree.grid_a.name, joined="2001/7/1", full="2002年7月1日"),
        row(tree.grid_a.name, joined="2001.07", full="2002.07"),
        row(tree.grid_a.name, joined=dt.date(2001, 7, 1), full=dt.date(2002, 7, 1)),
        row(tree.grid_a.name, joined=37073, full=37438),
    ]
    report = apply(tree, xlsx(rows))
    assert report["created"] == 4, report["errors"]
    assert set(Member.objects.values_list("joined_on", flat=True)) == {dt.date(2001, 7, 1)}
    assert set(Member.objects.values_list("full_member_on", flat=True)) == {dt.date(2002, 7, 1)}


def test_an_id_number_stored_as_a_number_is_refused(tree):
    values = row(tree.grid_a.name)
    values[3] = float(values[3][:17] + "1")
    report = preview(tree, xlsx([values]))
    assert errors_of(report) == {(2, "公民身份号码")}
    assert "stored as a number" in report["errors"][0]["message"]


def test_csv_encodings_import_alike(tree):
    for encoding, name in (("utf-8", "甲"), ("utf-8-sig", "乙"), ("gb18030", "丙")):
        data = roster_files.csv_bytes([row(tree.grid_a.name, name=name, joined="2001/7/1", full="2002/7/1")],
                                      encoding=encoding)
        assert apply(tree, data, "roster.csv")["created"] == 1
    assert set(Member.objects.values_list("name", flat=True)) == {"甲", "乙", "丙"}


def test_a_member_of_another_organisation_is_not_moved_by_an_import(tree):
    member = factories.make_member(tree.grid_b, name="西山党员")
    report = preview(tree, xlsx([row(tree.grid_a.name, id_number=member.id_number)]))
    assert errors_of(report) == {(2, "所在党支部")}
    assert "transfer" in report["errors"][0]["message"]


def test_a_member_who_left_is_not_changed(tree):
    member = factories.make_member(tree.grid_a, left_on=dt.date(2020, 1, 1))
    report = preview(tree, xlsx([row(tree.grid_a.name, id_number=member.id_number, name="新名字")]))
    assert errors_of(report) == {(2, "公民身份号码")}


def test_an_ambiguous_branch_name_asks_for_the_code(tree):
    twin = factories.make_org(tree.community_a, tree.grid_a.name + "二", "grid", "branch")
    from dangjian.orgs.models import Organization
    Organization.objects.filter(pk=twin.pk).update(name=tree.grid_a.name)
    report = preview(tree, xlsx([row(tree.grid_a.name)]))
    assert errors_of(report) == {(2, "所在党支部")}
    assert apply(tree, xlsx([row(tree.grid_a.code)]))["created"] == 1


def test_one_audit_line_with_counts_and_digest_and_no_personal_data(tree, make_user):
    clerk = make_user(Role.CLERK, tree.street_a)
    number = factories.id_number(dt.date(1980, 5, 1))
    data = xlsx([row(tree.grid_a.name, id_number=number, phone="13811112222")])
    apply(tree, data, actor=clerk)
    event = AuditEvent.objects.get(changes__has_key="import")
    assert event.action == AuditAction.CREATE and event.actor == clerk and event.org_path == tree.street_a.path
    assert event.changes["import"] == {"file_sha256": hashlib.sha256(data).hexdigest(), "rows": 1, "created": 1,
                                       "updated": 0, "unchanged": 0}
    assert number not in str(event.changes) and "13811112222" not in str(event.changes) + event.object_repr


def test_the_actor_needs_manage_members_over_the_organisation(tree, make_user):
    data = xlsx([row(tree.grid_b.name)])
    with pytest.raises(PermissionDenied):
        service.apply(actor=make_user(Role.CLERK, tree.street_a), organization=tree.street_b, data=data, filename="r.xlsx")
    with pytest.raises(PermissionDenied):
        service.preview(actor=make_user(Role.VIEWER, tree.street_b), organization=tree.street_b, data=data,
                        filename="r.xlsx")


def test_an_unreadable_file_is_a_field_error(tree):
    with pytest.raises(ValidationError) as error:
        preview(tree, b"not a zip", "roster.xlsx")
    assert "file" in error.value.message_dict

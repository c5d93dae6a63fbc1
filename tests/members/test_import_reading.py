"""Roster intake without a database: dates, headers, files."""

import datetime as dt
import io
import zipfile

import pytest

from dangjian.members import imports
from dangjian.members.imports import RosterFileError, column_for, parse_date, read_table
from tests.members import roster_files


@pytest.mark.parametrize(("value", "expected"), [
    ("2001-07-01", dt.date(2001, 7, 1)),
    ("2001/7/1", dt.date(2001, 7, 1)),
    ("2001.07", dt.date(2001, 7, 1)),
    ("2001.7.15", dt.date(2001, 7, 15)),
    ("2001年7月1日", dt.date(2001, 7, 1)),
    ("2001年7月", dt.date(2001, 7, 1)),
    ("２００１－０７－０１", dt.date(2001, 7, 1)),
    ("20010701", dt.date(2001, 7, 1)),
    ("200107", dt.date(2001, 7, 1)),
    ("2001-07-01 00:00:00", dt.date(2001, 7, 1)),
    (37073.0, dt.date(2001, 7, 1)),
    (37073, dt.date(2001, 7, 1)),
    ("37073", dt.date(2001, 7, 1)),
    (20010701, dt.date(2001, 7, 1)),
    (dt.datetime(2001, 7, 1, 0, 0), dt.date(2001, 7, 1)),
    (dt.date(2001, 7, 1), dt.date(2001, 7, 1)),
    ("", None), ("-", None), (None, None),
])
def test_dates_as_rosters_write_them(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2001-13-01", "2001/2/30", "July 2001", "01/07/2001", 37073.5, "2001年"])
def test_what_is_not_a_date_is_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(("header", "key"), [
    ("公民身份号码", "id_number"), ("身份证号", "id_number"), ("身份证号码", "id_number"),
    ("公民身份证号码", "id_number"), (" 公民 身份号码 ", "id_number"), ("公民身份号码*", "id_number"),
    ("联系电话", "phone"), ("手机", "phone"), ("手机号码", "phone"),
    ("党龄校正值（月）", "party_age_correction_months"), ("党龄校正值(月)", "party_age_correction_months"),
    ("所在党支部", "branch"), ("组织关系所在党支部", "branch"), ("加入党组织日期", "joined_on"),
    ("转为正式党员日期", "full_member_on"), ("是否为流动党员", "mobile"), ("ＸＹＺ", None), ("备注", None),
])
def test_headers_are_matched_tolerantly(header, key):
    assert column_for(header) == key


def test_every_column_of_the_national_export_is_known():
    national = ["序号", "姓名", "性别", "公民身份号码", "民族", "出生日期", "学历", "人员类别", "学位", "所在党支部", "手机号码", "入党日期", "转正日期", "党龄", "党龄校正值", "新社会阶层类型", "工作岗位", "从事专业技术职务", "是否农民工", "现居住地", "户籍所在地", "是否失联党员", "是否流动党员", "入党类型", "转正情况", "入党时所在支部", "延长预备期时间"]
    assert [column_for(header) for header in national] == [column.key for column in imports.COLUMNS[:27]]


def test_csv_in_utf8_with_and_without_bom_and_in_gb18030():
    rows = [roster_files.row("东风社区第一网格党支部", name="欧阳娜娜")]
    for data in (roster_files.csv_bytes(rows), b"\xef\xbb\xbf" + roster_files.csv_bytes(rows),
                 roster_files.csv_bytes(rows, encoding="gb18030")):
        table = list(read_table(data, "roster.csv"))
        assert table[0][1] == "姓名"
        assert table[1][1] == "欧阳娜娜"


def test_a_csv_in_no_known_encoding_is_refused():
    with pytest.raises(RosterFileError):
        read_table(b"\xff\xfe\x00\x81\x30\x81\xff" * 10, "roster.csv")


def test_only_xlsx_and_csv(settings):
    with pytest.raises(RosterFileError):
        read_table(b"anything", "roster.xls")
    with pytest.raises(RosterFileError):
        read_table(b"not a zip", "roster.xlsx")


def test_files_over_the_size_limit_are_refused(settings):
    settings.DANGJIAN_IMPORT_MAX_BYTES = 1000
    with pytest.raises(RosterFileError, match="MB"):
        read_table(b"x" * 1001, "roster.csv")


def test_a_zip_bomb_is_refused_before_it_is_inflated(settings):
    settings.DANGJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES = 10 * 2**20
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 2**20))
    data = stream.getvalue()
    assert len(data) < 100_000
    with pytest.raises(RosterFileError, match="解压后为"):
        read_table(data, "bomb.xlsx")


def test_a_title_line_above_the_header_is_skipped():
    data = roster_files.xlsx([roster_files.row("X")], title="东风街道党员名册")
    branches = imports.BranchIndex.of([(1, "0001", "X", "某党支部", "branch")], "root", lambda texts: set())
    roster = imports.parse_roster(read_table(data, "r.xlsx"), branches, today=dt.date(2025, 1, 1))
    assert roster.rows == 1 and roster.valid == 1
    assert roster.records[0].row == 3

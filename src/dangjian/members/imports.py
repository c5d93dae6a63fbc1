"""Roster intake: reading an .xlsx or .csv roster in the national system's columns (RULES.md
3.2), matching its headers tolerantly, and turning each row into a checked record or a list of
problems by spreadsheet row and column. Reads no database and writes nothing: the service
supplies the organisations a row may name (``BranchIndex``) and writes what comes out.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import identity
from dangjian.members import codes, rules


class RosterFileError(ValueError):
    """The file as a whole cannot be read (size, type, encoding, no header row)."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    explanation: object = ""


# The national export's columns (RULES.md 3.2) in its order, then the collection form's 家庭住址
# and 党籍状态 (3.1). Columns without a field in the register (新社会阶层类型 …) are exported
# empty and ignored on import, so that a national export reads as it is.
COLUMNS = (
    Column("serial", "序号", ("编号",), explanation=gettext_lazy("Ignored on import.")),
    Column("name", "姓名", ("党员姓名", "名字"), True, gettext_lazy("The member's name, at most 50 characters.")),
    Column("sex", "性别", (), explanation=gettext_lazy("男 or 女; when blank, taken from the ID number.")),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "公民身份证号码", "公民身份证号", "身份证", "证件号码"), True,
           gettext_lazy("18 characters (x accepted; 15-digit numbers are converted). Format the column as text.")),
    Column("ethnicity", "民族", (), explanation=gettext_lazy("A name of GB 3304 (汉族, 回族 …); old names accepted.")),
    Column("birth_date", "出生日期", ("出生年月", "生日"),
           explanation=gettext_lazy("Must agree with the ID number; when blank, taken from it.")),
    Column("education", "学历", ("文化程度", "最高学历"),
           explanation=gettext_lazy("A GB/T 4658 label or code (大学本科毕业, 21) or a statistics label (大学).")),
    Column("category", "人员类别", ("党员类别", "类别"), True, gettext_lazy("正式党员 or 预备党员.")),
    Column("degree", "学位", ("最高学位",), explanation=gettext_lazy("名誉博士, 博士, 硕士 or 学士.")),
    Column("branch", "所在党支部", ("党支部", "所在支部", "组织关系所在党支部", "所在党组织", "党组织", "党支部名称"), True,
           gettext_lazy("The full name or the code of an organisation under the one imported into.")),
    Column("phone", "手机号码", ("手机", "手机号", "联系电话", "电话", "联系方式"),
           explanation=gettext_lazy("A mobile number, or a landline with its area code.")),
    Column("joined_on", "入党日期", ("加入党组织日期", "入党时间"), True,
           gettext_lazy("Dates as 2001-07-01, 2001/7/1, 2001年7月1日 or 2001.07 (the first of the month).")),
    Column("full_member_on", "转正日期", ("转为正式党员日期", "转正时间"),
           explanation=gettext_lazy("Required for a full member, blank (or -) for a probationary one.")),
    Column("party_age", "党龄", (), explanation=gettext_lazy("Ignored on import: party age is computed.")),
    Column("party_age_correction_months", "党龄校正值", ("党龄校正值(月)", "党龄校正"),
           explanation=gettext_lazy("Whole months, may be negative; blank is 0.")),
    Column("new_social_stratum", "新社会阶层类型", (), explanation=gettext_lazy("Ignored on import.")),
    Column("job_post", "工作岗位", ("岗位",), explanation=gettext_lazy("A label of the Party statistics list (公务员 …).")),
    Column("technical_post", "从事专业技术职务", (), explanation=gettext_lazy("Ignored on import.")),
    Column("migrant_worker", "是否农民工", (), explanation=gettext_lazy("Ignored on import.")),
    Column("current_residence", "现居住地", ("现住址", "居住地"), explanation=gettext_lazy("At most 200 characters.")),
    Column("registered_residence", "户籍所在地", ("户籍地", "户口所在地"), explanation=gettext_lazy("At most 100 characters.")),
    Column("lost_contact", "是否失联党员", ("是否为失联党员", "失联党员"),
           explanation=gettext_lazy("是 or 否; read for new members only (later changes are life-cycle events).")),
    Column("mobile", "是否流动党员", ("是否为流动党员", "流动党员"),
           explanation=gettext_lazy("是 or 否; read for new members only (later changes are life-cycle events).")),
    Column("joining_type", "入党类型", (), explanation=gettext_lazy("Ignored on import.")),
    Column("probation_outcome", "转正情况", (), explanation=gettext_lazy("Ignored on import.")),
    Column("joining_branch", "入党时所在支部", (), explanation=gettext_lazy("Ignored on import.")),
    Column("probation_extension", "延长预备期时间", (), explanation=gettext_lazy("Ignored on import.")),
    Column("address", "家庭住址", ("住址", "家庭地址"), explanation=gettext_lazy("At most 200 characters.")),
    Column("standing", "党籍状态", (),
           explanation=gettext_lazy("正常 or 停止党籍; read for new members only (later changes are life-cycle events).")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Columns recognised (so that a national export reads as it is) but not read.
IGNORED = frozenset({"serial", "party_age", "new_social_stratum", "technical_post", "migrant_worker", "joining_type",
                     "probation_outcome", "joining_branch", "probation_extension"})
HEADER_SEARCH_ROWS = 10
TEXT_LIMITS = {"name": 50, "current_residence": 200, "registered_residence": 100, "address": 200}


def _fold(text) -> str:
    """Header text as compared: full-width forms folded, spaces and required-marks dropped."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split()).replace("*", "").replace("＊", "")


_HEADER_KEYS = {_fold(name): column.key for column in COLUMNS for name in (column.header, *column.synonyms)}


def column_for(header) -> str | None:
    """The column key a header names, or None."""
    folded = _fold(header)
    return _HEADER_KEYS.get(folded) or _HEADER_KEYS.get(re.sub(r"[(（].*?[)）]$", "", folded))


# --- reading -------------------------------------------------------------------------------------

def read_table(data: bytes, filename: str) -> Iterator[list]:
    """The rows of the first sheet (or the CSV), as lists of cell values."""
    max_bytes = settings.DANGJIAN_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise RosterFileError(_("The file is %(size)s MB; at most %(limit)s MB can be imported.")
                              % {"size": round(len(data) / 2**20, 1), "limit": max_bytes // 2**20})
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "xlsx":
        return _read_xlsx(data)
    if suffix == "csv":
        return _read_csv(data)
    raise RosterFileError(_("Upload an .xlsx workbook or a .csv file."))


def _read_xlsx(data: bytes) -> Iterator[list]:
    from python_calamine import CalamineError, CalamineWorkbook

    # An .xlsx is a zip: its declared uncompressed size is checked before anything is
    # inflated, so that a small file cannot expand to fill the memory (zip bomb, ASVS 5.2.3).
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise RosterFileError(_("The file is not an .xlsx workbook.")) from None
    limit = settings.DANGJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES
    if expanded > limit:
        raise RosterFileError(_("The workbook expands to %(size)s MB; at most %(limit)s MB is accepted.")
                              % {"size": expanded // 2**20, "limit": limit // 2**20})
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).iter_rows()
    except (CalamineError, ValueError, IndexError) as error:
        raise RosterFileError(_("The workbook cannot be read: %(error)s") % {"error": error}) from None


def _read_csv(data: bytes) -> Iterator[list]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel in Chinese saves "CSV" in the ANSI code page, GBK; GB18030 is its superset.
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise RosterFileError(_("The CSV file is neither UTF-8 nor GB18030 text.")) from None
    return csv.reader(io.StringIO(text, newline=""))


# --- cells ---------------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:(?:[-/.月]\s*(\d{1,2})\s*日?)|月?)$")
BLANKS = frozenset({"", "-", "—", "/", "无"})


def text_of(value) -> str:
    if value.__class__ is str:
        # Most cells are text already in normal form; only those with full-width or compatibility
        # characters are rewritten.
        return (value if unicodedata.is_normalized("NFKC", value) else unicodedata.normalize("NFKC", value)).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value) -> dt.date | None:
    """A roster date in any of the forms rosters use; None when blank; ValueError otherwise."""
    if value.__class__ is str:
        return _date_of_text(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if number != value:
            raise ValueError(value)
        return _date_of_number(number)
    return _date_of_text(text_of(value))


# A roster's dates repeat (a branch admits its members on a few days a year): each distinct text
# is read once.
@lru_cache(maxsize=65536)
def _date_of_text(value: str) -> dt.date | None:
    text = text_of(value)
    if text in BLANKS:
        return None
    text = text.split(" ")[0].split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    if text.isdigit():
        if len(text) == 6:
            return dt.date(int(text[:4]), int(text[4:]), 1)
        return _date_of_number(int(text))
    match = _DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = match.groups()
    return dt.date(int(year), int(month), int(day) if day else 1)


def _date_of_number(number: int) -> dt.date:
    if 1900_01_01 <= number <= 2199_12_31:
        return dt.date(number // 10000, number // 100 % 100, number % 100)
    if 0 < number < 100_000:
        # Excel's serial day; its epoch absorbs the 1900 leap-year bug for dates after March 1900.
        return EXCEL_EPOCH + dt.timedelta(days=number)
    raise ValueError(number)


SEXES = {"男": "M", "女": "F", "M": "M", "F": "F", "1": "M", "2": "F", "男性": "M", "女性": "F"}
CATEGORIES = {"正式党员": rules.FULL, "正式": rules.FULL, "预备党员": rules.PROBATIONARY, "预备": rules.PROBATIONARY}
YES_NO = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False, "": False, "-": False}
STANDINGS = {"正常": "normal", "停止党籍": "suspended", "": "normal", "-": "normal"}
DEGREE_ALIASES = {"博士学位": "2", "硕士学位": "3", "学士学位": "4", "名誉博士学位": "1"}
# Rosters repeat a handful of values down a column; each distinct one is looked up once.
_ethnicity_code = lru_cache(maxsize=1024)(codes.ethnicity_code)
_education_code = lru_cache(maxsize=1024)(codes.education_code)
_degree_code = lru_cache(maxsize=256)(lambda value: codes.lookup(codes.DEGREES, value, aliases=DEGREE_ALIASES))
_job_post_code = lru_cache(maxsize=1024)(lambda value: codes.lookup(codes.JOB_POSTS, value))


# --- organisations -------------------------------------------------------------------------------

@dataclass
class BranchIndex:
    """The live organisations of the subtree imported into, found by code or full name, and a
    way to tell a name that exists elsewhere in the register from one that exists nowhere.
    ``refused`` maps the kinds that keep no members (groups, zones) to their labels."""

    by_code: dict[str, tuple[int, str, str]]
    by_name: dict[str, list[tuple[int, str, str]]]
    root_name: str
    elsewhere: Callable[[set[str]], set[str]] = lambda texts: set()
    refused: dict = field(default_factory=dict)

    @classmethod
    def of(cls, organizations: Iterable[tuple[int, str, str, str, str]], root_name: str, elsewhere,
           refused: dict | None = None) -> "BranchIndex":
        by_code, by_name = {}, {}
        for pk, path, code, name, kind in organizations:
            by_code[code] = (pk, path, kind)
            by_name.setdefault(_fold(name), []).append((pk, path, kind))
        return cls(by_code, by_name, root_name, elsewhere, refused or {})


# --- rows ----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Record:
    row: int
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    education: str
    degree: str
    category: str
    org_id: int
    org_path: str
    phone: str
    joined_on: dt.date
    full_member_on: dt.date | None
    party_age_correction_months: int
    job_post: str
    current_residence: str
    registered_residence: str
    address: str
    lost_contact: bool
    mobile: bool
    standing: str
    # The keyed hash of the ID number, set by the import service as the record is handed over:
    # computed once, for the lookup and the row written alike.
    id_number_hash: str = ""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class Roster:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    invalid_rows: set[int] = field(default_factory=set)
    headers: dict[str, str] = field(default_factory=lambda: {key: column.header for key, column in COLUMN_BY_KEY.items()})
    # Branch texts found under no organisation of the subtree, with their rows: whether they
    # exist elsewhere is asked of the database by ``report_unknown_branches``.
    unknown_branches: dict[str, list[int]] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return self.rows - len(self.invalid_rows)


# The columns whose cell is read as Excel stored it (a date, or a number), not only as text.
_READ_AS_STORED = frozenset({"id_number", "birth_date", "joined_on", "full_member_on"})
_FAULT_COLUMNS = {"birth_date": "birth_date", "sex": "sex", "joined_on": "joined_on",
                  "full_member_on": "full_member_on", "category": "category", "left_on": "joined_on"}


def parse_roster(rows: Iterable[list], branches: BranchIndex, *, today: dt.date,
                 progress: Callable[[int], None] | None = None, progress_every: int = 5000,
                 on_records: Callable[[list[Record]], None] | None = None) -> Roster:
    """Every row checked; records for the rows without problems. ``on_records`` receives them a
    batch at a time (every ``progress_every`` rows) while the rest is still being read, so that
    a caller can look them up and write them meanwhile. Branch texts that name no organisation
    of the subtree wait in ``roster.unknown_branches`` for ``report_unknown_branches``."""
    roster = Roster()
    rows = iter(rows)
    header_row, headers = _find_header(rows)
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    for position, header in enumerate(headers):
        key = column_for(header) if header not in (None, "") else None
        if key and key not in positions and key not in IGNORED:
            positions[key] = position
            written[key] = text_of(header)
    missing = [column.header for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        for header in missing:
            roster.problems.append(Problem(header_row, header, _("The roster has no %(column)s column.")
                                           % {"column": header}))
        return roster
    headers_of = roster.headers = {key: written.get(key, COLUMN_BY_KEY[key].header) for key in COLUMN_BY_KEY}
    seen_ids: dict[str, int] = {}
    width = max(positions.values()) + 1
    columns = list(positions.items())
    raw_columns = [(key, position) for key, position in columns if key in _READ_AS_STORED]
    row_number = header_row
    handed_over = 0
    for cells in rows:
        row_number += 1
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        values = {key: cells[position] for key, position in raw_columns}
        texts = {key: text_of(cells[position]) for key, position in columns}
        if not any(texts.values()):
            continue
        roster.rows += 1
        problems = _parse_row(row_number, values, texts, headers_of, branches, seen_ids, roster.unknown_branches,
                              today, roster)
        if problems:
            roster.problems.extend(problems)
            roster.invalid_rows.add(row_number)
        if roster.rows % progress_every == 0:
            if progress:
                progress(roster.rows)
            if on_records:
                on_records(roster.records[handed_over:])
                handed_over = len(roster.records)
    if on_records and handed_over < len(roster.records):
        on_records(roster.records[handed_over:])
    roster.problems.sort(key=lambda problem: problem.row)
    return roster


def _find_header(rows: Iterator[list]) -> tuple[int, list]:
    """The header is the first row naming at least three known columns; rosters often carry a
    title line or two above it."""
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        cells = next(rows, None)
        if cells is None:
            break
        if sum(1 for cell in cells if cell not in (None, "") and column_for(cell)) >= 3:
            return number, list(cells)
    raise RosterFileError(_("No header row found in the first %(n)s rows: the roster needs the columns "
                            "姓名, 公民身份号码, 人员类别, 所在党支部 and 入党日期.") % {"n": HEADER_SEARCH_ROWS})


def _parse_row(row, values, texts, headers_of, branches, seen_ids, unknown_branches, today, roster) -> list[Problem]:
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(row, headers_of[key], message))

    def text(key: str) -> str:
        return texts.get(key, "")

    def required(key: str) -> str:
        value = text(key)
        if not value:
            problem(key, _("%(column)s is required.") % {"column": COLUMN_BY_KEY[key].header})
        return value

    def date(key: str) -> dt.date | None:
        try:
            return parse_date(values.get(key))
        except (ValueError, OverflowError):
            problem(key, _("“%(value)s” is not a date; write it as 2001-07-01, 2001/7/1, 2001年7月1日 or 2001.07.")
                    % {"value": text(key)})
            return None

    def coded(key: str, found: str | None) -> str:
        if found is None:
            problem(key, _("“%(value)s” is not a value of the %(column)s code list.")
                    % {"value": text(key), "column": COLUMN_BY_KEY[key].header})
            return ""
        return found

    name = required("name")
    if len(name) > TEXT_LIMITS["name"]:
        problem("name", _("At most %(n)s characters.") % {"n": TEXT_LIMITS["name"]})

    raw_id = values.get("id_number")
    id_number = ""
    if isinstance(raw_id, float) and raw_id >= 1e15:
        problem("id_number", _("The ID number was stored as a number and has lost its last digits; "
                               "format the column as text and enter it again."))
    elif required("id_number"):
        try:
            id_number = identity.normalise_id_number(text("id_number"), today=today)
        except identity.InvalidIdNumber as error:
            problem("id_number", str(error))
    if id_number:
        if id_number in seen_ids:
            problem("id_number", _("The same ID number is already on row %(row)s.") % {"row": seen_ids[id_number]})
        else:
            seen_ids[id_number] = row

    sex_text = text("sex")
    sex = SEXES.get(sex_text, "") if sex_text else ""
    if sex_text and not sex:
        problem("sex", _("“%(value)s” is not a sex; write 男 or 女.") % {"value": sex_text})
    birth_date = date("birth_date")
    ethnicity = coded("ethnicity", _ethnicity_code(text("ethnicity"))) if text("ethnicity") else "01"
    education = coded("education", _education_code(text("education"))) if text("education") not in BLANKS else ""
    degree = coded("degree", _degree_code(text("degree"))) if text("degree") not in BLANKS else ""
    job_post = coded("job_post", _job_post_code(text("job_post"))) if text("job_post") not in BLANKS else ""
    category_text = required("category")
    category = CATEGORIES.get(category_text.replace(" ", ""), "") if category_text else ""
    if category_text and not category:
        problem("category", _("“%(value)s” is not a category; write 正式党员 or 预备党员.") % {"value": category_text})
    joined_on = date("joined_on")
    if not text("joined_on"):
        problem("joined_on", _("%(column)s is required.") % {"column": COLUMN_BY_KEY["joined_on"].header})
    full_member_on = date("full_member_on")

    org_id, org_path = 0, ""
    branch = required("branch")
    if branch:
        found = branches.by_code.get(branch)
        candidates = [found] if found else branches.by_name.get(_fold(branch), [])
        if len(candidates) == 1 and candidates[0][2] in branches.refused:
            problem("branch", _("A member's organisational relationship is kept by a branch or committee, "
                                "not by a %(kind)s.") % {"kind": branches.refused[candidates[0][2]]})
        elif len(candidates) == 1:
            org_id, org_path, _kind = candidates[0]
        elif candidates:
            problem("branch", _("Several organisations under %(root)s are named “%(name)s”; write its code instead.")
                    % {"root": branches.root_name, "name": branch})
        else:
            unknown_branches.setdefault(branch, []).append(row)

    phone = text("phone")
    if phone in BLANKS:
        phone = ""
    else:
        try:
            phone = identity.normalise_phone(phone)
        except identity.InvalidPhone as error:
            problem("phone", str(error))

    correction_text = text("party_age_correction_months")
    correction = 0
    if correction_text not in BLANKS:
        try:
            correction = int(correction_text)
        except ValueError:
            problem("party_age_correction_months", _("“%(value)s” is not a whole number of months.")
                    % {"value": correction_text})
        else:
            if abs(correction) > 600:
                problem("party_age_correction_months", _("A correction of more than 600 months cannot be right."))

    extras = {}
    for key in ("current_residence", "registered_residence", "address"):
        extras[key] = text(key)
        if len(extras[key]) > TEXT_LIMITS[key]:
            problem(key, _("At most %(n)s characters.") % {"n": TEXT_LIMITS[key]})
    flags = {}
    for key in ("lost_contact", "mobile"):
        flags[key] = YES_NO.get(text(key))
        if flags[key] is None:
            problem(key, _("“%(value)s” is neither 是 nor 否.") % {"value": text(key)})
    standing = STANDINGS.get(text("standing"))
    if standing is None:
        problem("standing", _("“%(value)s” is neither 正常 nor 停止党籍.") % {"value": text("standing")})

    if id_number and category and not any(p.column in (headers_of["birth_date"], headers_of["joined_on"],
                                                        headers_of["full_member_on"]) for p in problems):
        for fault in rules.record_faults(id_number=id_number, sex=sex, birth_date=birth_date, category=category,
                                         joined_on=joined_on, full_member_on=full_member_on, today=today):
            if fault.field == "joined_on" and joined_on is None:
                continue
            problem(_FAULT_COLUMNS.get(fault.field, "id_number"), fault.message)

    if problems or not org_id:
        return problems
    roster.records.append(Record(
        row=row, id_number=id_number, name=name, sex=sex or identity.sex_of(id_number),
        birth_date=birth_date or identity.birth_date_of(id_number), ethnicity=ethnicity, education=education,
        degree=degree, category=category, org_id=org_id, org_path=org_path, phone=phone, joined_on=joined_on,
        full_member_on=full_member_on, party_age_correction_months=correction, job_post=job_post,
        lost_contact=flags["lost_contact"], mobile=flags["mobile"], standing=standing, **extras,
    ))
    return problems


def report_unknown_branches(roster: Roster, branches: BranchIndex) -> None:
    """A problem for every row whose branch names no organisation of the subtree, telling a
    name that exists elsewhere in the register from one that exists nowhere. Appended at the
    end: the caller puts the problems in row order."""
    if not roster.unknown_branches:
        return
    column = roster.headers["branch"]
    elsewhere = branches.elsewhere(set(roster.unknown_branches))
    for branch, rows in roster.unknown_branches.items():
        if branch in elsewhere:
            message = _("“%(name)s” is not under %(root)s, the organisation imported into.") % {
                "name": branch, "root": branches.root_name}
        else:
            message = _("No organisation is named or coded “%(name)s”.") % {"name": branch}
        for row in rows:
            roster.problems.append(Problem(row, column, message))
            roster.invalid_rows.add(row)

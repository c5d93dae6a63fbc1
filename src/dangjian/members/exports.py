"""Writing rosters: a subtree's members in the import's columns, and the blank template.

Written by xlsxwriter in constant-memory mode (one row at a time, ENGINEERING.md 3.6). Every
text cell is escaped against formula injection (ASVS 1.2.10): a value starting with = + - @,
a tab, a carriage return or NUL gets a leading apostrophe, so a spreadsheet shows it as text.
ID numbers and phones are masked unless the export is explicitly unmasked.
"""

from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import crypto, identity
from dangjian.core.scope import PATH_END
from dangjian.members import codes, rules
from dangjian.members.imports import COLUMN_BY_KEY, COLUMNS
from dangjian.members.models import Category, Member, Standing
from dangjian.orgs.models import Organization

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
CATEGORY_LABELS = {Category.FULL: "正式党员", Category.PROBATIONARY: "预备党员"}
SEX_LABELS = {"M": "男", "F": "女"}
STANDING_LABELS = {Standing.NORMAL: "正常", Standing.SUSPENDED: "停止党籍"}
EXAMPLE = {
    "serial": "1", "name": "张三", "sex": "男", "id_number": "440104198005010011", "ethnicity": "汉族",
    "birth_date": "1980-05-01", "education": "大学本科毕业", "category": "正式党员", "degree": "学士",
    "branch": "东风社区第一网格党支部", "phone": "13800138000", "joined_on": "2005-07-01", "full_member_on": "2006-07-01",
    "party_age_correction_months": "0", "job_post": "社区工作人员", "current_residence": "东风路1号1栋101房",
    "registered_residence": "广东省广州市", "lost_contact": "否", "mobile": "否", "address": "东风路1号1栋101房",
    "standing": "正常",
}


def escape(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def members_of(organization: Organization):
    return Member.objects.current().filter(org_path__gte=organization.path, org_path__lt=organization.path + PATH_END)


def member_count(organization: Organization) -> int:
    return members_of(organization).count()


def file_name(organization: Organization) -> str:
    return f"{organization.code}-{timezone.localdate():%Y%m%d}.xlsx"


_FIELDS = ("name", "sex", "id_number_sealed", "ethnicity", "birth_date", "education", "category", "degree",
           "home_org_id", "phone_sealed", "joined_on", "full_member_on", "party_age_correction_months", "job_post",
           "current_residence", "registered_residence", "lost_contact", "mobile", "address", "standing")


def _date(value) -> str:
    return value.isoformat() if value else ""


def write_roster(path: Path, organization: Organization, *, unmasked: bool,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the subtree's current members to ``path``; returns the number of rows."""
    import xlsxwriter

    today = timezone.localdate()
    branch_names = dict(Organization.objects.filter(
        path__gte=organization.path, path__lt=organization.path + PATH_END).values_list("pk", "name"))
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_("Roster"))
    for column, spec in enumerate(COLUMNS):
        sheet.write_string(0, column, spec.header)
    position = {spec.key: index for index, spec in enumerate(COLUMNS)}
    unseal = crypto.unseal
    rows = 0
    for values in members_of(organization).order_by("org_path", "pk").values_list(*_FIELDS).iterator(chunk_size=5000):
        (name, sex, id_sealed, ethnicity, birth_date, education, category, degree, org_id, phone_sealed, joined_on,
         full_member_on, correction, job_post, current_residence, registered_residence, lost_contact, mobile,
         address, standing) = values
        id_number = unseal(id_sealed)
        phone = unseal(phone_sealed) if phone_sealed else ""
        party_age = rules.party_age_months(full_member_on=full_member_on, correction_months=correction, today=today)
        rows += 1
        cells = {
            "serial": str(rows), "name": name, "sex": SEX_LABELS.get(sex, ""),
            "id_number": id_number if unmasked else identity.mask_id_number(id_number),
            "ethnicity": codes.ETHNICITIES.get(ethnicity, ""), "birth_date": _date(birth_date),
            "education": codes.EDUCATIONS[education][0] if education in codes.EDUCATIONS else "",
            "category": CATEGORY_LABELS.get(category, ""), "degree": codes.DEGREES.get(degree, ""),
            "branch": branch_names.get(org_id, ""), "phone": phone if unmasked else identity.mask_phone(phone),
            "joined_on": _date(joined_on), "full_member_on": _date(full_member_on),
            "party_age": str(party_age // 12) if party_age is not None else "",
            "job_post": codes.JOB_POSTS.get(job_post, ""), "current_residence": current_residence,
            "registered_residence": registered_residence, "lost_contact": "是" if lost_contact else "否",
            "mobile": "是" if mobile else "否", "address": address, "standing": STANDING_LABELS.get(standing, ""),
        }
        for key, value in cells.items():
            if value:
                sheet.write_string(rows, position[key], escape(value))
        sheet.write_number(rows, position["party_age_correction_months"], correction)
        if progress and rows % 5000 == 0:
            progress(rows)
    workbook.close()
    return rows


def write_template(stream) -> None:
    """The import template: the header row and one example row, and a sheet explaining each
    column with its code list."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_numbers": False})
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(_("Roster"))
    for column, spec in enumerate(COLUMNS):
        sheet.write_string(0, column, spec.header + ("*" if spec.required else ""), bold)
        sheet.set_column(column, column, 14, text)
        if spec.key in EXAMPLE:
            sheet.write_string(1, column, EXAMPLE[spec.key])
    explanations = workbook.add_worksheet(_("Columns"))
    explanations.write_row(0, 0, [_("Column"), _("Required"), _("Also accepted as"), _("What to write")], bold)
    for row, spec in enumerate(COLUMNS, start=1):
        explanations.write_row(row, 0, [spec.header, _("yes") if spec.required else "", "、".join(spec.synonyms),
                                        str(spec.explanation)])
    lists = workbook.add_worksheet(_("Code lists"))
    for column, (key, values) in enumerate((("ethnicity", codes.ETHNICITIES.values()),
                        ("education", [label for label, _statistics in codes.EDUCATIONS.values()]),
                        ("degree", codes.DEGREES.values()), ("job_post", codes.JOB_POSTS.values()),
                        ("category", CATEGORY_LABELS.values()), ("standing", STANDING_LABELS.values()))):
        lists.write_string(0, column, COLUMN_BY_KEY[key].header, bold)
        for row, value in enumerate(values, start=1):
            lists.write_string(row, column, value)
    workbook.close()

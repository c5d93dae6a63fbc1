"""Building roster files for the import tests: .xlsx through xlsxwriter, .csv in any encoding."""

import csv
import datetime as dt
import io

import xlsxwriter

from tests import factories

HEADERS = ["序号", "姓名", "性别", "公民身份号码", "民族", "出生日期", "学历", "人员类别", "所在党支部", "手机号码",
           "入党日期", "转正日期"]


def row(branch: str, *, name="张三", birth=dt.date(1980, 5, 1), male=True, id_number=None, category="正式党员",
        joined="2005-07-01", full="2006-07-01", phone="13800138000", education="大学本科毕业", ethnicity="汉族"):
    number = id_number or factories.id_number(birth, male)
    return ["1", name, "男" if male else "女", number, ethnicity, birth.isoformat(), education, category, branch, phone,
            joined, full]


def xlsx(rows, headers=HEADERS, *, title: str | None = None) -> bytes:
    """Cells are written as given: strings as text, numbers as numbers, dates as Excel dates."""
    stream = io.BytesIO()
    workbook = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet()
    offset = 0
    if title:
        sheet.write_string(0, 0, title)
        offset = 1
    for r, values in enumerate([headers, *rows]):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r + offset, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                sheet.write(r + offset, c, value)
    workbook.close()
    return stream.getvalue()


def csv_bytes(rows, headers=HEADERS, *, encoding="utf-8") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(headers)
    for values in rows:
        writer.writerow(["" if v is None else str(v) for v in values])
    return stream.getvalue().encode(encoding)

"""Code lists of the member register (RULES.md 3.4): national standards as data.

Each list maps the stored code to the label the pages and rosters show. Imports match labels
tolerantly (``lookup``): old names, the code itself and the label all find the entry.
"""

import unicodedata

# 民族, GB 3304-91: two-digit code → current name. 97 and 98 appear in older lists.
ETHNICITIES = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族", "07": "彝族",
    "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族", "13": "瑶族", "14": "白族",
    "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族", "21": "佤族",
    "22": "畲族", "23": "高山族", "24": "拉祜族", "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族",
    "29": "柯尔克孜族", "30": "土族", "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族",
    "35": "撒拉族", "36": "毛南族", "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族", "46": "德昂族",
    "47": "保安族", "48": "裕固族", "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族",
    "53": "赫哲族", "54": "门巴族", "55": "珞巴族", "56": "基诺族", "97": "其他", "98": "外国血统中国籍",
}
# Names used before the 1986/1987 renamings; accepted on input, written in their current form.
ETHNICITY_OLD_NAMES = {"毛难族": "36", "崩龙族": "46"}

# 学历, GB/T 4658-2006 leaves → (standard label, the Party statistics label used in reports).
EDUCATIONS = {
    "11": ("博士研究生毕业", "博士研究生"), "12": ("博士研究生结业", "博士研究生"), "13": ("博士研究生肄业", "博士研究生"),
    "14": ("硕士研究生毕业", "硕士研究生"), "15": ("硕士研究生结业", "硕士研究生"), "16": ("硕士研究生肄业", "硕士研究生"),
    "17": ("研究生班毕业", "硕士生班"), "18": ("研究生班结业", "硕士生班"), "19": ("研究生班肄业", "硕士生班"),
    "21": ("大学本科毕业", "大学"), "22": ("大学本科结业", "大学"), "23": ("大学本科肄业", "大学"),
    "28": ("大学普通班毕业", "大学普通班"),
    "31": ("大学专科毕业", "大专"), "32": ("大学专科结业", "大专"), "33": ("大学专科肄业", "大专"),
    "41": ("中等专科毕业", "中等专科"), "42": ("中等专科结业", "中等专科"), "43": ("中等专科肄业", "中等专科"),
    "44": ("职业高中毕业", "职业高中"), "45": ("职业高中结业", "职业高中"), "46": ("职业高中肄业", "职业高中"),
    "47": ("技工学校毕业", "技工学校"), "48": ("技工学校结业", "技工学校"), "49": ("技工学校肄业", "技工学校"),
    "61": ("普通高中毕业", "普通高中"), "62": ("普通高中结业", "普通高中"), "63": ("普通高中肄业", "普通高中"),
    "71": ("初中毕业", "初中"), "73": ("初中肄业", "初中"),
    "81": ("小学毕业", "小学"), "83": ("小学肄业", "小学"),
    "90": ("其他", "其他"),
}
# Rosters often carry only the statistics label; it stands for the graduate leaf of its level.
EDUCATION_LABEL_DEFAULTS = {
    "博士研究生": "11", "博士": "11", "硕士研究生": "14", "硕士": "14", "研究生": "14", "硕士生班": "17",
    "大学": "21", "大学本科": "21", "本科": "21", "大学普通班": "28", "大专": "31", "大学专科": "31", "专科": "31",
    "中等专科": "41", "中专": "41", "职业高中": "44", "职高": "44", "技工学校": "47", "技校": "47",
    "普通高中": "61", "高中": "61", "初中": "71", "小学": "81", "其他": "90",
}

# 学位, GB/T 6864 (first level).
DEGREES = {"1": "名誉博士", "2": "博士", "3": "硕士", "4": "学士"}

# 工作岗位: the Party statistics labels. The national 4-digit codes were not found (RULES.md
# 3.4 [?]), so the register keeps its own stable codes, exported as the labels.
JOB_POSTS = {
    "0101": "公务员", "0102": "参照公务员法管理的工作人员", "0201": "事业单位管理岗位", "0202": "事业单位专业技术岗位",
    "0301": "公有经济控制企业管理岗位", "0302": "公有经济控制企业专业技术岗位", "0401": "非公有经济控制企业管理岗位",
    "0402": "非公有经济控制企业专业技术岗位", "0501": "民办非企业管理岗位", "0502": "民办非企业专业技术岗位",
    "0601": "公有经济控制单位工勤岗位", "0602": "非公有企业工勤岗位", "0603": "民办非企业工勤岗位",
    "0604": "机关单位工勤岗位", "0605": "事业单位工勤岗位", "0701": "农牧渔业生产人员", "0702": "乡村医生",
    "0703": "外出务工经商人员", "0704": "其他农牧渔民", "0801": "解放军、武警",
    "0901": "研究生毕业年级学生", "0902": "研究生一年级学生", "0903": "研究生其他年级学生",
    "0904": "大学本科毕业年级学生", "0905": "大学本科一年级学生", "0906": "大学本科其他年级学生",
    "0907": "大学专科毕业年级学生", "0908": "大学专科一年级学生", "0909": "大学专科其他年级学生",
    "0910": "中等专业学校学生", "0911": "高中学生", "0912": "技工学校学生",
    "1001": "离休干部", "1002": "退休人员", "1003": "退职人员", "1004": "内部退养职工",
    "1101": "大学生村官", "1102": "社区工作人员", "1103": "停薪留职人员", "1104": "个体工商户中的从业人员",
    "1105": "自由职业人员", "1106": "（转业）待安置、学生毕业未就业的人员", "1107": "公派或因私出国、出境逾期未归的人员",
    "1108": "改革后不再保留原机关干部身份、党组织关系仍保留在原单位的人员",
    "1109": "企业破产后领取保险金或被辞退的职工中未重新就业的人员", "1110": "离岗但与单位保留劳动关系的职工（不含内部退养）",
    "1111": "党组织关系在人才（劳动）服务中心、不明职业的人员", "1201": "其他从业人员", "1202": "其他无业人员",
}
RETIRED_JOB_POSTS = frozenset({"1001", "1002", "1003"})

# 失联 reasons (2014 investigation form).
LOST_CONTACT_REASONS = {
    "1": "外出务工经商", "2": "单位改制或破产", "3": "毕业后去向不明", "4": "工作单位改变", "5": "出国(境)",
    "6": "居住地改变", "7": "其他",
}


def _normal(text: str) -> str:
    """Fold the differences rosters carry: spaces, full-width forms, brackets."""
    return unicodedata.normalize("NFKC", "".join(str(text).split())).replace("(", "（").replace(")", "）")


def lookup(table: dict, value: str, *, aliases: dict | None = None) -> str | None:
    """The code for ``value``: a code of the table, one of its labels, or an alias."""
    text = _normal(value)
    if not text:
        return None
    if text in table:
        return text
    if aliases and text in aliases:
        return aliases[text]
    for code, label in table.items():
        labels = label if isinstance(label, tuple) else (label,)
        if any(_normal(candidate) == text for candidate in labels):
            return code
    return None


def ethnicity_code(value: str) -> str | None:
    text = _normal(value)
    if text and not text.endswith("族") and text not in ETHNICITIES and text + "族" in ETHNICITIES.values():
        text += "族"
    return lookup(ETHNICITIES, text, aliases=ETHNICITY_OLD_NAMES)


def education_code(value: str) -> str | None:
    return lookup(EDUCATIONS, value, aliases=EDUCATION_LABEL_DEFAULTS)


def education_statistics_label(code: str) -> str:
    return EDUCATIONS[code][1] if code in EDUCATIONS else ""

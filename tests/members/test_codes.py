import pytest

from dangjian.members import codes


@pytest.mark.parametrize("value, code", [
    ("汉族", "01"), ("汉", "01"), (" 汉 族 ", "01"), ("01", "01"), ("毛难族", "36"), ("毛南族", "36"),
    ("崩龙族", "46"), ("德昂", "46"), ("维吾尔族", "05"),
])
def test_ethnicity_accepts_names_short_names_codes_and_old_names(value, code):
    assert codes.ethnicity_code(value) == code


@pytest.mark.parametrize("value", ["", "火星族", "99"])
def test_unknown_ethnicity_is_none(value):
    assert codes.ethnicity_code(value) is None


def test_every_ethnicity_is_found_by_its_own_name():
    assert all(codes.ethnicity_code(name) == code for code, name in codes.ETHNICITIES.items())


@pytest.mark.parametrize("value, code", [
    ("大学本科毕业", "21"), ("大学", "21"), ("本科", "21"), ("大专", "31"), ("中专", "41"), ("硕士研究生", "14"),
    ("21", "21"), ("初中毕业", "71"), ("其他", "90"), ("大学（本科）毕业", None),
])
def test_education_accepts_standard_and_statistics_labels(value, code):
    assert codes.education_code(value) == code


def test_every_education_leaf_maps_to_a_statistics_label():
    assert all(codes.education_statistics_label(code) for code in codes.EDUCATIONS)
    assert codes.education_statistics_label("21") == "大学"
    assert codes.education_statistics_label("20") == ""


def test_full_width_and_brackets_are_folded():
    assert codes.lookup(codes.JOB_POSTS, "(转业)待安置、学生毕业未就业的人员") == "1106"

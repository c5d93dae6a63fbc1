"""Citizen ID numbers (RULES.md section 9) and masking."""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from dangjian.core import identity

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def english_messages():
    # The messages are matched by their English source text.
    with translation.override("en"):
        yield

VALID = ["11010519491231002X", "440524188001010014", "360426199101010071", "120103198806018241", "230306196304054513"]
INVALID_CHECK = ["360426199101010072", "230307196304054513"]


@pytest.mark.parametrize("number", VALID)
def test_published_examples_are_valid(number):
    assert identity.normalise_id_number(number, today=TODAY) == number


@pytest.mark.parametrize("number", INVALID_CHECK)
def test_published_counter_examples_fail_on_the_check_character(number):
    with pytest.raises(identity.InvalidIdNumber, match="check character"):
        identity.normalise_id_number(number, today=TODAY)


def test_lower_case_x_and_spaces_are_accepted_and_normalised():
    assert identity.normalise_id_number(" 110105 19491231 002x ", today=TODAY) == "11010519491231002X"


def test_fifteen_digit_legacy_number_is_upgraded():
    # 440524800101001 is the 15-digit form of 440524198001010014's first 17 digits pattern.
    upgraded = identity.normalise_id_number("440524800101001", today=TODAY)
    assert upgraded[:8] == "44052419" and len(upgraded) == 18
    assert upgraded[17] == identity.check_character(upgraded[:17])


@pytest.mark.parametrize("raw, message", [
    ("1101051949123100", "18 characters"),
    ("1101051949123100XX", "17 digits"),
    ("99010519491231002X", "region code"),
    ("110105194902300029", "not a real date"),
    ("110105209901010013", "in the future"),
])
def test_each_fault_is_named(raw, message):
    with pytest.raises(identity.InvalidIdNumber, match=message):
        identity.normalise_id_number(raw, today=TODAY)


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
provinces = st.sampled_from(sorted(identity.PROVINCE_CODES))


@given(province=provinces, county=st.integers(0, 9999), birth=birth_dates, sequence=st.integers(0, 999))
def test_check_character_agrees_with_python_stdnum(province, county, birth, sequence):
    first17 = f"{province}{county:04d}{birth:%Y%m%d}{sequence:03d}"
    number = first17 + identity.check_character(first17)
    assert ric.calc_check_digit(number) == number[17]  # stdnum takes the number with its check character
    assert identity.normalise_id_number(number, today=TODAY) == number
    assert identity.birth_date_of(number) == birth
    assert identity.sex_of(number) == ("M" if sequence % 2 else "F")


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", ""])
def test_a_check_character_needs_exactly_seventeen_digits(first17):
    with pytest.raises(ValueError):
        identity.check_character(first17)


@given(province=provinces, birth=birth_dates, sequence=st.integers(0, 999), wrong=st.integers(1, 10))
def test_any_other_check_character_is_refused(province, birth, sequence, wrong):
    first17 = f"{province}0101{birth:%Y%m%d}{sequence:03d}"
    right = identity.CHECK_CHARACTERS.index(identity.check_character(first17))
    other = identity.CHECK_CHARACTERS[(right + wrong) % 11]
    with pytest.raises(identity.InvalidIdNumber):
        identity.normalise_id_number(first17 + other, today=TODAY)


@given(st.text(alphabet="0123456789X", min_size=10, max_size=18))
def test_mask_keeps_first_six_and_last_four_only(number):
    masked = identity.mask_id_number(number)
    assert len(masked) == len(number)
    assert masked.startswith(number[:6]) and masked.endswith(number[-4:])
    assert set(masked[6:-4]) <= {"*"}


def test_mask_of_a_short_value_hides_everything():
    assert identity.mask_id_number("12345") == "*****"
    assert identity.mask_phone("123") == "***"


def test_phone_mask():
    assert identity.mask_phone("13812345678") == "138****5678"

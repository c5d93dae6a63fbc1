"""Pinyin of people's names: surnames read as surnames, and every stored pinyin starting with a
reading that the search by first character knows."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import pinyin


@pytest.mark.parametrize(("name", "full", "initials"), [
    ("曾国藩", "zengguofan", "zgf"),
    ("单明", "shanming", "sm"),
    ("解放", "xiefang", "xf"),
    ("区华", "ouhua", "oh"),
    ("单于春", "chanyuchun", "cyc"),
    ("万俟卨", "moqixie", "mqx"),
    ("长孙无忌", "zhangsunwuji", "zswj"),
    ("欧阳修", "ouyangxiu", "oyx"),
    ("王小明", "wangxiaoming", "wxm"),
    ("Alice", "alice", "a"),
    ("", "", ""),
])
def test_a_persons_name_reads_its_surname_as_a_surname(name, full, initials):
    assert (pinyin.person_name_pinyin(name), pinyin.person_name_initials(name)) == (full, initials)


def test_other_text_keeps_the_everyday_reading():
    assert pinyin.full_pinyin("曾经") == "cengjing" and pinyin.initials("单位") == "dw"


def test_the_first_character_readings_include_compound_surnames():
    assert pinyin.first_character_readings("单") == {"shan", "chan"}
    assert pinyin.first_character_readings("王") == {"wang"}
    assert pinyin.first_character_readings("·") == set()


CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
COMPOUNDS = st.sampled_from(sorted(pinyin.COMPOUND_SURNAME_READINGS))
ANY_CHARACTER = st.one_of(CHINESE, st.sampled_from("·ABCz1 "))


@given(st.one_of(st.text(ANY_CHARACTER, min_size=1, max_size=4),
                 st.tuples(COMPOUNDS, st.text(CHINESE, max_size=2)).map("".join),
                 st.tuples(st.sampled_from(sorted(pinyin.SURNAME_READINGS)), st.text(CHINESE, max_size=3)).map("".join)))
def test_every_name_starts_with_a_reading_of_its_first_character(name):
    # The name search reads names starting with a character in the pinyin ranges of these
    # readings (members.selectors.register); a name outside them would never be found.
    readings = pinyin.first_character_readings(name[0])
    full = pinyin.person_name_pinyin(name)
    assert not readings or any(full.startswith(reading) for reading in readings)
    assert len(pinyin.person_name_initials(name)) <= len(full)

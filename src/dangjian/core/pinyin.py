"""Pinyin forms of Chinese names, stored at write time so that search by pinyin initials is an
indexed prefix lookup (ENGINEERING.md 2.11)."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames read otherwise than the character's everyday reading, which is what pypinyin gives a
# lone character (it has no surname mode: mozillazg/python-pinyin#297). A clerk searching for
# Zeng Guofan types "zeng", not "ceng". Only readings that are settled usage are listed: 乐 (le
# and yue) and 尉 (wei, yu in 尉迟) are both in use, so they keep pypinyin's reading.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "盖": "ge",
    "种": "chong", "缪": "miao", "覃": "qin", "翟": "zhai", "隗": "wei", "秘": "bi", "句": "gou", "员": "yun",
}
# Two-character surnames whose first character is read otherwise than alone.
COMPOUND_SURNAME_READINGS = {
    "万俟": ("mo", "qi"), "单于": ("chan", "yu"), "尉迟": ("yu", "chi"), "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
}


# Names repeat a great deal in a city's register; caching makes bulk loads several times faster.
@lru_cache(maxsize=65536)
def full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="default")).lower()


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    return "".join(part[:1] for part in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()


@lru_cache(maxsize=4096)
def surname_reading(character: str) -> str:
    """How ``character`` reads as the first character of a name; "" when it has no pinyin."""
    return SURNAME_READINGS.get(character) or next(iter(lazy_pinyin(character, errors="ignore")), "")


def first_character_readings(character: str) -> set[str]:
    """Every reading ``person_name_pinyin`` can give a name that starts with ``character``, so
    that a search for names starting with it can read the pinyin index by those prefixes."""
    readings = {compound[0] for surname, compound in COMPOUND_SURNAME_READINGS.items() if surname[0] == character}
    readings.add(surname_reading(character))
    readings.discard("")
    return readings


@lru_cache(maxsize=65536)
def _name_syllables(name: str) -> tuple[str, ...]:
    compound = COMPOUND_SURNAME_READINGS.get(name[:2])
    if compound:
        return (*compound, *lazy_pinyin(name[2:], errors="default"))
    surname = surname_reading(name[:1])
    if surname:
        return (surname, *lazy_pinyin(name[1:], errors="default"))
    return tuple(lazy_pinyin(name, errors="default"))


def person_name_pinyin(name: str) -> str:
    """The full pinyin of a person's name, its surname read as a surname (曾 zeng, 单 shan)."""
    return "".join(_name_syllables(name)).lower()


def person_name_initials(name: str) -> str:
    return "".join(syllable[:1] for syllable in _name_syllables(name)).lower()

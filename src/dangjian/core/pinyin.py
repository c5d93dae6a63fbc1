"""Pinyin forms of Chinese names, stored at write time so that search by pinyin initials is an
indexed prefix lookup (ENGINEERING.md 2.11)."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


# Names repeat a great deal in a city's register; caching makes bulk loads several times faster.
@lru_cache(maxsize=65536)
def full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="default")).lower()


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    return "".join(part[:1] for part in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()

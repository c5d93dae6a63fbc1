"""Every user-facing string has a Chinese translation, and the compiled catalogue is current."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dangjian"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
ENTRY = re.compile(r'^(?:msgctxt "(.*?)"\n)?msgid "(.*?)"\n((?:".*"\n)*)(?:msgid_plural .*\n(?:".*"\n)*)?'
                   r'msgstr(?:\[0\])? "(.*?)"\n((?:".*"\n)*)', re.MULTILINE)


def _key(match) -> tuple[str | None, str]:
    """(context, msgid): one msgid may have a translation per context ("Category" of a member or a request)."""
    return match.group(1), match.group(2) + "".join(line[1:-1] for line in match.group(3).splitlines())


def _entries() -> dict[tuple[str | None, str], str]:
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for match in ENTRY.finditer(text):
        context, msgid = _key(match)
        msgstr = match.group(4) + "".join(line[1:-1] for line in match.group(5).splitlines())
        if msgid:
            entries[context, msgid] = msgstr
    return entries


def test_every_catalogue_entry_is_translated():
    untranslated = [key for key, msgstr in _entries().items() if not msgstr]
    assert not untranslated, untranslated[:10]


def test_the_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for (context, msgid), msgstr in _entries().items():
        if "\\" in msgid:
            continue
        if context:
            assert compiled.pgettext(context, msgid) == msgstr, (context, msgid)
        else:
            assert compiled.gettext(msgid) == msgstr or compiled.ngettext(msgid, msgid, 1) == msgstr, msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (Debian package gettext)")
def test_every_marked_string_is_in_the_catalogue(tmp_path):
    copy = tmp_path / "dangjian"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy, check=True, capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "dangjian.config.test_settings", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(PACKAGE.parent)},
    )
    extracted = (copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    extracted_ids = {_key(match) for match in ENTRY.finditer(extracted)} - {(None, "")}
    assert len(extracted_ids) > 300
    missing = extracted_ids - set(_entries())
    assert not missing, sorted(missing)[:10]

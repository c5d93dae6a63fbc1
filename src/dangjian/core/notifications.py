"""The kinds of notification and their wording. A notification is stored as its kind and the
values it names, and put into words when it is read, in the reader's language: the one who
caused it (a worker escalating, a sweep at night) may read another language than the one who
receives it. Each app registers its kinds when it is ready (``AppConfig.ready``)."""

from django.utils.functional import Promise
from django.utils.translation import gettext

_WORDING: dict[str, Promise] = {}


def kind(name: str, wording: Promise) -> str:
    """Register the kind ``name``, worded by ``wording`` (a lazy translation with %(name)s
    placeholders for the values); returns the name to notify with."""
    if _WORDING.setdefault(name, wording) is not wording:
        raise ValueError(f"The notification kind {name} is registered twice.")
    return name


def words(name: str, values: dict) -> str:
    wording = _WORDING.get(name)
    if wording is None:
        return gettext("A notification of a kind this platform no longer sends.")
    try:
        return str(wording) % values
    except (KeyError, TypeError, ValueError):
        # Values stored before the wording changed: say what can be said rather than fail the page.
        return str(wording)

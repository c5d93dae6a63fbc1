"""Lists read a page at a time by key, never by offset: the first rows of a query ordered by key
(or by a column then key), and the key to read on from. Pages pass it as ``?after=``."""

from django.db.models import Q, QuerySet

PAGE_SIZE = 50

# The largest key a database column holds (a signed 64-bit integer): a larger number, typed or
# sent, names nobody, and SQLite cannot even take it as a parameter.
MAX_KEY = 2**63 - 1


def key_page(rows: QuerySet, limit: int | None = None) -> tuple[list, int | None]:
    """The first ``limit`` (by default ``PAGE_SIZE``) of ``rows`` and, when more follow, the key to
    pass as ``after`` for the next page."""
    limit = limit or PAGE_SIZE
    page = list(rows[:limit + 1])
    return page[:limit], page[limit - 1].pk if len(page) > limit else None


def after_key(rows: QuerySet, after: int, field: str, *, descending: bool = False) -> QuerySet:
    """``rows``, ordered by (``field``, key), from after the row whose key is ``after``; none when
    that row has no ``field``."""
    value = rows.model.objects.filter(pk=after).values_list(field, flat=True).first()
    if value is None:
        return rows.none()
    beyond = "lt" if descending else "gt"
    return rows.filter(Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"pk__{beyond}": after}))


def number(request, name: str) -> int | None:
    """The whole number given as ``?name=``, if one."""
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def after(request) -> int | None:
    """The key of the last row of the previous page (``?after=``)."""
    return number(request, "after")


def page_context(request, rows: QuerySet) -> dict:
    """A page of ``rows`` (already from after ``?after=``) and what ``core/_key_pager.html`` needs."""
    items, next_after = key_page(rows)
    query = request.GET.copy()
    query.pop("after", None)
    return {"rows": items, "next_after": next_after, "query": query.urlencode()}

"""What the request pages share: the organisation a page is about, and a page of rows read by key."""

from django.db.models import QuerySet

from dangjian.accounts.roles import Permission
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.requests import selectors


def organization(request, code) -> Organization:
    """The organisation of a page about requests, receptions or visits: 404 outside the scope."""
    return org_selectors.organization_for(request.user, code, Permission.VIEW_REQUESTS)


def number(request, name: str) -> int | None:
    """The whole number given as ``?name=``, if one."""
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def after(request) -> int | None:
    """The key of the last row of the previous page (``?after=``)."""
    return number(request, "after")


def key_page(request, rows: QuerySet) -> dict:
    """A page of ``rows`` (already from after ``?after=``) and what the pager needs."""
    items, next_after = selectors.key_page(rows)
    query = request.GET.copy()
    query.pop("after", None)
    return {"rows": items, "next_after": next_after, "query": query.urlencode()}

"""What the request pages share: the organisation a page is about."""

from dangjian.accounts.roles import Permission
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization


def organization(request, code) -> Organization:
    """The organisation of a page about requests, receptions or visits: 404 outside the scope."""
    return org_selectors.organization_for(request.user, code, Permission.VIEW_REQUESTS)

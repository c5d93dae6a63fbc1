"""Access-table entries (tests/access_table.py) for the resident's pages and the staff's handling
pages of the requests app."""

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.accounts.roles import Permission
from tests import factories
from tests.access_table import PUBLIC, Access, Case, fixed, ok, page

VIEW, HANDLE = Permission.VIEW_REQUESTS, Permission.HANDLE_REQUESTS


def _filing(case: Case, **extra) -> dict:
    """A valid filing form for the case's grid (street A's when the route has no object)."""
    grid = (case.org("grid") if case.street else case.tree.grid_a).grid
    category = factories.make_category(code="MATRIX")
    return {"place_text": grid.name, "place": f"g{grid.pk}", "category": category.pk,
            "description": "路灯不亮，晚上很黑。", **extra}


def _tracking(case: Case) -> dict:
    _filed, code = factories.make_request(case.tree.grid_a.grid)
    return {"code": code}


def _request(address: Callable[[int], str], **fields) -> Callable[[Case], str]:
    """The address of a request filed, for the call, in the case's grid."""
    return lambda case: address(factories.make_request(case.org("grid").grid, **fields)[0].pk)


def _page(name: str, **fields) -> Callable[[Case], str]:
    return _request(lambda pk: reverse(name, args=[pk]), **fields)


ENTRIES: dict[str, Access] = {
    "residents:file": Access(("GET", "POST"), PUBLIC, fixed("residents:file"), ok(get=200, post=200), writes=True,
                             payload=_filing),
    "residents:track": Access(("GET", "POST"), PUBLIC, fixed("residents:track"), ok(get=200, post=200),
                              payload=_tracking),
    "requests:home": Access(("GET",), VIEW, fixed("requests:home"), ok(get=(200, 302))),
    "requests:organization": Access(("GET",), VIEW, page("requests:organization", "community"), ok(get=200),
                                    view=VIEW),
    "requests:statistics": Access(("GET",), VIEW, page("requests:statistics", "community"), ok(get=200), view=VIEW),
    # The form finds the place by name, so the organisation is only seen with the tree.
    "requests:file_for_resident": Access(
        ("GET", "POST"), HANDLE, page("requests:file_for_resident", "community"), ok(get=200, post=200),
        view=Permission.VIEW_ORGS, writes=True, payload=lambda case: _filing(case, contact_name="王大妈")),
    "requests:detail": Access(("GET",), VIEW, _page("requests:detail"), ok(get=200), view=VIEW),
    "requests:change": Access(("POST",), HANDLE, _page("requests:change"), ok(post=302), view=VIEW, writes=True,
                              payload=lambda case: {"action": "accept", "version": 1}),
    "requests:photo": Access(("GET",), VIEW, _request(
        lambda pk: reverse("requests:photo", args=[pk]),
        photo=SimpleUploadedFile("photo.png", factories.PNG, content_type="image/png")), ok(get=200), view=VIEW),
    "requests:reveal_phone": Access(("POST",), Permission.REVEAL_PERSONAL, _page("requests:reveal_phone",
                                                                                 phone="13800138000"),
                                    ok(post=200), view=VIEW, payload=lambda case: {}),
}

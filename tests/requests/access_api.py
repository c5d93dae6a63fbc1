"""Access-table entries (tests/access_table.py) for the requests API: requests, statistics,
representatives and their rota, receptions and household visits."""

import datetime as dt
from collections.abc import Callable

from dangjian.accounts.roles import Permission
from dangjian.members.services import residence
from dangjian.requests import services
from tests import factories
from tests.access_table import AUTHENTICATED, Access, Case, ok

VIEW, HANDLE = Permission.VIEW_REQUESTS, Permission.HANDLE_REQUESTS
API = "/api/requests"
TODAY = dt.date.today()
WORDS = "楼道灯坏了，晚上看不见路。"


def _request(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address, from its key, of a request filed on the public page for the case's grid."""
    return lambda case: address(factories.make_request(case.org("grid").grid)[0].pk)


def _term(case: Case):
    """A representative serving in the case's community, a member of its grid branch without an account."""
    return services.representative_appoint(actor=None, member=factories.make_member(case.org("grid")),
                                           organization=case.org("community"), title="区党代表",
                                           since=TODAY - dt.timedelta(days=30))


def _representative(address: Callable[[int], str]) -> Callable[[Case], str]:
    return lambda case: address(_term(case).pk)


def _of_community(address: str) -> Callable[[Case], str]:
    return lambda case: f"{address}?org={case.org('community').code}"


def _filing(case: Case) -> dict:
    return {"category": factories.make_category(code="MATRIX").code, "grid": case.org("grid").grid.code,
            "description": WORDS, "contact_name": "王大妈", "phone": "13800138000"}


def _reception(case: Case) -> dict:
    return {"representative": _term(case).pk, "held_on": TODAY.isoformat(), "visitors": 2, "place": "党群服务中心",
            "problems": [{"category": factories.make_category(code="MATRIX").code,
                          "grid": case.org("grid").grid.code, "description": WORDS, "contact_name": "李大爷"}]}


def _visit(case: Case) -> dict:
    member = factories.make_member(case.org("grid"))
    residence.registration_register(actor=None, member=member, grid=case.org("grid").grid)
    return {"member": member.pk, "visited_on": TODAY.isoformat(), "household": "3栋502"}


ENTRIES: dict[str, Access] = {
    "dangjian_requests_api_list_categories": Access(
        ("GET",), AUTHENTICATED, lambda case: f"{API}/categories", ok(get=200), api=True),
    "dangjian_requests_api_list_requests": Access(
        ("GET",), VIEW, _of_community(API), ok(get=200), view=VIEW, api=True),
    "dangjian_requests_api_statistics": Access(
        ("GET",), VIEW, _of_community(f"{API}/statistics"), ok(get=200), view=VIEW, api=True),
    "dangjian_requests_api_get_request": Access(
        ("GET",), VIEW, _request(lambda pk: f"{API}/{pk}"), ok(get=200), view=VIEW, api=True),
    # A grid outside the caller's scope is a 404; inside it, filing needs HANDLE_REQUESTS.
    "dangjian_requests_api_file_request": Access(
        ("POST",), HANDLE, lambda case: API, ok(post=201), view=VIEW, api=True, writes=True, payload=_filing),
    "dangjian_requests_api_change_request": Access(
        ("POST",), HANDLE, _request(lambda pk: f"{API}/{pk}/actions"), ok(post=200), view=VIEW, api=True,
        writes=True, payload=lambda case: {"action": "accept", "version": 1}),
    "dangjian_requests_api_list_representatives": Access(
        ("GET",), VIEW, _of_community(f"{API}/representatives"), ok(get=200), view=VIEW, api=True),
    "dangjian_requests_api_appoint_representative": Access(
        ("POST",), HANDLE, lambda case: f"{API}/representatives", ok(post=201), view=VIEW, api=True, writes=True,
        payload=lambda case: {"member": factories.make_member(case.org("grid")).pk,
                              "organization": case.org("community").code, "title": "区党代表",
                              "since": (TODAY - dt.timedelta(days=1)).isoformat()}),
    "dangjian_requests_api_end_representative": Access(
        ("POST",), HANDLE, _representative(lambda pk: f"{API}/representatives/{pk}/end"), ok(post=200), view=VIEW,
        api=True, writes=True, payload=lambda case: {"until": TODAY.isoformat()}),
    "dangjian_requests_api_add_duty": Access(
        ("POST",), HANDLE, _representative(lambda pk: f"{API}/representatives/{pk}/duties"), ok(post=201),
        view=VIEW, api=True, writes=True,
        payload=lambda case: {"place": "党群服务中心", "weekday": 2, "starts_at": "09:00", "ends_at": "11:00"}),
    "dangjian_requests_api_list_receptions": Access(
        ("GET",), VIEW, _of_community(f"{API}/receptions"), ok(get=200), view=VIEW, api=True),
    # The representative in the payload has no account: only staff over their organisation log for them.
    "dangjian_requests_api_log_reception": Access(
        ("POST",), HANDLE, lambda case: f"{API}/receptions", ok(post=201), view=VIEW, api=True, writes=True,
        payload=_reception),
    "dangjian_requests_api_list_visits": Access(
        ("GET",), VIEW, _of_community(f"{API}/visits"), ok(get=200), view=VIEW, api=True),
    # The visiting member in the payload has no account: only staff over where they live log for them.
    "dangjian_requests_api_log_visit": Access(
        ("POST",), HANDLE, lambda case: f"{API}/visits", ok(post=201), view=VIEW, api=True, writes=True,
        payload=_visit),
}

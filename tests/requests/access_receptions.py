"""Access-table entries (tests/access_table.py) for this area of the requests app: representatives,
their rota and receptions, household visits, a member's own page, and the notifications."""

import datetime as dt
from collections.abc import Callable

from django.urls import reverse, reverse_lazy

from dangjian.accounts.roles import Permission
from dangjian.members.services import residence
from dangjian.requests import services
from tests import factories
from tests.access_table import AUTHENTICATED, Access, Case, _own, fixed, ok, page

VIEW, HANDLE = Permission.VIEW_REQUESTS, Permission.HANDLE_REQUESTS
SINCE = dt.date(2024, 1, 1)


def _representative(case: Case):
    """A representative serving in the case's community (a member without an account of the
    personas, so that none of them logs the reception as their own)."""
    return services.representative_appoint(actor=None, member=factories.make_member(case.org("grid"), name="李代表"),
                                           organization=case.org("community"), title="区党代表", since=SINCE)


def _of_representative(name: str) -> Callable[[Case], str]:
    return lambda case: reverse(name, args=[_representative(case).pk])


def _duty(case: Case) -> str:
    duty = services.duty_add(actor=None, representative=_representative(case), place="党代表工作室", weekday=2,
                             starts_at=dt.time(9), ends_at=dt.time(11))
    return reverse("requests:duty_end", args=[duty.pk])


def _reception(case: Case) -> str:
    held, _filed = services.reception_log(actor=None, representative=_representative(case), held_on=SINCE,
                                          visitors=3, place="党代表工作室")
    return reverse("requests:reception", args=[held.pk])


def _registered(grid_org, account=None):
    """A member of ``grid_org`` confirmed as living in its grid, where they visit households."""
    member = factories.make_member(grid_org, account=account)
    residence.registration_register(actor=None, member=member, grid=grid_org.grid)
    return member


def _own_visit(case: Case) -> str:
    _registered(case.tree.grid_a, account=case.user or case.personas["member"])
    return reverse("requests:visit_new")


def _rows(rows: list[dict]) -> dict:
    """Formset fields of the problem rows (prefix ``problems``)."""
    fields = {"problems-TOTAL_FORMS": str(len(rows)), "problems-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        fields.update({f"problems-{index}-{key}": value for key, value in row.items()})
    return fields


def _reception_payload(case: Case) -> dict:
    category = factories.make_category(code="RX")
    return {"held_on": SINCE.isoformat(), "place": "党代表工作室", "visitors": "2", **_rows([{
        "category": str(category.pk), "grid": f"g{case.org('grid').grid.pk}", "description": "小区路灯坏了三盏。",
        "contact_name": "王大妈"}])}


def _visit_payload(case: Case) -> dict:
    category = factories.make_category(code="VX")
    return {"visited_on": dt.date.today().isoformat(), "household": "3栋502",
            **_rows([{"category": str(category.pk), "description": "楼道堆放杂物。"}])}


ENTRIES: dict[str, Access] = {
    "requests:representatives": Access(("GET",), VIEW, page("requests:representatives", "community"), ok(get=200),
                                       view=VIEW),
    "requests:representative_new": Access(
        ("GET", "POST"), HANDLE, page("requests:representative_new", "community"), ok(get=200, post=302), view=VIEW,
        writes=True, payload=lambda case: {"member": str(factories.make_member(case.org("grid")).pk),
                                           "title": "区党代表", "since": SINCE.isoformat()}),
    "requests:representative_end": Access(
        ("GET", "POST"), HANDLE, _of_representative("requests:representative_end"), ok(get=200, post=302),
        view=VIEW, writes=True, payload=lambda case: {"until": dt.date.today().isoformat()}),
    "requests:duty_new": Access(
        ("GET", "POST"), HANDLE, _of_representative("requests:duty_new"), ok(get=200, post=302), view=VIEW,
        writes=True, payload=lambda case: {"place": "党代表工作室", "weekday": "2", "starts_at": "09:00",
                                           "ends_at": "11:00"}),
    "requests:duty_end": Access(("POST",), HANDLE, _duty, ok(post=302), view=VIEW, writes=True,
                                payload=lambda case: {}),
    "requests:receptions": Access(("GET",), VIEW, page("requests:receptions", "community"), ok(get=200), view=VIEW),
    # The saved reception answers with its requests' tracking codes, shown this once: 200, no redirect.
    "requests:reception_new": Access(
        ("GET", "POST"), HANDLE, _of_representative("requests:reception_new"), ok(get=200, post=200), view=VIEW,
        writes=True, payload=_reception_payload),
    "requests:reception": Access(("GET",), VIEW, _reception, ok(get=200), view=VIEW),
    "requests:visits": Access(("GET",), VIEW, page("requests:visits", "community"), ok(get=200), view=VIEW),
    "requests:visit_new": Access(("GET", "POST"), AUTHENTICATED, _own_visit, ok(get=200, post=200), writes=True,
                                 payload=_visit_payload),
    "requests:member_visit_new": Access(
        ("GET", "POST"), HANDLE,
        lambda case: reverse("requests:member_visit_new", args=[_registered(case.org("grid")).pk]),
        ok(get=200, post=200), view=VIEW, writes=True, payload=_visit_payload),
    "requests:mine": Access(("GET",), AUTHENTICATED, _own(reverse_lazy("requests:mine")), ok(get=200)),
    "notifications:list": Access(("GET",), AUTHENTICATED, fixed("notifications:list"), ok(get=200)),
    "notifications:read": Access(("POST",), AUTHENTICATED, fixed("notifications:read"), ok(post=302),
                                 payload=lambda case: {}),
}

"""Access-table entries (tests/access_table.py) for the service pages and API: teams, volunteers,
activities, sign-up, the roll, check-in, statistics and a member's own service.

The matrix's snapshot does not watch the service tables, so no entry here claims ``writes``; the
service tests show what each write changes and that every refusal changes nothing."""

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import Permission
from tests import factories
from tests.access_table import AUTHENTICATED, Access, Case, ok, page
from tests.service.factories import happening, make_activity, make_team, make_volunteer

VIEW, MANAGE = Permission.VIEW_SERVICE, Permission.MANAGE_SERVICE
API = "/api/service"


def _team(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address, from its key, of a team made for the call in the case's grid branch."""
    return lambda case: address(make_team(case.org("grid")).pk)


def _activity(address: Callable[[int], str], **fields) -> Callable[[Case], str]:
    """The address of an activity of the case's community, made for the call."""
    return lambda case: address(make_activity(case.org("community"), **fields).pk)


def _happening(address: Callable[[int], str]) -> Callable[[Case], str]:
    return lambda case: address(happening(make_activity(case.org("community"))).pk)


def _member_of(case: Case):
    """The caller's own member record, in street A's grid branch (the member persona when anonymous)."""
    return factories.make_member(case.tree.grid_a, account=case.user or case.personas["member"])


def _own(address: Callable[[Case], str]) -> Callable[[Case], str]:
    def url(case: Case) -> str:
        _member_of(case)
        return address(case)
    return url


def _token(case: Case) -> str:
    return happening(make_activity(case.tree.community_a)).check_in_token


def _starts(days: int = 3) -> tuple[str, str]:
    start = (timezone.localtime() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%M"), (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def _activity_form(case: Case) -> dict:
    start, end = _starts()
    return {"title": "敬老助餐", "place": "长者饭堂", "starts_at": start, "ends_at": end, "capacity": "10"}


def _activity_json(case: Case, **extra) -> dict:
    start = timezone.now() + dt.timedelta(days=3)
    return {"title": "敬老助餐", "place": "长者饭堂", "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "capacity": 10, **extra}


def _volunteer_of(case: Case) -> int:
    return make_volunteer(case.org("community")).pk


def _member_in(case: Case) -> int:
    return factories.make_member(case.org("grid"), name="赵六").pk


def _team_person(address: Callable[[int, int], str]) -> Callable[[Case], str]:
    """The address of a volunteer's place in a team made in the case's grid branch."""
    def url(case: Case) -> str:
        from dangjian.service import services

        team = make_team(case.org("grid"))
        membership = services.team_add_person(actor=None, team=team, volunteer=make_volunteer(case.org("community")))
        return address(team.pk, membership.pk)
    return url


def _checked_in(address: Callable[[int, int], str]) -> Callable[[Case], str]:
    """The address of a volunteer's check-in, on the roll of an activity of the case's community."""
    def url(case: Case) -> str:
        from dangjian.service import services

        activity = happening(make_activity(case.org("community")))
        check_in, = services.roll_record(actor=None, activity=activity, volunteers=[make_volunteer(case.org("community"))])
        return address(activity.pk, check_in.pk)
    return url


def _with_member(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address of a team with a member in it (for appointing them leader), named by the payload."""
    def url(case: Case) -> str:
        from dangjian.service import services

        team = make_team(case.org("grid"))
        services.team_add_person(actor=None, team=team, member=factories.make_member(case.org("grid"), name="队长"))
        return address(team.pk)
    return url


def _leader(case: Case) -> dict:
    from dangjian.service.models import TeamMembership

    return {"member": TeamMembership.objects.filter(member__name="队长").latest("pk").member_id}


def _signed_up(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address of an activity of the case's community with a volunteer signed up (by the payload)."""
    def url(case: Case) -> str:
        from dangjian.service import services

        activity = make_activity(case.org("community"))
        services.signup(actor=None, activity=activity, volunteer=make_volunteer(case.org("community"), name="报名者"))
        return address(activity.pk)
    return url


def _signed_up_volunteer(case: Case) -> dict:
    from dangjian.service.models import Volunteer

    return {"volunteer": Volunteer.objects.filter(name="报名者").latest("pk").pk}


def _of_community(address: str) -> Callable[[Case], str]:
    return lambda case: f"{address}?org={case.org('community').code}"


ENTRIES: dict[str, Access] = {
    # --- pages --------------------------------------------------------------------------------------
    # Staff go to their organisation's page, a member to their own page.
    "service:home": Access(("GET",), AUTHENTICATED, _own(lambda case: reverse("service:home")), ok(get=302)),
    "service:organization": Access(("GET",), VIEW, page("service:organization", "community"), ok(get=200),
                                   view=VIEW),
    "service:statistics": Access(("GET",), VIEW, page("service:statistics", "community"), ok(get=200), view=VIEW),
    "service:teams": Access(("GET",), VIEW, page("service:teams", "community"), ok(get=200), view=VIEW),
    "service:volunteers": Access(("GET",), VIEW, page("service:volunteers", "community"), ok(get=200), view=VIEW),
    "service:volunteer_new": Access(
        ("GET", "POST"), MANAGE, page("service:volunteer_new", "community"), ok(get=200, post=302), writes=True, view=VIEW,
        payload=lambda case: {"name": "陈阿姨", "phone": "13900139000", "consent": "on"}),
    "service:team_new": Access(
        ("GET", "POST"), MANAGE, page("service:team_new", "grid"), ok(get=200, post=302), writes=True, view=VIEW,
        payload=lambda case: {"name": "网格先锋队", "kind": "pioneer"}),
    "service:team": Access(("GET",), VIEW, _team(lambda pk: reverse("service:team", args=[pk])), ok(get=200),
                           view=VIEW),
    "service:team_edit": Access(
        ("GET", "POST"), MANAGE, _team(lambda pk: reverse("service:team_edit", args=[pk])), ok(get=200, post=302),
        view=VIEW, writes=True, payload=lambda case: {"name": "改名的先锋队", "kind": "emergency"}),
    "service:team_people": Access(
        ("POST",), MANAGE, _team(lambda pk: reverse("service:team_people", args=[pk])), ok(post=302), writes=True, view=VIEW,
        payload=lambda case: {"action": "add", "volunteer": _volunteer_of(case), "normal": "weekends",
                              "emergency": "same_day"}),
    "service:team_availability": Access(
        ("GET", "POST"), MANAGE, _team_person(lambda pk, person: reverse("service:team_availability", args=[pk, person])),
        ok(get=200, post=302), view=VIEW, writes=True, payload=lambda case: {"normal": "evenings", "emergency": "30_minutes"}),
    "service:activity_new": Access(
        ("GET", "POST"), MANAGE, page("service:activity_new", "community"), ok(get=200, post=302), writes=True, view=VIEW,
        payload=_activity_form),
    "service:activity": Access(("GET",), VIEW, _activity(lambda pk: reverse("service:activity", args=[pk])),
                               ok(get=200), view=VIEW),
    "service:activity_edit": Access(
        ("GET", "POST"), MANAGE, _activity(lambda pk: reverse("service:activity_edit", args=[pk])),
        ok(get=200, post=302), view=VIEW, writes=True, payload=_activity_form),
    "service:activity_signups": Access(
        ("POST",), MANAGE, _activity(lambda pk: reverse("service:activity_signups", args=[pk])), ok(post=302),
        view=VIEW, writes=True, payload=lambda case: {"action": "signup", "volunteer": _volunteer_of(case)}),
    "service:activity_cancel": Access(
        ("POST",), MANAGE, _activity(lambda pk: reverse("service:activity_cancel", args=[pk])), ok(post=302),
        view=VIEW, writes=True, payload=lambda case: {"reason": "台风预警"}),
    "service:activity_roll": Access(
        ("POST",), MANAGE, _happening(lambda pk: reverse("service:activity_roll", args=[pk])), ok(post=302),
        view=VIEW, writes=True, payload=lambda case: {"extra_member": _member_in(case), "hours": "1.5"}),
    "service:check_in_remove": Access(
        ("POST",), MANAGE, _checked_in(lambda pk, row: reverse("service:check_in_remove", args=[pk, row])), ok(post=302),
        view=VIEW, writes=True, payload=lambda case: {"reason": "误勾选"}),
    "service:mine": Access(("GET",), AUTHENTICATED, _own(lambda case: reverse("service:mine")), ok(get=200)),
    "service:mine_activity": Access(
        ("GET", "POST"), AUTHENTICATED,
        _own(lambda case: reverse("service:mine_activity", args=[make_activity(case.tree.community_a).pk])),
        ok(get=200, post=302), writes=True, payload=lambda case: {"action": "signup"}),
    # The code's page names the activity to anyone signed in; a member checks in from it.
    "service:check_in": Access(
        ("GET", "POST"), AUTHENTICATED, _own(lambda case: reverse("service:check_in", args=[_token(case)])),
        ok(get=200, post=302), writes=True, payload=lambda case: {}),
    # --- API ----------------------------------------------------------------------------------------
    "dangjian_service_api_list_teams": Access(("GET",), VIEW, _of_community(f"{API}/teams"), ok(get=200), view=VIEW,
                                              api=True),
    "dangjian_service_api_form_team": Access(
        ("POST",), MANAGE, lambda case: f"{API}/teams", ok(post=201), view=VIEW, writes=True, api=True,
        payload=lambda case: {"organization": case.org("grid").code, "name": "网格先锋队", "kind": "pioneer"}),
    "dangjian_service_api_get_team": Access(("GET",), VIEW, _team(lambda pk: f"{API}/teams/{pk}"), ok(get=200),
                                            view=VIEW, api=True),
    "dangjian_service_api_change_team": Access(
        ("PATCH",), MANAGE, _team(lambda pk: f"{API}/teams/{pk}"), ok(patch=200), view=VIEW, writes=True, api=True,
        payload=lambda case: {"name": "改名的先锋队", "kind": "specialist"}),
    "dangjian_service_api_add_team_person": Access(
        ("POST",), MANAGE, _team(lambda pk: f"{API}/teams/{pk}/people"), ok(post=201), view=VIEW, writes=True, api=True,
        payload=lambda case: {"member": _member_in(case), "normal": "evenings", "emergency": "30_minutes"}),
    "dangjian_service_api_remove_team_person": Access(
        ("POST",), MANAGE, _team_person(lambda pk, person: f"{API}/teams/{pk}/people/{person}/leave"), ok(post=200),
        view=VIEW, writes=True, api=True),
    "dangjian_service_api_change_team_person": Access(
        ("PATCH",), MANAGE, _team_person(lambda pk, person: f"{API}/teams/{pk}/people/{person}"), ok(patch=200), view=VIEW,
        writes=True, api=True, payload=lambda case: {"normal": "evenings", "emergency": "30_minutes"}),
    "dangjian_service_api_appoint_leader": Access(
        ("POST",), MANAGE, _with_member(lambda pk: f"{API}/teams/{pk}/leader"), ok(post=200), view=VIEW, writes=True, api=True,
        payload=_leader),
    "dangjian_service_api_disband_team": Access(
        ("POST",), MANAGE, _team(lambda pk: f"{API}/teams/{pk}/disband"), ok(post=200), view=VIEW, writes=True, api=True),
    "dangjian_service_api_list_volunteers": Access(("GET",), VIEW, _of_community(f"{API}/volunteers"), ok(get=200),
                                                   view=VIEW, api=True),
    "dangjian_service_api_register_volunteer": Access(
        ("POST",), MANAGE, lambda case: f"{API}/volunteers", ok(post=201), view=VIEW, writes=True, api=True,
        payload=lambda case: {"community": case.org("community").code, "name": "陈阿姨", "consent": True}),
    "dangjian_service_api_list_activities": Access(("GET",), VIEW, _of_community(f"{API}/activities"), ok(get=200),
                                                   view=VIEW, api=True),
    "dangjian_service_api_organise_activity": Access(
        ("POST",), MANAGE, lambda case: f"{API}/activities", ok(post=201), view=VIEW, writes=True, api=True,
        payload=lambda case: _activity_json(case, organization=case.org("community").code)),
    "dangjian_service_api_get_activity": Access(
        ("GET",), VIEW, _activity(lambda pk: f"{API}/activities/{pk}"), ok(get=200), view=VIEW, api=True),
    "dangjian_service_api_change_activity": Access(
        ("PATCH",), MANAGE, _activity(lambda pk: f"{API}/activities/{pk}"), ok(patch=200), view=VIEW, writes=True, api=True,
        payload=_activity_json),
    "dangjian_service_api_cancel_activity": Access(
        ("POST",), MANAGE, _activity(lambda pk: f"{API}/activities/{pk}/cancel"), ok(post=200), view=VIEW, writes=True, api=True,
        payload=lambda case: {"reason": "台风预警"}),
    # A member signs themself up through the same call; staff sign up anyone (here a volunteer).
    "dangjian_service_api_sign_up": Access(
        ("POST",), MANAGE, _activity(lambda pk: f"{API}/activities/{pk}/signups"), ok(post=201), writes=True, view=VIEW,
        api=True, payload=lambda case: {"volunteer": _volunteer_of(case)}),
    "dangjian_service_api_withdraw": Access(
        ("POST",), MANAGE, _signed_up(lambda pk: f"{API}/activities/{pk}/withdrawals"), ok(post=200), writes=True, view=VIEW,
        api=True, payload=_signed_up_volunteer),
    "dangjian_service_api_record_roll": Access(
        ("POST",), MANAGE, _happening(lambda pk: f"{API}/activities/{pk}/roll"), ok(post=201), view=VIEW, writes=True, api=True,
        payload=lambda case: {"members": [_member_in(case)], "volunteers": [_volunteer_of(case)]}),
    "dangjian_service_api_remove_check_in": Access(
        ("POST",), MANAGE, _checked_in(lambda pk, row: f"{API}/activities/{pk}/check-ins/{row}/remove"), ok(post=200),
        view=VIEW, writes=True, api=True, payload=lambda case: {"reason": "误勾选"}),
    "dangjian_service_api_check_in": Access(
        ("POST",), AUTHENTICATED, _own(lambda case: f"{API}/check-in"), ok(post=201), writes=True, api=True,
        payload=lambda case: {"token": _token(case)}),
    "dangjian_service_api_statistics": Access(("GET",), VIEW, _of_community(f"{API}/statistics"), ok(get=200),
                                              view=VIEW, api=True),
    "dangjian_service_api_own_service": Access(("GET",), AUTHENTICATED, _own(lambda case: f"{API}/me"), ok(get=200),
                                               api=True),
}

"""The request services, action by action: who may make each change and who may not, what a
refused change leaves (nothing), the audit line of each success, deadlines, duplicates,
assignment, two changes at once, the sweep, receptions, visits, representatives and their rota,
categories, reply templates and Open311 keys. Runs on SQLite and PostgreSQL."""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core.calendar import UnpublishedYear, WorkingDays
from dangjian.core.models import AuditAction, AuditEvent, CalendarDay, Notification
from dangjian.members.services import residence
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Building
from dangjian.requests import rules, selectors, services, tally
from dangjian.requests.models import (
    Category,
    Open311Key,
    Reception,
    ReceptionDuty,
    ReplyTemplate,
    Request,
    RequestTally,
    RequestUpdate,
    ResolutionDays,
    Source,
    Tracking,
    Visit,
)
from dangjian.service import services as service_services
from tests import factories
from tests.concurrency import at_once, postgresql_only
from tests.service import factories as service_factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CALENDAR = WorkingDays()


@dataclass
class People:
    clerk: object  # staff of the place: the grid branch's clerk
    community: object
    street: object
    city: object
    outsider: object  # staff of street B
    viewer: object  # sees the grid's requests, may not handle them
    member_user: object
    member: object  # a member of the grid with an account, assigned requests in these tests
    stranger_user: object
    stranger: object  # another member of the grid with an account


@pytest.fixture
def people(tree, make_user) -> People:
    member_user, stranger_user = make_user(), make_user()
    return People(
        clerk=make_user(Role.CLERK, tree.grid_a), community=make_user(Role.CLERK, tree.community_a),
        street=make_user(Role.CLERK, tree.street_a), city=make_user(Role.ORG_ADMIN, tree.city),
        outsider=make_user(Role.CLERK, tree.street_b), viewer=make_user(Role.VIEWER, tree.grid_a),
        member_user=member_user, member=factories.make_member(tree.grid_a, name="王五", account=member_user),
        stranger_user=stranger_user, stranger=factories.make_member(tree.grid_a, name="赵六", account=stranger_user))


def snapshot(request: Request | None = None) -> dict:
    """Everything a request change may write."""
    return {
        "request": Request.objects.filter(pk=request.pk).values().get() if request else None,
        "requests": Request.objects.count(),
        "updates": RequestUpdate.objects.count(),
        "audit": AuditEvent.objects.count(),
        "tally": list(RequestTally.objects.order_by("pk").values()),
        "days": list(ResolutionDays.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        "trackings": list(Tracking.objects.order_by("pk").values_list("pk", "request_id")),
        "receptions": Reception.objects.count(),
        "visits": Visit.objects.count(),
    }


def refused(make, field: str | None = None, *, request: Request | None = None, error=ValidationError) -> str:
    """``make()`` is refused with ``error`` (naming ``field``) and changes nothing; the message."""
    before = snapshot(request)
    with pytest.raises(error) as raised:
        make()
    assert snapshot(request) == before
    if field is None:
        return str(raised.value)
    assert field in raised.value.message_dict, raised.value.message_dict
    return " ".join(raised.value.message_dict[field])


def change(actor, request, action, **arguments) -> Request:
    return services.request_change(actor=actor, request=request, action=action, version=request.version, **arguments)


def filed(tree, **fields) -> tuple[Request, str]:
    return factories.make_request(tree.grid_a.grid, **fields)


def brought_to(state: str, tree, people, *, member: bool = False) -> tuple[Request, str]:
    """A request of grid A taken through the services to ``state`` (assigned to the member when
    ``member``, else to the building group)."""
    request, code = filed(tree)
    clerk = people.clerk
    assignee = {"member": people.member} if member else {"organization": tree.building_a}
    steps = {
        "received": [],
        "accepted": ["accept"],
        "assigned": ["accept", "assign"],
        "in_progress": ["accept", "assign", "start"],
        "resolved": ["accept", "assign", "start", "resolve"],
        "confirmed": ["accept", "resolve", ("confirm",)],
        "reopened": ["accept", "resolve", ("reopen",)],
        "closed": ["accept", "resolve", "sweep"],
        "duplicate": ["duplicate"],
        "referred": ["refer"],
        "withdrawn": ["withdraw"],
    }[state]
    for step in steps:
        if step == "sweep":
            services.sweep(today=CALENDAR.add(timezone.localdate(), 10))
        elif isinstance(step, tuple):
            services.resident_answer(code=code, action=step[0], comment="还是坏的")
        else:
            arguments = {"assign": assignee, "resolve": {"public_note": "已修好。"}, "refer": {"referred_to": "供电局"},
                         "duplicate": {"original": filed(tree)[0]}}.get(step, {})
            request = change(clerk, request, step, **arguments)
    request.refresh_from_db()
    assert request.state == state
    return request, code


def last_audit(request: Request) -> AuditEvent:
    return AuditEvent.objects.filter(object_type="requests.request", object_id=str(request.pk)).order_by("-pk").first()


# --- who may make each change -------------------------------------------------------------------

# The action, the state it is made from, and what it needs besides.
ACTIONS = {
    "accept": ("received", {}),
    "assign": ("accepted", {"organization": "building"}),
    "start": ("assigned", {}),
    "resolve": ("in_progress", {"public_note": "灯泡已更换。"}),
    "duplicate": ("received", {"original": "another"}),
    "refer": ("accepted", {"referred_to": "区供电局"}),
    "withdraw": ("assigned", {}),
    "note": ("resolved", {"internal_note": "已电话回访。"}),
}


def arguments_for(action: str, tree) -> dict:
    arguments = dict(ACTIONS[action][1])
    if arguments.get("organization") == "building":
        arguments["organization"] = tree.building_a
    if arguments.get("original") == "another":
        arguments["original"] = filed(tree)[0]
    return arguments


@pytest.mark.parametrize("action", ACTIONS)
def test_staff_of_the_place_make_every_change_with_its_audit_line(tree, people, action):
    request, _code = brought_to(ACTIONS[action][0], tree, people)
    arguments = arguments_for(action, tree)
    previous, version = request.state, request.version
    changed = change(people.clerk, request, action, **arguments)
    changed.refresh_from_db()
    assert changed.state == rules.target_of(previous, action) and changed.version == version + 1
    update = changed.updates.order_by("-pk").first()
    assert (update.action, update.from_state, update.to_state, update.actor, update.actor_kind) == (
        action, previous, changed.state, people.clerk, "staff")
    event = last_audit(changed)
    assert event.action == AuditAction.UPDATE and event.actor == people.clerk and event.org_path == tree.grid_a.path
    assert event.changes["request"]["action"] == action
    assert event.changes["request"]["state"] == [previous, changed.state] and event.changes["request"]["by"] == "staff"
    if changed.state in rules.FINAL:
        assert changed.closed_at is not None
    if action == "note":
        assert update.internal_note == "已电话回访。" and changed.public_note == "已修好。"
    if action == "refer":
        assert changed.referred_to == "区供电局"


@pytest.mark.parametrize("persona", ["outsider", "viewer", "stranger_user", "member_user"])
@pytest.mark.parametrize("action", [*ACTIONS, "confirm", "reopen", "close"])
def test_who_neither_handles_the_place_nor_is_assigned_may_not_change_it(tree, people, action, persona):
    state = ACTIONS[action][0] if action in ACTIONS else "resolved"
    request, _code = brought_to(state, tree, people)
    arguments = arguments_for(action, tree) if action in ACTIONS else {}
    refused(lambda: change(getattr(people, persona), request, action, **arguments), request=request,
            error=PermissionDenied)


def test_staff_of_street_b_do_not_even_see_it(tree, people):
    request, _code = filed(tree)
    with pytest.raises(Http404):
        selectors.request_for(people.outsider, request.pk)
    assert selectors.request_for(people.viewer, request.pk) == request


@pytest.mark.parametrize("action, allowed", [
    ("start", True), ("resolve", True), ("note", True),
    ("assign", False), ("duplicate", False), ("withdraw", False), ("accept", False), ("refer", False),
])
def test_the_assigned_member_works_on_it_but_does_not_handle_it(tree, people, action, allowed):
    request, _code = brought_to("assigned", tree, people, member=True)
    assert selectors.request_for(people.member_user, request.pk) == request
    arguments = arguments_for(action, tree)
    if allowed:
        changed = change(people.member_user, request, action, **arguments)
        assert changed.updates.order_by("-pk").first().actor_kind == "assignee"
        assert last_audit(changed).changes["request"]["by"] == "assignee"
        return
    message = refused(lambda: change(people.member_user, request, action, **arguments), "action", request=request)
    assert "Assigned member cannot take the action" in message or "cannot be changed by" in message


def test_the_assigned_member_may_not_be_the_one_after_reassignment(tree, people):
    request, _code = brought_to("assigned", tree, people, member=True)
    request = change(people.clerk, request, "assign", organization=tree.building_a)
    assert request.assigned_member is None
    refused(lambda: change(people.member_user, request, "start"), request=request, error=PermissionDenied)
    with pytest.raises(Http404):
        selectors.request_for(people.member_user, request.pk)


@pytest.mark.parametrize("action", ["confirm", "reopen", "close"])
def test_staff_do_not_answer_for_the_resident_or_the_platform(tree, people, action):
    request, _code = brought_to("resolved", tree, people)
    message = refused(lambda: change(people.clerk, request, action), "action", request=request)
    assert "Staff cannot take the action" in message


@pytest.mark.parametrize("state", ["confirmed", "duplicate", "referred", "withdrawn"])
def test_nothing_changes_a_final_request(tree, people, state):
    request, _code = brought_to(state, tree, people)
    message = refused(lambda: change(people.clerk, request, "note", internal_note="x"), "action", request=request)
    assert "cannot be changed by" in message


def test_an_unknown_action_is_named(tree, people):
    request, _code = filed(tree)
    assert "destroy" in refused(lambda: change(people.clerk, request, "destroy"), "action", request=request)


# --- refused with the field named ---------------------------------------------------------------

@pytest.mark.parametrize("state, action, arguments, field, message", [
    ("in_progress", "resolve", {}, "public_note", "Tell the resident what was done."),
    ("in_progress", "resolve", {"public_note": "   "}, "public_note", "Tell the resident what was done."),
    ("accepted", "refer", {}, "referred_to", "Say where the request was referred to."),
    ("accepted", "note", {}, "public_note", "Write a note."),
    ("accepted", "duplicate", {}, "original", "Give the number of the request this one repeats."),
    ("accepted", "assign", {}, "organization", "Assign to one organisation, one member or one service team."),
    ("accepted", "assign", {"organization": "building", "member": "member"}, "organization", "one organisation,"),
    ("accepted", "assign", {"organization": "street_b"}, "organization", "Choose a live organisation within your own."),
    ("accepted", "assign", {"organization": "community_a"}, "organization", "within your own"),
    ("accepted", "assign", {"member": "left"}, "member", "Choose a current member within your organisation."),
    ("accepted", "assign", {"member": "outside"}, "member", "Choose a current member within your organisation."),
])
def test_a_change_missing_what_it_needs_is_refused_by_name(tree, people, state, action, arguments, field, message):
    request, _code = brought_to(state, tree, people)
    objects = {"building": tree.building_a, "street_b": tree.street_b, "community_a": tree.community_a,
               "member": people.member,
               "left": factories.make_member(tree.grid_a, name="钱七", left_on=dt.date(2025, 1, 1)),
               "outside": factories.make_member(tree.grid_b, name="孙八")}
    arguments = {key: objects.get(value, value) if key in ("organization", "member") else value
                 for key, value in arguments.items()}
    assert message in refused(lambda: change(people.clerk, request, action, **arguments), field, request=request)


def test_a_dissolved_organisation_takes_no_assignment(tree, people):
    request, _code = brought_to("accepted", tree, people)
    org_services.organization_dissolve(actor=None, organization=tree.building_a, reason="合并")
    tree.building_a.refresh_from_db()
    refused(lambda: change(people.clerk, request, "assign", organization=tree.building_a), "organization",
            request=request)


def test_a_change_on_an_old_version_is_refused(tree, people):
    request, _code = filed(tree)
    seen = request.version
    services.request_change(actor=people.clerk, request=request, action="note", internal_note="一", version=seen)
    request.refresh_from_db()
    assert "Reload it" in refused(lambda: services.request_change(
        actor=people.clerk, request=request, action="accept", version=seen), "version", request=request)


# --- deadlines ----------------------------------------------------------------------------------

def test_accepting_starts_the_deadline_in_working_days(tree, people, settings):
    settings.DANGJIAN_REQUEST_YELLOW_PERCENT = 30
    category = factories.make_category(code="LIGHT", time_limit_days=10)
    request, _code = filed(tree, category=category)
    assert (request.due_on, request.warn_on, request.accepted_on) == (None, None, None)
    today = timezone.localdate()
    request = change(people.clerk, request, "accept", public=True)
    request.refresh_from_db()
    expected = rules.deadline(today, 10, Fraction(3, 10), CALENDAR)
    assert (request.accepted_on, request.due_on, request.warn_on) == (today, expected.due_on, expected.warn_on)
    assert CALENDAR.count(today + dt.timedelta(days=1), request.due_on) == 10
    # 30% of 10 working days: the last 3 show yellow.
    assert CALENDAR.count(request.warn_on, request.due_on) == 3
    # The resident did not agree to publish; staff cannot agree for them.
    assert request.public is False


def test_staff_may_take_back_the_residents_consent_to_publish(tree, people):
    request, _code = filed(tree, public=True)
    request = change(people.clerk, request, "accept", public=False)
    request.refresh_from_db()
    assert request.public is False


def test_a_deadline_counts_the_days_an_admin_entered(tree, people):
    category = factories.make_category(code="LIGHT", time_limit_days=1)
    request, _code = filed(tree, category=category)
    today = timezone.localdate()
    next_working = CALENDAR.add(today, 1)
    CalendarDay.objects.create(day=next_working, working=False, name="本地假日")
    request = change(people.clerk, request, "accept")
    assert request.due_on == CALENDAR.add(next_working, 1)


def first_unpublished_year() -> int:
    year = timezone.localdate().year
    while True:
        try:
            CALENDAR.is_working_day(dt.date(year, 6, 1))
        except UnpublishedYear:
            return year
        year += 1


def test_a_deadline_running_into_a_year_not_in_the_calendar_is_refused_by_name(tree, people):
    CalendarDay.objects.all().delete()  # the year tests/requests/conftest.py entered is this test's point
    today = timezone.localdate()
    limit = CALENDAR.count(today + dt.timedelta(days=1), dt.date(first_unpublished_year() - 1, 12, 31)) + 1
    if limit > 365:
        pytest.skip("the published calendar reaches further than any time limit")
    category = factories.make_category(code="LONG", time_limit_days=limit)
    request, _code = filed(tree, category=category)
    message = refused(lambda: change(people.clerk, request, "accept"), "action", request=request)
    assert str(first_unpublished_year()) in message


def test_reopening_renews_the_deadline_and_clears_the_escalation(tree, people):
    request, code = brought_to("resolved", tree, people)
    Request.objects.filter(pk=request.pk).update(due_on=dt.date(2026, 1, 5), warn_on=dt.date(2026, 1, 2),
                                                 escalation_level=1, escalated_to=tree.community_a)
    before = snapshot(request)
    reopened = services.resident_answer(code=code, action="reopen", comment="  还是不亮  ")
    reopened.refresh_from_db()
    expected = rules.deadline(timezone.localdate(), reopened.category.time_limit_days, Fraction(1, 4), CALENDAR)
    assert (reopened.state, reopened.due_on, reopened.warn_on) == ("reopened", expected.due_on, expected.warn_on)
    assert (reopened.escalation_level, reopened.escalated_to, reopened.reopen_count) == (0, None, 1)
    update = reopened.updates.order_by("-pk").first()
    assert (update.actor, update.actor_kind, update.internal_note) == (None, "resident", "还是不亮")
    assert AuditEvent.objects.count() == before["audit"] + 1
    assert last_audit(reopened).changes["request"] == {"action": "reopen", "state": ["resolved", "reopened"],
                                                       "by": "resident"}


# --- the resident -------------------------------------------------------------------------------

@pytest.mark.parametrize("state, action, arguments, target", [
    ("resolved", "confirm", {"satisfaction": 4}, "confirmed"),
    ("resolved", "confirm", {}, "confirmed"),
    ("resolved", "reopen", {"comment": "还是坏的"}, "reopened"),
    ("closed", "reopen", {"comment": "还是坏的"}, "reopened"),
    ("received", "withdraw", {}, "withdrawn"),
    ("accepted", "withdraw", {}, "withdrawn"),
    ("assigned", "withdraw", {}, "withdrawn"),
    ("in_progress", "withdraw", {}, "withdrawn"),
    ("reopened", "withdraw", {}, "withdrawn"),
])
def test_the_resident_answers_by_code(tree, people, state, action, arguments, target):
    request, code = brought_to(state, tree, people)
    typed = rules.format_tracking_code(code).lower().replace("-", " ")
    answered = services.resident_answer(code=typed, action=action, **arguments)
    answered.refresh_from_db()
    assert answered.state == target and answered.version == request.version + 1
    assert answered.satisfaction == arguments.get("satisfaction")
    assert (answered.closed_at is None) is (target == "reopened")
    event = last_audit(answered)
    assert event.actor is None and event.changes["request"]["by"] == "resident"
    assert event.changes["request"]["state"] == [state, target]


@pytest.mark.parametrize("state, action", [
    ("received", "confirm"), ("received", "reopen"), ("resolved", "withdraw"), ("confirmed", "reopen"),
    ("withdrawn", "withdraw"), ("resolved", "accept"), ("resolved", "close"), ("resolved", "note"),
    ("resolved", "destroy"),
])
def test_the_resident_may_not_answer_out_of_turn(tree, people, state, action):
    request, code = brought_to(state, tree, people)
    refused(lambda: services.resident_answer(code=code, action=action, comment="x"), "action", request=request)


@pytest.mark.parametrize("code", ["", "ABCD-EFGH-JKMN", "not a code", "2222-2222-222"])
def test_a_wrong_code_finds_nothing(tree, people, code):
    request, _right = brought_to("resolved", tree, people)
    message = refused(lambda: services.resident_answer(code=code, action="confirm"), "code", request=request)
    assert "No request has this tracking code" in message


@pytest.mark.parametrize("action, arguments, field", [
    ("confirm", {"satisfaction": 0}, "satisfaction"),
    ("confirm", {"satisfaction": 6}, "satisfaction"),
    ("reopen", {}, "comment"),
    ("reopen", {"comment": "  "}, "comment"),
])
def test_the_resident_answer_needs_its_details(tree, people, action, arguments, field):
    request, code = brought_to("resolved", tree, people)
    refused(lambda: services.resident_answer(code=code, action=action, **arguments), field, request=request)


# --- duplicates ---------------------------------------------------------------------------------

def test_the_original_takes_over_the_duplicates_followers(tree, people):
    original, original_code = filed(tree)
    repeat, repeat_code = filed(tree)
    change(people.clerk, repeat, "duplicate", original=original)
    repeat.refresh_from_db()
    assert (repeat.state, repeat.duplicate_of) == ("duplicate", original)
    assert selectors.by_tracking_code(repeat_code)[0] == original
    assert selectors.by_tracking_code(repeat_code)[1].filed == repeat
    assert last_audit(repeat).changes["request"]["original"] == original.pk
    # The duplicate's follower now answers for the original.
    original = change(people.clerk, original, "accept")
    change(people.clerk, original, "resolve", public_note="已处理")
    assert services.resident_answer(code=repeat_code, action="confirm", satisfaction=5).pk == original.pk
    original.refresh_from_db()
    assert original.state == "confirmed"
    assert selectors.by_tracking_code(original_code)[0] == original


def test_a_chain_of_duplicates_ends_at_the_one_handled(tree, people):
    handled, _ = filed(tree)
    first, first_code = filed(tree)
    change(people.clerk, first, "duplicate", original=handled)
    first.refresh_from_db()
    second, second_code = filed(tree)
    change(people.clerk, second, "duplicate", original=first)
    second.refresh_from_db()
    assert second.duplicate_of == handled
    assert {selectors.by_tracking_code(code)[0] for code in (first_code, second_code)} == {handled}


def test_a_request_cannot_duplicate_itself(tree, people):
    request, _code = filed(tree)
    assert "not this one" in refused(lambda: change(people.clerk, request, "duplicate", original=request), "original",
                                     request=request)


def test_a_request_cannot_duplicate_one_that_repeats_it(tree, people):
    request, _code = filed(tree)
    repeat, _ = filed(tree)
    change(people.clerk, repeat, "duplicate", original=request)
    repeat.refresh_from_db()
    refused(lambda: change(people.clerk, request, "duplicate", original=repeat), "original", request=request)


def test_the_original_must_be_one_the_actor_handles(tree, people):
    request, _code = filed(tree)
    elsewhere, _ = factories.make_request(tree.grid_b.grid)
    refused(lambda: change(people.clerk, request, "duplicate", original=elsewhere), "original", request=request)


def test_duplicates_moved_onto_a_request_move_on_with_it(tree, people):
    final, _ = filed(tree)
    middle, _ = filed(tree)
    first, first_code = filed(tree)
    change(people.clerk, first, "duplicate", original=middle)
    middle.refresh_from_db()
    change(people.clerk, middle, "duplicate", original=final)
    assert selectors.by_tracking_code(first_code)[0] == final
    assert Tracking.objects.filter(request=final).count() == 3


# --- assignment ---------------------------------------------------------------------------------

def test_assigning_to_an_organisation_shows_it_to_its_staff_and_tells_them(tree, make_user, people):
    building_clerk = make_user(Role.CLERK, tree.building_a)
    building_viewer = make_user(Role.VIEWER, tree.building_a)
    request, _code = brought_to("accepted", tree, people)
    with pytest.raises(Http404):
        selectors.request_for(building_clerk, request.pk)
    assert Notification.objects.count() == 0
    change(people.clerk, request, "assign", organization=tree.building_a)
    request.refresh_from_db()
    assert (request.assigned_org, request.assigned_path, request.assigned_member) == (
        tree.building_a, tree.building_a.path, None)
    assert selectors.request_for(building_clerk, request.pk) == request
    assert selectors.request_for(building_viewer, request.pk) == request
    notice = Notification.objects.get()
    assert notice.recipient == building_clerk and f"#{request.pk}" in notice.message
    assert notice.url == f"/requests/{request.pk}/"
    assert last_audit(request).changes["request"]["organization"] == tree.building_a.code
    # The building's staff now work on it as staff.
    request = change(building_clerk, request, "start")
    assert request.updates.order_by("-pk").first().actor_kind == "staff"


def test_assigning_to_a_member_tells_the_member(tree, people):
    request, _code = brought_to("accepted", tree, people)
    change(people.clerk, request, "assign", member=people.member)
    request.refresh_from_db()
    assert (request.assigned_member, request.assigned_org, request.assigned_path) == (people.member, None, "")
    notice = Notification.objects.get()
    assert notice.recipient == people.member_user and "assigned to you" in notice.message
    assert last_audit(request).changes["request"]["member"] == people.member.pk
    assert list(selectors.assigned_to_member(people.member)) == [request]


def test_a_member_without_an_account_is_assigned_without_a_notice(tree, people):
    request, _code = brought_to("accepted", tree, people)
    member = factories.make_member(tree.grid_a, name="周九")
    change(people.clerk, request, "assign", member=member)
    assert not Notification.objects.exists()


@dataclass
class Team:
    team: object
    leader_user: object
    helper_user: object  # a member of the team, not its leader
    helper: object


@pytest.fixture
def team(tree, people) -> Team:
    """A service team of grid A led by people.member, with people.stranger in it too."""
    made = service_factories.make_team(tree.grid_a)
    for person in (people.member, people.stranger):
        service_services.team_add_person(actor=None, team=made, member=person)
    service_services.team_appoint_leader(actor=None, team=made, member=people.member)
    made.refresh_from_db()
    return Team(team=made, leader_user=people.member_user, helper_user=people.stranger_user, helper=people.stranger)


def test_assigning_to_a_service_team_tells_its_leader_and_its_members_work_on_it(tree, people, team):
    request, _code = brought_to("accepted", tree, people)
    with pytest.raises(Http404):
        selectors.request_for(team.helper_user, request.pk)
    change(people.clerk, request, "assign", team=team.team)
    request.refresh_from_db()
    assert (request.assigned_team, request.assigned_org, request.assigned_member, request.assigned_path) == (
        team.team, None, None, tree.grid_a.path)
    notice = Notification.objects.get()
    assert notice.recipient == team.leader_user and team.team.name in notice.message
    assert notice.url == f"/requests/{request.pk}/"
    assert last_audit(request).changes["request"]["team"] == team.team.pk
    for user in (team.leader_user, team.helper_user):
        assert selectors.request_for(user, request.pk) == request
        assert selectors.actor_kinds(user, request) == {"assignee"}
    assert list(selectors.assigned_to_member(team.helper)) == [request]
    request = change(team.helper_user, request, "start")
    assert request.updates.order_by("-pk").first().actor_kind == "assignee"
    request = change(team.leader_user, request, "resolve", public_note="已清理。")
    assert request.state == "resolved"


@pytest.mark.parametrize("action, allowed", [
    ("start", True), ("resolve", True), ("note", True),
    ("assign", False), ("duplicate", False), ("withdraw", False), ("accept", False), ("refer", False),
])
def test_a_team_member_works_on_it_but_does_not_handle_it(tree, people, team, action, allowed):
    request, _code = brought_to("accepted", tree, people)
    request = change(people.clerk, request, "assign", team=team.team)
    arguments = arguments_for(action, tree)
    if allowed:
        assert change(team.helper_user, request, action, **arguments).updates.order_by("-pk").first().actor_kind \
            == "assignee"
        return
    refused(lambda: change(team.helper_user, request, action, **arguments), "action", request=request)


def test_who_left_the_team_or_never_was_in_it_neither_sees_nor_works_on_its_request(tree, people, team, make_user):
    request, _code = brought_to("accepted", tree, people)
    request = change(people.clerk, request, "assign", team=team.team)
    outsider_user = make_user()
    factories.make_member(tree.grid_a, name="吴十", account=outsider_user)
    membership = team.team.memberships.get(member=team.helper)
    service_services.team_remove_person(actor=None, membership=membership)
    for user in (outsider_user, team.helper_user):
        with pytest.raises(Http404):
            selectors.request_for(user, request.pk)
        refused(lambda user=user: change(user, request, "start"), request=request, error=PermissionDenied)
    assert list(selectors.assigned_to_member(team.helper)) == []


def test_reassigning_away_from_a_team_takes_it_from_the_team(tree, people, team):
    request, _code = brought_to("accepted", tree, people)
    request = change(people.clerk, request, "assign", team=team.team)
    request = change(people.clerk, request, "assign", organization=tree.building_a)
    assert (request.assigned_team, request.assigned_org) == (None, tree.building_a)
    with pytest.raises(Http404):
        selectors.request_for(team.helper_user, request.pk)


@pytest.mark.parametrize("case", ["disbanded", "other_street", "with_a_member"])
def test_a_team_that_cannot_take_the_request_is_refused_by_name(tree, people, team, case):
    request, _code = brought_to("accepted", tree, people)
    chosen, field, arguments = team.team, "team", {}
    if case == "disbanded":
        service_services.team_disband(actor=None, team=chosen)
        chosen.refresh_from_db()
    elif case == "other_street":
        chosen = service_factories.make_team(tree.grid_b, name="别的街道服务队")
    else:
        field, arguments = "organization", {"member": people.member}
    message = refused(lambda: change(people.clerk, request, "assign", team=chosen, **arguments), field,
                      request=request)
    assert ("active service team" in message) if field == "team" else ("one service team" in message)


def test_the_team_to_assign_is_found_within_the_handlers_scope_and_offered_from_the_community(tree, people, team):
    elsewhere = service_factories.make_team(tree.grid_b, name="别的街道服务队")
    community_team = service_factories.make_team(tree.community_a, name="社区服务队")
    assert selectors.assignable_team(people.clerk, team.team.pk) == team.team
    assert selectors.assignable_team(people.clerk, None) is None
    for number in (elsewhere.pk, community_team.pk, 999_999):
        with pytest.raises(ValidationError) as raised:
            selectors.assignable_team(people.clerk, number)
        assert "team" in raised.value.message_dict
    request, _code = filed(tree)
    community = selectors.community_of(request)
    assert community == tree.community_a
    assert list(selectors.teams_to_assign(people.community, request, community)) == [community_team, team.team]
    assert list(selectors.teams_to_assign(people.clerk, request, community)) == [team.team]
    service_services.team_disband(actor=None, team=community_team)
    assert list(selectors.teams_to_assign(people.community, request, community)) == [team.team]


# --- two changes at once ------------------------------------------------------------------------

@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_of_two_changes_made_at_once_on_one_version_exactly_one_wins(tree, make_user):
    clerk, secretary = make_user(Role.CLERK, tree.grid_a), make_user(Role.SECRETARY, tree.grid_a)
    for _round in range(5):
        request, _code = factories.make_request(tree.grid_a.grid)
        results = at_once(
            lambda request=request: services.request_change(actor=clerk, request=request, action="accept",
                                                            version=request.version),
            lambda request=request: services.request_change(actor=secretary, request=request, action="refer",
                                                            version=request.version, referred_to="区城管局"))
        winners = [result for result in results if isinstance(result, Request)]
        losers = [result for result in results if isinstance(result, ValidationError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert "version" in losers[0].message_dict
        request.refresh_from_db()
        assert request.state == winners[0].state and request.version == 2
        assert request.updates.count() == 2  # filed, and the one change that won


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_notes_made_at_once_without_a_version_both_land(tree, make_user):
    clerk, secretary = make_user(Role.CLERK, tree.grid_a), make_user(Role.SECRETARY, tree.grid_a)
    request, _code = factories.make_request(tree.grid_a.grid)
    results = at_once(
        lambda: services.request_change(actor=clerk, request=request, action="note", internal_note="一"),
        lambda: services.request_change(actor=secretary, request=request, action="note", internal_note="二"))
    assert all(isinstance(result, Request) for result in results), results
    request.refresh_from_db()
    assert request.version == 3 and request.updates.filter(action="note").count() == 2


# --- the sweep ----------------------------------------------------------------------------------

def overdue_request(tree, people, limit: int = 2) -> Request:
    category = factories.make_category(code=f"L{limit}", time_limit_days=limit)
    request, _code = filed(tree, category=category)
    return change(people.clerk, request, "accept")


def notified(user) -> int:
    return Notification.objects.filter(recipient=user).count()


def test_an_overdue_request_rises_to_the_community_then_to_the_street(tree, make_user, people):
    community_viewer = make_user(Role.VIEWER, tree.community_a)
    request = overdue_request(tree, people)
    waiting, _code = filed(tree)  # received, not accepted: no deadline yet
    due = request.due_on
    before = snapshot(request)
    assert services.sweep(today=due) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert snapshot(request) == before

    day_after = due + dt.timedelta(days=1)
    assert services.sweep(today=day_after) == {"escalated": 1, "closed": 0, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert (request.escalation_level, request.escalated_to, request.state) == (1, tree.community_a, "accepted")
    assert (notified(people.community), notified(people.street), notified(people.city)) == (1, 0, 0)
    assert notified(people.clerk) == notified(community_viewer) == 0
    update = request.updates.order_by("-pk").first()
    assert (update.action, update.actor_kind, update.data) == ("escalate", "system", {
        "level": 1, "to": tree.community_a.code})
    assert last_audit(request).changes["request"]["state"] == ["accepted", "accepted"]
    assert list(selectors.lists(people.community, tree.community_a, today=day_after)["escalated"]) == [request]
    assert list(selectors.lists(people.community, tree.community_a, today=day_after)["overdue"]) == [request]

    once = snapshot(request)
    assert services.sweep(today=day_after) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert snapshot(request) == once

    second_boundary = CALENDAR.add(due, request.category.time_limit_days)
    assert services.sweep(today=second_boundary) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert services.sweep(today=second_boundary + dt.timedelta(days=1)) == {"escalated": 1, "closed": 0, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert (request.escalation_level, request.escalated_to) == (2, tree.street_a)
    assert (notified(people.community), notified(people.street), notified(people.city)) == (1, 1, 0)
    assert services.sweep(today=second_boundary + dt.timedelta(days=10)) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert request.escalation_level == 2
    waiting.refresh_from_db()
    assert waiting.escalation_level == 0
    figures = tally.figures(tree.city, timezone.localdate(), timezone.localdate())
    assert figures["escalated"] == 2


def test_a_request_found_late_rises_straight_to_its_level(tree, people):
    request = overdue_request(tree, people)
    late = CALENDAR.add(request.due_on, request.category.time_limit_days) + dt.timedelta(days=1)
    assert services.sweep(today=late) == {"escalated": 1, "closed": 0, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert (request.escalation_level, request.escalated_to) == (2, tree.street_a)
    assert (notified(people.community), notified(people.street)) == (0, 1)


def test_a_place_answered_by_its_community_rises_to_the_street(tree, people, make_user):
    grid = factories.make_grid(tree.community_a, "东风社区第二网格", "G-A2")  # no branch of its own
    category = factories.make_category(code="L2", time_limit_days=2)
    request, _code = factories.make_request(grid, category=category)
    assert request.organization == tree.community_a
    request = change(people.community, request, "accept")
    late = CALENDAR.add(request.due_on, 2) + dt.timedelta(days=1)
    assert services.sweep(today=late) == {"escalated": 1, "closed": 0, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert (request.escalation_level, request.escalated_to) == (1, tree.street_a)
    assert services.sweep(today=late + dt.timedelta(days=10)) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}


def test_resolved_and_final_requests_do_not_rise(tree, people):
    resolved, _ = brought_to("resolved", tree, people)
    withdrawn = overdue_request(tree, people)
    withdrawn = change(people.clerk, withdrawn, "withdraw")
    late = CALENDAR.add(timezone.localdate(), 3)
    before = snapshot()
    assert services.sweep(today=late)["escalated"] == 0
    assert snapshot()["notifications"] == before["notifications"]
    for request in (resolved, withdrawn):
        request.refresh_from_db()
        assert request.escalation_level == 0


def test_a_resolved_request_closes_after_the_waiting_days(tree, people, settings):
    settings.DANGJIAN_REQUEST_CONFIRM_DAYS = 3
    request, code = brought_to("resolved", tree, people)
    resolved_on = timezone.localdate()
    last_day_to_answer = CALENDAR.add(resolved_on, 3)
    before = snapshot(request)
    assert services.sweep(today=last_day_to_answer) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert snapshot(request) == before
    assert services.sweep(today=CALENDAR.add(resolved_on, 4)) == {"escalated": 0, "closed": 1, "uncounted": 0, "missing_years": []}
    request.refresh_from_db()
    assert request.state == "closed" and request.closed_at is not None
    update = request.updates.order_by("-pk").first()
    assert (update.action, update.actor_kind, update.from_state, update.to_state) == (
        "close", "system", "resolved", "closed")
    once = snapshot(request)
    assert services.sweep(today=CALENDAR.add(resolved_on, 8)) == {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert snapshot(request) == once
    assert tally.figures(tree.grid_a, resolved_on, resolved_on)["closed_unanswered"] == 1
    # The resident may still say it is not fixed.
    assert services.resident_answer(code=code, action="reopen", comment="没修好").state == "reopened"


# --- receptions ---------------------------------------------------------------------------------

@pytest.fixture
def representative(tree, people, make_user):
    account = make_user()
    member = factories.make_member(tree.community_a, name="陈代表", account=account)
    appointed = services.representative_appoint(actor=people.community, member=member, organization=tree.community_a,
                                                title="区党代表", since=dt.date(2026, 1, 1))
    appointed.account = account
    return appointed


def problem(tree, **fields) -> dict:
    return {"category": fields.pop("category", None) or Category.objects.get_or_create(
        code="RC", defaults={"name": "接待", "time_limit_days": 5})[0], "grid": tree.grid_a.grid,
        "description": "小区门口路灯不亮。", "contact_name": "李阿姨", "phone": "13900139000", **fields}


@pytest.mark.parametrize("who", ["representative", "clerk_of_the_community", "street_clerk"])
def test_a_reception_is_logged_with_its_problems_as_requests(tree, people, representative, who):
    actor = {"representative": representative.account, "clerk_of_the_community": people.community,
             "street_clerk": people.street}[who]
    held_on = timezone.localdate() - dt.timedelta(days=1)
    reception, filed_ = services.reception_log(
        actor=actor, representative=representative, held_on=held_on, visitors=3, place="党群服务中心",
        problems=[problem(tree), problem(tree, description="楼道堆放杂物。", phone="")])
    assert (reception.visitors, reception.org_path, reception.logged_by) == (3, tree.community_a.path, actor)
    assert len(filed_) == 2
    for request, code in filed_:
        assert (request.source, request.reception, request.state, request.entered_by) == (
            Source.RECEPTION, reception, "received", actor)
        assert selectors.by_tracking_code(code)[0] == request
    assert AuditEvent.objects.filter(object_type="requests.reception", object_id=str(reception.pk)).exists()
    figures = tally.figures(tree.community_a, held_on, timezone.localdate())
    assert (figures["receptions"], figures["visitors"], figures["problems_collected"]) == (1, 3, 2)


@pytest.mark.parametrize("who", ["outsider", "viewer_of_the_community", "grid_clerk", "stranger"])
def test_someone_else_does_not_log_a_representatives_reception(tree, people, representative, make_user, who):
    actor = {"outsider": people.outsider, "viewer_of_the_community": make_user(Role.VIEWER, tree.community_a),
             "grid_clerk": people.clerk, "stranger": people.stranger_user}[who]
    refused(lambda: services.reception_log(actor=actor, representative=representative, held_on=timezone.localdate(),
                                           visitors=1, place="党群服务中心", problems=[problem(tree)]),
            error=PermissionDenied)


def test_a_representative_whose_term_ended_no_longer_logs_receptions_alone(tree, people, representative):
    services.representative_end(actor=people.community, representative=representative,
                                until=timezone.localdate() - dt.timedelta(days=1))
    representative.refresh_from_db()
    refused(lambda: services.reception_log(actor=representative.account, representative=representative,
                                           held_on=dt.date(2026, 2, 1), visitors=1, place="室"),
            error=PermissionDenied)
    reception, _ = services.reception_log(actor=people.community, representative=representative,
                                          held_on=dt.date(2026, 2, 1), visitors=1, place="室")
    assert reception.pk


def test_one_bad_problem_refuses_the_whole_reception(tree, people, representative):
    closed_category = factories.make_category(code="OLD", active=False)
    message = refused(lambda: services.reception_log(
        actor=representative.account, representative=representative, held_on=timezone.localdate(), visitors=5,
        place="党群服务中心", problems=[problem(tree), problem(tree, description="短"),
                                  problem(tree, phone="12345", category=closed_category)]), "problems[2].description")
    assert "5 to 2000 characters" in message
    with pytest.raises(ValidationError) as raised:
        services.reception_log(actor=representative.account, representative=representative,
                               held_on=timezone.localdate(), visitors=5, place="党群服务中心",
                               problems=[problem(tree), problem(tree, description="短"),
                                         problem(tree, phone="12345", category=closed_category)])
    assert set(raised.value.message_dict) == {"problems[2].description", "problems[3].phone", "problems[3].category"}


@pytest.mark.parametrize("arguments, field", [
    ({"visitors": 1, "problems": 2}, "visitors"),
    ({"visitors": -1}, "visitors"),
    ({"place": " "}, "place"),
    ({"held_on": "tomorrow"}, "held_on"),
    ({"held_on": dt.date(2025, 12, 31)}, "held_on"),
    ({"duty": "another's"}, "duty"),
])
def test_a_reception_with_a_wrong_detail_is_refused_by_name(tree, people, representative, arguments, field):
    other = services.representative_appoint(
        actor=people.community, member=factories.make_member(tree.community_a, name="林代表"),
        organization=tree.community_a, title="区党代表", since=dt.date(2026, 1, 1))
    others_duty = services.duty_add(actor=people.community, representative=other, place="室", weekday=1,
                                    starts_at=dt.time(9), ends_at=dt.time(11))
    values = {"visitors": 2, "place": "党群服务中心", "held_on": timezone.localdate(), "problems": 1} | arguments
    values["problems"] = [problem(tree) for _ in range(values["problems"])]
    if values["held_on"] == "tomorrow":
        values["held_on"] = timezone.localdate() + dt.timedelta(days=1)
    if values.get("duty") == "another's":
        values["duty"] = others_duty
    refused(lambda: services.reception_log(actor=people.community, representative=representative, **values), field)


def test_a_reception_takes_its_place_from_the_rota(tree, people, representative):
    duty = services.duty_add(actor=people.community, representative=representative, place="社区党代表工作室",
                             weekday=2, starts_at=dt.time(9), ends_at=dt.time(11, 30))
    reception, filed_ = services.reception_log(actor=representative.account, representative=representative,
                                               held_on=timezone.localdate(), visitors=0, duty=duty)
    assert (reception.place, reception.duty, filed_) == ("社区党代表工作室", duty, [])


# --- visits -------------------------------------------------------------------------------------

@pytest.fixture
def registered(tree, people):
    """The member, registered (and so confirmed) in grid A where they live."""
    residence.registration_register(actor=None, member=people.member, grid=tree.grid_a.grid)
    return people.member


@pytest.mark.parametrize("who", ["member_user", "community"])
def test_a_visit_is_logged_with_its_problems_as_requests(tree, people, registered, who):
    actor = getattr(people, who)
    visited_on = timezone.localdate()
    visit, filed_ = services.visit_log(actor=actor, member=registered, visited_on=visited_on, household="3栋502",
                                       problems=[{"category": factories.make_category(code="VS"),
                                                  "description": "水管漏水三天了。"}])
    assert (visit.member, visit.grid, visit.org_path, visit.logged_by) == (
        registered, tree.grid_a.grid, tree.grid_a.path, actor)
    ((request, code),) = filed_
    assert (request.source, request.visit, request.grid) == (Source.VISIT, visit, tree.grid_a.grid)
    assert selectors.by_tracking_code(code)[0] == request
    figures = tally.figures(tree.grid_a, visited_on, visited_on)
    assert (figures["visits"], figures["problems_collected"], figures["received"]) == (1, 1, 1)
    assert AuditEvent.objects.filter(object_type="requests.visit", object_id=str(visit.pk)).exists()


def test_a_visit_without_a_confirmed_registration_is_refused(tree, people):
    message = refused(lambda: services.visit_log(actor=people.member_user, member=people.member,
                                                 visited_on=timezone.localdate(), household="3栋502"), "member")
    assert "no confirmed residence registration" in message
    refused(lambda: services.visit_log(actor=people.community, member=people.member,
                                       visited_on=timezone.localdate(), household="3栋502"), "member")
    refused(lambda: services.visit_log(actor=people.outsider, member=people.member,
                                       visited_on=timezone.localdate(), household="3栋502"), error=PermissionDenied)


def test_a_registration_awaiting_confirmation_is_not_enough(tree, people, make_user):
    account = make_user()
    member = factories.make_member(tree.grid_b, name="外单位", account=account)
    registration = residence.registration_register(actor=None, member=member, grid=tree.grid_a.grid)
    assert registration.status == "pending"
    refused(lambda: services.visit_log(actor=account, member=member, visited_on=timezone.localdate(),
                                       household="3栋502"), "member")


@pytest.mark.parametrize("who", ["stranger_user", "outsider", "viewer", "clerk"])
def test_others_do_not_log_a_members_visit(tree, people, registered, who):
    refused(lambda: services.visit_log(actor=getattr(people, who), member=registered,
                                       visited_on=timezone.localdate(), household="3栋502"), error=PermissionDenied)


@pytest.mark.parametrize("arguments, field", [
    ({"household": " "}, "household"),
    ({"visited_on": "tomorrow"}, "visited_on"),
    ({"problems": [{"description": "漏水了漏水了"}]}, "problems[1].category"),
    ({"problems": [{"category": "ok", "description": "漏水"}]}, "problems[1].description"),
])
def test_a_visit_with_a_wrong_detail_is_refused_by_name(tree, people, registered, arguments, field):
    values = {"household": "3栋502", "visited_on": timezone.localdate()} | arguments
    if values["visited_on"] == "tomorrow":
        values["visited_on"] = timezone.localdate() + dt.timedelta(days=1)
    for item in values.get("problems", []):
        if item.get("category") == "ok":
            item["category"] = factories.make_category(code="VS")
    refused(lambda: services.visit_log(actor=people.member_user, member=registered, **values), field)


# --- representatives and their rota -------------------------------------------------------------

def test_a_representative_is_appointed_and_ends_the_term_with_the_rota(tree, people, representative):
    assert representative.org_path == tree.community_a.path and representative.until is None
    assert AuditEvent.objects.filter(object_type="requests.representative", action="create").count() == 1
    duty = services.duty_add(actor=people.community, representative=representative, place="室", weekday=0,
                             starts_at=dt.time(9), ends_at=dt.time(10))
    assert list(selectors.own_terms(representative.account)) == [representative]
    services.representative_end(actor=people.community, representative=representative, until=timezone.localdate())
    duty.refresh_from_db()
    assert duty.active is False and list(selectors.own_terms(representative.account)) == []
    refused(lambda: services.representative_end(actor=people.community, representative=representative,
                                                until=timezone.localdate()), "until")


@pytest.mark.parametrize("arguments, field", [
    ({"title": " "}, "title"),
    ({"since": "tomorrow"}, "since"),
    ({"member": "left"}, "member"),
    ({"member": "serving"}, "member"),
    ({"organization": "dissolved"}, "organization"),
])
def test_an_appointment_with_a_wrong_detail_is_refused_by_name(tree, people, representative, arguments, field):
    values = {"member": factories.make_member(tree.community_a, name="新代表"), "organization": tree.community_a,
              "title": "区党代表", "since": dt.date(2026, 1, 1)} | arguments
    if values["since"] == "tomorrow":
        values["since"] = timezone.localdate() + dt.timedelta(days=1)
    if values["member"] == "left":
        values["member"] = factories.make_member(tree.community_a, name="已离开", left_on=dt.date(2025, 1, 1))
    if values["member"] == "serving":
        values["member"] = representative.member
    if values["organization"] == "dissolved":
        values["organization"] = factories.make_org(tree.community_a, "撤销的网格", "grid", "branch")
        org_services.organization_dissolve(actor=None, organization=values["organization"], reason="撤销")
        values["organization"].refresh_from_db()
    refused(lambda: services.representative_appoint(actor=people.community, **values), field)


def test_only_staff_over_the_place_appoint_end_and_keep_the_rota(tree, people, representative):
    member = factories.make_member(tree.community_a, name="新代表")
    for actor in (people.outsider, people.viewer, people.clerk, representative.account):
        refused(lambda actor=actor: services.representative_appoint(
            actor=actor, member=member, organization=tree.community_a, title="区党代表", since=dt.date(2026, 1, 1)),
            error=PermissionDenied)
        refused(lambda actor=actor: services.duty_add(actor=actor, representative=representative, place="室",
                                                      weekday=0, starts_at=dt.time(9), ends_at=dt.time(10)),
                error=PermissionDenied)
        refused(lambda actor=actor: services.representative_end(actor=actor, representative=representative,
                                                                until=timezone.localdate()), error=PermissionDenied)
    duty = services.duty_add(actor=people.street, representative=representative, place="室", weekday=0,
                             starts_at=dt.time(9), ends_at=dt.time(10))
    refused(lambda: services.duty_end(actor=people.outsider, duty=duty), error=PermissionDenied)
    services.duty_end(actor=people.community, duty=duty)
    duty.refresh_from_db()
    assert duty.active is False


@pytest.mark.parametrize("arguments, field", [
    ({"place": ""}, "place"),
    ({"weekday": 7}, "weekday"),
    ({"ends_at": dt.time(9)}, "ends_at"),
    ({"ends_at": dt.time(8)}, "ends_at"),
])
def test_a_rota_line_with_a_wrong_detail_is_refused_by_name(tree, people, representative, arguments, field):
    values = {"place": "室", "weekday": 0, "starts_at": dt.time(9), "ends_at": dt.time(10)} | arguments
    refused(lambda: services.duty_add(actor=people.community, representative=representative, **values), field)
    assert not ReceptionDuty.objects.exists()


def test_the_term_does_not_end_before_it_began(tree, people, representative):
    refused(lambda: services.representative_end(actor=people.community, representative=representative,
                                                until=dt.date(2025, 12, 31)), "until")
    services.representative_end(actor=people.community, representative=representative, until=dt.date(2026, 3, 1))
    refused(lambda: services.duty_add(actor=people.community, representative=representative, place="室", weekday=0,
                                      starts_at=dt.time(9), ends_at=dt.time(10)), "representative")


# --- categories and reply templates -------------------------------------------------------------

@pytest.fixture
def configurer(tree, make_user):
    return make_user(Role.ORG_ADMIN, tree.city)


ATTRIBUTES = [{"code": "floor", "datatype": "number", "description": "几楼？", "required": True}]


def test_a_category_is_created_and_changed_with_its_attributes(tree, configurer):
    category = services.category_save(actor=configurer, code="LAMP", name=" 路灯 ", time_limit_days=3,
                                      attributes=ATTRIBUTES)
    assert (category.name, category.attributes[0]["code"], category.attributes[0]["required"]) == ("路灯", "floor", True)
    event = AuditEvent.objects.get(object_type="requests.category")
    assert event.action == AuditAction.CREATE and event.changes["category"]["time_limit_days"] == [None, 3]
    services.category_save(actor=configurer, category=category, code="LAMP", name="路灯", time_limit_days=5,
                           attributes=ATTRIBUTES, active=False)
    category.refresh_from_db()
    assert (category.time_limit_days, category.active) == (5, False)
    assert AuditEvent.objects.filter(object_type="requests.category", action=AuditAction.UPDATE).get().changes == {
        "category": {"time_limit_days": [3, 5], "active": [True, False]}}


def test_a_request_must_answer_its_categorys_attributes(tree, configurer):
    category = services.category_save(actor=configurer, code="LAMP", name="路灯", time_limit_days=3,
                                      attributes=ATTRIBUTES)
    before = snapshot()
    with pytest.raises(ValidationError) as raised:
        factories.make_request(tree.grid_a.grid, category=category, attributes={"floor": ["三"], "x": ["1"]})
    assert set(raised.value.message_dict) == {"attribute[floor]", "attribute[x]"}
    assert snapshot() == before
    request, _code = factories.make_request(tree.grid_a.grid, category=category, attributes={"floor": ["3"]})
    assert request.attributes == {"floor": "3"}


def test_a_new_time_limit_leaves_the_deadlines_already_set(tree, people, configurer):
    category = services.category_save(actor=configurer, code="LAMP", name="路灯", time_limit_days=3)
    request, _code = filed(tree, category=category)
    request = change(people.clerk, request, "accept")
    due = request.due_on
    services.category_save(actor=configurer, category=category, code="LAMP", name="路灯", time_limit_days=20)
    request.refresh_from_db()
    assert request.due_on == due


@pytest.mark.parametrize("arguments, field, message", [
    ({"code": ""}, "code", "A code of 1 to 32"),
    ({"code": "路灯"}, "code", "A code of 1 to 32"),
    ({"code": "TAKEN"}, "code", "Another category has the code TAKEN."),
    ({"name": " "}, "name", "Give a name."),
    ({"time_limit_days": 0}, "time_limit_days", "1 to 365"),
    ({"time_limit_days": 366}, "time_limit_days", "1 to 365"),
    ({"time_limit_days": None}, "time_limit_days", "1 to 365"),
    ({"attributes": [{"code": "a", "datatype": "colour", "description": "?"}]}, "attributes",
     "attributes[1]: The datatype is one of"),
    ({"attributes": {"code": "a"}}, "attributes", "Give a list of attributes."),
])
def test_a_wrong_category_is_refused_by_name(tree, configurer, arguments, field, message):
    factories.make_category(code="TAKEN")
    values = {"code": "LAMP", "name": "路灯", "time_limit_days": 3} | arguments
    assert message in refused(lambda: services.category_save(actor=configurer, **values), field)


@pytest.mark.parametrize("role, where", [
    (Role.ORG_ADMIN, "street_a"), (Role.SECRETARY, "city"), (Role.CLERK, "city"), (Role.VIEWER, "city"),
    (Role.SYSTEM_ADMIN, "city"),
])
def test_only_who_configures_from_the_top_sets_categories_and_templates(tree, make_user, role, where):
    actor = make_user(role, getattr(tree, where))
    category = factories.make_category(code="TAKEN")
    template = ReplyTemplate.objects.create(action="resolve", title="已处理", text="已处理完毕。")
    refused(lambda: services.category_save(actor=actor, code="LAMP", name="路灯", time_limit_days=3),
            error=PermissionDenied)
    refused(lambda: services.category_save(actor=actor, category=category, code="TAKEN", name="改", time_limit_days=3),
            error=PermissionDenied)
    refused(lambda: services.reply_template_save(actor=actor, category=None, action="resolve", title="t", text="x"),
            error=PermissionDenied)
    refused(lambda: services.reply_template_delete(actor=actor, template=template), error=PermissionDenied)


def test_reply_templates_are_kept_and_offered_per_category(tree, configurer):
    lamp, water = factories.make_category(code="LAMP"), factories.make_category(code="WATER")
    general = services.reply_template_save(actor=configurer, category=None, action="resolve", title=" 已处理 ",
                                           text=" 已处理完毕，请确认。 ")
    own = services.reply_template_save(actor=configurer, category=lamp, action="refer", title="转供电局", text="已转。")
    assert (general.title, general.text) == ("已处理", "已处理完毕，请确认。")
    assert set(selectors.reply_templates(lamp)) == {general, own} and list(selectors.reply_templates(water)) == [general]
    services.reply_template_save(actor=configurer, template=own, category=lamp, action="refer", title="转", text="转。")
    own.refresh_from_db()
    assert own.title == "转"
    services.reply_template_delete(actor=configurer, template=own)
    assert list(ReplyTemplate.objects.all()) == [general]
    assert list(AuditEvent.objects.filter(object_type="requests.replytemplate").values_list("action", flat=True)
                .order_by("pk")) == ["create", "create", "update", "delete"]


@pytest.mark.parametrize("arguments, field", [
    ({"action": "fly"}, "action"),
    ({"title": " "}, "title"),
    ({"text": " "}, "text"),
    ({"text": "长" * 1001}, "text"),
])
def test_a_wrong_reply_template_is_refused_by_name(tree, configurer, arguments, field):
    values = {"category": None, "action": "resolve", "title": "已处理", "text": "已处理完毕。"} | arguments
    refused(lambda: services.reply_template_save(actor=configurer, **values), field)
    assert not ReplyTemplate.objects.exists()


# --- Open311 keys -------------------------------------------------------------------------------

def test_an_open311_key_is_shown_once_kept_as_its_hash_and_revoked(tree, make_user):
    admin = make_user(Role.SYSTEM_ADMIN, tree.city)
    key, secret = services.open311_key_issue(actor=admin, name=" 12345热线 ")
    assert secret.startswith(Open311Key.PREFIX) and key.key_prefix == secret[:12] and key.name == "12345热线"
    assert secret not in key.key_hash and selectors.open311_key_by_secret(secret) == key
    assert selectors.open311_key_by_secret(secret + "x") is None and selectors.open311_key_by_secret("") is None
    services.open311_key_used(key)
    key.refresh_from_db()
    assert key.last_used_at is not None
    services.open311_key_revoke(actor=admin, key=key)
    services.open311_key_revoke(actor=admin, key=key)
    assert selectors.open311_key_by_secret(secret) is None
    assert list(AuditEvent.objects.filter(object_type="requests.open311key").values_list("action", flat=True)
                .order_by("pk")) == [AuditAction.TOKEN, AuditAction.REVOKE]


def test_only_system_administrators_issue_and_revoke_open311_keys(tree, make_user, configurer):
    key, _secret = services.open311_key_issue(actor=None, name="命令行")
    for actor in (configurer, make_user(Role.CLERK, tree.city)):
        refused(lambda actor=actor: services.open311_key_issue(actor=actor, name="x"), error=PermissionDenied)
        refused(lambda actor=actor: services.open311_key_revoke(actor=actor, key=key), error=PermissionDenied)
    key.refresh_from_db()
    assert key.revoked_at is None and Open311Key.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_an_open311_key_needs_a_name(tree, make_user, name):
    admin = make_user(Role.SYSTEM_ADMIN, tree.city)
    refused(lambda: services.open311_key_issue(actor=admin, name=name), "name")


# --- filing -------------------------------------------------------------------------------------

def test_staff_file_for_a_resident_who_still_follows_by_code(tree, people, representative):
    category = factories.make_category(code="HB")
    for actor in (people.clerk, representative.account):
        request, code = services.request_file(actor=actor, category=category, grid=tree.grid_a.grid,
                                              description="电梯经常停运。", contact_name="王阿姨", phone="13700137000",
                                              source=Source.ON_BEHALF)
        assert (request.entered_by, request.contact_name, request.phone) == (actor, "王阿姨", "13700137000")
        assert selectors.by_tracking_code(code)[0] == request
        event = last_audit(request)
        assert event.action == AuditAction.CREATE and event.changes["request"]["entered_for"] == "王阿姨"
    for actor in (people.outsider, people.viewer, people.member_user):
        refused(lambda actor=actor: services.request_file(
            actor=actor, category=category, grid=tree.grid_a.grid, description="电梯经常停运。", contact_name="王阿姨",
            source=Source.ON_BEHALF), error=PermissionDenied)
    refused(lambda: services.request_file(actor=people.clerk, category=category, grid=tree.grid_a.grid,
                                          description="电梯经常停运。", source=Source.ON_BEHALF), "contact_name")


@pytest.mark.parametrize("arguments, field", [
    ({"category": None}, "category"),
    ({"category": "inactive"}, "category"),
    ({"grid": None}, "grid"),
    ({"building": "elsewhere"}, "building"),
    ({"description": "短"}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"phone": "12345"}, "phone"),
])
def test_a_wrong_filing_is_refused_by_name(tree, arguments, field):
    values = {"category": factories.make_category(code="HB"), "grid": tree.grid_a.grid,
              "description": "电梯经常停运。"} | arguments
    if values["category"] == "inactive":
        values["category"] = factories.make_category(code="OLD", active=False)
    if values.get("building") == "elsewhere":
        values["building"] = Building.objects.create(grid=tree.grid_b.grid, name="9栋", org_path=tree.grid_b.path)
    refused(lambda: services.request_file(actor=None, **values), field)

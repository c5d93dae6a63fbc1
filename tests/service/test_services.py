import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.members.selectors.own import own_member
from dangjian.members.services import lifecycle as member_services
from dangjian.service import rules, selectors, services, tally
from dangjian.service.models import Activity, CheckIn, ServiceTally, ServiceTeam, SignUp, TeamMembership, Volunteer
from dangjian.study.models import StudyRecord
from tests import factories
from tests.concurrency import at_once, postgresql_only
from tests.service.factories import happening, make_activity, make_team, make_volunteer


def state():
    """Everything the services write, to show that a refusal changed nothing."""
    return [list(model.objects.order_by("pk").values_list()) for model in (
        ServiceTeam, TeamMembership, Volunteer, Activity, SignUp, CheckIn, ServiceTally, StudyRecord, AuditEvent)]


def tally_is_rebuilt() -> list:
    """The roll-ups the services kept equal those rebuilt from the rows; returns the rows not zero."""
    def nonzero():
        return sorted(row for row in ServiceTally.objects.values_list("organization", "month", *ServiceTally.FIELDS)
                      if any(row[2:]))
    kept = nonzero()
    tally.rebuild()
    assert nonzero() == kept
    return kept


def moved_away(member, organization) -> None:
    """``member``'s membership now lies in ``organization``, as a received transfer leaves it."""
    Member.objects.filter(pk=member.pk).update(home_org=organization, org_path=organization.path)


def refused(call, field=None, error=ValidationError):
    before = state()
    with pytest.raises(error) as raised:
        call()
    assert state() == before
    if field:
        assert field in raised.value.message_dict, raised.value
    return raised.value


@pytest.fixture
def clerk(tree, make_user):
    return make_user(Role.CLERK, tree.community_a)


@pytest.fixture
def outsider(tree, make_user):
    return make_user(Role.CLERK, tree.community_b)


@pytest.fixture
def viewer(tree, make_user):
    return make_user(Role.VIEWER, tree.community_a)


@pytest.fixture
def member_user(tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, name="李党员", account=user)
    return user


def own(user):
    return own_member(user)


# --- volunteers and teams -------------------------------------------------------------------------

def test_a_volunteer_is_registered_with_consent_and_a_sealed_phone(tree, clerk):
    volunteer = services.volunteer_register(actor=clerk, community=tree.community_a, name="陈阿姨",
                                            phone="139 0013 9000", consent=True)
    assert volunteer.masked_phone == "139****9000" and b"13900139000" not in bytes(volunteer.phone_sealed)
    assert volunteer.consent_recorded_by == clerk and volunteer.org_path == tree.community_a.path
    refused(lambda: services.volunteer_register(actor=clerk, community=tree.community_a, name="王", consent=False),
            "consent")
    refused(lambda: services.volunteer_register(actor=clerk, community=tree.grid_a, name="王", consent=True),
            "community")
    refused(lambda: services.volunteer_register(actor=clerk, community=tree.community_a, name="王", phone="123",
                                                consent=True), "phone")


@pytest.mark.parametrize("who", ["outsider", "viewer", "member_user"])
def test_only_staff_who_manage_service_over_it_form_teams_and_register_volunteers(request, tree, who):
    actor = request.getfixturevalue(who)
    refused(lambda: services.team_save(actor=actor, organization=tree.grid_a, name="先锋队", kind="pioneer"),
            error=PermissionDenied)
    refused(lambda: services.volunteer_register(actor=actor, community=tree.community_a, name="王", consent=True),
            error=PermissionDenied)


def test_a_team_is_formed_joined_led_left_and_disbanded_with_its_counts(tree, clerk):
    team = services.team_save(actor=clerk, organization=tree.grid_a, name="第一网格先锋队", kind="pioneer")
    member = factories.make_member(tree.grid_a, name="李四")
    volunteer = make_volunteer(tree.community_a)
    joined = services.team_add_person(actor=clerk, team=team, member=member, normal="evenings",
                                      emergency="30_minutes")
    services.team_add_person(actor=clerk, team=team, volunteer=volunteer)
    refused(lambda: services.team_add_person(actor=clerk, team=team, member=member), "person")
    refused(lambda: services.team_add_person(actor=clerk, team=team), "person")
    refused(lambda: services.team_add_person(actor=clerk, team=team, member=member, volunteer=volunteer), "person")
    refused(lambda: services.team_appoint_leader(actor=clerk, team=team,
                                                 member=factories.make_member(tree.grid_a)), "leader")
    services.team_appoint_leader(actor=clerk, team=team, member=member)
    today = timezone.localdate()
    figures = tally.figures(tree.city, today, today)
    assert (figures["teams"], figures["team_members"], figures["team_volunteers"]) == (1, 1, 1)

    services.team_remove_person(actor=clerk, membership=joined)
    team.refresh_from_db()
    assert team.leader is None
    refused(lambda: services.team_remove_person(actor=clerk, membership=joined), "person")
    services.team_disband(actor=clerk, team=team)
    refused(lambda: services.team_disband(actor=clerk, team=team), "team")
    refused(lambda: services.team_add_person(actor=clerk, team=team, member=member), "team")
    figures = tally.figures(tree.street_a, today, today)
    assert (figures["teams"], figures["team_members"], figures["team_volunteers"]) == (0, 0, 0)
    assert not TeamMembership.objects.filter(left_on__isnull=True).exists()


@pytest.mark.parametrize("departure", ["leave", "transfer_out"])
def test_a_member_who_leaves_the_party_or_the_system_leaves_their_teams(tree, clerk, make_user, departure):
    member = factories.make_member(tree.grid_a, name="李四")
    teams = [make_team(tree.grid_a, name=name) for name in ("先锋队", "应急队")]
    for team in teams:
        services.team_add_person(actor=clerk, team=team, member=member)
    services.team_appoint_leader(actor=clerk, team=teams[0], member=member)
    branch_clerk = make_user(Role.CLERK, tree.grid_a)
    today = timezone.localdate()
    if departure == "leave":
        member_services.leave(actor=branch_clerk, member=member, reason="death", on=today)
    else:
        member_services.transfer_send(actor=branch_clerk, member=member, reason="迁居外省", on=today,
                                      outside_destination="外省某市", letter_number="组转字第1号")
    assert not TeamMembership.objects.filter(member=member, left_on__isnull=True).exists()
    assert ServiceTeam.objects.get(pk=teams[0].pk).leader is None
    assert tally.figures(tree.city, today, today)["team_members"] == 0
    assert tally_is_rebuilt()
    assert AuditEvent.objects.filter(object_type="service.serviceteam", changes__team_person__member=member.pk,
                                     changes__team_person__left_on=today.isoformat()).count() == 2


def test_a_team_belongs_to_a_grid_or_community(tree, clerk):
    refused(lambda: services.team_save(actor=None, organization=tree.street_a, name="队", kind="pioneer"),
            "organization")
    refused(lambda: services.team_save(actor=clerk, organization=tree.grid_a, name=" ", kind="other"))


# --- activities and sign-up -----------------------------------------------------------------------

def test_an_activity_is_organised_changed_and_cancelled(tree, clerk):
    team = make_team(tree.grid_a)
    activity = make_activity(None, team=team)
    assert activity.organization == tree.grid_a and activity.team == team and len(activity.check_in_token) >= 20
    start = activity.starts_at + dt.timedelta(days=1)
    services.activity_save(actor=clerk, activity=activity, title="改期的活动", place="广场", starts_at=start,
                           ends_at=start + dt.timedelta(hours=3), capacity=5)
    activity.refresh_from_db()
    assert activity.title == "改期的活动" and activity.capacity == 5
    refused(lambda: services.activity_cancel(actor=clerk, activity=activity, reason=" "), "reason")
    services.activity_cancel(actor=clerk, activity=activity, reason="台风")
    refused(lambda: services.activity_cancel(actor=clerk, activity=activity, reason="又"), "reason")
    refused(lambda: services.activity_save(actor=clerk, activity=activity, title="再改", place="广场",
                                           starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=5),
            "title")
    today = timezone.localtime(start).date()
    assert tally.figures(tree.city, today, today)["activities"] == 0


def test_bad_activities_are_refused_naming_the_field(tree, clerk):
    now = timezone.now()
    base = {"actor": clerk, "organization": tree.community_a, "title": "活动", "place": "广场",
            "starts_at": now + dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=1, hours=2), "capacity": 10}
    for field, change in (("ends_at", {"ends_at": now + dt.timedelta(days=1)}), ("capacity", {"capacity": 0}),
                          ("starts_at", {"starts_at": now - dt.timedelta(hours=1)}), ("title", {"title": ""}),
                          ("place", {"place": ""}),
                          ("signup_until", {"signup_until": now + dt.timedelta(days=3)})):
        refused(lambda change=change: services.activity_save(**{**base, **change}), field)
    outsider_org = {**base, "organization": tree.community_b}
    refused(lambda: services.activity_save(**outsider_org), error=PermissionDenied)


def test_sign_up_closes_at_capacity_and_reopens_on_withdrawal(tree, clerk, member_user):
    activity = make_activity(tree.community_a, capacity=2)
    member = own(member_user)
    services.signup(actor=member_user, activity=activity, member=member)
    refused(lambda: services.signup(actor=member_user, activity=activity, member=member), "person")
    volunteer = make_volunteer(tree.community_a)
    refused(lambda: services.signup(actor=member_user, activity=activity, volunteer=volunteer),
            error=PermissionDenied)
    services.signup(actor=clerk, activity=activity, volunteer=volunteer)
    third = factories.make_member(tree.grid_a, name="王五")
    assert "2" in str(refused(lambda: services.signup(actor=clerk, activity=activity, member=third), "activity"))
    services.withdraw(actor=member_user, activity=activity, member=member)
    refused(lambda: services.withdraw(actor=member_user, activity=activity, member=member), "person")
    services.signup(actor=clerk, activity=activity, member=third)
    activity.refresh_from_db()
    assert activity.signed_up == 2
    assert {(row.member_id, row.volunteer_id) for row in selectors.signups(activity)} == {
        (None, volunteer.pk), (third.pk, None)}


def test_sign_up_refused_when_closed_cancelled_or_not_open_to_the_member(tree, clerk, member_user):
    member = own(member_user)
    closed = make_activity(tree.community_a, signup_until=timezone.now() + dt.timedelta(hours=1))
    refused(lambda: services.signup(actor=member_user, activity=closed, member=member,
                                    now=timezone.now() + dt.timedelta(hours=2)), "activity")
    elsewhere = make_activity(tree.community_b)
    refused(lambda: services.signup(actor=member_user, activity=elsewhere, member=member), error=PermissionDenied)
    cancelled = make_activity(tree.community_a)
    services.activity_cancel(actor=clerk, activity=cancelled, reason="下雨")
    refused(lambda: services.signup(actor=member_user, activity=cancelled, member=member), "activity")
    begun = happening(make_activity(tree.community_a))
    refused(lambda: services.signup(actor=member_user, activity=begun, member=member), "activity")


def test_capacity_cannot_drop_below_those_signed_up(tree, clerk, member_user):
    activity = make_activity(tree.community_a, capacity=3)
    services.signup(actor=member_user, activity=activity, member=own(member_user))
    services.signup(actor=clerk, activity=activity, volunteer=make_volunteer(tree.community_a))
    refused(lambda: services.activity_save(actor=clerk, activity=activity, title="x", place="y",
                                           starts_at=activity.starts_at, ends_at=activity.ends_at, capacity=1),
            "capacity")


# --- check-in and hours ---------------------------------------------------------------------------

def test_the_code_checks_in_those_the_activity_is_open_to_or_signed_up_for_it(tree, make_user):
    activity = make_activity(tree.community_a)
    user = make_user(None, tree.grid_b)
    elsewhere = factories.make_member(tree.grid_b, name="外街道党员", account=user)
    planned = {"starts_at": activity.starts_at, "ends_at": activity.ends_at}
    happening(activity)
    error = refused(lambda: services.check_in(actor=user, activity=activity), "activity")
    assert "put you on the roll" in str(error) and tree.community_a.name in str(error)
    Activity.objects.filter(pk=activity.pk).update(**planned)
    activity.refresh_from_db()
    services.signup(actor=make_user(Role.CLERK, tree.city), activity=activity, member=elsewhere)
    assert services.check_in(actor=user, activity=happening(activity)).member == elsewhere


def test_a_member_checks_in_by_code_once_and_is_credited_volunteer_and_study_hours(tree, member_user):
    activity = happening(make_activity(tree.community_a, hours=3, counts_as_study=True),
                         started_ago=dt.timedelta(minutes=5))
    check_in = services.check_in(actor=member_user, activity=activity)
    assert (check_in.method, check_in.late, check_in.hours, check_in.study_hours) == ("code", False, 3, 4)
    record = StudyRecord.objects.get()
    assert (record.member, record.hours, record.source) == (own(member_user), 4, f"service.activity:{activity.pk}")
    error = refused(lambda: services.check_in(actor=member_user, activity=activity), "person")
    assert "already" in str(error)
    year = timezone.localdate().year
    assert selectors.volunteer_hours_in_year(own(member_user), year) == 3
    day = timezone.localtime(activity.starts_at).date()
    figures = tally.figures(tree.city, day, day)
    assert (figures["activities_held"], figures["participations"], figures["volunteer_hours"],
            figures["study_hours"]) == (1, 1, 3, 4)


def test_a_check_in_after_the_tolerance_is_marked_late(tree, member_user, settings):
    settings.DANGJIAN_SERVICE_LATE_AFTER_MINUTES = 10
    activity = happening(make_activity(tree.community_a), started_ago=dt.timedelta(minutes=11))
    assert services.check_in(actor=member_user, activity=activity).late


@pytest.mark.parametrize(("moved", "word"), [(dt.timedelta(minutes=-40), "opens"), (dt.timedelta(hours=3), "ended")])
def test_the_code_works_only_in_its_window(tree, member_user, moved, word):
    activity = happening(make_activity(tree.community_a, hours=2), started_ago=moved)
    assert word in str(refused(lambda: services.check_in(actor=member_user, activity=activity), "activity"))


def test_the_window_is_a_setting(tree, member_user, settings):
    settings.DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES = 60
    activity = happening(make_activity(tree.community_a), started_ago=dt.timedelta(minutes=-45))
    assert not services.check_in(actor=member_user, activity=activity).late


def test_only_a_member_checks_in_by_code(tree, clerk):
    activity = happening(make_activity(tree.community_a))
    refused(lambda: services.check_in(actor=clerk, activity=activity), error=PermissionDenied)


def test_a_cancelled_activity_checks_nobody_in(tree, clerk, member_user):
    activity = make_activity(tree.community_a)
    services.activity_cancel(actor=clerk, activity=activity, reason="下雨")
    activity = happening(activity)
    refused(lambda: services.check_in(actor=member_user, activity=activity), "activity")


def test_the_staff_roll_with_a_staff_figure(tree, clerk, member_user):
    activity = happening(make_activity(tree.community_a, hours=4, counts_as_study=True))
    member, volunteer = own(member_user), make_volunteer(tree.community_a)
    refused(lambda: services.roll_record(actor=clerk, activity=activity), "people")
    # One over the bound, which an evening activity past midnight doubles: the test runs at any hour.
    too_many = rules.staff_hours_bound(activity.starts_at, activity.ends_at) + 1
    refused(lambda: services.roll_record(actor=clerk, activity=activity, members=[member], hours=too_many),
            "hours")
    refused(lambda: services.roll_record(actor=clerk, activity=activity, members=[member], hours=Decimal(0)),
            "hours")
    refused(lambda: services.roll_record(actor=member_user, activity=activity, members=[member]),
            error=PermissionDenied)
    recorded = services.roll_record(actor=clerk, activity=activity, members=[member], volunteers=[volunteer],
                                    hours=Decimal("2.46"))
    assert [(row.hours, row.hours_by_staff, row.study_hours, row.method) for row in recorded] == [
        (Decimal("2.5"), True, Decimal(2), "roll"), (Decimal("2.5"), True, Decimal(0), "roll")]
    error = refused(lambda: services.roll_record(actor=clerk, activity=activity, volunteers=[volunteer]), "people")
    assert volunteer.name in str(error)
    refused(lambda: services.check_in(actor=member_user, activity=activity), "person")
    refused(lambda: services.activity_cancel(actor=clerk, activity=activity, reason="x"), "reason")


def test_the_roll_is_not_taken_before_the_window(tree, clerk, member_user):
    activity = make_activity(tree.community_a)
    refused(lambda: services.roll_record(actor=clerk, activity=activity, members=[own(member_user)]), "activity")


def test_the_rebuild_equals_the_counts_kept_by_the_services(tree, clerk, member_user):
    team = make_team(tree.grid_a)
    services.team_add_person(actor=clerk, team=team, member=own(member_user))
    gone = services.team_add_person(actor=clerk, team=team, volunteer=make_volunteer(tree.community_a))
    services.team_remove_person(actor=clerk, membership=gone)
    other = make_team(tree.community_b, name="西山应急队", kind="emergency")
    services.team_disband(actor=None, team=other)
    first = happening(make_activity(None, team=team, counts_as_study=True, hours=7))
    services.check_in(actor=member_user, activity=first)
    services.roll_record(actor=clerk, activity=first, volunteers=[make_volunteer(tree.community_a, name="周")])
    second = happening(make_activity(tree.community_b, hours=1), started_ago=dt.timedelta(minutes=40))
    services.roll_record(actor=None, activity=second, members=[factories.make_member(tree.grid_b)],
                         hours=Decimal("1.5"))
    services.activity_cancel(actor=clerk, activity=make_activity(tree.community_a), reason="取消")
    make_activity(tree.community_a)
    assert tally_is_rebuilt()
    # And both equal counting the rows directly.
    today = timezone.localdate()
    figures = tally.figures(tree.city, today.replace(month=1, day=1), today + dt.timedelta(days=40))
    assert figures["participations"] == CheckIn.objects.count() == 3
    assert figures["volunteer_hours"] == sum(CheckIn.objects.values_list("hours", flat=True))
    assert figures["activities_held"] == 2 and figures["activities"] == 3
    assert (figures["teams"], figures["team_members"], figures["team_volunteers"]) == (1, 1, 0)


# --- at once ----------------------------------------------------------------------------------------

@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_check_ins_at_once_credit_once(tree, member_user):
    for _round in range(3):
        activity = happening(make_activity(tree.community_a, counts_as_study=True))
        results = at_once(*[lambda activity=activity: services.check_in(actor=member_user, activity=activity)] * 2)
        assert sum(isinstance(result, CheckIn) for result in results) == 1, results
        loser = next(result for result in results if isinstance(result, ValidationError))
        assert "already" in str(loser.message_dict["person"])
        activity.refresh_from_db()
        assert activity.present == 1 and activity.check_ins.count() == 1
    assert StudyRecord.objects.count() == 3
    day = timezone.localdate()
    assert tally.figures(tree.city, day.replace(day=1), day + dt.timedelta(days=35))["participations"] == 3


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sign_up_closes_at_capacity_when_many_sign_up_at_once(tree, make_user):
    activity = make_activity(tree.community_a, capacity=3)
    users = []
    for index in range(6):
        user = make_user(None, tree.grid_a)
        factories.make_member(tree.grid_a, name=f"党员{index}", account=user)
        users.append(user)
    results = at_once(*[lambda user=user: services.signup(actor=user, activity=activity, member=own(user))
                        for user in users])
    assert sum(isinstance(result, SignUp) for result in results) == 3, results
    activity.refresh_from_db()
    assert activity.signed_up == 3 == SignUp.objects.filter(activity=activity, withdrawn_at__isnull=True).count()


# --- local days, fixed times, bounds ----------------------------------------------------------------

def _morning(tree, **fields) -> Activity:
    """A study activity from 07:00 to 10:00 local time tomorrow, as read back from the database (in UTC)."""
    start = timezone.localtime().replace(hour=7, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    activity = services.activity_save(actor=None, organization=tree.community_a, title="晨读", place="党群服务中心",
                                      starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=10,
                                      counts_as_study=True, **fields)
    return Activity.objects.get(pk=activity.pk)


def test_a_morning_activity_credits_the_hours_of_its_local_day(tree, clerk, member_user):
    activity = _morning(tree)
    check_in = services.check_in(actor=member_user, activity=activity, now=activity.starts_at)
    assert (check_in.hours, check_in.study_hours) == (3, 4)  # a half day, not 1 + 2 on two UTC days
    assert check_in.on == timezone.localtime(activity.starts_at).date() == StudyRecord.objects.get().on
    # A staff figure is bounded by the one local day's 12 hours, not by two UTC days'.
    volunteer = make_volunteer(tree.community_a)
    refused(lambda: services.roll_record(actor=clerk, activity=activity, volunteers=[volunteer], hours=Decimal(13),
                                         now=activity.starts_at), "hours")
    tally_is_rebuilt()


def test_time_length_and_study_are_fixed_once_someone_is_present(tree, clerk, member_user):
    activity = make_activity(tree.community_a, starts_in=dt.timedelta(minutes=20), hours=2)
    services.check_in(actor=member_user, activity=activity)
    same = {"actor": clerk, "activity": activity, "title": activity.title, "place": activity.place,
            "starts_at": activity.starts_at, "ends_at": activity.ends_at, "capacity": activity.capacity}
    for field, change in (("starts_at", {"starts_at": activity.starts_at + dt.timedelta(days=40),
                                         "ends_at": activity.ends_at + dt.timedelta(days=40)}),
                          ("ends_at", {"ends_at": activity.ends_at + dt.timedelta(hours=1)}),
                          ("counts_as_study", {"counts_as_study": True})):
        error = refused(lambda change=change: services.activity_save(**{**same, **change}), field)
        assert "checked in" in str(error.message_dict[field])
    services.activity_save(**{**same, "title": "改名的活动", "capacity": 30})
    activity.refresh_from_db()
    assert (activity.title, activity.capacity) == ("改名的活动", 30)
    tally_is_rebuilt()


def test_naive_or_far_off_times_are_refused_by_name(tree, clerk):
    start = timezone.now() + dt.timedelta(days=1)
    base = {"actor": clerk, "organization": tree.community_a, "title": "活动", "place": "广场", "capacity": 10}
    naive = start.replace(tzinfo=None)
    refused(lambda: services.activity_save(**base, starts_at=naive, ends_at=naive + dt.timedelta(hours=2)),
            "starts_at")
    far = dt.datetime(9999, 12, 31, 20, 0, tzinfo=dt.UTC)
    refused(lambda: services.activity_save(**base, starts_at=far, ends_at=far + dt.timedelta(hours=2)), "starts_at")


@pytest.mark.parametrize("hours", [Decimal("1e30"), Decimal("NaN"), Decimal("-Infinity")])
def test_a_roll_figure_out_of_range_is_refused_not_raised(tree, clerk, hours):
    activity = happening(make_activity(tree.community_a))
    volunteer = make_volunteer(tree.community_a)
    refused(lambda: services.roll_record(actor=clerk, activity=activity, volunteers=[volunteer], hours=hours), "hours")


def test_impossible_numbers_name_nobody(tree, clerk):
    assert selectors.members_for(clerk, [10**25, -(10**25), 0]) == []
    assert selectors.volunteers_named(clerk, [10**25]) == []
    assert selectors.member_for(clerk, 2**63) is None
    error = refused(lambda: selectors.people_named(clerk, members=[10**25], volunteers=[2**64]))
    assert set(error.message_dict) == {"members[0]", "volunteers[0]"} and str(10**25) in str(error)


# --- locking against a cancellation ---------------------------------------------------------------

def test_a_check_in_or_roll_reads_the_activity_as_it_is_now(tree, clerk, member_user):
    """The page read the activity before a cancellation committed: the service reads it again, locked."""
    activity = make_activity(tree.community_a)
    stale = happening(activity)
    services.activity_cancel(actor=clerk, activity=Activity.objects.get(pk=activity.pk), reason="台风")
    assert not stale.is_cancelled
    refused(lambda: services.check_in(actor=member_user, activity=stale), "activity")
    refused(lambda: services.roll_record(actor=clerk, activity=stale, members=[own(member_user)]), "activity")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_and_a_check_in_at_once_never_both_win(tree, clerk, member_user):
    for _round in range(4):
        activity = happening(make_activity(tree.community_a))
        results = at_once(lambda activity=activity: services.check_in(actor=member_user, activity=activity),
                          lambda activity=activity: services.activity_cancel(actor=clerk, activity=activity,
                                                                             reason="台风"))
        activity.refresh_from_db()
        assert sum(isinstance(result, ValidationError) for result in results) == 1, results
        assert activity.is_cancelled != bool(activity.present)
        assert activity.check_ins.count() == activity.present
    tally_is_rebuilt()


# --- withdrawing after moving away -------------------------------------------------------------------

def test_a_member_who_moved_away_withdraws_their_own_sign_up(tree, member_user):
    activity = make_activity(tree.community_a)
    member = own(member_user)
    services.signup(actor=member_user, activity=activity, member=member)
    moved_away(member, tree.grid_b)
    member.refresh_from_db()
    other = make_activity(tree.community_a)
    refused(lambda: services.signup(actor=member_user, activity=other, member=member), error=PermissionDenied)
    services.withdraw(actor=member_user, activity=activity, member=member)
    activity.refresh_from_db()
    assert activity.signed_up == 0
    refused(lambda: services.withdraw(actor=member_user, activity=activity, member=member), "person")


def test_only_the_member_themself_or_staff_withdraw_a_sign_up(tree, member_user, make_user):
    activity = make_activity(tree.community_a)
    member = own(member_user)
    services.signup(actor=member_user, activity=activity, member=member)
    other = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, name="王五", account=other)
    refused(lambda: services.withdraw(actor=other, activity=activity, member=member), error=PermissionDenied)


# --- disbanding ----------------------------------------------------------------------------------------

@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_removal_during_a_disbanding_is_taken_back_once(tree, clerk):
    """One leaves while the team is disbanded: their row is locked by the removal until it commits,
    after the disbanding counted the team's people, so the disbanding's update passes over it."""
    import threading
    import time

    from django.db import connection, transaction

    team = make_team(tree.grid_a)
    leaving = services.team_add_person(actor=clerk, team=team, member=factories.make_member(tree.grid_a, name="甲"))
    services.team_add_person(actor=clerk, team=team, member=factories.make_member(tree.grid_a, name="乙"))
    written, failures = threading.Event(), []

    def remove():
        try:
            with transaction.atomic():
                services.team_remove_person(actor=clerk, membership=leaving)
                written.set()
                time.sleep(1)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            written.set()
            connection.close()

    thread = threading.Thread(target=remove)
    thread.start()
    written.wait(10)
    services.team_disband(actor=clerk, team=team)
    thread.join(10)
    assert not failures
    today = timezone.localdate()
    assert tally.figures(tree.city, today, today)["team_members"] == 0
    tally_is_rebuilt()


# --- removing a check-in ---------------------------------------------------------------------------

def test_a_check_in_recorded_by_mistake_is_removed_with_its_hours(tree, clerk, member_user, viewer):
    activity = happening(make_activity(tree.community_a, hours=3, counts_as_study=True))
    volunteer = make_volunteer(tree.community_a)
    wrong, right = services.roll_record(actor=clerk, activity=activity, members=[own(member_user)],
                                        volunteers=[volunteer])
    assert StudyRecord.objects.filter(member=own(member_user)).exists()
    refused(lambda: services.check_in_remove(actor=clerk, check_in=wrong, reason=" "), "reason")
    refused(lambda: services.check_in_remove(actor=viewer, check_in=wrong, reason="误勾选"), error=PermissionDenied)
    services.check_in_remove(actor=clerk, check_in=wrong, reason="误勾选")
    activity.refresh_from_db()
    assert activity.present == 1 and list(activity.check_ins.all()) == [right]
    assert not StudyRecord.objects.exists()
    assert AuditEvent.objects.filter(action="delete", changes__check_in__reason="误勾选").exists()
    assert AuditEvent.objects.filter(action="delete", changes__study__reason="误勾选").exists()
    refused(lambda: services.check_in_remove(actor=clerk, check_in=wrong, reason="again"), "check_in")
    tally_is_rebuilt()
    day = timezone.localtime(activity.starts_at).date()
    figures = tally.figures(tree.city, day, day)
    assert (figures["activities_held"], figures["participations"], figures["member_participations"],
            figures["volunteer_hours"], figures["study_hours"]) == (1, 1, 0, 3, 0)
    # The last one taken back, the activity was not held after all; the member may be checked in again.
    services.check_in_remove(actor=clerk, check_in=right, reason="误勾选")
    assert tally.figures(tree.city, day, day)["activities_held"] == 0
    services.check_in(actor=member_user, activity=activity)
    tally_is_rebuilt()


# --- availability ----------------------------------------------------------------------------------

def test_availability_changes_without_leaving_the_team(tree, clerk, viewer):
    team = make_team(tree.grid_a)
    person = services.team_add_person(actor=clerk, team=team, member=factories.make_member(tree.grid_a))
    TeamMembership.objects.filter(pk=person.pk).update(joined_on=dt.date(2024, 3, 1))
    refused(lambda: services.team_change_availability(actor=clerk, membership=person, normal="never",
                                                      emergency="none"), "normal")
    refused(lambda: services.team_change_availability(actor=viewer, membership=person, normal="evenings",
                                                      emergency="none"), error=PermissionDenied)
    services.team_change_availability(actor=clerk, membership=person, normal="evenings", emergency="30_minutes")
    person.refresh_from_db()
    assert (person.normal, person.emergency, person.joined_on, person.left_on) == (
        "evenings", "30_minutes", dt.date(2024, 3, 1), None)
    assert AuditEvent.objects.filter(changes__team_person__normal=["weekends", "evenings"]).exists()
    services.team_remove_person(actor=clerk, membership=person)
    refused(lambda: services.team_change_availability(actor=clerk, membership=person, normal="weekdays",
                                                      emergency="none"), "person")


# --- full activities ---------------------------------------------------------------------------------

def test_a_full_activity_is_not_offered_for_sign_up(tree, clerk, member_user):
    full = make_activity(tree.community_a, capacity=1)
    services.signup(actor=clerk, activity=full, volunteer=make_volunteer(tree.community_a))
    places = make_activity(tree.community_a, capacity=2)
    assert list(selectors.open_activities(own(member_user), now=timezone.now())) == [places]

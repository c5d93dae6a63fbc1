"""Service teams, volunteers and activities: the teams and volunteers of an organisation, a team
with its people, forming, changing and disbanding teams, people joining and leaving and their
availability, the leader; activities with their sign-ups and check-ins, organising, changing and
cancelling them, sign-up and withdrawal (a member for themself, staff for anyone), the staff roll
and removing a check-in recorded by mistake, checking in with an activity's code, the statistics
of a subtree, and a member's own service. An object outside the
caller's scope is a 404; a visible one the caller may not change, a 403."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field

from dangjian.accounts.roles import Permission
from dangjian.core.paging import key_page
from dangjian.core.schemas import OrgPageFilter, StatisticsFilter
from dangjian.members.api.register import OrgRef
from dangjian.members.selectors.own import own_member
from dangjian.orgs import counts as org_counts
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.service import rules, selectors, services, tally
from dangjian.service.models import Activity, CheckIn, EmergencyAvailability, NormalAvailability, TeamKind

router = Router(tags=["service"])


# --- schemas ------------------------------------------------------------------------------------------

class PersonRef(Schema):
    kind: str = Field(description="member or volunteer.")
    id: int
    name: str


class TeamPersonOut(Schema):
    id: int = Field(description="The membership's key (to let the person leave).")
    person: PersonRef
    normal: NormalAvailability
    emergency: EmergencyAvailability
    joined_on: dt.date
    left_on: dt.date | None


class TeamOut(Schema):
    id: int
    name: str
    kind: TeamKind
    description: str
    organization: OrgRef
    leader: PersonRef | None
    formed_on: dt.date
    disbanded_on: dt.date | None


class TeamDetailOut(TeamOut):
    people: list[TeamPersonOut] = Field(description="The people in the team now.")


class TeamPageOut(Schema):
    items: list[TeamOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page.")


class TeamIn(Schema):
    organization: str = Field(min_length=1, max_length=32, description="The grid or community organisation's code.")
    name: str = Field(max_length=100)
    kind: TeamKind
    description: str = Field(default="", max_length=1000)


class TeamChangeIn(Schema):
    name: str = Field(max_length=100)
    kind: TeamKind
    description: str = Field(default="", max_length=1000)


class PersonIn(Schema):
    member: int | None = Field(default=None, description="A member's key.")
    volunteer: int | None = Field(default=None, description="A volunteer's key.")


class TeamPersonIn(PersonIn):
    normal: NormalAvailability = NormalAvailability.WEEKENDS
    emergency: EmergencyAvailability = EmergencyAvailability.SAME_DAY


class AvailabilityIn(Schema):
    normal: NormalAvailability
    emergency: EmergencyAvailability


class LeaderIn(Schema):
    member: int = Field(description="A Party member of the team, by key.")


class VolunteerOut(Schema):
    id: int
    name: str
    phone: str = Field(description="Masked; empty if none.")
    community: OrgRef
    consent_at: dt.datetime


class VolunteerPageOut(Schema):
    items: list[VolunteerOut]
    next_after: int | None


class VolunteerIn(Schema):
    community: str = Field(min_length=1, max_length=32, description="The code of the community they live in.")
    name: str = Field(max_length=50)
    phone: str = Field(default="", max_length=30)
    consent: bool = Field(description="The volunteer agrees that their name and phone are kept.")


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    place: str
    organization: OrgRef
    team: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_up: int
    present: int
    signup_until: dt.datetime = Field(description="Sign-up is open until then (the start, if none was set).")
    counts_as_study: bool
    cancelled_at: dt.datetime | None
    cancel_reason: str


class CheckInOut(Schema):
    id: int = Field(description="The check-in's key (to remove one recorded by mistake).")
    person: PersonRef
    at: dt.datetime
    method: CheckIn.Method
    late: bool
    hours: Decimal
    hours_by_staff: bool
    study_hours: Decimal


class SignUpOut(Schema):
    person: PersonRef
    at: dt.datetime


class ActivityDetailOut(ActivityOut):
    check_in_link: str | None = Field(description="For staff who manage it: the link its QR code carries.")
    signups: list[SignUpOut]
    check_ins: list[CheckInOut]


class ActivityPageOut(Schema):
    items: list[ActivityOut]
    next_after: int | None


class ActivityChangeIn(Schema):
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)
    place: str = Field(max_length=200)
    starts_at: AwareDatetime = Field(description="With its offset from UTC, such as 2025-06-07T09:00:00+08:00.")
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=rules.MAX_CAPACITY)
    signup_until: AwareDatetime | None = None
    counts_as_study: bool = False


class ActivityIn(ActivityChangeIn):
    organization: str | None = Field(default=None, max_length=32,
                                     description="The organising organisation's code (or give `team`).")
    team: int | None = Field(default=None, description="The organising team's key.")


class ReasonIn(Schema):
    reason: str = Field(max_length=200)


class RollIn(Schema):
    members: list[int] = Field(default_factory=list, max_length=1000, description="Members present, by key.")
    volunteers: list[int] = Field(default_factory=list, max_length=1000, description="Volunteers present, by key.")
    hours: Decimal | None = Field(default=None, ge=rules.MIN_STAFF_HOURS, le=rules.MAX_STAFF_HOURS,
                                  description="Hours to credit each instead of the activity's length, at most "
                                  "12 for each calendar day it spans.")


class CheckInIn(Schema):
    token: str = Field(min_length=1, max_length=32, description="The token of the activity's check-in link.")


class StatisticsOut(Schema):
    organization: OrgRef
    first: dt.date
    last: dt.date
    teams: int = Field(description="Teams at the end of the last month.")
    team_members: int
    team_volunteers: int
    activities: int
    activities_held: int
    participations: int
    member_participations: int
    volunteer_participations: int
    late: int
    volunteer_hours: Decimal
    study_hours: Decimal


class OwnServiceOut(Schema):
    year: int
    volunteer_hours: Decimal
    study_hours: Decimal
    study_target: int
    activities_attended: int
    upcoming: list[ActivityOut]
    attended: list[CheckInOut]
    open: list[ActivityOut] = Field(description="Activities open to you for sign-up now.")


# --- shaping answers ----------------------------------------------------------------------------------

def _org(organization: Organization) -> dict:
    return {"code": organization.code, "name": organization.name}


def _person(row) -> dict:
    if row.member_id:
        return {"kind": "member", "id": row.member_id, "name": row.member.name}
    return {"kind": "volunteer", "id": row.volunteer_id, "name": row.volunteer.name}


def _team(team) -> dict:
    return {"id": team.pk, "name": team.name, "kind": team.kind, "description": team.description,
            "organization": _org(team.organization), "formed_on": team.formed_on, "disbanded_on": team.disbanded_on,
            "leader": {"kind": "member", "id": team.leader_id, "name": team.leader.name} if team.leader_id else None}


def _team_detail(team) -> dict:
    return _team(team) | {"people": [
        {"id": row.pk, "person": _person(row), "normal": row.normal, "emergency": row.emergency,
         "joined_on": row.joined_on, "left_on": row.left_on} for row in selectors.team_people(team)]}


def _volunteer(volunteer) -> dict:
    return {"id": volunteer.pk, "name": volunteer.name, "phone": volunteer.masked_phone,
            "community": _org(volunteer.community), "consent_at": volunteer.consent_at}


def _activity(activity: Activity) -> dict:
    return {"id": activity.pk, "title": activity.title, "description": activity.description, "place": activity.place,
            "organization": _org(activity.organization), "team": activity.team_id, "starts_at": activity.starts_at,
            "ends_at": activity.ends_at, "capacity": activity.capacity, "signed_up": activity.signed_up,
            "present": activity.present, "signup_until": activity.signup_closes_at,
            "counts_as_study": activity.counts_as_study, "cancelled_at": activity.cancelled_at,
            "cancel_reason": activity.cancel_reason}


def _check_in(row: CheckIn) -> dict:
    return {"id": row.pk, "person": _person(row), "at": row.at, "method": row.method, "late": row.late, "hours": row.hours,
            "hours_by_staff": row.hours_by_staff, "study_hours": row.study_hours}


def _activity_detail(request, activity: Activity) -> dict:
    link = None
    if selectors.may_manage(request.user, activity.org_path):
        link = request.build_absolute_uri(f"/service/c/{activity.check_in_token}/")
    return _activity(activity) | {
        "check_in_link": link, "signups": [{"person": _person(row), "at": row.at} for row in selectors.signups(activity)],
        "check_ins": [_check_in(row) for row in selectors.check_ins(activity)]}


def _page(rows, limit: int, out) -> dict:
    items, next_after = key_page(rows, limit)
    return {"items": [out(item) for item in items], "next_after": next_after}


def _organization(user, code: str) -> Organization:
    return org_selectors.organization_for(user, code, Permission.VIEW_SERVICE)


def _people(user, payload: PersonIn) -> dict:
    member = selectors.member_for(user, payload.member)
    volunteer = selectors.volunteer_named(user, payload.volunteer)
    errors = {}
    if payload.member is not None and member is None:
        errors["member"] = [selectors.no_member(payload.member)]
    if payload.volunteer is not None and volunteer is None:
        errors["volunteer"] = [selectors.no_volunteer(payload.volunteer)]
    if errors:
        raise ValidationError(errors)
    return {"member": member, "volunteer": volunteer}


# --- teams and volunteers -----------------------------------------------------------------------------

@router.get("/teams", response=TeamPageOut, summary="Service teams under an organisation, newest first")
def list_teams(request, filters: Query[OrgPageFilter]):
    rows = selectors.teams_under(request.user, _organization(request.user, filters.org))
    if filters.after is not None:
        rows = rows.filter(pk__lt=filters.after)
    return _page(rows, filters.limit, _team)


@router.post("/teams", response={201: TeamDetailOut}, summary="Form a service team of a grid or community")
def form_team(request, payload: TeamIn):
    team = services.team_save(actor=request.user, organization=_organization(request.user, payload.organization),
                              name=payload.name, kind=payload.kind, description=payload.description)
    return Status(201, _team_detail(selectors.team_for(request.user, team.pk)))


@router.get("/teams/{int:team_id}", response=TeamDetailOut, summary="A team with its people")
def get_team(request, team_id: int):
    return _team_detail(selectors.team_for(request.user, team_id))


@router.patch("/teams/{int:team_id}", response=TeamDetailOut, summary="Change a team's name, kind, description")
def change_team(request, team_id: int, payload: TeamChangeIn):
    team = services.team_save(actor=request.user, team=selectors.team_for(request.user, team_id), name=payload.name,
                              kind=payload.kind, description=payload.description)
    return _team_detail(selectors.team_for(request.user, team.pk))


@router.post("/teams/{int:team_id}/people", response={201: TeamDetailOut}, summary="Add a member or volunteer")
def add_team_person(request, team_id: int, payload: TeamPersonIn):
    team = selectors.team_for(request.user, team_id)
    if not selectors.may_manage(request.user, team.org_path):
        raise PermissionDenied
    services.team_add_person(actor=request.user, team=team, **_people(request.user, payload), normal=payload.normal,
                             emergency=payload.emergency)
    return Status(201, _team_detail(selectors.team_for(request.user, team.pk)))


@router.post("/teams/{int:team_id}/people/{int:membership_id}/leave", response=TeamDetailOut,
             summary="A person leaves the team")
def remove_team_person(request, team_id: int, membership_id: int):
    team = selectors.team_for(request.user, team_id)
    services.team_remove_person(actor=request.user, membership=selectors.membership_of(team, membership_id))
    return _team_detail(selectors.team_for(request.user, team.pk))


@router.patch("/teams/{int:team_id}/people/{int:membership_id}", response=TeamDetailOut,
              summary="Change when a person in the team is available, in normal time and in an emergency")
def change_team_person(request, team_id: int, membership_id: int, payload: AvailabilityIn):
    team = selectors.team_for(request.user, team_id)
    services.team_change_availability(actor=request.user, membership=selectors.membership_of(team, membership_id),
                                      normal=payload.normal, emergency=payload.emergency)
    return _team_detail(selectors.team_for(request.user, team.pk))


@router.post("/teams/{int:team_id}/leader", response=TeamDetailOut, summary="Appoint a Party member of the team leader")
def appoint_leader(request, team_id: int, payload: LeaderIn):
    team = selectors.team_for(request.user, team_id)
    if not selectors.may_manage(request.user, team.org_path):
        raise PermissionDenied
    member = selectors.current_membership_of_member(team, payload.member)
    if member is None:
        raise ValidationError({"member": _("The leader is a Party member in the team.")})
    services.team_appoint_leader(actor=request.user, team=team, member=member.member)
    return _team_detail(selectors.team_for(request.user, team.pk))


@router.post("/teams/{int:team_id}/disband", response=TeamDetailOut, summary="Disband a team")
def disband_team(request, team_id: int):
    team = services.team_disband(actor=request.user, team=selectors.team_for(request.user, team_id))
    return _team_detail(selectors.team_for(request.user, team.pk))


@router.get("/volunteers", response=VolunteerPageOut, summary="Registered volunteers under an organisation")
def list_volunteers(request, filters: Query[OrgPageFilter]):
    rows = selectors.volunteers_under(request.user, _organization(request.user, filters.org))
    if filters.after is not None:
        rows = rows.filter(pk__lt=filters.after)
    return _page(rows, filters.limit, _volunteer)


@router.post("/volunteers", response={201: VolunteerOut}, summary="Register a volunteer, with their consent")
def register_volunteer(request, payload: VolunteerIn):
    volunteer = services.volunteer_register(actor=request.user,
                                            community=_organization(request.user, payload.community),
                                            name=payload.name, phone=payload.phone, consent=payload.consent)
    return Status(201, _volunteer(volunteer))


# --- activities ---------------------------------------------------------------------------------------

@router.get("/activities", response=ActivityPageOut, summary="Activities under an organisation, latest first")
def list_activities(request, filters: Query[OrgPageFilter]):
    rows = selectors.activities_under(request.user, _organization(request.user, filters.org), after=filters.after)
    return _page(rows, filters.limit, _activity)


@router.post("/activities", response={201: ActivityDetailOut}, summary="Organise an activity")
def organise_activity(request, payload: ActivityIn):
    if (payload.organization is None) == (payload.team is None):
        raise ValidationError({"organization": _("Give the organising organisation or team, one of them.")})
    organization = _organization(request.user, payload.organization) if payload.organization else None
    team = selectors.team_for(request.user, payload.team) if payload.team is not None else None
    activity = services.activity_save(
        actor=request.user, organization=organization, team=team, title=payload.title,
        description=payload.description, place=payload.place, starts_at=payload.starts_at, ends_at=payload.ends_at,
        capacity=payload.capacity, signup_until=payload.signup_until, counts_as_study=payload.counts_as_study)
    return Status(201, _activity_detail(request, selectors.activity_for(request.user, activity.pk)))


@router.get("/activities/{int:activity_id}", response=ActivityDetailOut,
            summary="An activity with its sign-ups and check-ins")
def get_activity(request, activity_id: int):
    return _activity_detail(request, selectors.activity_for(request.user, activity_id))


@router.patch("/activities/{int:activity_id}", response=ActivityDetailOut, summary="Change an activity not yet begun")
def change_activity(request, activity_id: int, payload: ActivityChangeIn):
    activity = services.activity_save(actor=request.user, activity=selectors.activity_for(request.user, activity_id),
                                      **payload.dict())
    return _activity_detail(request, selectors.activity_for(request.user, activity.pk))


@router.post("/activities/{int:activity_id}/cancel", response=ActivityDetailOut, summary="Cancel an activity")
def cancel_activity(request, activity_id: int, payload: ReasonIn):
    activity = services.activity_cancel(actor=request.user, reason=payload.reason,
                                        activity=selectors.activity_for(request.user, activity_id))
    return _activity_detail(request, selectors.activity_for(request.user, activity.pk))


def _signing(request, activity_id: int, payload: PersonIn) -> tuple[Activity, dict]:
    """The activity and the person a sign-up or withdrawal is for: the caller themself (an activity
    open to them), or anyone for staff who manage the activity."""
    member = own_member(request.user)
    if member is not None and payload.member == member.pk and payload.volunteer is None:
        return selectors.activity_for_member(member, activity_id), {"member": member}
    activity = selectors.activity_for(request.user, activity_id)
    if not selectors.may_manage(request.user, activity.org_path):
        raise PermissionDenied
    return activity, _people(request.user, payload)


@router.post("/activities/{int:activity_id}/signups", response={201: ActivityOut},
             summary="Sign up for an activity (yourself, or anyone as staff)")
def sign_up(request, activity_id: int, payload: PersonIn):
    activity, person = _signing(request, activity_id, payload)
    services.signup(actor=request.user, activity=activity, **person)
    activity.refresh_from_db()
    return Status(201, _activity(activity))


@router.post("/activities/{int:activity_id}/withdrawals", response=ActivityOut, summary="Withdraw a sign-up")
def withdraw(request, activity_id: int, payload: PersonIn):
    activity, person = _signing(request, activity_id, payload)
    services.withdraw(actor=request.user, activity=activity, **person)
    activity.refresh_from_db()
    return _activity(activity)


@router.post("/activities/{int:activity_id}/roll", response={201: list[CheckInOut]},
             summary="Record who was present on the staff roll")
def record_roll(request, activity_id: int, payload: RollIn):
    activity = selectors.activity_for(request.user, activity_id)
    if not selectors.may_manage(request.user, activity.org_path):
        raise PermissionDenied
    members, volunteers = selectors.people_named(request.user, members=payload.members,
                                                 volunteers=payload.volunteers)
    recorded = services.roll_record(actor=request.user, activity=activity, members=members, volunteers=volunteers,
                                    hours=payload.hours)
    return Status(201, [_check_in(row) for row in recorded])


@router.post("/activities/{int:activity_id}/check-ins/{int:check_in_id}/remove", response=ActivityDetailOut,
             summary="Remove a check-in recorded by mistake, taking back its hours")
def remove_check_in(request, activity_id: int, check_in_id: int, payload: ReasonIn):
    activity = selectors.activity_for(request.user, activity_id)
    services.check_in_remove(actor=request.user, check_in=selectors.check_in_for(activity, check_in_id),
                             reason=payload.reason)
    return _activity_detail(request, selectors.activity_for(request.user, activity.pk))


@router.post("/check-in", response={201: CheckInOut}, summary="Check yourself in with an activity's code")
def check_in(request, payload: CheckInIn):
    """The token is the last part of the check-in link the activity's QR code carries. It checks in
    from DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES before the start until the end."""
    activity = selectors.activity_by_token(payload.token)
    return Status(201, _check_in(services.check_in(actor=request.user, activity=activity)))


@router.get("/statistics", response=StatisticsOut, summary="Teams, activities and hours of a subtree, by month")
def statistics(request, filters: Query[StatisticsFilter]):
    organization = _organization(request.user, filters.org)
    first, last = filters.months()
    return {"organization": _org(organization), "first": org_counts.month_of(first), "last": org_counts.month_of(last),
            **tally.figures(organization, first, last)}


@router.get("/me", response=OwnServiceOut, summary="Your own activities, volunteer and study hours this year")
def own_service(request):
    member = own_member(request.user)
    if member is None:
        raise Http404
    now, year = timezone.now(), timezone.localdate().year
    mine = selectors.own_service(member, year=year, now=now)
    return {"year": year, "volunteer_hours": mine["volunteer_hours"], "study_hours": mine["study_hours"],
            "study_target": mine["study_target"], "activities_attended": mine["attended_count"],
            "upcoming": [_activity(row.activity) for row in mine["upcoming"]],
            "attended": [_check_in(row) for row in mine["attended"]],
            "open": [_activity(row) for row in selectors.open_activities(member, now=now)[:50]]}

"""Writes of service teams, volunteers and activities: forming and disbanding teams, people joining
and leaving them and their availability, appointing a leader, registering volunteers, organising
and cancelling activities, signing up and withdrawing, checking in by code or on a staff roll,
removing a check-in recorded by mistake, and the volunteer and study hours that a check-in
credits.

Each write is one transaction with its audit line and its roll-up counts; a refused one changes
nothing. Sign-up, check-in, the roll, changes and cancellation lock the activity's row first, so
that it closes at capacity however many sign up at once and a cancellation never passes a
check-in; a person is checked in once (a unique constraint, whoever races)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity
from dangjian.core.models import AuditAction
from dangjian.core.scope import require_permission
from dangjian.members.models import Member
from dangjian.members.selectors.own import own_member
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.service import rules, selectors, tally
from dangjian.service.models import (
    Activity,
    CheckIn,
    EmergencyAvailability,
    NormalAvailability,
    ServiceTeam,
    SignUp,
    TeamKind,
    TeamMembership,
    Volunteer,
)
from dangjian.study import services as study_services
from dangjian.study.models import StudyKind

TEAM_LEVELS = (Level.COMMUNITY, Level.GRID)
VOLUNTEER_LEVELS = (Level.COMMUNITY,)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, path: str) -> None:
    require_permission(actor, Permission.MANAGE_SERVICE, path, _("Your role does not allow this for this organisation."))


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


# --- volunteers ---------------------------------------------------------------------------------------

@transaction.atomic
def volunteer_register(*, actor, community: Organization, name: str, phone: str = "", consent: bool) -> Volunteer:
    """Register a resident who volunteers without being a member, with their consent to keeping
    their name and phone, which staff record."""
    _require(actor, community.path)
    errors = {}
    if community.level not in VOLUNTEER_LEVELS or community.is_dissolved:
        errors["community"] = [_("Choose the community the volunteer lives in.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the volunteer's name.")]
    stored = ""
    if (phone or "").strip():
        try:
            stored = identity.normalise_phone(phone)
        except identity.InvalidPhone as error:
            errors["phone"] = [str(error)]
    if not consent:
        errors["consent"] = [_("Record the volunteer's consent to keeping their name and phone first.")]
    if errors:
        raise ValidationError(errors)
    volunteer = Volunteer.objects.create(
        city_id=community.city_id, community=community, org_path=community.path, name=_text(name, 50),
        phone_sealed=crypto.seal(stored) if stored else None, phone_last4=stored[-4:], consent_at=timezone.now(),
        consent_recorded_by=_user(actor))
    audit.record(AuditAction.CREATE, actor=actor, obj=volunteer, org_path=volunteer.org_path,
                 changes={"volunteer": {"community": community.code, "consent": True}})
    return volunteer


# --- teams --------------------------------------------------------------------------------------------

@transaction.atomic
def team_save(*, actor, team: ServiceTeam | None = None, organization: Organization | None = None, name: str,
              kind: str, description: str = "") -> ServiceTeam:
    """Form a team of a grid or community organisation, or change a team's name, kind and
    description (its organisation stays)."""
    if team is not None:
        team = ServiceTeam.objects.select_for_update().select_related("organization").get(pk=team.pk)
        organization = team.organization
    if organization is None:
        raise ValidationError({"organization": [_("Choose the grid or community the team belongs to.")]})
    _require(actor, organization.path)
    errors = {}
    if team is None and (organization.level not in TEAM_LEVELS or organization.is_dissolved):
        errors["organization"] = [_("A team belongs to a live grid or community organisation.")]
    if team is not None and team.disbanded_on is not None:
        errors["name"] = [_("This team has been disbanded.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the team's name.")]
    if kind not in TeamKind.values:
        errors["kind"] = [_("Choose a kind of team.")]
    if errors:
        raise ValidationError(errors)
    values = {"name": _text(name, 100), "kind": kind, "description": _text(description, 1000)}
    if team is None:
        team = ServiceTeam.objects.create(city_id=organization.city_id, organization=organization,
                                          org_path=organization.path, formed_on=timezone.localdate(), **values)
        tally.add(team.org_path, team.formed_on, teams=1)
        audit.record(AuditAction.CREATE, actor=actor, obj=team, org_path=team.org_path, changes={"team": values})
        return team
    before = {key: getattr(team, key) for key in values}
    for key, value in values.items():
        setattr(team, key, value)
    team.save(update_fields=list(values))
    audit.record(AuditAction.UPDATE, actor=actor, obj=team, org_path=team.org_path,
                 changes={"team": audit.diff(before, values)})
    return team


@transaction.atomic
def team_disband(*, actor, team: ServiceTeam) -> ServiceTeam:
    """Disband a team: everyone in it leaves today; its activities stay on record."""
    _require(actor, team.org_path)
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    if team.disbanded_on is not None:
        raise ValidationError({"team": [_("This team has already been disbanded.")]})
    today = timezone.localdate()
    current = team.memberships.filter(left_on__isnull=True)
    # Counted by the updates themselves: one who left at the same moment is not taken back twice.
    members = current.filter(member__isnull=False).update(left_on=today)
    volunteers = current.filter(volunteer__isnull=False).update(left_on=today)
    team.disbanded_on, team.leader = today, None
    team.save(update_fields=["disbanded_on", "leader"])
    tally.add(team.org_path, today, teams=-1, team_members=-members, team_volunteers=-volunteers)
    audit.record(AuditAction.UPDATE, actor=actor, obj=team, org_path=team.org_path,
                 changes={"team": {"disbanded_on": today.isoformat()}})
    return team


def _availability_errors(normal: str, emergency: str) -> dict:
    errors = {}
    if normal not in NormalAvailability.values:
        errors["normal"] = [_("Choose when they can serve in normal time.")]
    if emergency not in EmergencyAvailability.values:
        errors["emergency"] = [_("Choose how soon they answer in an emergency.")]
    return errors


@transaction.atomic
def team_add_person(*, actor, team: ServiceTeam, member: Member | None = None, volunteer: Volunteer | None = None,
                    normal: str = NormalAvailability.WEEKENDS,
                    emergency: str = EmergencyAvailability.SAME_DAY) -> TeamMembership:
    """Add a member or a registered volunteer to a team, with when they can serve in normal time
    and how soon they answer in an emergency."""
    _require(actor, team.org_path)
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    errors = {}
    if team.disbanded_on is not None:
        errors["team"] = [_("This team has been disbanded.")]
    if (member is None) == (volunteer is None):
        errors["person"] = [_("Choose one member or one volunteer.")]
    elif member is not None and member.left_on is not None:
        errors["person"] = [_("%(name)s is no longer a member.") % {"name": member.name}]
    errors |= _availability_errors(normal, emergency)
    if not errors and team.memberships.filter(left_on__isnull=True, member=member, volunteer=volunteer).exists():
        errors["person"] = [_("%(name)s is in this team already.") % {"name": (member or volunteer).name}]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    membership = TeamMembership.objects.create(team=team, member=member, volunteer=volunteer, joined_on=today,
                                               normal=normal, emergency=emergency)
    tally.add(team.org_path, today, team_members=int(member is not None), team_volunteers=int(volunteer is not None))
    audit.record(AuditAction.CREATE, actor=actor, obj=team, org_path=team.org_path, changes={"team_person": {
        "member": getattr(member, "pk", None), "volunteer": getattr(volunteer, "pk", None), "normal": normal,
        "emergency": emergency}})
    return membership


@transaction.atomic
def team_remove_person(*, actor, membership: TeamMembership) -> TeamMembership:
    """A person leaves the team today; a leader who leaves is no longer its leader."""
    team = membership.team
    _require(actor, team.org_path)
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.left_on is not None:
        raise ValidationError({"person": [_("%(name)s has left this team already.") % {
            "name": membership.person.name}]})
    _end_membership(actor, membership, team, timezone.localdate())
    return membership


def _end_membership(actor, membership: TeamMembership, team: ServiceTeam, on: dt.date) -> None:
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    if membership.member_id is not None:
        ServiceTeam.objects.filter(pk=team.pk, leader_id=membership.member_id).update(leader=None)
    tally.add(team.org_path, on, team_members=-int(membership.member_id is not None),
              team_volunteers=-int(membership.volunteer_id is not None))
    audit.record(AuditAction.UPDATE, actor=actor, obj=team, org_path=team.org_path, changes={"team_person": {
        "member": membership.member_id, "volunteer": membership.volunteer_id, "left_on": on.isoformat()}})


def leave_teams(*, member: Member, on: dt.date, actor, **_signal) -> None:
    """A member who left the Party (or the system) leaves every team they were in, as of the same
    day, and leads none: called by ``members.signals.member_left`` inside the register's own
    transaction, on the authority of whoever recorded the departure there."""
    for membership in (TeamMembership.objects.select_for_update().select_related("team")
                       .filter(member=member, left_on__isnull=True)):
        _end_membership(actor, membership, membership.team, max(on, membership.joined_on))


@transaction.atomic
def team_change_availability(*, actor, membership: TeamMembership, normal: str, emergency: str) -> TeamMembership:
    """Change when a person in a team serves in normal time and how soon they answer in an
    emergency; they keep their place and the day they joined."""
    _require(actor, membership.team.org_path)
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    errors = _availability_errors(normal, emergency)
    if membership.left_on is not None:
        errors["person"] = [_("%(name)s has left this team already.") % {"name": membership.person.name}]
    if errors:
        raise ValidationError(errors)
    values = {"normal": normal, "emergency": emergency}
    before = {key: getattr(membership, key) for key in values}
    for key, value in values.items():
        setattr(membership, key, value)
    membership.save(update_fields=list(values))
    audit.record(AuditAction.UPDATE, actor=actor, obj=membership.team, org_path=membership.team.org_path,
                 changes={"team_person": {"member": membership.member_id, "volunteer": membership.volunteer_id,
                                          **audit.diff(before, values)}})
    return membership


@transaction.atomic
def team_appoint_leader(*, actor, team: ServiceTeam, member: Member) -> ServiceTeam:
    """Make a Party member of the team its leader."""
    _require(actor, team.org_path)
    team = ServiceTeam.objects.select_for_update().get(pk=team.pk)
    if team.disbanded_on is not None:
        raise ValidationError({"leader": [_("This team has been disbanded.")]})
    if not team.memberships.filter(member=member, left_on__isnull=True).exists():
        raise ValidationError({"leader": [_("The leader is a Party member in the team: add %(name)s first.") % {
            "name": member.name}]})
    previous = team.leader_id
    team.leader = member
    team.save(update_fields=["leader"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=team, org_path=team.org_path,
                 changes={"team": {"leader": [previous, member.pk]}})
    return team


# --- activities ---------------------------------------------------------------------------------------

@transaction.atomic
def activity_save(*, actor, activity: Activity | None = None, organization: Organization | None = None,
                  team: ServiceTeam | None = None, title: str, place: str, starts_at: dt.datetime | None,
                  ends_at: dt.datetime | None, capacity: int | None, description: str = "",
                  signup_until: dt.datetime | None = None, counts_as_study: bool = False) -> Activity:
    """Organise an activity, for a team (organised by the team's organisation) or an organisation;
    or change one that has not begun. Fewer places than people signed up are refused."""
    if activity is not None:
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        organization, team = activity.organization, activity.team
    elif team is not None:
        organization = team.organization
    if organization is None:
        raise ValidationError({"organization": [_("Choose the organisation or team that organises it.")]})
    _require(actor, organization.path)
    now = timezone.now()
    errors = {field: [message] for field, message in rules.activity_errors(
        start=starts_at, end=ends_at, capacity=capacity, signup_until=signup_until, now=now).items()}
    if not (title or "").strip():
        errors["title"] = [_("Give the activity's title.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where it takes place.")]
    if team is not None and team.disbanded_on is not None:
        errors["team"] = [_("This team has been disbanded.")]
    if organization.is_dissolved:
        errors["organization"] = [_("%(name)s has been dissolved.") % {"name": organization.name}]
    if activity is not None:
        if activity.is_cancelled:
            errors["title"] = [_("This activity has been cancelled.")]
        elif activity.starts_at <= now:
            errors["starts_at"] = [_("An activity that has begun cannot be changed.")]
        else:
            fixed = rules.fixed_once_present_errors(
                present=activity.present, before={field: getattr(activity, field) for field in rules.FIXED_ONCE_PRESENT},
                after={"starts_at": starts_at, "ends_at": ends_at, "counts_as_study": counts_as_study})
            errors |= {field: [message] for field, message in fixed.items()}
        if capacity is not None and capacity < activity.signed_up:
            errors["capacity"] = [_("%(count)s people have signed up: give at least as many places.") % {
                "count": activity.signed_up}]
    if errors:
        raise ValidationError(errors)
    values = {"title": _text(title, 100), "place": _text(place, 200), "description": _text(description, 2000),
              "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity, "signup_until": signup_until,
              "counts_as_study": counts_as_study}
    if activity is None:
        activity = Activity.objects.create(city_id=organization.city_id, organization=organization,
                                           org_path=organization.path, team=team, created_by=_user(actor), **values)
        tally.add(activity.org_path, timezone.localtime(starts_at).date(), activities=1)
        audit.record(AuditAction.CREATE, actor=actor, obj=activity, org_path=activity.org_path, changes={
            "activity": {"title": activity.title, "team": getattr(team, "pk", None),
                         "starts_at": starts_at.isoformat(), "capacity": capacity}})
        return activity
    old_day = timezone.localtime(activity.starts_at).date()
    before = {key: getattr(activity, key) for key in values}
    for key, value in values.items():
        setattr(activity, key, value)
    activity.save(update_fields=list(values))
    tally.add(activity.org_path, old_day, activities=-1)
    tally.add(activity.org_path, timezone.localtime(starts_at).date(), activities=1)
    audit.record(AuditAction.UPDATE, actor=actor, obj=activity, org_path=activity.org_path,
                 changes={"activity": {key: [str(old), str(new)] for key, (old, new) in
                                       audit.diff(before, values).items()}})
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    """Cancel an activity nobody has been checked in to; those signed up keep their sign-up on record."""
    _require(actor, activity.org_path)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    errors = {}
    if activity.is_cancelled:
        errors["reason"] = [_("This activity has been cancelled already.")]
    elif activity.present:
        errors["reason"] = [_("People have been checked in: the activity took place.")]
    if not (reason or "").strip():
        errors["reason"] = errors.get("reason") or [_("Say why it is cancelled.")]
    if errors:
        raise ValidationError(errors)
    activity.cancelled_at, activity.cancel_reason = timezone.now(), _text(reason, 200)
    activity.save(update_fields=["cancelled_at", "cancel_reason"])
    tally.add(activity.org_path, timezone.localtime(activity.starts_at).date(), activities=-1)
    audit.record(AuditAction.UPDATE, actor=actor, obj=activity, org_path=activity.org_path,
                 changes={"activity": {"cancelled": activity.cancel_reason}})
    return activity


def _may_act_for(actor, activity: Activity, member: Member | None, volunteer: Volunteer | None) -> None:
    """A member signs themselves up (for an activity open to them); staff over the activity sign up
    anyone, volunteers only by staff."""
    own = member is not None and own_member(actor) == member
    if own:
        if not selectors.is_open_to(member, activity):
            raise PermissionDenied(_("This activity is not open to you."))
        return
    _require(actor, activity.org_path)


def _person_errors(member, volunteer) -> dict:
    if (member is None) == (volunteer is None):
        return {"person": [_("Choose one member or one volunteer.")]}
    return {}


@transaction.atomic
def signup(*, actor, activity: Activity, member: Member | None = None, volunteer: Volunteer | None = None,
           now: dt.datetime | None = None) -> SignUp:
    """Sign a member or volunteer up. The activity's row is locked first: of any number signing up
    at once, only as many as there are places get in."""
    errors = _person_errors(member, volunteer)
    if errors:
        raise ValidationError(errors)
    _may_act_for(actor, activity, member, volunteer)
    now = now or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    existing = SignUp.objects.filter(activity=activity, member=member, volunteer=volunteer).first()
    if activity.is_cancelled:
        errors["activity"] = [_("This activity has been cancelled.")]
    elif now >= activity.signup_closes_at:
        errors["activity"] = [_("Sign-up closed at %(time)s.") % {
            "time": timezone.localtime(activity.signup_closes_at).strftime("%Y-%m-%d %H:%M")}]
    elif existing is not None and existing.withdrawn_at is None:
        errors["person"] = [_("%(name)s has signed up already.") % {"name": (member or volunteer).name}]
    elif activity.signed_up >= activity.capacity:
        errors["activity"] = [_("All %(capacity)s places are taken.") % {"capacity": activity.capacity}]
    if errors:
        raise ValidationError(errors)
    if existing is None:
        existing = SignUp.objects.create(activity=activity, member=member, volunteer=volunteer, at=now,
                                         by=_user(actor))
    else:
        existing.at, existing.withdrawn_at, existing.by = now, None, _user(actor)
        existing.save(update_fields=["at", "withdrawn_at", "by"])
    Activity.objects.filter(pk=activity.pk).update(signed_up=activity.signed_up + 1)
    audit.record(AuditAction.CREATE, actor=actor, obj=activity, org_path=activity.org_path, changes={"signup": {
        "member": getattr(member, "pk", None), "volunteer": getattr(volunteer, "pk", None)}})
    return existing


@transaction.atomic
def withdraw(*, actor, activity: Activity, member: Member | None = None, volunteer: Volunteer | None = None,
             now: dt.datetime | None = None) -> SignUp:
    """Take back a sign-up before the activity starts; the place opens for someone else."""
    errors = _person_errors(member, volunteer)
    if errors:
        raise ValidationError(errors)
    # A member takes back their own sign-up even when the activity is no longer open to them (they
    # moved away since): the sign-up itself, checked below, is all they need.
    if member is None or own_member(actor) != member:
        _require(actor, activity.org_path)
    now = now or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    existing = SignUp.objects.filter(activity=activity, member=member, volunteer=volunteer,
                                     withdrawn_at__isnull=True).first()
    if existing is None:
        raise ValidationError({"person": [_("%(name)s has not signed up.") % {"name": (member or volunteer).name}]})
    if now >= activity.starts_at:
        raise ValidationError({"activity": [_("The activity has begun: a sign-up can no longer be withdrawn.")]})
    existing.withdrawn_at = now
    existing.save(update_fields=["withdrawn_at"])
    Activity.objects.filter(pk=activity.pk).update(signed_up=activity.signed_up - 1)
    audit.record(AuditAction.UPDATE, actor=actor, obj=activity, org_path=activity.org_path, changes={"withdrawal": {
        "member": getattr(member, "pk", None), "volunteer": getattr(volunteer, "pk", None)}})
    return existing


# --- check-in and hours -------------------------------------------------------------------------------

def _already(activity: Activity, person) -> ValidationError:
    return ValidationError({"person": [_("%(name)s was checked in to %(title)s already.") % {
        "name": person.name, "title": activity.title}]})


def _study_source(activity: Activity) -> str:
    return f"service.activity:{activity.pk}"


def _present(actor, activity: Activity, *, member: Member | None, volunteer: Volunteer | None, at: dt.datetime,
             method: str, late: bool, staff_hours: Decimal | None) -> CheckIn:
    """Record one person present with their hours (and, for a member at a study activity, their
    study hours through the study service); ``_count`` counts them. A second check-in of the same
    person is refused by the unique constraint, whoever wins the race."""
    hours = staff_hours if staff_hours is not None else rules.volunteer_hours(activity.starts_at, activity.ends_at)
    study = Decimal(0)
    if member is not None and activity.counts_as_study:
        study = rules.study_hours(activity.starts_at, activity.ends_at, staff_hours)
    day = timezone.localtime(activity.starts_at).date()
    try:
        with transaction.atomic():
            check_in = CheckIn.objects.create(
                activity=activity, member=member, volunteer=volunteer, city_id=activity.city_id,
                org_path=activity.org_path, on=day, at=at, method=method, late=late, hours=hours,
                hours_by_staff=staff_hours is not None, study_hours=study, recorded_by=_user(actor))
    except IntegrityError:
        raise _already(activity, member or volunteer) from None
    if study:
        study_services.record(actor=actor, member=member, on=day, hours=study, kind=StudyKind.ACTIVITY,
                              source=_study_source(activity), title=activity.title)
    return check_in


def _count(activity: Activity, present: list[CheckIn]) -> None:
    """Count those just recorded present, in the activity and its roll-ups, at once: the first
    people present make the activity one that was held."""
    first = Activity.objects.filter(pk=activity.pk, present=0).update(present=len(present))
    if not first:
        Activity.objects.filter(pk=activity.pk).update(present=F("present") + len(present))
    tally.add(activity.org_path, present[0].on, activities_held=first, participations=len(present),
              member_participations=sum(row.member_id is not None for row in present),
              volunteer_participations=sum(row.volunteer_id is not None for row in present),
              late=sum(row.late for row in present),
              volunteer_hours_tenths=sum(tally.tenths(row.hours) for row in present),
              study_hours_tenths=sum(tally.tenths(row.study_hours) for row in present))


@transaction.atomic
def check_in(*, actor, activity: Activity, now: dt.datetime | None = None) -> CheckIn:
    """The signed-in member checks themself in with the activity's code, in the check-in window
    (from ``DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES`` before the start to the end), if the activity
    is open to them or they signed up (no sign-up is needed otherwise: people walk in); after the
    start plus ``DANGJIAN_SERVICE_LATE_AFTER_MINUTES`` they are marked late."""
    member = own_member(actor)
    if member is None:
        raise PermissionDenied(_("Only a member signed in with their own account checks in by code."))
    now = now or timezone.now()
    # Locked first, so that a cancellation or a change committed meanwhile is seen, and waits for this.
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    refusal = rules.check_in_refusal(now, activity.starts_at, activity.ends_at, selectors.check_in_opens_before(),
                                     activity.is_cancelled)
    if refusal:
        raise ValidationError({"activity": [refusal]})
    if CheckIn.objects.filter(activity=activity, member=member).exists():
        raise _already(activity, member)
    # The code proves presence, but travels with a forwarded photo: it checks in only those the
    # activity is open to or who were signed up; staff put anyone else on the roll.
    if not (selectors.is_open_to(member, activity) or selectors.signed_up(activity, member)):
        raise ValidationError({"activity": [_(
            "“%(title)s” is open to the members of %(org)s and those signed up: ask its organisers to put you "
            "on the roll.") % {"title": activity.title, "org": activity.organization.name}]})
    found = _present(actor, activity, member=member, volunteer=None, at=now, method=CheckIn.Method.CODE,
                     late=rules.is_late(now, activity.starts_at, selectors.late_after()), staff_hours=None)
    _count(activity, [found])
    audit.record(AuditAction.CREATE, actor=actor, obj=activity, org_path=activity.org_path, changes={
        "check_in": {"member": member.pk, "method": "code", "late": found.late, "hours": str(found.hours)}})
    return found


@transaction.atomic
def roll_record(*, actor, activity: Activity, members=(), volunteers=(), hours: Decimal | None = None,
                now: dt.datetime | None = None) -> list[CheckIn]:
    """Staff tick who was present, members and volunteers, once the check-in window has opened;
    with ``hours``, each is credited that figure (bounded) instead of the activity's span. Anyone
    already checked in is named and nothing is written."""
    _require(actor, activity.org_path)
    now = now or timezone.now()
    # Locked first, so that a cancellation or a change committed meanwhile is seen, and waits for this.
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    errors = {}
    opens, _closes = rules.check_in_window(activity.starts_at, activity.ends_at, selectors.check_in_opens_before())
    if activity.is_cancelled:
        errors["activity"] = [_("This activity has been cancelled.")]
    elif now < opens:
        errors["activity"] = [_("The roll is taken from %(time)s.") % {
            "time": timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")}]
    members, volunteers = list(dict.fromkeys(members)), list(dict.fromkeys(volunteers))
    if not members and not volunteers:
        errors["people"] = [_("Tick at least one person present.")]
    staff_hours = None
    if hours is not None:
        try:
            staff_hours = rules.checked_staff_hours(hours, activity.starts_at, activity.ends_at)
        except rules.HoursRefused as refused:
            errors["hours"] = [str(refused)]
    present = set(CheckIn.objects.filter(activity=activity).filter(
        Q(member__in=members) | Q(volunteer__in=volunteers)).values_list("member_id", "volunteer_id"))
    present_members = {member for member, _volunteer in present}
    present_volunteers = {volunteer for _member, volunteer in present}
    already = [person.name for person in members if person.pk in present_members] + \
              [person.name for person in volunteers if person.pk in present_volunteers]
    if already:
        errors["people"] = [_("Checked in already: %(names)s.") % {"names": "、".join(already)}]
    if errors:
        raise ValidationError(errors)
    recorded = [_present(actor, activity, member=person, volunteer=None, at=now, method=CheckIn.Method.ROLL,
                         late=False, staff_hours=staff_hours) for person in members]
    recorded += [_present(actor, activity, member=None, volunteer=person, at=now, method=CheckIn.Method.ROLL,
                          late=False, staff_hours=staff_hours) for person in volunteers]
    _count(activity, recorded)
    audit.record(AuditAction.CREATE, actor=actor, obj=activity, org_path=activity.org_path, changes={"roll": {
        "members": [person.pk for person in members], "volunteers": [person.pk for person in volunteers],
        "hours": str(staff_hours) if staff_hours is not None else None}})
    return recorded


@transaction.atomic
def check_in_remove(*, actor, check_in: CheckIn, reason: str) -> CheckIn:
    """Take back a check-in that should not have been recorded (someone ticked on the roll by
    mistake), with the reason: the person is no longer counted present, and the volunteer hours
    and study hours it credited are taken back, from the study record and from the roll-ups of
    the check-in's month. A cancelled activity is no exception: a check-in that raced its
    cancellation is put right this way."""
    _require(actor, check_in.org_path)
    activity = Activity.objects.select_for_update().get(pk=check_in.activity_id)
    check_in = CheckIn.objects.select_related("member", "volunteer").filter(pk=check_in.pk).first()
    errors = {}
    if check_in is None:
        errors["check_in"] = [_("This check-in has been removed already.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the check-in is removed.")]
    if errors:
        raise ValidationError(errors)
    reason = _text(reason, 200)
    check_in.delete()
    Activity.objects.filter(pk=activity.pk).update(present=F("present") - 1)
    if check_in.study_hours:
        study_services.record_remove(actor=actor, member=check_in.member, source=_study_source(activity),
                                     reason=reason)
    tally.add(activity.org_path, check_in.on, activities_held=-int(activity.present == 1), participations=-1,
              member_participations=-int(check_in.member_id is not None),
              volunteer_participations=-int(check_in.volunteer_id is not None), late=-int(check_in.late),
              volunteer_hours_tenths=-tally.tenths(check_in.hours),
              study_hours_tenths=-tally.tenths(check_in.study_hours))
    audit.record(AuditAction.DELETE, actor=actor, obj=activity, org_path=activity.org_path, changes={"check_in": {
        "member": check_in.member_id, "volunteer": check_in.volunteer_id, "hours": str(check_in.hours),
        "study_hours": str(check_in.study_hours), "reason": reason}})
    return check_in

"""Reads of service teams, volunteers and activities, within the reader's scope (VIEW_SERVICE on
the organisation's path); a member reads the activities open to them and their own record."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core.paging import MAX_KEY, after_key
from dangjian.core.scope import PATH_END, Scope, has_permission, scope_for
from dangjian.members.models import Member, ResidenceRegistration
from dangjian.orgs.counts import prefixes
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.service.models import Activity, CheckIn, ServiceTeam, SignUp, TeamMembership, Volunteer
from dangjian.study import rules as study_rules
from dangjian.study import selectors as study_selectors


def service_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_SERVICE)


def may_manage(user, path: str) -> bool:
    return has_permission(user, Permission.MANAGE_SERVICE, path)


def _under(organization: Organization, field: str = "org_path") -> Q:
    return Q(**{f"{field}__gte": organization.path, f"{field}__lt": organization.path + PATH_END})



def _possible(pks) -> list[int]:
    return [pk for pk in pks if 1 <= pk <= MAX_KEY]


def check_in_opens_before() -> dt.timedelta:
    """How long before the start an activity's code begins to check people in (a setting)."""
    return dt.timedelta(minutes=settings.DANGJIAN_SERVICE_CHECK_IN_OPENS_MINUTES)


def late_after() -> dt.timedelta:
    """How long after the start a check-in is still on time (a setting)."""
    return dt.timedelta(minutes=settings.DANGJIAN_SERVICE_LATE_AFTER_MINUTES)


# --- teams and volunteers -----------------------------------------------------------------------------

def teams_under(user, organization: Organization) -> QuerySet:
    return service_scope(user).filter(ServiceTeam.objects.filter(_under(organization))
                                      .select_related("organization", "leader").order_by("-pk"))


def team_for(user, pk: int) -> ServiceTeam:
    return service_scope(user).get_or_404(ServiceTeam.objects.select_related("organization", "leader"), pk=pk)


def teams_served_by(member: Member) -> QuerySet:
    """The keys of the teams ``member`` belongs to now (a leader is always one of them): the
    requests assigned to those teams are the member's to work on."""
    return TeamMembership.objects.filter(member=member, left_on__isnull=True).values("team_id")


def team_people(team: ServiceTeam, *, current: bool = True) -> QuerySet:
    people = team.memberships.select_related("member", "volunteer").order_by("volunteer_id", "joined_on", "pk")
    return people.filter(left_on__isnull=True) if current else people


def membership_of(team: ServiceTeam, pk: int) -> TeamMembership:
    found = team.memberships.select_related("member", "volunteer").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def current_membership_of_member(team: ServiceTeam, member_pk: int) -> TeamMembership | None:
    """The member ``member_pk``'s place in ``team`` now, if they hold one."""
    if not _possible([member_pk]):
        return None
    return team.memberships.filter(member_id=member_pk, left_on__isnull=True).select_related("member").first()


def volunteers_under(user, organization: Organization) -> QuerySet:
    return service_scope(user).filter(Volunteer.objects.filter(_under(organization))
                                      .select_related("community").order_by("-pk"))


def volunteer_for(user, pk: int) -> Volunteer:
    return service_scope(user).get_or_404(Volunteer.objects.select_related("community"), pk=pk)


def members_for(user, pks) -> list[Member]:
    """The current members among ``pks`` that ``user`` may put in a team or on a roll, in the
    order given: those of an organisation in their service scope, or confirmed as living in it."""
    pks = _possible(pks)
    if not pks:
        return []
    scope = service_scope(user)
    lives_here = Q(residence__status=ResidenceRegistration.Status.CONFIRMED) & scope.q("residence__org_path")
    found = {member.pk: member for member in
             Member.objects.current().filter(scope.q("org_path") | lives_here).filter(pk__in=pks).distinct()}
    return [found[pk] for pk in pks if pk in found]


def member_for(user, pk: int | None) -> Member | None:
    """One of ``members_for``; None when none is named or found."""
    return next(iter(members_for(user, [pk])), None) if pk is not None else None


def volunteers_named(user, pks) -> list[Volunteer]:
    """The volunteers among ``pks`` registered in ``user``'s service scope, in the order given."""
    pks = _possible(pks)
    if not pks:
        return []
    found = {volunteer.pk: volunteer for volunteer in service_scope(user).filter(Volunteer.objects.filter(pk__in=pks))}
    return [found[pk] for pk in pks if pk in found]


def volunteer_named(user, pk: int | None) -> Volunteer | None:
    return next(iter(volunteers_named(user, [pk])), None) if pk is not None else None


def no_member(number) -> str:
    return _("No current member %(number)s within your organisation.") % {"number": number}


def no_volunteer(number) -> str:
    return _("No volunteer %(number)s within your organisation.") % {"number": number}


def people_named(user, *, members=(), volunteers=(), shown=()) -> tuple[list[Member], list[Volunteer]]:
    """The members and volunteers named by key that ``user`` may put on a roll, in the order given.
    A key not found (no such person, or outside the scope) is refused, named by its place in the
    list (``members[0]``, ``volunteers[2]``) and by its number, and by name too when the caller
    has shown that person by name (in ``shown``, such as those signed up)."""
    names = {(type(person), person.pk): person.name for person in shown}
    found_members = {member.pk: member for member in members_for(user, members)}
    found_volunteers = {volunteer.pk: volunteer for volunteer in volunteers_named(user, volunteers)}
    errors = {}
    for field, model, keys, found, message in (("members", Member, members, found_members, no_member),
                                                ("volunteers", Volunteer, volunteers, found_volunteers, no_volunteer)):
        for index, pk in enumerate(keys):
            if pk not in found:
                name = names.get((model, pk))
                errors[f"{field}[{index}]"] = [_("%(name)s: %(refusal)s") % {"name": name, "refusal": message(pk)}
                                               if name else message(pk)]
    if errors:
        raise ValidationError(errors)
    return [found_members[pk] for pk in members], [found_volunteers[pk] for pk in volunteers]


# --- activities ---------------------------------------------------------------------------------------

def team_activities(team: ServiceTeam, *, after: int | None = None) -> QuerySet:
    """A team's activities, latest start first, from after the activity ``after``: pages by key."""
    rows = team.activities.order_by("-starts_at", "-pk")
    return rows if after is None else after_key(rows, after, "starts_at", descending=True)


def activities_under(user, organization: Organization, *, after: int | None = None) -> QuerySet:
    """Activities organised in ``organization``'s subtree, latest start first, from after the
    activity ``after``: pages by key."""
    rows = service_scope(user).filter(Activity.objects.filter(_under(organization))
                                      .select_related("team", "organization").order_by("-starts_at", "-pk"))
    return rows if after is None else after_key(rows, after, "starts_at", descending=True)


def activity_for(user, pk: int) -> Activity:
    """The activity for its staff page: 404 outside the reader's scope."""
    return service_scope(user).get_or_404(Activity.objects.select_related("team", "organization"), pk=pk)


def activity_by_token(token: str) -> Activity:
    found = Activity.objects.select_related("organization").filter(check_in_token=token).first() if token else None
    if found is None:
        raise Http404
    return found


def _open_to(member: Member) -> Q:
    """Where the activities a member may join are organised: their own organisation and those above
    it, anything in their community, and anything in the community where they registered to live."""
    condition = Q(org_path__in=prefixes(member.org_path))
    communities = [path for path, level in Organization.objects.filter(path__in=prefixes(member.org_path))
                   .values_list("path", "level") if level == Level.COMMUNITY]
    registration = ResidenceRegistration.objects.filter(
        member=member, status=ResidenceRegistration.Status.CONFIRMED).values_list("community__path", flat=True).first()
    for path in [*communities, *([registration] if registration else [])]:
        condition |= Q(org_path__gte=path, org_path__lt=path + PATH_END)
    return condition


def open_activities(member: Member, *, now: dt.datetime, after: int | None = None) -> QuerySet:
    """Activities the member may still sign up for, soonest first, after the activity ``after``:
    places left, sign-up open, and not those they signed up for (listed apart) or checked in at
    already (a walk-in needs no sign-up)."""
    signed = SignUp.objects.filter(activity=OuterRef("pk"), member=member, withdrawn_at__isnull=True)
    present = CheckIn.objects.filter(activity=OuterRef("pk"), member=member)
    rows = (Activity.objects.filter(_open_to(member), ~Exists(signed), ~Exists(present), cancelled_at__isnull=True,
                                    starts_at__gt=now, signed_up__lt=F("capacity"))
            .filter(Q(signup_until__isnull=True) | Q(signup_until__gt=now))
            .select_related("team", "organization").order_by("starts_at", "pk"))
    return rows if after is None else after_key(rows, after, "starts_at")


def is_open_to(member: Member, activity: Activity) -> bool:
    """Whether ``activity`` is organised where ``member`` may join it."""
    return Activity.objects.filter(_open_to(member), pk=activity.pk).exists()


def activity_for_member(member: Member, pk: int) -> Activity:
    """An activity the member may see: one open to them, or one they signed up for or attended."""
    found = (Activity.objects.select_related("team", "organization")
             .filter(_open_to(member) | Q(signups__member=member) | Q(check_ins__member=member))
             .filter(pk=pk).distinct().first())
    if found is None:
        raise Http404
    return found


def signups(activity: Activity) -> QuerySet:
    return (activity.signups.filter(withdrawn_at__isnull=True).select_related("member", "volunteer")
            .order_by("at", "pk"))


def check_ins(activity: Activity) -> QuerySet:
    return activity.check_ins.select_related("member", "volunteer").order_by("at", "pk")


def check_in_for(activity: Activity, pk: int) -> CheckIn:
    """One check-in of ``activity`` (whose visibility the caller has established)."""
    found = activity.check_ins.select_related("member", "volunteer").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def signed_up(activity: Activity, member: Member) -> bool:
    return SignUp.objects.filter(activity=activity, member=member, withdrawn_at__isnull=True).exists()


def check_in_of(activity: Activity, member: Member) -> CheckIn | None:
    return CheckIn.objects.filter(activity=activity, member=member).first()


# --- a member's own service ---------------------------------------------------------------------------

def _year(year: int) -> dict:
    return {"on__gte": dt.date(year, 1, 1), "on__lte": dt.date(year, 12, 31)}


def volunteer_hours_in_year(member: Member, year: int) -> Decimal:
    total = CheckIn.objects.filter(member=member, **_year(year)).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0).quantize(study_rules.ONE_PLACE)


def own_service(member: Member, *, year: int, now: dt.datetime) -> dict:
    """A member's page: activities signed up for to come, those attended this year, volunteer and
    study hours this year against the target."""
    study = study_selectors.hours_in_year(member, year)
    target = study_selectors.target_for(member)
    return {
        "upcoming": list(SignUp.objects.filter(member=member, withdrawn_at__isnull=True, activity__ends_at__gt=now,
                                               activity__cancelled_at__isnull=True)
                         .select_related("activity__organization").order_by("activity__starts_at")[:50]),
        "attended": list(CheckIn.objects.filter(member=member, **_year(year)).select_related("activity", "member")
                         .order_by("-on", "-pk")[:100]),
        "attended_count": CheckIn.objects.filter(member=member, **_year(year)).count(),
        "volunteer_hours": volunteer_hours_in_year(member, year),
        "study_hours": study, "study_target": target,
        "study_progress": study_rules.progress(study, target),
        "teams": list(TeamMembership.objects.filter(member=member, left_on__isnull=True).select_related("team")),
    }

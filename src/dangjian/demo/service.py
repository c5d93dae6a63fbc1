"""Service teams and a year of their activities in the demo city, made through the services as
staff and members would have made them: teams of each kind in the first communities and grids,
registered volunteers, activities every other week with sign-ups and check-ins (by code, late
now and then, and on staff rolls), some counting as study; and a few to come, one of them under
way now, so that the demo's member can sign up and check in with its code."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core.scope import PATH_END
from dangjian.demo.loader import replay_clock
from dangjian.demo.names import PHONE_PREFIXES, SURNAMES
from dangjian.members.models import Member, ResidenceRegistration
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.service import services
from dangjian.service.models import Activity, EmergencyAvailability, NormalAvailability, ServiceTeam, TeamKind

COMMUNITIES = 4
GRID_TEAMS_PER_COMMUNITY = 2
TEAM_SIZE = 10
VOLUNTEERS_PER_COMMUNITY = 3
WEEKS_BETWEEN = 2
# What teams of each kind do, as the titles of their activities.
WORK = {
    TeamKind.PIONEER: ("楼道清洁日", "政策宣讲进楼栋", "党员先锋岗值守"),
    TeamKind.VOLUNTEER: ("敬老院陪伴", "社区义剪", "垃圾分类指导"),
    TeamKind.EMERGENCY: ("防汛应急演练", "消防安全巡查", "台风前加固巡查"),
    TeamKind.SPECIALIST: ("义诊进社区", "法律咨询服务", "家电义务维修"),
}
GIVEN = "秀英桂兰建国志强丽华淑珍玉兰春梅德明国庆"
TEAM_NAMES = {TeamKind.PIONEER: "党员先锋队", TeamKind.VOLUNTEER: "志愿服务队", TeamKind.EMERGENCY: "应急服务队",
              TeamKind.SPECIALIST: "专业服务队"}


def replay_service(seed: int) -> dict[str, int]:
    """The teams and their year, once (a second run finds teams and leaves them); returns how many
    teams, activities and check-ins were made."""
    if ServiceTeam.objects.exists():
        return {"teams": 0, "activities": 0, "check_ins": 0}
    random_ = random.Random(seed)
    now = timezone.now()
    counts = {"teams": 0, "activities": 0, "check_ins": 0}
    with transaction.atomic(), replay_clock() as set_clock:
        set_clock(now - dt.timedelta(days=365))
        for community in Organization.objects.live().filter(level=Level.COMMUNITY).order_by("path")[:COMMUNITIES]:
            _community(community, random_, now, set_clock, counts)
    return counts


def _community(community: Organization, random_: random.Random, now: dt.datetime, set_clock, counts: dict) -> None:
    registered = list(ResidenceRegistration.objects.filter(
        community=community, status=ResidenceRegistration.Status.CONFIRMED, member__left_on__isnull=True)
        .select_related("member", "grid__organization").order_by("member_id"))
    # The demo's own members (those with an account) serve where their branch is.
    own = list(Member.objects.current().filter(account__isnull=False, org_path__gte=community.path,
                                               org_path__lt=community.path + PATH_END))
    if not registered:
        return
    volunteers = [services.volunteer_register(
        actor=None, community=community, name=random_.choice(SURNAMES) + GIVEN[2 * index:2 * index + 2],
        phone=random_.choice(PHONE_PREFIXES) + f"{random_.randrange(10 ** 8):08d}", consent=True)
        for index in range(VOLUNTEERS_PER_COMMUNITY)]
    grids = list(dict.fromkeys(registration.grid.organization for registration in registered))
    places = [(community, TeamKind.VOLUNTEER), (community, TeamKind.EMERGENCY),
              *((grid, kind) for grid, kind in zip(grids[:GRID_TEAMS_PER_COMMUNITY],
                                                   (TeamKind.PIONEER, TeamKind.SPECIALIST), strict=False))]
    for organization, kind in places:
        living_there = [registration.member for registration in registered
                        if registration.grid.organization == organization or organization == community]
        others = [member for member in living_there if member not in own]
        people = own + random_.sample(others, max(0, min(TEAM_SIZE - len(own), len(others))))
        team = _team(organization, kind, people, volunteers, random_)
        counts["teams"] += 1
        _year(team, random_, now, set_clock, counts)


def _team(organization: Organization, kind: str, people: list[Member], volunteers, random_) -> ServiceTeam:
    place = organization.name.removeprefix("中共")
    for suffix in ("委员会", "总支部", "支部"):
        place = place.removesuffix(suffix)
    team = services.team_save(actor=None, organization=organization, name=f"{place}{TEAM_NAMES[kind]}"[:100],
                              kind=kind)
    for member in people:
        services.team_add_person(actor=None, team=team, member=member,
                                 normal=random_.choice(NormalAvailability.values),
                                 emergency=random_.choice(EmergencyAvailability.values))
    for volunteer in volunteers[:random_.randint(0, len(volunteers))]:
        services.team_add_person(actor=None, team=team, volunteer=volunteer)
    if people:
        services.team_appoint_leader(actor=None, team=team, member=people[0])
    return team


def _year(team: ServiceTeam, random_: random.Random, now: dt.datetime, set_clock, counts: dict) -> None:
    people = list(team.memberships.filter(left_on__isnull=True).select_related("member", "volunteer"))
    members = [person.member for person in people if person.member_id]
    volunteers = [person.volunteer for person in people if person.volunteer_id]
    day = timezone.localtime(now).date() - dt.timedelta(days=350 - random_.randrange(WEEKS_BETWEEN * 7))
    while day <= timezone.localtime(now).date() + dt.timedelta(days=14):
        starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(random_.choice((9, 14, 19)))))
        ends_at = starts_at + dt.timedelta(hours=random_.choice((1.5, 2, 3)))
        # Organised a week ahead (or now, for those to come), held if it has ended by now.
        set_clock(min(now, starts_at - dt.timedelta(days=7)))
        activity = services.activity_save(
            actor=None, team=team, title=random_.choice(WORK[team.kind]), place=f"{team.organization.name}党群服务站",
            starts_at=starts_at, ends_at=ends_at,
            capacity=random_.choice((15, 20, 30)), counts_as_study=random_.random() < 0.25)
        counts["activities"] += 1
        coming = [member for member in members if member.account_id]
        others = [member for member in members if not member.account_id]
        coming += random_.sample(others, min(len(others), random_.randint(3, 8)))
        for member in coming:
            services.signup(actor=None, activity=activity, member=member)
        if ends_at < now:
            counts["check_ins"] += _held(activity, coming, volunteers, random_, set_clock)
        day += dt.timedelta(days=WEEKS_BETWEEN * 7 + random_.randint(-2, 2))
    set_clock(now)
    _under_way(team, now)


def _held(activity: Activity, coming: list[Member], volunteers, random_: random.Random, set_clock) -> int:
    """Those who came check in, most by code (some late), the rest on the staff's roll."""
    came = [member for member in coming if random_.random() < 0.85]
    by_code = [member for member in came if member.account_id and random_.random() < 0.5]
    for member in by_code:
        at = activity.starts_at + dt.timedelta(minutes=random_.choice((-10, -5, 0, 5, 20)))
        set_clock(at)
        services.check_in(actor=member.account, activity=activity, now=at)
    rolled = [member for member in came if member not in by_code]
    helping = [volunteer for volunteer in volunteers if random_.random() < 0.5]
    if rolled or helping:
        set_clock(activity.ends_at)
        services.roll_record(actor=None, activity=activity, members=rolled, volunteers=helping,
                             hours=Decimal("2.5") if random_.random() < 0.1 else None, now=activity.ends_at)
    return len(came) + len(helping)


def _under_way(team: ServiceTeam, now: dt.datetime) -> None:
    """The first community team's activity under way now: the demo's member may check in with
    its code."""
    if team.organization.level != Level.COMMUNITY or team.kind != TeamKind.VOLUNTEER:
        return
    starts_at = now + dt.timedelta(minutes=10)
    services.activity_save(actor=None, team=team, title="社区志愿服务日（演示：现在可以签到）",
                           place=f"{team.organization.name}党群服务中心", starts_at=starts_at,
                           ends_at=starts_at + dt.timedelta(hours=4), capacity=50, counts_as_study=True)

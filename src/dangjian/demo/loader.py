"""Writing a generated city: COPY on PostgreSQL (ENGINEERING.md 3.1: 13x bulk_create), bulk_create
on SQLite, then one rebuild of the roll-up counts. One transaction; one audit line for the load.

A year of residents' requests goes in one of two ways: for a city (`generate-city`) as rows, worked
out by the services' rules and followed by a rebuild of their roll-ups; for the demo through the
services themselves, replayed day by day, so that every timeline, roll-up, audit line and
notification is the one the pages would have made. The same plan gives the same rows either way
(tests/demo/test_demo_requests.py)."""

import datetime as dt
import heapq
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import islice

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.accounts.models import User
from dangjian.accounts.roles import Role
from dangjian.core import audit, crypto, pinyin
from dangjian.core.calendar import WorkingDays
from dangjian.core.models import AuditAction
from dangjian.core.selectors import working_days
from dangjian.demo import citygen
from dangjian.demo.citygen import CITY_ID, City, CityGenerator, MemberRow
from dangjian.members.models import (
    CorrectionRequest,
    Member,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
    RosterJob,
    Transfer,
)
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Building, Grid, Organization, OrgCounts
from dangjian.orgs.rules import Level
from dangjian.recruitment import services as recruitment_services
from dangjian.recruitment.models import RecruitmentFile, StepDocument, StepRecord
from dangjian.requests import rules as request_rules
from dangjian.requests import services as request_services
from dangjian.requests import tally
from dangjian.requests.models import Category as RequestCategory
from dangjian.requests.models import (
    Open311Key,
    Reception,
    ReceptionDuty,
    ReplyTemplate,
    Representative,
    Request,
    RequestTally,
    RequestUpdate,
    ResolutionDays,
    Source,
    Tracking,
    Visit,
)
from dangjian.requests.rules import Action, Actor, State

BATCH = 5000


@dataclass
class LoadReport:
    phases: list[tuple[str, int, float]] = field(default_factory=list)

    def timed(self, name: str, action: Callable[[], int]) -> int:
        started = time.perf_counter()
        rows = action()
        self.phases.append((name, rows, time.perf_counter() - started))
        return rows

    def rows(self, name: str) -> int:
        return next(rows for phase, rows, _seconds in self.phases if phase == name)


def _batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def write_rows(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY on PostgreSQL; bulk_create elsewhere. ``columns`` are model attribute names that
    are also the column names (foreign keys given as ``*_id``); JSON columns hold Python values."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        json_at = [index for index, column in enumerate(columns)
                   if isinstance(model._meta.get_field(column), models.JSONField)]
        if json_at:
            rows = (_with_json(row, json_at, Jsonb) for row in rows)
        return _copy(model._meta.db_table, columns, rows)
    count = 0
    for batch in _batches(rows):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])
        count += len(batch)
    return count


def _with_json(row: tuple, json_at: list[int], adapter) -> list:
    row = list(row)
    for index in json_at:
        row[index] = adapter(row[index])
    return row


ORG_COLUMNS = ("path", "depth", "numchild", "code", "name", "name_pinyin", "name_initials", "level", "kind",
               "city_id", "has_committee", "founded_on", "dissolved_at", "dissolution_reason", "created_at")
GRID_COLUMNS = ("code", "name", "community_id", "organization_id", "org_path", "city_id", "households", "residents")
BUILDING_COLUMNS = ("grid_id", "name", "address", "organization_id", "org_path", "city_id", "households")
MEMBER_COLUMNS = ("city_id", "home_org_id", "org_path", "name", "name_pinyin", "name_initials", "sex", "birth_date",
                  "id_number_sealed", "id_number_hash", "phone_sealed", "category", "joined_on", "full_member_on",
                  "standing", "left_on", "account_id", "created_at", "updated_at", "id_last4", "phone_last4",
                  "ethnicity", "education", "job_post", "address", "last_contact_on")


def _member_rows(members: Iterator[MemberRow], org_ids: dict[str, int], now) -> Iterator[tuple]:
    seal, lookup_hash = crypto.seal, crypto.lookup_hash
    for member in members:
        yield (
            CITY_ID, org_ids[member.home_code], member.org_path, member.name, pinyin.person_name_pinyin(member.name),
            pinyin.person_name_initials(member.name), member.sex, member.birth_date, seal(member.id_number),
            lookup_hash(member.id_number), seal(member.phone), member.category, member.joined_on,
            member.full_member_on, "normal", None, None, now, now, member.id_number[-4:], member.phone[-4:],
            member.ethnicity, member.education, member.job_post, member.address, member.last_contact_on,
        )


PERIOD_COLUMNS = ("member_id", "organization_id", "org_path", "started_on", "ended_on", "entry", "exit")
RESIDENCE_COLUMNS = ("member_id", "community_id", "grid_id", "building_id", "zone_id", "org_path", "employed",
                     "status", "registered_on", "confirmed_by_id", "confirmed_on", "note")
# Shares seen in the model cities' reports (PRACTICE.md): most members registered where they
# live, about one in eight of them employed members reporting to another community (双报到).
UNREGISTERED_SHARE = 0.10
EMPLOYED_SHARE = 0.12
PENDING_SHARE_OF_EMPLOYED = 0.15


@dataclass
class _GridPlace:
    grid_id: int
    community_id: int
    community_path: str
    buildings: list[tuple[int, list[int]]]


def _grid_places(city: City, org_ids: dict[str, int]) -> tuple[dict[int, list[_GridPlace]], list[_GridPlace]]:
    """Each home organisation's grids (a grid branch's own grid; a community's grids without a
    branch), and every grid, with its buildings and their responsibility zones."""
    grid_ids = dict(Grid.objects.values_list("code", "id"))
    building_ids = {(grid_id, name): building_id for building_id, grid_id, name
                    in Building.objects.values_list("id", "grid_id", "name")}
    paths = {o.code: o.path for o in city.organizations}
    zones_under: dict[str, list[int]] = {}
    for o in city.organizations:
        if o.level == Level.ZONE:
            zones_under.setdefault(o.path[:-Organization.steplen], []).append(org_ids[o.code])
    buildings: dict[str, list[tuple[int, list[int]]]] = {}
    for b in city.buildings:
        zones = zones_under.get(b.org_path, []) if b.organization_code else []
        buildings.setdefault(b.grid_code, []).append((building_ids[grid_ids[b.grid_code], b.name], zones))
    by_home: dict[int, list[_GridPlace]] = {}
    every: list[_GridPlace] = []
    for g in city.grids:
        place = _GridPlace(grid_ids[g.code], org_ids[g.community_code], paths[g.community_code],
                           buildings.get(g.code, []))
        every.append(place)
        by_home.setdefault(org_ids[g.organization_code or g.community_code], []).append(place)
    return by_home, every


def _residence_rows(places: tuple[dict[int, list[_GridPlace]], list[_GridPlace]],
                    members: list[tuple[int, int, dt.date]], seed: int, today: dt.date) -> Iterator[tuple]:
    """Residence registrations for most ``members`` (id, home organisation, date joined): in
    their own grid, or, for an employed member, in a grid of another community, confirmed or
    still waiting for confirmation. Places and members are read beforehand: a connection cannot
    query while it copies."""
    rng = random.Random(seed * 104729 + 3)
    by_home, every = places
    confirmed, pending = ResidenceRegistration.Status.CONFIRMED, ResidenceRegistration.Status.PENDING
    for member_id, home_id, joined_on in members:
        draw = rng.random()
        if draw < UNREGISTERED_SHARE or not every:
            continue
        employed = draw < UNREGISTERED_SHARE + EMPLOYED_SHARE or home_id not in by_home
        if employed:
            index = rng.randrange(len(every))
            if home_id in by_home and every[index].community_id == by_home[home_id][0].community_id:
                index = (index + len(every) // 2) % len(every)
            place = every[index]
        else:
            place = rng.choice(by_home[home_id])
        building_id, zones = rng.choice(place.buildings) if place.buildings else (None, [])
        zone_id = rng.choice(zones) if zones else None
        registered_on = max(joined_on, today - dt.timedelta(days=rng.randint(1, 900)))
        waiting = employed and rng.random() < PENDING_SHARE_OF_EMPLOYED
        yield (member_id, place.community_id, place.grid_id, building_id, zone_id, place.community_path, employed,
               pending if waiting else confirmed, registered_on, None,
               None if waiting else min(today, registered_on + dt.timedelta(days=rng.randint(0, 14))), "")


def _insert_periods() -> int:
    """One open membership period per member, from the day they joined, in their home
    organisation: one INSERT ... SELECT, the members never leaving the database."""
    table, members = MembershipPeriod._meta.db_table, Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(PERIOD_COLUMNS)}) "
            f"SELECT id, home_org_id, org_path, joined_on, NULL, %s, '' FROM {members} WHERE city_id = %s",
            [MembershipPeriod.Entry.JOINED, CITY_ID])
        return cursor.rowcount


def load(generator: CityGenerator, *, progress: Callable[[str], None] = lambda message: None,
         requests: bool = True) -> LoadReport:
    """Generate and write the whole city, with a year of residents' requests as rows unless
    ``requests`` is false (the demo replays them through the services once its accounts exist);
    returns the timing of each phase."""
    report = LoadReport()
    now = timezone.now()
    with transaction.atomic():
        city: City = generator.city()
        report.timed("organisations", lambda: write_rows(Organization, ORG_COLUMNS, (
            (o.path, o.depth, o.numchild, o.code, o.name, pinyin.full_pinyin(o.name), pinyin.initials(o.name),
             o.level, o.kind, CITY_ID, o.has_committee, o.founded_on, None, "", now)
            for o in city.organizations)))
        progress(f"organisations: {len(city.organizations):,}")
        org_ids = dict(Organization.objects.values_list("code", "id"))
        report.timed("grids", lambda: write_rows(Grid, GRID_COLUMNS, (
            (g.code, g.name, org_ids[g.community_code], org_ids.get(g.organization_code), g.org_path, CITY_ID,
             g.households, 0) for g in city.grids)))
        grid_ids = dict(Grid.objects.values_list("code", "id"))
        report.timed("buildings", lambda: write_rows(Building, BUILDING_COLUMNS, (
            (grid_ids[b.grid_code], b.name, b.address, org_ids.get(b.organization_code), b.org_path, CITY_ID,
             b.households) for b in city.buildings)))
        progress(f"grids: {len(city.grids):,}, buildings: {len(city.buildings):,}")
        report.timed("members", lambda: write_rows(Member, MEMBER_COLUMNS, _member_rows(generator.members(city), org_ids, now)))
        progress(f"members: {report.rows('members'):,}")
        report.timed("membership periods", _insert_periods)
        report.timed("residence registrations", lambda: write_rows(ResidenceRegistration, RESIDENCE_COLUMNS, _residence_rows(
            _grid_places(city, org_ids),
            list(Member.objects.order_by("id").values_list("id", "home_org_id", "joined_on")),
            generator.seed, generator.today)))
        progress(f"residence registrations: {report.rows('residence registrations'):,}")
        report.timed("roll-up counts", rollup.rebuild)
        report.timed("recruitment files", lambda: _recruitment(generator, city))
        progress(f"recruitment files: {report.rows('recruitment files'):,}")
        if requests:
            write_requests(generator, report, progress=progress)
        audit.record(AuditAction.CREATE, org_path=city.organizations[0].path, object_repr="generated city",
                     changes={"organizations": [None, len(city.organizations)], "grids": [None, len(city.grids)],
                              "buildings": [None, len(city.buildings)], "members": [None, report.rows("members")]})
    if connection.vendor == "postgresql":
        report.timed("vacuum analyze", _analyze)
    return report


def _recruitment(generator: CityGenerator, city: City) -> int:
    """The files of people being developed, brought in as old files are (the check then finds
    the steps the generator set wrong on purpose)."""
    root = Organization.objects.get(code=city.organizations[0].code)
    report = recruitment_services.files_import(actor=None, organization=root, imported=generator.recruitment_cases(city),
                                               apply=True)
    if report["errors"]:
        raise ValueError(f"generated recruitment files refused: {report['errors'][:3]}")
    return report["created"]


def _analyze() -> int:
    """Statistics for the planner, and the visibility map that index-only scans need. VACUUM
    cannot run inside a transaction; a caller's transaction (a test) gets the statistics only."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in ANALYZED:
            cursor.execute(f"{command} {model._meta.db_table}")
    return len(ANALYZED)


ANALYZED = (Organization, OrgCounts, Grid, Building, Member, MembershipPeriod, ResidenceRegistration, RecruitmentFile,
            StepRecord, Request, RequestUpdate, Tracking, Reception, Visit, RequestTally, ResolutionDays)


def remove_generated() -> None:
    """Remove a city's tree and everything hanging on it, for `generate-city --replace`. Accounts
    tied to the tree go with it (through the ORM, so their devices and history go too); audit
    events stay, being append-only."""
    from django.db.models import Q

    from dangjian.accounts.models import RoleAssignment

    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (RequestUpdate, Tracking, Request, Reception, Visit, ReceptionDuty, Representative,
                          RequestTally, ResolutionDays):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        tied = User.objects.filter(Q(organization__isnull=False) | Q(assignments__isnull=False))
        User.objects.filter(pk__in=list(tied.values_list("pk", flat=True))).delete()
        with connection.cursor() as cursor:
            for model in (StepDocument, StepRecord, RecruitmentFile,
                          ResidenceRegistration.history.model, ResidenceRegistration, MembershipPeriod, MemberEvent,
                          Transfer, CorrectionRequest, RosterJob, Member, Building, Grid, OrgCounts, RoleAssignment,
                          Organization.history.model, Grid.history.model, Building.history.model, Organization):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")


# --- residents' requests ------------------------------------------------------------------------------

@dataclass
class _Place:
    """A grid with what the requests filed there need: the organisation answering for it, the
    levels a late request rises to, its buildings, and members to assign to or who visit."""

    grid: Grid
    answering: Organization
    community: Organization
    street: Organization
    buildings: list[Building]
    assignees: list[int]
    visitors: list[tuple[int, Organization | None]]  # member registered there, their responsibility zone if any

    def risen_to(self, level: int) -> Organization | None:
        """As requests.selectors.level_above, for the two trees a generated city has."""
        ladder = [self.community, self.street] if self.answering.level == Level.GRID else [self.street]
        return ladder[level - 1] if level <= len(ladder) else None


@dataclass
class _RequestWorld:
    """The city as the request generator needs it, read from the database in a fixed order, so that
    the same seed gives the same requests over the same city."""

    places: list[_Place]
    offices: list[tuple[Organization, list[int]]]  # a community or street, and members under it

    CANDIDATES = 8

    @classmethod
    def read(cls) -> "_RequestWorld":
        grids = list(Grid.objects.select_related("community", "organization").order_by("code"))
        streets = {org.path: org for org in Organization.objects.filter(level=Level.STREET)}
        buildings: dict[int, list[Building]] = {}
        for building in Building.objects.select_related("organization").order_by("grid_id", "pk"):
            buildings.setdefault(building.grid_id, []).append(building)
        places = [_Place(grid, grid.organization if grid.organization_id and not grid.organization.is_dissolved
                         else grid.community, grid.community, streets[grid.community.path[:-Organization.steplen]],
                         buildings.get(grid.pk, []), [], []) for grid in grids]
        offices: dict[str, tuple[Organization, list[int]]] = {}
        for place in places:
            for org in (place.community, place.street):
                offices.setdefault(org.path, (org, []))
        by_branch = {place.answering.path: place for place in places if place.answering.level == Level.GRID}
        lengths = {len(path) for path in [*by_branch, *offices]}
        for member_id, path in Member.objects.current().order_by("pk").values_list("pk", "org_path").iterator(
                chunk_size=20000):
            for length in lengths:
                place, office = by_branch.get(path[:length]), offices.get(path[:length])
                if place is not None and len(place.assignees) < cls.CANDIDATES:
                    place.assignees.append(member_id)
                if office is not None and len(office[1]) < cls.CANDIDATES:
                    office[1].append(member_id)
        by_grid = {place.grid.pk: place for place in places}
        zones = {org.pk: org for org in Organization.objects.filter(level=Level.ZONE)}
        for member_id, grid_id, zone_id in (
                ResidenceRegistration.objects.filter(status=ResidenceRegistration.Status.CONFIRMED,
                                                     member__left_on__isnull=True)
                .order_by("pk").values_list("member_id", "grid_id", "zone_id").iterator(chunk_size=20000)):
            place = by_grid[grid_id]
            if len(place.visitors) < cls.CANDIDATES:
                place.visitors.append((member_id, zones.get(zone_id)))
        return cls(places, sorted(offices.values(), key=lambda office: office[0].path))

    def plans(self) -> tuple[list[citygen.RequestPlace], list[citygen.Office]]:
        index = {org.path: position for position, (org, _members) in enumerate(self.offices)}
        places = [citygen.RequestPlace(
            community=index[place.community.path], street=index[place.street.path],
            buildings=tuple(building.name for building in place.buildings), assignees=len(place.assignees),
            visitors=len(place.visitors)) for place in self.places]
        within: dict[int, list[int]] = {}
        for position, place in enumerate(places):
            within.setdefault(place.community, []).append(position)
            within.setdefault(place.street, []).append(position)
        offices = [citygen.Office(name=org.name.removeprefix("中共").removesuffix("工作委员会").removesuffix("委员会"),
                                  level=org.level, places=tuple(within.get(position, ())), members=len(members))
                   for position, (org, members) in enumerate(self.offices)]
        return places, offices

    def year(self, generator: CityGenerator, calendar: WorkingDays, requests: int | None = None) -> citygen.RequestYear:
        places, offices = self.plans()
        return generator.request_year(places, offices, calendar=calendar, tz=timezone.get_current_timezone(),
                                      requests=requests)

    def assignee(self, plan: citygen.RequestPlan, step: citygen.Step) -> tuple[Organization | None, int | None]:
        """Whom a planned assignment names: a member of the grid's branch, or the organisation of
        the building, else of the grid, else the community answering for it."""
        place = self.places[plan.place]
        if step.to_member and place.assignees:
            return None, place.assignees[step.pick % len(place.assignees)]
        building = place.buildings[plan.building] if plan.building is not None else None
        return (building.organization if building is not None and building.organization_id else place.answering), None


def _categories(year: citygen.RequestYear) -> dict[str, RequestCategory]:
    """The demo's categories and reply templates, through the services; those a deployment
    already has (by code) are kept as they are."""
    kept = {category.code: category for category in RequestCategory.objects.all()}
    for order, spec in enumerate(year.categories, start=1):
        if spec.code in kept:
            continue
        category = request_services.category_save(
            actor=None, code=spec.code, name=spec.name, group=spec.group, time_limit_days=spec.time_limit_days,
            keywords=spec.keywords, attributes=list(spec.attributes), order=order * 10)
        for number, text in enumerate(spec.replies, start=1):
            request_services.reply_template_save(actor=None, category=category, action=Action.RESOLVE,
                                                 title=f"{spec.name}办结{number}", text=text)
        kept[spec.code] = category
    if not ReplyTemplate.objects.filter(category__isnull=True).exists():
        for action, title, text in citygen.GENERAL_REPLIES:
            request_services.reply_template_save(actor=None, category=None, action=action, title=title, text=text)
    return kept


def _open311_client() -> Open311Key:
    found = Open311Key.objects.filter(name=citygen.OPEN311_CLIENT, revoked_at__isnull=True).first()
    return found or request_services.open311_key_issue(actor=None, name=citygen.OPEN311_CLIENT)[0]


@contextmanager
def replay_clock():
    """The platform's clock, set by the demo's replay: the services stamp what they do with the
    present, and the demo replays a year through them, so the present is each planned moment in
    turn. Django's ``timezone.now`` (also the default of every time field) reads the class it
    calls ``datetime``; that class is swapped for one whose ``now`` is the planned moment."""
    moment = [timezone.now()]

    class Replayed(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return moment[0].astimezone(tz)

    real = timezone.datetime
    timezone.datetime = Replayed
    try:
        yield lambda at: moment.__setitem__(0, at)
    finally:
        timezone.datetime = real


class _Replay:
    """A year of requests through the services, in the order it happened, the sweep running every
    night: each filing, change, reception and visit is the service call the pages make, with its
    audit line, roll-ups and notifications, by the community's or street's clerk."""

    def __init__(self, world: _RequestWorld, year: citygen.RequestYear, set_clock):
        self.world, self.year, self.set_clock = world, year, set_clock
        self.categories = _categories(year)
        self.client = _open311_client()
        self.clerks = {org.pk: self._clerk(org) for org, _members in world.offices}
        self.members: dict[int, Member] = {}
        self.filed: dict[int, Request] = {}
        self.codes: dict[int, str] = {}
        self.representatives = [self._appoint(plan) for plan in year.representatives]

    def _clerk(self, org: Organization):
        """The organisation's clerk, made when it has none: an account without a password, there
        to be named in the timelines."""
        found = User.objects.filter(is_active=True, assignments__organization=org,
                                    assignments__role=Role.CLERK).order_by("pk").first()
        if found is not None:
            return found
        clerk = User(username=f"clerk_{org.code}".lower(), first_name=f"{org.name}工作人员"[:150],
                     organization=org, org_path=org.path)
        clerk.set_unusable_password()
        clerk.save()
        account_services.role_grant(actor=None, user=clerk, role=Role.CLERK, organization=org)
        return clerk

    def _member(self, pk: int) -> Member:
        if pk not in self.members:
            self.members[pk] = Member.objects.get(pk=pk)
        return self.members[pk]

    def _appoint(self, plan: citygen.RepresentativePlan) -> tuple[Representative, ReceptionDuty]:
        org, members = self.world.offices[plan.office]
        representative = request_services.representative_appoint(
            actor=None, member=self._member(members[plan.pick % len(members)]), organization=org, title=plan.title,
            since=plan.since)
        duty = request_services.duty_add(actor=None, representative=representative, place=plan.place,
                                         weekday=plan.weekday, starts_at=plan.starts_at, ends_at=plan.ends_at)
        return representative, duty

    def run(self) -> dict[str, int]:
        events: list[tuple] = []
        sequence = itertools.count()
        day = self.year.first_day
        while day <= self.year.today:
            heapq.heappush(events, (dt.datetime.combine(day, SWEEP_TIME, timezone.get_current_timezone()),
                                    next(sequence), "sweep", day))
            day += dt.timedelta(days=1)
        for happening in self.year.happenings:
            heapq.heappush(events, (happening.at, next(sequence), "happening", happening))
        counts = {"requests": 0, "receptions": 0, "visits": 0}
        while events:
            at, _sequence, kind, item = heapq.heappop(events)
            self.set_clock(at)
            if kind == "sweep":
                request_services.sweep(today=item)
                continue
            if kind == "step":
                self._step(*item)
                continue
            for plan in self._happen(item, counts):
                for step in plan.steps:
                    heapq.heappush(events, (step.at, next(sequence), "step", (plan, step)))
        return counts

    def _problem(self, plan: citygen.RequestPlan) -> dict:
        place = self.world.places[plan.place]
        return {"category": self.categories[plan.category], "grid": place.grid,
                "building": place.buildings[plan.building] if plan.building is not None else None,
                "description": plan.description, "address": plan.address, "contact_name": plan.contact_name,
                "phone": plan.phone, "attributes": {code: [value] for code, value in plan.attributes.items()}}

    def _clerk_of(self, plan: citygen.RequestPlan):
        return self.clerks[self.world.places[plan.place].community.pk]

    def _happen(self, happening, counts) -> list[citygen.RequestPlan]:
        """File what ``happening`` brings; returns the requests filed."""
        if isinstance(happening, citygen.RequestPlan):
            problem = self._problem(happening)
            on_behalf = happening.source == Source.ON_BEHALF
            filed = [request_services.request_file(
                actor=self._clerk_of(happening) if on_behalf else None, source=happening.source,
                public=happening.public, client=self.client if happening.source == Source.OPEN311 else None,
                **problem)]
            plans = [happening]
        elif isinstance(happening, citygen.ReceptionPlan):
            representative, duty = self.representatives[happening.representative]
            _reception, filed = request_services.reception_log(
                actor=self.clerks[representative.organization_id], representative=representative,
                held_on=happening.held_at.date(), visitors=happening.visitors, visitor_names=happening.visitor_names,
                notes=happening.notes, duty=duty, problems=[self._problem(plan) for plan in happening.problems])
            plans = list(happening.problems)
            counts["receptions"] += 1
        else:
            place = self.world.places[happening.place]
            member, _zone = place.visitors[happening.pick]
            _visit, filed = request_services.visit_log(
                actor=self.clerks[place.community.pk], member=self._member(member),
                visited_on=happening.visited_at.date(), household=happening.household, notes=happening.notes,
                problems=[self._problem(plan) for plan in happening.problems])
            plans = list(happening.problems)
            counts["visits"] += 1
        for plan, (request, code) in zip(plans, filed, strict=True):
            self.filed[plan.number], self.codes[plan.number] = request, code
        counts["requests"] += len(plans)
        return plans

    def _step(self, plan: citygen.RequestPlan, step: citygen.Step) -> None:
        if step.by == Actor.RESIDENT:
            self.filed[plan.number] = request_services.resident_answer(
                code=self.codes[plan.number], action=step.action, satisfaction=step.satisfaction, comment=step.note)
            return
        organization = member = None
        if step.action == Action.ASSIGN:
            organization, member_id = self.world.assignee(plan, step)
            member = self._member(member_id) if member_id else None
        self.filed[plan.number] = request_services.request_change(
            actor=self._clerk_of(plan), request=self.filed[plan.number], action=step.action, public_note=step.note,
            internal_note=step.internal_note, organization=organization, member=member,
            original=self.filed[step.original] if step.original else None, referred_to=step.referred_to)


# The nightly sweep, replayed: overdue requests rise and unanswered ones close before the day's work.
SWEEP_TIME = dt.time(0, 5)


def replay_requests(generator: CityGenerator) -> dict[str, int]:
    """A year of residents' requests, receptions and household visits in the city already loaded,
    made through the services as people would have made them (the demo): returns how many."""
    world = _RequestWorld.read()
    year = world.year(generator, working_days())
    with transaction.atomic(), replay_clock() as set_clock:
        set_clock(dt.datetime.combine(year.first_day, dt.time(8), timezone.get_current_timezone()))
        return _Replay(world, year, set_clock).run()


# --- a city's worth of requests, written as rows -----------------------------------------------------------

REQUEST_COLUMNS = (
    "id", "city_id", "category_id", "grid_id", "building_id", "organization_id", "org_path", "address", "description",
    "public", "attributes", "photo", "media_url", "contact_name", "phone_sealed", "phone_last4", "source",
    "entered_by_id", "reception_id", "visit_id", "client_id", "state", "version", "received_at", "accepted_on",
    "due_on", "warn_on", "resolved_at", "closed_at", "assigned_org_id", "assigned_path", "assigned_member_id",
    "escalation_level", "escalated_to_id", "duplicate_of_id", "referred_to", "satisfaction", "reopen_count",
    "public_note", "updated_at")
UPDATE_COLUMNS = ("request_id", "at", "actor_id", "actor_kind", "action", "from_state", "to_state", "public_note",
                  "internal_note", "data")
TRACKING_COLUMNS = ("code_hash", "request_id", "filed_id", "created_at")
REPRESENTATIVE_COLUMNS = ("id", "member_id", "organization_id", "org_path", "title", "since", "until")
DUTY_COLUMNS = ("id", "representative_id", "organization_id", "org_path", "place", "weekday", "starts_at", "ends_at",
                "active")
RECEPTION_COLUMNS = ("id", "representative_id", "duty_id", "organization_id", "org_path", "place", "held_on", "visitors",
                     "visitor_names", "notes", "logged_by_id", "logged_at")
VISIT_COLUMNS = ("id", "member_id", "organization_id", "org_path", "grid_id", "visited_on", "household", "notes",
                 "logged_by_id", "logged_at")
# Requests a batch: what one COPY of each table carries.
REQUEST_BATCH = 20000


class _Emulated:
    """One planned request as the services and the nightly sweep would have left it, worked out
    without them: by the rules they follow (rules.refusal and target_of, deadline, the sweep's
    escalation and closing, each night at SWEEP_TIME up to today's), for a city's worth of
    requests written by COPY."""

    __slots__ = ("pk", "plan", "place", "limit", "state", "version", "accepted_on", "due_on", "warn_on",
                 "resolved_at", "closed_at", "assigned_org", "assigned_path", "assigned_member", "level",
                 "escalated_to", "duplicate_of", "referred_to", "satisfaction", "reopen_count", "public_note",
                 "updated_at", "updates")

    def __init__(self, pk: int, plan: citygen.RequestPlan, place: _Place, limit: int, source_kind: str):
        self.pk, self.plan, self.place, self.limit = pk, plan, place, limit
        self.state, self.version = State.RECEIVED, 1
        self.accepted_on = self.due_on = self.warn_on = self.resolved_at = self.closed_at = None
        self.assigned_org = self.assigned_member = self.escalated_to = self.duplicate_of = self.satisfaction = None
        self.assigned_path = self.referred_to = self.public_note = ""
        self.level = self.reopen_count = 0
        self.updated_at = plan.received_at
        self.updates = [(pk, plan.received_at, None, source_kind, "file", "", State.RECEIVED, "", "",
                         {"source": plan.source})]

    def record(self, at: dt.datetime, kind: str, action: str, previous: str, public_note: str = "",
               internal_note: str = "", data: dict | None = None) -> None:
        self.version += 1
        self.updated_at = at
        self.updates.append((self.pk, at, None, kind, action, previous, self.state, public_note, internal_note,
                             data or {}))


class _RequestRows:
    """Rows of a year of requests, receptions and visits, as `generate-city` writes them."""

    def __init__(self, world: _RequestWorld, year: citygen.RequestYear, calendar: WorkingDays,
                 categories: dict[str, RequestCategory], client: Open311Key):
        self.world, self.year, self.calendar, self.categories, self.client = world, year, calendar, categories, client
        self.share = Fraction(settings.DANGJIAN_REQUEST_YELLOW_PERCENT, 100)
        self.confirm_days = settings.DANGJIAN_REQUEST_CONFIRM_DAYS
        tz = timezone.get_current_timezone()
        self.tz, self.last_sweep = tz, dt.datetime.combine(year.today, SWEEP_TIME, tz)
        self.request_base = _next_id(Request)
        self.reception_base, self.visit_base = _next_id(Reception), _next_id(Visit)
        self.representative_base, self.duty_base = _next_id(Representative), _next_id(ReceptionDuty)
        self.receptions = self.visits = self.updates = 0

    def write(self, progress: Callable[[str], None]) -> int:
        representatives = self._representatives()
        written = 0
        batch: dict[str, list] = {"receptions": [], "visits": [], "requests": [], "updates": [], "trackings": []}
        for happening in self.year.happenings:
            link = {}
            if isinstance(happening, citygen.ReceptionPlan):
                link = {"reception": self._reception(happening, representatives, batch["receptions"])}
            elif isinstance(happening, citygen.VisitPlan):
                link = {"visit": self._visit(happening, batch["visits"])}
            for plan in happening.problems if link else (happening,):
                self._request(plan, batch, **link)
            if len(batch["requests"]) >= REQUEST_BATCH:
                written += self._flush(batch)
                progress(f"requests: {written:,}")
        written += self._flush(batch)
        reset_sequences(Request, Reception, Visit, Representative, ReceptionDuty)
        return written

    def _flush(self, batch: dict[str, list]) -> int:
        for key, model, columns in (("receptions", Reception, RECEPTION_COLUMNS), ("visits", Visit, VISIT_COLUMNS),
                                    ("requests", Request, REQUEST_COLUMNS), ("updates", RequestUpdate, UPDATE_COLUMNS),
                                    ("trackings", Tracking, TRACKING_COLUMNS)):
            write_rows(model, columns, batch[key])
        written = len(batch["requests"])
        self.updates += len(batch["updates"])
        for rows in batch.values():
            rows.clear()
        return written

    def _representatives(self) -> list[tuple[int, int, Organization]]:
        """The representatives and their rota lines: (representative, duty, organisation) each."""
        rows, duties, written = [], [], []
        for index, plan in enumerate(self.year.representatives):
            org, members = self.world.offices[plan.office]
            pk, duty = self.representative_base + index, self.duty_base + index
            rows.append((pk, members[plan.pick % len(members)], org.pk, org.path, plan.title, plan.since, None))
            duties.append((duty, pk, org.pk, org.path, plan.place, plan.weekday, plan.starts_at, plan.ends_at, True))
            written.append((pk, duty, org))
        write_rows(Representative, REPRESENTATIVE_COLUMNS, rows)
        write_rows(ReceptionDuty, DUTY_COLUMNS, duties)
        return written

    def _reception(self, plan: citygen.ReceptionPlan, representatives, rows: list) -> int:
        pk = self.reception_base + self.receptions
        self.receptions += 1
        representative, duty, org = representatives[plan.representative]
        rows.append((pk, representative, duty, org.pk, org.path, self.year.representatives[plan.representative].place,
                     plan.held_at.date(), plan.visitors, plan.visitor_names, plan.notes, None, plan.held_at))
        return pk

    def _visit(self, plan: citygen.VisitPlan, rows: list) -> int:
        pk = self.visit_base + self.visits
        self.visits += 1
        place = self.world.places[plan.place]
        member, zone = place.visitors[plan.pick]
        org = zone or place.answering
        rows.append((pk, member, org.pk, org.path, place.grid.pk, plan.visited_at.date(), plan.household, plan.notes,
                     None, plan.visited_at))
        return pk

    def _request(self, plan: citygen.RequestPlan, batch: dict[str, list], reception: int | None = None,
                 visit: int | None = None) -> None:
        place = self.world.places[plan.place]
        category = self.categories[plan.category]
        by_staff = plan.source in (Source.ON_BEHALF, Source.RECEPTION, Source.VISIT)
        request = _Emulated(self._pk(plan.number), plan, place, category.time_limit_days,
                            Actor.STAFF if by_staff else Actor.RESIDENT)
        for step in plan.steps:
            self._sweeps(request, step.at)
            self._change(request, step)
        self._sweeps(request, self.last_sweep + dt.timedelta(minutes=1))
        building = place.buildings[plan.building] if plan.building is not None else None
        org = place.answering
        batch["requests"].append((
            request.pk, CITY_ID, category.pk, place.grid.pk, building.pk if building else None, org.pk, org.path,
            plan.address, plan.description, plan.public, plan.attributes, "", "", plan.contact_name,
            crypto.seal(plan.phone) if plan.phone else None, plan.phone[-4:], plan.source, None, reception, visit,
            self.client.pk if plan.source == Source.OPEN311 else None, request.state, request.version,
            plan.received_at, request.accepted_on, request.due_on, request.warn_on, request.resolved_at,
            request.closed_at, request.assigned_org, request.assigned_path, request.assigned_member, request.level,
            request.escalated_to, request.duplicate_of, request.referred_to, request.satisfaction,
            request.reopen_count, request.public_note, request.updated_at))
        batch["updates"].extend(request.updates)
        batch["trackings"].append((crypto.lookup_hash(request_rules.new_tracking_code()),
                                   request.duplicate_of or request.pk, request.pk, plan.received_at))

    def _pk(self, number: int) -> int:
        return self.request_base + number - 1

    def _change(self, request: _Emulated, step: citygen.Step) -> None:
        """As services.request_change (staff) or resident_answer (the resident) make ``step``."""
        refusal = request_rules.refusal(request.state, step.action, step.by)
        if refusal:
            raise ValueError(f"planned request {request.plan.number}, {step.action}: {refusal}")
        previous, day, action, data = request.state, step.at.date(), step.action, {}
        if action in (Action.ACCEPT, Action.REOPEN):
            deadline = request_rules.deadline(day, request.limit, self.share, self.calendar)
            request.due_on, request.warn_on, request.level, request.escalated_to = deadline.due_on, deadline.warn_on, 0, None
        if action == Action.ACCEPT:
            request.accepted_on = day
        elif action == Action.ASSIGN:
            org, member = self.world.assignee(request.plan, step)
            request.assigned_org, request.assigned_path = (org.pk, org.path) if org else (None, "")
            request.assigned_member = member
            data = {"organization": org.code if org else "", "member": member, "team": None}
        elif action == Action.RESOLVE:
            request.resolved_at = step.at
            data = {"days": (day - request.plan.received_at.date()).days,
                    "on_time": request.due_on is not None and day <= request.due_on}
        elif action == Action.DUPLICATE:
            request.duplicate_of = self._pk(step.original)
            data = {"original": request.duplicate_of}
        elif action == Action.REFER:
            request.referred_to = step.referred_to
        elif action == Action.CONFIRM:
            request.satisfaction, data = step.satisfaction, {"satisfaction": step.satisfaction}
        elif action == Action.REOPEN:
            request.reopen_count += 1
            request.closed_at = None
        request.state = request_rules.target_of(previous, action)
        if request.state in request_rules.FINAL:
            request.closed_at = step.at
        if step.by == Actor.RESIDENT:
            request.record(step.at, step.by, action, previous, internal_note=step.note, data=data)
            return
        if step.note:
            request.public_note = step.note
        request.record(step.at, step.by, action, previous, step.note, step.internal_note, data)

    def _sweeps(self, request: _Emulated, before: dt.datetime) -> None:
        """The nightly sweeps up to ``before`` (and today's): a late request rises one level the
        first night after its deadline and one more after another time limit (rules.escalation_level),
        to where the tree has a level; a resolved one closes the first night after the resident's
        working days to answer."""
        while True:
            if request.state in request_rules.OPEN and request.due_on is not None and request.level < 2:
                level = request.level + 1
                target = request.place.risen_to(level)
                boundary = request.due_on if level == 1 else self._working_after(request.due_on, request.limit)
                if target is None or boundary is None:
                    return
                at = dt.datetime.combine(boundary + dt.timedelta(days=1), SWEEP_TIME, self.tz)
                if at >= before or at > self.last_sweep:
                    return
                request.level, request.escalated_to = level, target.pk
                request.record(at, Actor.SYSTEM, "escalate", request.state, data={"level": level, "to": target.code})
            elif request.state == State.RESOLVED:
                waited = self._working_after(request.resolved_at.astimezone(self.tz).date(), self.confirm_days)
                at = waited and dt.datetime.combine(waited + dt.timedelta(days=1), SWEEP_TIME, self.tz)
                if at is None or at >= before or at > self.last_sweep:
                    return
                request.state, request.closed_at = State.CLOSED, at
                request.record(at, Actor.SYSTEM, Action.CLOSE, State.RESOLVED)
            else:
                return

    def _working_after(self, day: dt.date, count: int) -> dt.date | None:
        """The ``count``-th working day after ``day``; None when that is after today, where no
        sweep has run yet (and the calendar may not be published)."""
        while count > 0 and day < self.year.today:
            day += dt.timedelta(days=1)
            count -= self.calendar.is_working_day(day)
        return None if count > 0 else day


def _next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def reset_sequences(*models) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def write_requests(generator: CityGenerator, report: LoadReport, *, requests: int | None = None,
                   progress: Callable[[str], None] = lambda message: None) -> None:
    """A year of residents' requests (about ``requests``, by default the plan's), receptions and
    household visits in the city already loaded, written as rows (COPY on PostgreSQL), then the
    statistics' roll-ups rebuilt from them."""
    world, calendar = _RequestWorld.read(), working_days()
    year = world.year(generator, calendar, requests)
    rows = _RequestRows(world, year, calendar, _categories(year), _open311_client())
    report.timed("requests", lambda: rows.write(progress))
    progress(f"requests: {report.rows('requests'):,} with {rows.updates:,} changes, "
             f"receptions: {rows.receptions:,}, visits: {rows.visits:,}")
    report.timed("request roll-ups", tally.rebuild)

"""Writing a generated city: COPY on PostgreSQL (ENGINEERING.md 3.1: 13x bulk_create), bulk_create
on SQLite, then one rebuild of the roll-up counts. One transaction; one audit line for the load."""

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from dangjian.core import audit, crypto, pinyin
from dangjian.core.models import AuditAction
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


def _write(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY on PostgreSQL; bulk_create elsewhere. ``columns`` are model attribute names that
    are also the column names (foreign keys given as ``*_id``)."""
    if connection.vendor == "postgresql":
        return _copy(model._meta.db_table, columns, rows)
    count = 0
    for batch in _batches(rows):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])
        count += len(batch)
    return count


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


def load(generator: CityGenerator, *, progress: Callable[[str], None] = lambda message: None) -> LoadReport:
    """Generate and write the whole city; returns the timing of each phase."""
    report = LoadReport()
    now = timezone.now()
    with transaction.atomic():
        city: City = generator.city()
        report.timed("organisations", lambda: _write(Organization, ORG_COLUMNS, (
            (o.path, o.depth, o.numchild, o.code, o.name, pinyin.full_pinyin(o.name), pinyin.initials(o.name),
             o.level, o.kind, CITY_ID, o.has_committee, o.founded_on, None, "", now)
            for o in city.organizations)))
        progress(f"organisations: {len(city.organizations):,}")
        org_ids = dict(Organization.objects.values_list("code", "id"))
        report.timed("grids", lambda: _write(Grid, GRID_COLUMNS, (
            (g.code, g.name, org_ids[g.community_code], org_ids.get(g.organization_code), g.org_path, CITY_ID,
             g.households, 0) for g in city.grids)))
        grid_ids = dict(Grid.objects.values_list("code", "id"))
        report.timed("buildings", lambda: _write(Building, BUILDING_COLUMNS, (
            (grid_ids[b.grid_code], b.name, b.address, org_ids.get(b.organization_code), b.org_path, CITY_ID,
             b.households) for b in city.buildings)))
        progress(f"grids: {len(city.grids):,}, buildings: {len(city.buildings):,}")
        report.timed("members", lambda: _write(Member, MEMBER_COLUMNS, _member_rows(generator.members(city), org_ids, now)))
        progress(f"members: {report.rows('members'):,}")
        report.timed("membership periods", _insert_periods)
        report.timed("residence registrations", lambda: _write(ResidenceRegistration, RESIDENCE_COLUMNS, _residence_rows(
            _grid_places(city, org_ids),
            list(Member.objects.order_by("id").values_list("id", "home_org_id", "joined_on")),
            generator.seed, generator.today)))
        progress(f"residence registrations: {report.rows('residence registrations'):,}")
        report.timed("roll-up counts", rollup.rebuild)
        report.timed("recruitment files", lambda: _recruitment(generator, city))
        progress(f"recruitment files: {report.rows('recruitment files'):,}")
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
        for model in (Organization, OrgCounts, Grid, Building, Member, MembershipPeriod, ResidenceRegistration,
                      RecruitmentFile, StepRecord):
            cursor.execute(f"{command} {model._meta.db_table}")
    return 9


def remove_generated() -> None:
    """Remove a city's tree and everything hanging on it, for `generate-city --replace`. Accounts
    tied to the tree go with it (through the ORM, so their devices and history go too); audit
    events stay, being append-only."""
    from django.db.models import Q

    from dangjian.accounts.models import RoleAssignment, User

    with transaction.atomic():
        tied = User.objects.filter(Q(organization__isnull=False) | Q(assignments__isnull=False))
        User.objects.filter(pk__in=list(tied.values_list("pk", flat=True))).delete()
        with connection.cursor() as cursor:
            for model in (StepDocument, StepRecord, RecruitmentFile,
                          ResidenceRegistration.history.model, ResidenceRegistration, MembershipPeriod, MemberEvent,
                          Transfer, CorrectionRequest, RosterJob, Member, Building, Grid, OrgCounts, RoleAssignment,
                          Organization.history.model, Grid.history.model, Building.history.model, Organization):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")

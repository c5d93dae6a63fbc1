"""A deterministic generated city: organisations down to buildings (and zones in the demo),
grids and buildings as places, and members with real-looking names and valid ID numbers.

The generator computes treebeard's materialised paths itself (4 base-36 characters a level), so
the loader writes whole tables in bulk instead of adding nodes one by one. The same seed always
gives the same city.
"""

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dangjian.core import calendar, identity
from dangjian.demo import names
from dangjian.members.models import Category
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level, child_code
from dangjian.recruitment.cases import ImportedCase
from dangjian.recruitment.rules import Case, Occurrence

MINORITY_CODES = ("03", "08", "11", "15", "06", "10", "22", "13", "14", "02")
EDUCATION_CODES = ("11", "14", "21", "31", "41", "61", "71", "81")
EDUCATION_WEIGHTS = (1, 6, 35, 25, 10, 12, 8, 3)
WORKING_JOB_POSTS = ("0101", "0202", "0301", "0302", "0401", "0402", "1102", "1105", "1201")
ALPHABET = Organization.alphabet
STEP = Organization.steplen
ROOT_CODE = "C01"
CITY_ID = 1

# One file that keeps every rule of both sets: days after the application, step, facts (dates in
# facts as days after the application too), with room on each side of every limit.
_VOTE = {"eligible": 30, "present": 20, "yes": 18}
RECRUITMENT_TIMELINE = (
    (0, "1", {}), (10, "2", {}), (50, "3", {"decided_by": "branch_committee"}), (59, "4", {}),
    (59, "5", {"mentors": 2}), (220, "6", {}), (390, "6", {}),
    (417, "7", {"decided_by": "branch_committee", "notice_start": 418, "notice_end": 428}), (429, "8", {}),
    (431, "9", {"sponsors": 2}), (447, "10", {"passed": True}), (456, "11", {"days": 3, "hours": 24}),
    (482, "12", {}), (491, "13", {}), (496, "14", {}), (508, "15", _VOTE), (517, "16", {}), (538, "17", {}),
    (547, "18", {}), (547, "19", {}), (552, "20", {}), (710, "21", {}), (861, "22", {}),
    (880, "23", {**_VOTE, "outcome": "confirm"}), (903, "24", {}), (922, "25", {}),
)


def path_step(position: int) -> str:
    """The treebeard path segment of the ``position``-th child (1-based)."""
    digits = ""
    while position:
        position, remainder = divmod(position, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEP, "0")


def chinese_number(number: int) -> str:
    """1–99 in Chinese numerals, as grids are named (第三网格, 第十二网格)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    if not 0 < number < 100:
        return str(number)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


@dataclass(frozen=True)
class Plan:
    districts: int
    streets_per_district: int
    communities_per_street: int
    grids_per_community: int
    buildings_per_grid: int
    zones_per_building: int
    members: int

    @classmethod
    def named(cls, size: str) -> "Plan":
        if size == "small":
            return cls(1, 3, 4, 5, 4, 1, 3000)
        if size == "city":
            return cls(3, 5, 8, 5, 3, 0, 30000)
        raise ValueError(f"Unknown size {size!r}: small or city.")

    @classmethod
    def for_members(cls, members: int) -> "Plan":
        """About 50 members a grid, 6 grids (300 members) a community, 15 communities a street,
        10 streets a district, as in Guangzhou (PRACTICE.md)."""
        grids = max(1, math.ceil(members / 50))
        communities = max(1, math.ceil(grids / 6))
        streets = max(1, math.ceil(communities / 15))
        districts = max(1, math.ceil(streets / 10))
        streets_per_district = math.ceil(streets / districts)
        communities_per_street = math.ceil(communities / (districts * streets_per_district))
        grids_per_community = math.ceil(grids / (districts * streets_per_district * communities_per_street))
        return cls(districts, streets_per_district, communities_per_street, grids_per_community, 2, 0, members)

    @property
    def grids(self) -> int:
        return self.districts * self.streets_per_district * self.communities_per_street * self.grids_per_community


@dataclass
class OrgRow:
    path: str
    code: str
    name: str
    level: str
    kind: str
    numchild: int = 0
    has_committee: bool = False
    founded_on: dt.date | None = None

    @property
    def depth(self) -> int:
        return len(self.path) // STEP


@dataclass
class GridRow:
    code: str
    name: str
    community_code: str
    organization_code: str | None
    households: int
    org_path: str


@dataclass
class BuildingRow:
    grid_code: str
    name: str
    address: str
    organization_code: str | None
    households: int
    org_path: str


@dataclass
class MemberRow:
    home_code: str
    org_path: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str
    category: str
    joined_on: dt.date
    full_member_on: dt.date | None
    address: str
    ethnicity: str
    education: str
    job_post: str
    last_contact_on: dt.date


@dataclass
class City:
    organizations: list[OrgRow] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)
    buildings: list[BuildingRow] = field(default_factory=list)
    # Member counts per home organisation; the members themselves are generated lazily.
    member_slots: list[tuple[OrgRow, str, int]] = field(default_factory=list)


class CityGenerator:
    def __init__(self, plan: Plan, *, seed: int = 2024, today: dt.date | None = None):
        self.plan = plan
        self.seed = seed
        self.today = today or dt.date.today()
        self.random = random.Random(seed)
        self.used_id_numbers: set[str] = set()

    # --- the tree ---------------------------------------------------------------------------------

    def _place_name(self, used: set[str]) -> str:
        """A two-character place name not yet used among its siblings (names repeat across a
        city, as real ones do, but never under one parent)."""
        rng = self.random
        for _attempt in range(200):
            name = rng.choice(names.PLACE_FIRST) + rng.choice(names.PLACE_FIRST + names.PLACE_SECOND)
            if name not in used:
                used.add(name)
                return name
        raise ValueError("Too many siblings for the generated place names.")

    def _child(self, parent: OrgRow, name: str, level: str, kind: str, **fields) -> OrgRow:
        parent.numchild += 1
        row = OrgRow(
            path=parent.path + path_step(parent.numchild),
            code=child_code(parent.code, parent.level, parent.numchild),
            name=name, level=level, kind=kind,
            founded_on=dt.date(self.random.randint(1990, 2022), self.random.randint(1, 12), 1), **fields,
        )
        return row

    def city(self) -> City:
        plan, rng, city = self.plan, self.random, City()
        root = OrgRow(path=path_step(1), code=ROOT_CODE, name=f"中共{names.CITY_NAME}委员会",
                      level=Level.CITY, kind=Kind.LOCAL_COMMITTEE, founded_on=dt.date(1949, 10, 14))
        city.organizations.append(root)
        grid_sizes = self._grid_sizes()
        grid_index = 0
        district_names = {name.removesuffix("区") for name in names.DISTRICT_NAMES}
        for d in range(plan.districts):
            district_name = names.DISTRICT_NAMES[d] if d < len(names.DISTRICT_NAMES) else self._place_name(district_names) + "区"
            district = self._child(root, f"中共{names.CITY_NAME}{district_name}委员会", Level.DISTRICT, Kind.LOCAL_COMMITTEE)
            city.organizations.append(district)
            street_names: set[str] = set()
            for _s in range(plan.streets_per_district):
                street_name = self._place_name(street_names) + "街道"
                street = self._child(district, f"中共{district_name}{street_name}工作委员会", Level.STREET,
                                     Kind.WORKING_COMMITTEE, has_committee=True)
                city.organizations.append(street)
                community_names: set[str] = set()
                for _c in range(plan.communities_per_street):
                    community_name = self._place_name(community_names) + "社区"
                    road = community_name[:2] + rng.choice(names.ROAD_KINDS)
                    community = self._child(street, f"中共{street_name}{community_name}委员会", Level.COMMUNITY,
                                            Kind.PRIMARY_COMMITTEE, has_committee=True)
                    city.organizations.append(community)
                    community_members = 0
                    for g in range(1, plan.grids_per_community + 1):
                        members = grid_sizes[grid_index]
                        grid_index += 1
                        grid_name = f"{community_name}第{chinese_number(g)}网格"
                        grid_code = f"G{community.code}{g:03d}"
                        # About one grid in twenty still has no branch built on it.
                        if rng.random() < 0.05:
                            city.grids.append(GridRow(grid_code, grid_name, community.code, None,
                                                      rng.randint(250, 500), community.path))
                            community_members += members
                            for b in range(1, plan.buildings_per_grid + 1):
                                city.buildings.append(BuildingRow(grid_code, f"{b}栋", f"{road}{rng.randint(1, 200)}号{b}栋",
                                                                  None, rng.randint(40, 120), community.path))
                            continue
                        # Grids above 50 members mostly form a general branch; a few have not yet,
                        # and show the size warning.
                        kind = Kind.GENERAL_BRANCH if members > 50 and rng.random() < 0.8 else Kind.BRANCH
                        full = round(members * 0.93)
                        has_committee = full >= 7 and rng.random() < 0.85
                        branch = self._child(community, f"中共{grid_name}{'总支部委员会' if kind == Kind.GENERAL_BRANCH else '支部委员会'}",
                                             Level.GRID, kind, has_committee=has_committee)
                        city.organizations.append(branch)
                        city.grids.append(GridRow(grid_code, grid_name, community.code, branch.code,
                                                  rng.randint(250, 500), branch.path))
                        city.member_slots.append((branch, road, members))
                        for b in range(1, plan.buildings_per_grid + 1):
                            # Under a general branch a building forms a branch; under a branch, a group.
                            building_kind = Kind.BRANCH if kind == Kind.GENERAL_BRANCH else Kind.GROUP
                            group = self._child(branch, f"{grid_name}{b}栋{'党支部' if building_kind == Kind.BRANCH else '党小组'}",
                                                Level.BUILDING, building_kind)
                            city.organizations.append(group)
                            city.buildings.append(BuildingRow(grid_code, f"{b}栋", f"{road}{rng.randint(1, 200)}号{b}栋",
                                                              group.code, rng.randint(40, 120), group.path))
                            for z in range(1, plan.zones_per_building + 1):
                                city.organizations.append(self._child(
                                    group, f"{grid_name}{b}栋第{z}党员责任区", Level.ZONE, Kind.RESPONSIBILITY_ZONE))
                    if community_members:
                        city.member_slots.append((community, road, community_members))
        return city

    def _grid_sizes(self) -> list[int]:
        """Members per grid: about 50, a few tiny branches (fewer than 3 full members) and a few
        above 50, summing exactly to the planned number (the rest is spread over the others)."""
        rng, grids = self.random, self.plan.grids
        tiny = {index for index in range(grids) if rng.random() < 0.04}
        sizes = [rng.randint(1, 2) if index in tiny else rng.randint(52, 70) if rng.random() < 0.08
                 else rng.randint(40, 56) for index in range(grids)]
        adjustable = [index for index in range(grids) if index not in tiny] or list(range(grids))
        difference = self.plan.members - sum(sizes)
        position = 0
        while difference:
            index = adjustable[position % len(adjustable)]
            step = 1 if difference > 0 else -1
            if sizes[index] + step >= 1:
                sizes[index] += step
                difference -= step
            position += 1
        return sizes

    # --- members ---------------------------------------------------------------------------------

    def members(self, city: City) -> Iterator[MemberRow]:
        rng = random.Random(self.seed * 7919 + 1)
        contact_rng = random.Random(self.seed * 7919 + 2)
        surnames = names.SURNAMES
        surname_weights = [1 / (rank + 8) for rank in range(len(surnames))]
        today = self.today
        for home, road, count in city.member_slots:
            for _ in range(count):
                male = rng.random() < 0.55
                given = names.GIVEN_CHARACTERS_MALE if male else names.GIVEN_CHARACTERS_FEMALE
                name = rng.choices(surnames, surname_weights)[0] + "".join(rng.choices(given, k=rng.choice((1, 2, 2))))
                birth = dt.date(rng.randint(1940, 2003), rng.randint(1, 12), rng.randint(1, 28))
                id_number = self._id_number(rng, birth, male)
                if rng.random() < 0.07 and calendar.age_on(birth, today) >= 19:
                    joined = today - dt.timedelta(days=rng.randint(20, 330))
                    category, full_on = Category.PROBATIONARY, None
                else:
                    earliest = calendar.add_years(birth, 18)
                    latest = min(calendar.add_years(birth, 55), today - dt.timedelta(days=400))
                    joined = earliest + dt.timedelta(days=rng.randint(0, max((latest - earliest).days, 0)))
                    category, full_on = Category.FULL, calendar.add_years(joined, 1)
                yield MemberRow(
                    home_code=home.code, org_path=home.path, name=name, sex="M" if male else "F", birth_date=birth,
                    id_number=id_number, phone=rng.choice(names.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                    category=category, joined_on=joined, full_member_on=full_on,
                    address=f"{road}{rng.randint(1, 200)}号{rng.randint(1, 12)}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}房",
                    ethnicity="01" if rng.random() < 0.93 else rng.choice(MINORITY_CODES),
                    education=rng.choices(EDUCATION_CODES, EDUCATION_WEIGHTS)[0],
                    job_post="1002" if calendar.age_on(birth, today) >= 60 else rng.choice(WORKING_JOB_POSTS),
                    last_contact_on=today - dt.timedelta(days=self._days_since_contact(contact_rng)),
                )

    # --- recruitment ------------------------------------------------------------------------------

    def recruitment_cases(self, city: City) -> list[ImportedCase]:
        """People being developed by two in five grid branches, at every stage: each file
        follows the clean timeline from its application to today; about one in twelve held the
        talk late and one in twenty voted without a quorum, for the check to find."""
        rng = random.Random(self.seed * 7919 + 3)
        branches = [org for org in city.organizations if org.level == Level.GRID and org.kind == Kind.BRANCH]
        imported = []
        for branch in branches:
            if rng.random() >= 0.4:
                continue
            for _ in range(rng.randint(1, 3)):
                applied = self.today - dt.timedelta(days=rng.randint(5, 1000))
                male = rng.random() < 0.5
                birth = calendar.add_years(applied, -rng.randint(19, 35)) - dt.timedelta(days=rng.randint(0, 300))
                given = names.GIVEN_CHARACTERS_MALE if male else names.GIVEN_CHARACTERS_FEMALE
                name = rng.choice(names.SURNAMES[:60]) + "".join(rng.choices(given, k=2))
                late_talk, no_quorum = rng.random() < 0.08, rng.random() < 0.05
                steps: dict[str, list[Occurrence]] = {}
                for days, number, facts in RECRUITMENT_TIMELINE:
                    if number == "2" and late_talk:
                        days = 45
                    if number == "15" and no_quorum:
                        facts = {**facts, "present": 14}
                    day = applied + dt.timedelta(days=days)
                    if day >= self.today:
                        break
                    facts = {name_: applied + dt.timedelta(days=value) if name_.startswith("notice_") else value
                             for name_, value in facts.items()}
                    steps.setdefault(number, []).append(Occurrence(day, facts))
                case = Case(f"demo-{len(imported) + 1}", {number: tuple(found) for number, found in steps.items()},
                            birth_date=birth)
                imported.append(ImportedCase(case, name=name, id_number=self._id_number(rng, birth, male),
                                             org=branch.code))
        return imported

    @staticmethod
    def _days_since_contact(rng: random.Random) -> int:
        """Most members were at a meeting or paid dues within two months; about 2% have not
        been seen for three to six months (the warning) and under 1% for longer (lost contact)."""
        draw = rng.random()
        if draw < 0.007:
            return rng.randint(190, 400)
        if draw < 0.027:
            return rng.randint(95, 175)
        return rng.randint(0, 60)

    def _id_number(self, rng: random.Random, birth: dt.date, male: bool) -> str:
        while True:
            sequence = rng.randrange(0, 1000)
            if (sequence % 2 == 1) != male:
                sequence = (sequence + 1) % 1000
            first17 = f"{rng.choice(names.REGION_CODES)}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + identity.check_character(first17)
            if number not in self.used_id_numbers:
                self.used_id_numbers.add(number)
                return number

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
from dangjian.requests import rules as request_rules

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
    # Residents' requests a grid a year. The demo makes each one through the services, some five
    # milliseconds a change on SQLite, so it keeps to fewer than a generated city.
    requests_per_grid: int = 10

    @classmethod
    def named(cls, size: str) -> "Plan":
        if size == "small":
            return cls(1, 3, 4, 5, 4, 1, 3000, requests_per_grid=4)
        if size == "city":
            return cls(3, 5, 8, 5, 3, 0, 30000, requests_per_grid=2)
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

    @property
    def requests(self) -> int:
        """Residents' requests in the generated year."""
        return self.grids * self.requests_per_grid


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

    # --- residents' requests -----------------------------------------------------------------------

    def request_year(self, places: list["RequestPlace"], offices: list["Office"], *, calendar, tz,
                     requests: int | None = None) -> "RequestYear":
        """A year of residents' requests over ``places`` (about ``requests``, by default the
        plan's), receptions by a representative in each of ``offices`` and household visits; the
        working-day ``calendar`` places the staff's work and ``tz`` the hours."""
        return RequestPlanner(self, places, offices, requests=self.plan.requests if requests is None else requests,
                              calendar=calendar, tz=tz).year()

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


# --- residents' requests ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestCategory:
    """A category of the demo with what residents write about it (each description with the
    attribute values it implies) and what staff answer when it is done."""

    code: str
    name: str
    group: str
    time_limit_days: int
    weight: int
    keywords: str
    problems: tuple[tuple[str, dict], ...]
    replies: tuple[str, ...]
    attributes: tuple[dict, ...] = ()


def _choices(*pairs: tuple[str, str]) -> list[dict]:
    return [{"key": key, "name": name} for key, name in pairs]


REQUEST_CATEGORIES = (
    RequestCategory(
        "HJWS", "环境卫生", "市容环境", 3, 20, "垃圾,清运,卫生,异味,杂物",
        (("小区垃圾桶满溢，已经两天没有清运，气味很大。", {}),
         ("楼道里堆满纸箱和旧家具，进出很不方便。", {}),
         ("绿化带里有人乱倒建筑垃圾，一直没人清理。", {}),
         ("垃圾分类投放点周围污水横流，蚊蝇很多。", {}),
         ("小区门口的公厕没人打扫，很脏。", {})),
        ("已通知环卫所清运，现场已清理干净，后续将加密清运频次。",
         "已联系物业清理楼道杂物，并在楼栋张贴了文明提示。")),
    RequestCategory(
        "SZSS", "市政设施", "市政", 5, 15, "路灯,井盖,路面,护栏",
        (("路口的路灯坏了一个多星期，晚上很黑。", {"facility": "light"}),
         ("人行道上的井盖松动，踩上去会响，怕有人摔倒。", {"facility": "manhole"}),
         ("路面有一个大坑，下雨积水，电动车容易摔倒。", {"facility": "road"}),
         ("学校门口的护栏被撞歪了，没有人修。", {"facility": "rail"}),
         ("公园里的座椅坏了两张，老人没地方歇脚。", {"facility": "bench"})),
        ("已报市政养护单位维修，现已修复，感谢您的反映。",
         "维修人员已到场处理，设施恢复正常使用。"),
        ({"code": "facility", "datatype": "singlevaluelist", "required": True, "description": "哪一类设施？",
          "values": _choices(("light", "路灯"), ("manhole", "井盖"), ("road", "路面"), ("rail", "护栏"),
                             ("bench", "公共座椅"))},)),
    RequestCategory(
        "WYGL", "物业管理", "住房", 7, 20, "物业,电梯,门禁,维修,停车",
        (("电梯经常停运，物业说在修但一直没修好。", {}),
         ("单元门禁坏了，外来人员随便进出。", {}),
         ("小区地下车库漏水，墙皮大片脱落。", {}),
         ("物业收费后不公示账目，业主意见很大。", {}),
         ("楼顶防水层老化，顶楼住户家里渗水。", {})),
        ("已约谈物业公司，维修已完成，并要求其建立定期巡检制度。",
         "社区已协调业委会和物业公司，问题已整改到位。")),
    RequestCategory(
        "LHYH", "绿化养护", "市容环境", 10, 6, "绿化,树木,草坪",
        (("楼下的大树枝叶伸到窗口，遮光又招虫。", {}),
         ("小区草坪被踩秃了，下雨一地泥。", {}),
         ("台风后倒了一棵树，压在围墙上。", {})),
        ("已安排园林养护单位修剪，现场已清理。",)),
    RequestCategory(
        "XFAQ", "消防安全隐患", "安全", 3, 8, "消防,飞线,充电,通道",
        (("有住户从楼上拉电线给电动车充电，很危险。", {"hazard": "charging"}),
         ("楼梯间堆放了大量杂物，堵住了消防通道。", {"hazard": "stairs"}),
         ("消防车通道被私家车长期占用。", {"hazard": "lane"}),
         ("楼道里的灭火器过期了，消防栓也没有水。", {"hazard": "equipment"})),
        ("已会同物业和消防站现场处置，隐患已消除。",
         "已清理占用物品，并安排网格员每周巡查。"),
        ({"code": "hazard", "datatype": "singlevaluelist", "required": True, "description": "是什么隐患？",
          "values": _choices(("charging", "飞线充电"), ("stairs", "楼道堆物"), ("lane", "消防通道占用"),
                             ("equipment", "消防设施损坏"))},
         {"code": "floor", "datatype": "number", "required": False, "description": "在第几层？"})),
    RequestCategory(
        "ZSRM", "噪声扰民", "安全", 5, 10, "噪音,施工,广场舞",
        (("附近工地晚上十一点还在施工，吵得睡不着。", {}),
         ("楼上住户装修，周末一早就开始电钻。", {}),
         ("广场舞音响声音太大，一直跳到很晚。", {})),
        ("已与施工方和相关居民沟通，约定了作息时间，噪声已明显减小。",)),
    RequestCategory(
        "SQFW", "社区服务", "民生服务", 10, 13, "养老,助餐,证明,咨询",
        (("家里老人行动不便，想申请长者饭堂送餐。", {}),
         ("想咨询独生子女父母奖励怎么办理。", {}),
         ("社区长者活动室开放时间太短，希望延长。", {}),
         ("孩子上学需要开居住证明，不知道找谁。", {})),
        ("已上门了解情况并协助办理，相关服务已开通。",
         "已电话解答并告知办理流程，居民表示清楚了。")),
    RequestCategory(
        "LLJF", "邻里纠纷", "民生服务", 15, 8, "纠纷,调解,漏水,占道",
        (("楼上漏水到我家，对方不愿意维修，协商不成。", {}),
         ("邻居在公共走廊堆放鞋柜，多次沟通无果。", {}),
         ("邻居家的狗经常半夜狂叫，影响休息。", {})),
        ("经社区调解，双方已达成一致并签订调解协议。",)),
)

# Replies for every category, by action: (action, title, text).
GENERAL_REPLIES = (
    ("accept", "受理", "您反映的问题已受理，我们将在规定时限内办理并答复。"),
    ("note", "办理进展", "已联系相关单位，正在协调处理，请您耐心等待。"),
    ("refer", "转办", "经核实，该问题不属于社区职责范围，已转请相关部门办理。"),
    ("duplicate", "合并办理", "此前已有居民反映同一问题，已合并办理，请关注原诉求的进展。"),
)
REPLY = {action: text for action, _title, text in GENERAL_REPLIES}
REFERRALS = ("区供电局", "自来水公司", "区城市管理和综合执法局", "区住房和城乡建设局", "辖区派出所")
REOPEN_COMMENTS = ("问题还是没有解决，请再来看看。", "过了两天又出现了，没有彻底解决。", "现场没有人来处理过。")
WITHDRAW_COMMENTS = ("问题已经自行解决了，撤回。", "", "已与物业协商解决，不需要再处理。")
INTERNAL_NOTES = ("已电话联系居民核实情况。", "需协调物业公司共同处理。", "已拍照留存，待相关单位回复。")
STAFF_WITHDRAWALS = "居民来电表示问题已解决，申请撤回。"
RECEPTION_NOTES = ("居民反映的问题集中在环境卫生和物业管理，已现场答复一部分。",
                   "来访居民多为老人，主要咨询养老服务政策。", "结合“我为群众办实事”，现场收集意见建议。")
VISIT_NOTES = ("了解家庭近况，宣传防诈骗知识。", "走访独居老人，身体状况良好。", "宣传垃圾分类，征求对小区治理的意见。",
               "走访困难家庭，了解帮扶需求。")
OPEN311_CLIENT = "12345政务服务便民热线"

VISITS_PER_GRID = 4  # a year
# Sources of the requests filed directly, with their weights.
SOURCES = (("public_page", 40), ("on_behalf", 45), ("open311", 15))
# The states a few requests filed two days before today are left in, so that every working
# state is on show whatever the day.
HELD_STATES = ("received", "accepted", "assigned", "in_progress", "resolved", "reopened")
# What becomes of the first requests filed so many days before today, whatever the draw: every
# state on show, and a few overdue ("stuck": never resolved, risen up the tree).
FORCED_FATES = {2: HELD_STATES, 20: ("duplicate", "referred", "withdrawn"), 40: ("stuck",) * 3}


@dataclass(frozen=True)
class RequestPlace:
    """A grid as the request generator sees it. The loader reads it from the database, so that the
    requests fit whichever city is there."""

    community: int  # index into the offices
    street: int
    buildings: tuple[str, ...]
    assignees: int  # members living in the grid's branch, to whom its requests may be assigned
    visitors: int  # members registered as living there, who visit households


@dataclass(frozen=True)
class Office:
    """A community or a street, where one Party representative serves."""

    name: str  # short, e.g. 金风街道金风社区
    level: str
    places: tuple[int, ...]  # its grids
    members: int  # members under it, among whom the representative is


@dataclass(frozen=True, slots=True)
class Step:
    """One change planned for a request: by staff (``by``: rules.Actor) or by the resident with
    the tracking code."""

    at: dt.datetime
    action: str
    by: str
    note: str = ""  # staff: the reply to the resident; the resident: what they say
    internal_note: str = ""
    to_member: bool = False  # assign: to a member, not an organisation
    pick: int = 0  # assign: which member of the grid (modulo how many)
    satisfaction: int | None = None
    original: int = 0  # duplicate: the number of the request this one repeats
    referred_to: str = ""


@dataclass(frozen=True, slots=True)
class RequestPlan:
    number: int  # 1, 2, … in the order filed
    place: int
    building: int | None
    category: str
    received_at: dt.datetime
    source: str
    description: str
    address: str
    contact_name: str
    phone: str
    public: bool
    attributes: dict
    steps: tuple[Step, ...]

    @property
    def at(self) -> dt.datetime:
        return self.received_at


@dataclass(frozen=True)
class RepresentativePlan:
    office: int
    pick: int  # which member under the office (modulo how many)
    title: str
    since: dt.date
    weekday: int
    place: str
    starts_at: dt.time
    ends_at: dt.time


@dataclass(frozen=True)
class ReceptionPlan:
    representative: int
    held_at: dt.datetime
    visitors: int
    visitor_names: str
    notes: str
    problems: tuple[RequestPlan, ...]

    @property
    def at(self) -> dt.datetime:
        return self.held_at


@dataclass(frozen=True)
class VisitPlan:
    place: int
    pick: int  # which of the grid's visitors
    visited_at: dt.datetime
    household: str
    notes: str
    problems: tuple[RequestPlan, ...]

    @property
    def at(self) -> dt.datetime:
        return self.visited_at


@dataclass
class RequestYear:
    """A year up to yesterday: the representatives on duty, then what happened day by day in the
    order it happened (requests filed, receptions held, households visited), lazily."""

    first_day: dt.date
    today: dt.date
    representatives: list[RepresentativePlan]
    happenings: Iterator[RequestPlan | ReceptionPlan | VisitPlan]
    categories: tuple[RequestCategory, ...] = REQUEST_CATEGORIES


def _open_at(steps: list[Step], at: dt.datetime) -> bool:
    """Whether a request with these planned changes is still being worked on at ``at``."""
    state = request_rules.State.RECEIVED
    for step in steps:
        if step.at >= at:
            break
        state = request_rules.target_of(state, step.action)
    return state in request_rules.OPEN


class RequestPlanner:
    """Plans a year of residents' requests over ``places``: who filed what, where and when, and
    every change each one then went through, up to yesterday. The staff's changes fall in office
    hours on working days; most requests are done within their time limit, some late, a few
    never; residents confirm, say nothing (the sweep then closes the request) or reopen it."""

    def __init__(self, generator: "CityGenerator", places: list[RequestPlace], offices: list[Office], *,
                 requests: int, calendar, tz):
        self.rng = random.Random(generator.seed * 7919 + 4)
        self.today = generator.today
        self.first_day = self.today - dt.timedelta(days=365)
        self.places, self.offices, self.requests = places, offices, requests
        self.calendar, self.tz = calendar, tz
        self.cutoff = dt.datetime.combine(self.today, dt.time.min, tz)
        self.number = 0
        self.categories = REQUEST_CATEGORIES
        self.category_weights = [category.weight for category in REQUEST_CATEGORIES]
        # Requests that may be repeated, by community: (number, received at, changes), the latest
        # last; and the grid of the latest of all.
        self.recent: dict[int, list[tuple[int, dt.datetime, list[Step]]]] = {}
        self.latest: int | None = None
        self.representatives: list[RepresentativePlan] = []

    def year(self) -> RequestYear:
        self.representatives = self._representatives()
        receptions = self._receptions()
        visits = self._visits()
        problems = sum(count for by_day in (receptions, visits) for held in by_day.values() for *_rest, count in held)
        return RequestYear(self.first_day, self.today, self.representatives,
                           self._happenings(receptions, visits, max(0, self.requests - problems)))

    # --- who receives, and when ----------------------------------------------------------------

    def _representatives(self) -> list[RepresentativePlan]:
        rng, planned = self.rng, []
        for index, office in enumerate(self.offices):
            if not office.members or not office.places:
                continue
            street = office.level == Level.STREET
            starts = dt.time(9, 0) if rng.random() < 0.6 else dt.time(14, 30)
            planned.append(RepresentativePlan(
                office=index, pick=rng.randrange(office.members), title="市党代表" if street else "区党代表",
                since=self.first_day - dt.timedelta(days=rng.randint(100, 1200)), weekday=rng.randrange(5),
                place=f"{office.name}党群服务中心党代表{'联络站' if street else '工作室'}", starts_at=starts,
                ends_at=dt.time(starts.hour + 2, 30)))
        return planned

    def _receptions(self) -> dict[dt.date, list[tuple[int, int, int]]]:
        """Once a month each representative receives on the first rota day of the month that is a
        working day: (representative, visitors, problems raised) by day."""
        rng, held = self.rng, {}
        for index, representative in enumerate(self.representatives):
            month = self.first_day.replace(day=1)
            while month < self.today:
                day = max(month, self.first_day)
                while day.weekday() != representative.weekday or not self.calendar.is_working_day(day):
                    day += dt.timedelta(days=1)
                if day < self.today:
                    visitors = rng.randint(1, 8)
                    # About one reception in five raises a problem (one district: 1,075 receptions, 208 problems).
                    problems = min(visitors, rng.choice((0, 0, 0, 0, 1)))
                    held.setdefault(day, []).append((index, visitors, problems))
                month = (month + dt.timedelta(days=32)).replace(day=1)
        return held

    def _visits(self) -> dict[dt.date, list[tuple[int, int, int]]]:
        """(place, visitor, problems found) by day."""
        rng, visits = self.rng, {}
        for index, place in enumerate(self.places):
            for _ in range(VISITS_PER_GRID if place.visitors else 0):
                day = self.first_day + dt.timedelta(days=rng.randrange(365))
                visits.setdefault(day, []).append((index, rng.randrange(place.visitors), int(rng.random() < 0.1)))
        return visits

    # --- day by day ---------------------------------------------------------------------------

    def _happenings(self, receptions, visits, direct: int) -> Iterator[RequestPlan | ReceptionPlan | VisitPlan]:
        rng = self.rng
        days = [self.first_day + dt.timedelta(days=offset) for offset in range(365)]
        weights = [0.6 if day.weekday() >= 5 else 1.0 for day in days]
        total, running, filed = sum(weights), 0.0, 0
        for day, weight in zip(days, weights, strict=True):
            running += weight
            count = round(direct * running / total) - filed
            filed += count
            forced = FORCED_FATES.get((self.today - day).days, ())
            moments = sorted(
                [(self._moment(day, 7, 23), "file", None) for _ in range(max(count, len(forced)))]
                + [(dt.datetime.combine(day, self.representatives[index].starts_at, self.tz) + dt.timedelta(minutes=30),
                    "reception", (index, visitors, problems)) for index, visitors, problems in receptions.get(day, [])]
                + [(self._moment(day, 9, 20), "visit", visit) for visit in visits.get(day, [])],
                key=lambda item: item[0])
            if forced:
                # The forced ones are filed first thing, so that their changes fit in the day.
                first = [index for index, (_at, kind, _detail) in enumerate(moments) if kind == "file"][:len(forced)]
                for minute, (index, fate) in enumerate(zip(first, forced, strict=True)):
                    moments[index] = (dt.datetime.combine(day, dt.time(7, minute), self.tz), "file", fate)
                moments.sort(key=lambda item: item[0])
            for at, kind, detail in moments:
                if kind == "file":
                    source = rng.choices([name for name, _ in SOURCES], [weight for _, weight in SOURCES])[0]
                    # A forced duplicate repeats the latest request that may be repeated, in its grid;
                    # the other forced ones are filed in the first grid, where the demo's accounts are.
                    place = (self.latest if detail == "duplicate" and self.latest is not None else 0 if detail
                             else rng.randrange(len(self.places)))
                    yield self._request(place, at, source, detail)
                elif kind == "reception":
                    yield self._reception(at, *detail)
                else:
                    yield self._visit(at, *detail)

    def _moment(self, day: dt.date, first_hour: int, last_hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.rng.randint(first_hour, last_hour - 1), self.rng.randrange(60)),
                                   self.tz)

    def _resident_name(self) -> str:
        rng = self.rng
        given = names.GIVEN_CHARACTERS_MALE if rng.random() < 0.5 else names.GIVEN_CHARACTERS_FEMALE
        return rng.choice(names.SURNAMES[:60]) + "".join(rng.choices(given, k=rng.choice((1, 2, 2))))

    def _reception(self, at: dt.datetime, index: int, visitors: int, problems: int) -> ReceptionPlan:
        rng, office = self.rng, self.offices[self.representatives[index].office]
        named = ("、".join(rng.choice(names.SURNAMES[:60]) + rng.choice(("女士", "先生"))
                          for _ in range(rng.randint(1, min(visitors, 3)))) if rng.random() < 0.4 else "")
        return ReceptionPlan(index, at, visitors, named, rng.choice(RECEPTION_NOTES), tuple(
            self._request(rng.choice(office.places), at, "reception") for _ in range(problems)))

    def _visit(self, at: dt.datetime, place: int, pick: int, problems: int) -> VisitPlan:
        rng, buildings = self.rng, self.places[place].buildings
        household = f"{rng.choice(buildings) if buildings else ''}{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
        return VisitPlan(place, pick, at, household, rng.choice(VISIT_NOTES),
                         tuple(self._request(place, at, "visit") for _ in range(problems)))

    # --- one request ---------------------------------------------------------------------------

    def _request(self, place: int, at: dt.datetime, source: str, fate: str | None = None) -> RequestPlan:
        rng = self.rng
        self.number += 1
        category = rng.choices(self.categories, self.category_weights)[0]
        description, attributes = rng.choice(category.problems)
        attributes = dict(attributes)
        if "hazard" in attributes and rng.random() < 0.5:
            attributes["floor"] = str(rng.randint(1, 30))
        buildings = self.places[place].buildings
        building = rng.randrange(len(buildings)) if buildings and rng.random() < 0.75 else None
        address = (f"{buildings[building]}{rng.randint(1, 4)}单元{rng.choice(('门口', '楼道', '', '旁边'))}"
                   if building is not None else rng.choice(("小区东门", "小区南门", "菜市场旁", "公交站附近", "中心花园")))
        named = source == "on_behalf" or rng.random() < 0.7
        phone = rng.choice(names.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}" if rng.random() < 0.65 else ""
        community = self.places[place].community
        number = self.number
        steps, fate = self._steps(category, at, community, fate)
        if fate == "normal":
            recent = self.recent.setdefault(community, [])
            recent.append((number, at, steps))
            del recent[:-30]
            self.latest = place
        return RequestPlan(
            number=number, place=place, building=building, category=category.code, received_at=at, source=source,
            description=description, address=address, contact_name=self._resident_name() if named else "",
            # What a reception or a visit collects is not shown in public (services.reception_log).
            phone=phone, public=rng.random() < 0.4 and source not in ("reception", "visit"), attributes=attributes,
            steps=tuple(step for step in steps if step.at < self.cutoff))

    def _steps(self, category: RequestCategory, received: dt.datetime, community: int,
               fate: str | None) -> tuple[list[Step], str]:
        rng = self.rng
        if fate in HELD_STATES:
            return self._held(category, received, fate), fate
        if fate is None:
            draw = rng.random()
            fate = "referred" if draw < 0.04 else "withdrawn" if draw < 0.07 else "duplicate" if draw < 0.11 else "normal"
        if fate == "duplicate":
            marked = self._office(received, rng.uniform(0.5, 16))
            original = self._original(community, marked)
            if original is not None:
                return [Step(marked, "duplicate", "staff", note=REPLY["duplicate"], original=original)], fate
            fate = "normal"
        steps: list[Step] = []
        last = received
        if fate in ("referred", "withdrawn") and rng.random() < 0.5:
            last = self._office(received, rng.uniform(0.3, 16))
            steps.append(Step(last, "accept", "staff"))
        if fate == "referred":
            steps.append(Step(self._office(last, rng.uniform(0.5, 24)), "refer", "staff", note=REPLY["refer"],
                              referred_to=rng.choice(REFERRALS)))
            return steps, fate
        if fate == "withdrawn":
            if rng.random() < 0.6:
                steps.append(Step(self._waking(last, rng.uniform(2, 96)), "withdraw", "resident",
                                  note=rng.choice(WITHDRAW_COMMENTS)))
            else:
                steps.append(Step(self._office(last, rng.uniform(1, 48)), "withdraw", "staff",
                                  internal_note=STAFF_WITHDRAWALS))
            return steps, fate
        accepted = self._office(received, rng.uniform(0.3, 16))
        steps.append(Step(accepted, "accept", "staff", note=REPLY["accept"] if rng.random() < 0.5 else ""))
        last = self._office(accepted, rng.uniform(0.1, 6))
        steps.append(Step(last, "assign", "staff", to_member=rng.random() < 0.35, pick=rng.randrange(1 << 16)))
        if rng.random() < 0.7:
            last = self._office(last, rng.uniform(0.5, 30))
            steps.append(Step(last, "start", "staff"))
        draw = rng.random()
        if fate == "stuck" or (draw < 0.03 and received >= self.cutoff - dt.timedelta(days=90)):
            return steps, fate
        limit = category.time_limit_days
        # Most are done within the time limit, some within twice it, a few later still.
        days = (2 * limit + rng.randint(1, limit) if draw < 0.07 else limit + rng.randint(1, limit) if draw < 0.2
                else rng.randint(0, limit))
        resolved = self._resolution(steps, accepted, last, days, category)
        if resolved is None:
            return steps, fate
        answer = rng.random()
        if answer < 0.58:
            self._confirmation(steps, resolved)
        elif answer >= 0.9:
            reopened = self._waking(resolved, rng.uniform(3, 60) if rng.random() < 0.5 else rng.uniform(288, 600))
            steps.append(Step(reopened, "reopen", "resident", note=rng.choice(REOPEN_COMMENTS)))
            started = self._office(reopened, rng.uniform(1, 24))
            steps.append(Step(started, "start", "staff"))
            resolved = self._resolution(steps, reopened, started, rng.randint(0, limit), category)
            if resolved is not None and rng.random() < 0.6:
                self._confirmation(steps, resolved)
        return steps, fate

    def _resolution(self, steps: list[Step], since: dt.datetime, last: dt.datetime, days: int,
                    category: RequestCategory) -> dt.datetime | None:
        """Resolve ``days`` working days after ``since`` (not before ``last``), sometimes with a
        word on the progress first; None when that falls after yesterday."""
        rng = self.rng
        day = self._working_after(since.date(), days)
        if day is None:
            return None
        resolved = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randrange(60)), self.tz)
        if resolved <= last:
            resolved = self._office(last, rng.uniform(1, 5))
        progress = self._office(last, rng.uniform(2, 20))
        if rng.random() < 0.15 and progress < resolved:
            steps.append(Step(progress, "note", "staff", note=REPLY["note"],
                              internal_note=rng.choice(INTERNAL_NOTES)))
        steps.append(Step(resolved, "resolve", "staff", note=rng.choice(category.replies)))
        return resolved

    def _confirmation(self, steps: list[Step], resolved: dt.datetime) -> None:
        # Within three days: the sweep closes a resolved request after five working days.
        satisfaction = self.rng.choices((5, 4, 3, 2, 1, None), (50, 28, 9, 3, 2, 8))[0]
        steps.append(Step(self._waking(resolved, self.rng.uniform(2, 60)), "confirm", "resident",
                          satisfaction=satisfaction))

    def _held(self, category: RequestCategory, received: dt.datetime, state: str) -> list[Step]:
        """Changes an hour apart that leave the request in ``state``."""
        plan = [("accept", "staff", ""), ("assign", "staff", ""), ("start", "staff", ""),
                ("resolve", "staff", category.replies[0]), ("reopen", "resident", REOPEN_COMMENTS[0])]
        reached = {"received": 0, "accepted": 1, "assigned": 2, "in_progress": 3, "resolved": 4, "reopened": 5}[state]
        return [Step(received + dt.timedelta(hours=hour), action, by, note=note)
                for hour, (action, by, note) in enumerate(plan[:reached], start=1)]

    def _original(self, community: int, at: dt.datetime) -> int | None:
        """A request of the community filed in the last twenty days and still being worked on at
        ``at``, for a duplicate to repeat (the services refuse to add followers to a closed one)."""
        candidates = [number for number, received, steps in self.recent.get(community, ())
                      if at - received < dt.timedelta(days=20) and _open_at(steps, at)]
        return self.rng.choice(candidates) if candidates else None

    # --- time -----------------------------------------------------------------------------------

    def _working_after(self, day: dt.date, count: int) -> dt.date | None:
        """The ``count``-th working day after ``day`` (``day`` itself when 0); None when that is
        today or later, where the plan ends (and the calendar may not be published yet)."""
        while count > 0 and day < self.today:
            day += dt.timedelta(days=1)
            count -= self.calendar.is_working_day(day)
        return day if day < self.today else None

    def _office(self, after: dt.datetime, hours: float) -> dt.datetime:
        """The first moment in office hours (08:30 to 17:30 on a working day) at least ``hours``
        after ``after``."""
        at = after + dt.timedelta(hours=hours)
        opens, closes = dt.time(8, 30), dt.time(17, 30)
        day = at.date()
        if at.time() >= closes:
            day += dt.timedelta(days=1)
        elif at.time() >= opens and day < self.today and self.calendar.is_working_day(day):
            return at
        while day < self.today and not self.calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, opens, self.tz) + dt.timedelta(minutes=self.rng.randrange(90))
        return max(moment, at)

    def _waking(self, after: dt.datetime, hours: float) -> dt.datetime:
        """A moment a resident acts: ``hours`` after ``after``, moved out of the night (22:00 to 08:00)."""
        at = after + dt.timedelta(hours=hours)
        if at.hour >= 22:
            return dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(8, self.rng.randrange(60)), self.tz)
        if at.hour < 8:
            return dt.datetime.combine(at.date(), dt.time(8, self.rng.randrange(60)), self.tz)
        return at

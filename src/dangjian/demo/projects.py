"""The demo's micro-projects: projects in every state across the demo city's communities, some
proposed from the residents' requests already replayed, each taken through the services step by
step on the days it would have happened (the clock set as the requests' replay sets it), so that
the timelines, the audit trail and the roll-ups are those of real use."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core.scope import PATH_END
from dangjian.core.selectors import working_days
from dangjian.demo.citygen import CityGenerator
from dangjian.demo.loader import replay_clock
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects import rules, selectors, services
from dangjian.projects.models import ListItem, MicroProject, Source
from dangjian.projects.rules import State
from dangjian.requests.models import Request

COMMUNITIES = 40  # enough to fill a street's register and every state, few enough to replay in seconds
PER_COMMUNITY = 3
# The end states, in the order they are handed out; the main path runs collected → evaluated.
ENDS = [State.IN_PROGRESS, State.COMPLETED, State.ACCEPTED, State.EVALUATED, State.APPROVED, State.COLLECTED,
        State.SCREENED_OUT, State.NOTICE, State.REJECTED, State.PASSED, State.SCREENED, State.CANCELLED,
        State.IN_PROGRESS, State.ACCEPTED]
PATH = [State.COLLECTED, State.SCREENED, State.PASSED, State.NOTICE, State.APPROVED, State.IN_PROGRESS,
        State.COMPLETED, State.ACCEPTED, State.EVALUATED]
IDEAS = [
    ("楼道照明改造", rules.Kind.WORKS, "多个楼道灯具老化损坏，夜间照明不足，老人出行不便。"),
    ("长者助餐服务", rules.Kind.SERVICE, "社区独居老人多，希望提供每周五天的午餐配送与堂食服务。"),
    ("休闲座椅添置", rules.Kind.GOODS, "小公园和健身路径旁座椅太少，居民散步累了没处歇脚。"),
    ("困境儿童课后托管", rules.Kind.SERVICE, "为困境儿童提供放学后的作业辅导和安全看护。"),
    ("小区排水沟疏通改造", rules.Kind.WORKS, "雨季小区低洼处积水严重，排水沟淤塞破损。"),
    ("社区文体活动器材", rules.Kind.GOODS, "广场舞队、合唱队缺少音响和活动器材。"),
    ("无障碍坡道改造", rules.Kind.WORKS, "单元门口台阶高，轮椅和婴儿车进出困难。"),
]


def replay_projects(generator: CityGenerator) -> dict[str, int]:
    """Projects for the demo city already loaded (after its requests): returns how many in each state."""
    rng = random.Random(generator.seed * 7919 + 11)
    today = generator.today
    with transaction.atomic(), replay_clock() as set_clock:
        if not selectors.caps():
            services.preset_load(actor=None, name="zhuhai")
        communities = list(Organization.objects.live().filter(level=Level.COMMUNITY).order_by("path")[:COMMUNITIES])
        _add_sources(communities, today)
        calendar = working_days()
        made: dict[str, int] = {}
        # A small city still shows every state: its few communities take more projects each.
        per_community = max(PER_COMMUNITY, -(-len(ENDS) // max(1, len(communities))))
        ends = iter(ENDS * (len(communities) * per_community // len(ENDS) + 1))
        for community in communities:
            requests = list(Request.objects.filter(org_path__gte=community.path,
                                                   org_path__lt=community.path + PATH_END).order_by("pk")[:2])
            for number in range(per_community):
                end = next(ends)
                start = today - dt.timedelta(days=rng.randrange(140, 330))
                set_clock(dt.datetime.combine(start, dt.time(9, 30), timezone.get_current_timezone()))
                project = _propose(community, rng, requests if number == 0 else [])
                _advance(project, end, start, rng, calendar, set_clock)
                made[end] = made.get(end, 0) + 1
    return made


# Each district funds its communities' projects every year; the first street tops its own up.
DISTRICT_FUND = ("区民生微实事专项资金", "district", Decimal("20000000.00"))
STREET_FUND = ("街道民生微实事配套资金", "street", Decimal("2000000.00"))


def _add_sources(communities: list[Organization], today: dt.date) -> None:
    """The sources of last year and this year: each district's above the demo's communities (the
    city's in a tree without districts) and the first street's."""
    paths = {path for community in communities for path in community.ancestor_paths()}
    above = Organization.objects.filter(path__in=paths)
    owners = [(district, DISTRICT_FUND) for district in above.filter(level=Level.DISTRICT).order_by("path")] or [
        (organization, DISTRICT_FUND) for organization in above.filter(depth=1)]
    owners += [(street, STREET_FUND) for street in above.filter(level=Level.STREET).order_by("path")[:1]]
    for year in (today.year - 1, today.year):
        for owner, (name, kind, budget) in owners:
            if not selectors.funding_sources(year=year).filter(organization=owner, name=name).exists():
                services.funding_source_save(actor=None, organization=owner, name=name, kind=kind, year=year,
                                             budget=budget)


def _source_for(project: MicroProject, year: int):
    """The source nearest the community that has the project's estimate left in ``year``."""
    return next(source for source in selectors.sources_for(project, year).order_by("-organization__depth")
                if source.budget - selectors.source_commitments(source) >= project.estimate)


def _propose(community: Organization, rng: random.Random, requests: list[Request]) -> MicroProject:
    title, kind, description = rng.choice(IDEAS)
    cap = int(selectors.caps().get(kind, Decimal("200000")))
    project, _code = services.project_propose(
        actor=None, organization=community, title=title, description=description, kind=kind,
        estimate=Decimal(rng.randrange(20, cap // 1000) * 1000), source=Source.REQUESTS if requests else Source.STAFF,
        requests=requests)
    return project


def _advance(project, end, day, rng, calendar, set_clock) -> None:
    """Take ``project`` to ``end``, a few working days a step, the notice running its full length."""
    tz = timezone.get_current_timezone()

    def act(action, **fields):
        nonlocal project, day
        day = calendar.add(day, rng.randrange(1, 6))
        if project.notice_until and action == "approve":
            day = max(day, project.notice_until + dt.timedelta(days=1))
            fields["funding_source"] = _source_for(project, day.year)
        set_clock(dt.datetime.combine(day, dt.time(rng.randrange(9, 17), rng.randrange(60)), tz))
        project = services.project_act(actor=None, project=project, action=action, **fields)

    if end == State.CANCELLED:
        act("cancel", reason="同类需求已由街道统一实施")
        return
    if end == State.SCREENED_OUT:
        act("screen_out", negative_item=selectors.list_items(ListItem.Side.NEGATIVE).first())
        return
    for target in PATH[1:PATH.index(State.SCREENED if end == State.REJECTED else end) + 1]:
        if target == State.SCREENED:
            act("screen", positive_item=rng.choice(list(selectors.list_items(ListItem.Side.POSITIVE))))
        elif target == State.PASSED:
            act("council", held_on=day, present=11, votes_for=rng.randrange(7, 11), votes_against=1, abstaining=0)
        elif target == State.NOTICE:
            act("public_notice")
        elif target == State.APPROVED:
            act("approve", budget=project.estimate)
        elif target == State.IN_PROGRESS:
            act("start", contractor="本地社会服务机构")
            for title, weight in (("方案与采购", 1), ("实施", 3), ("整改收尾", 1)):
                act("milestone", title=title, weight=weight)
            for milestone in project.milestones.order_by("pk"):
                act("progress", milestone=milestone, progress=100 if end != State.IN_PROGRESS else
                    rng.choice([100, 60, 30, 0]))
            act("spend", amount=(project.budget * Decimal("0.6")).quantize(rules.CENT), spent_on=day,
                payee=project.contractor)
        elif target == State.COMPLETED:
            act("complete")
        elif target == State.ACCEPTED:
            act("accept", accepted_on=day, record="按合同内容逐项验收，质量合格。", signatories="社区书记、街道代表、居民代表")
        elif target == State.EVALUATED:
            surveyed = rng.randrange(30, 120)
            act("evaluate", surveyed=surveyed, satisfied=surveyed - rng.randrange(0, 6), score=Decimal("95.5"))
    if end == State.REJECTED:
        act("council", held_on=day, present=11, votes_for=3, votes_against=7, abstaining=1)

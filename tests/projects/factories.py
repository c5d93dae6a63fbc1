"""Factories of micro-projects: the Zhuhai configuration, a funding source, and a project taken
through the services to any state."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dangjian.orgs.models import Organization
from dangjian.projects import services
from dangjian.projects.models import FundingSource, ListItem, MicroProject, Source
from dangjian.projects.rules import State

# The order a project goes through; each state is reached by the steps before it.
PATH = [State.COLLECTED, State.SCREENED, State.PASSED, State.NOTICE, State.APPROVED, State.IN_PROGRESS,
        State.COMPLETED, State.ACCEPTED, State.EVALUATED]


def configure(preset: str = "zhuhai") -> None:
    services.preset_load(actor=None, name=preset)


def make_source(name="区民生微实事专项资金", year=None, budget="3000000.00", kind="district",
                organization=None) -> FundingSource:
    """A source of ``organization`` (the city at the root by default: every community may draw on it)."""
    year = year or timezone.localdate().year
    organization = organization or Organization.objects.get_first_root_node()
    found = FundingSource.objects.filter(organization=organization, name=name, year=year).first()
    return found or services.funding_source_save(actor=None, organization=organization, name=name, kind=kind,
                                                 year=year, budget=Decimal(budget))


def positive() -> ListItem:
    return ListItem.objects.filter(side="positive", active=True).order_by("order").first()


def negative() -> ListItem:
    return ListItem.objects.filter(side="negative", active=True).order_by("order").first()


def propose(community, *, kind="works", estimate="180000.00", title="老旧小区楼道照明改造",
            requests=(), actor=None, source=None) -> MicroProject:
    source = source or (Source.REQUESTS if requests else Source.STAFF)
    project, _code = services.project_propose(
        actor=actor, organization=community, title=title, description="三栋楼道灯具老化，夜间照明不足，居民多次反映。",
        kind=kind, estimate=Decimal(estimate), source=source, proposer_name="王大妈", phone="13800138000",
        requests=list(requests))
    return project


def end_notice(project: MicroProject) -> MicroProject:
    """Move the notice's end to yesterday: as if its working days had passed."""
    MicroProject.objects.filter(pk=project.pk).update(notice_until=timezone.localdate() - dt.timedelta(days=1))
    project.refresh_from_db()
    return project


def advance(project: MicroProject, state: str, *, actor=None) -> MicroProject:
    """Take ``project`` (collected) along the main path to ``state`` through the services."""
    today = timezone.localdate()
    steps = {
        State.SCREENED: ("screen", {"positive_item": positive()}),
        State.PASSED: ("council", {"held_on": today, "present": 9, "votes_for": 7, "votes_against": 1,
                                   "abstaining": 1}),
        State.NOTICE: ("public_notice", {}),
        State.APPROVED: ("approve", {"budget": project.estimate, "funding_source": make_source()}),
        State.IN_PROGRESS: ("start", {"contractor": "珠海市某物业工程有限公司"}),
        State.COMPLETED: ("complete", {}),
        State.ACCEPTED: ("accept", {"accepted_on": today, "record": "灯具全部更换，照度达标。",
                                    "signatories": "李书记，张主任，居民代表王某"}),
        State.EVALUATED: ("evaluate", {"surveyed": 50, "satisfied": 47}),
    }
    for target in PATH[PATH.index(project.state) + 1:PATH.index(state) + 1]:
        if target == State.APPROVED:
            project = end_notice(project)
        if target == State.COMPLETED:
            services.project_act(actor=actor, project=project, action="milestone", title="采购灯具", weight=1)
            milestone = project.milestones.get()
            services.project_act(actor=actor, project=project, action="progress", milestone=milestone, progress=100)
        action, fields = steps[target]
        project = services.project_act(actor=actor, project=project, action=action, **fields)
    return project


def in_state(community, state: str, **proposal) -> MicroProject:
    """A project of ``community`` in ``state``, made through the services (screened out and
    rejected ones branch off the path)."""
    project = propose(community, **proposal)
    today = timezone.localdate()
    if state == State.SCREENED_OUT:
        return services.project_act(actor=None, project=project, action="screen_out", negative_item=negative())
    if state == State.REJECTED:
        project = advance(project, State.SCREENED)
        return services.project_act(actor=None, project=project, action="council", held_on=today, present=9,
                                    votes_for=2, votes_against=6, abstaining=1)
    if state == State.CANCELLED:
        return services.project_act(actor=None, project=project, action="cancel", reason="居民意见变化")
    return advance(project, state)

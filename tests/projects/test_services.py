"""The services of micro-projects: proposals from every channel, every step allowed and refused
for each kind of actor (a refusal changes nothing), caps and lists, the council, the notice on the
working-day calendar, funding, weighted progress, spending, acceptance, satisfaction, the version
lock (two approvals at once on PostgreSQL), and the configuration. Runs on SQLite and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from dangjian.core.models import AuditEvent
from dangjian.core.selectors import working_days
from dangjian.projects import rules, selectors, services
from dangjian.projects.models import (
    Configuration,
    FundingSource,
    ListItem,
    MicroProject,
    Milestone,
    ProjectTally,
    ProjectUpdate,
    Source,
    Spending,
    TypeCap,
)
from dangjian.projects.rules import Action, State
from tests import factories as shared
from tests.concurrency import at_once, postgresql_only
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def snapshot(project: MicroProject) -> tuple:
    return (list(MicroProject.objects.filter(pk=project.pk).values_list()),
            list(ProjectUpdate.objects.filter(project=project).values_list("pk")),
            list(Milestone.objects.filter(project=project).values_list()),
            list(Spending.objects.filter(project=project).values_list()),
            list(ProjectTally.objects.order_by("pk").values_list()), AuditEvent.objects.count())


# --- proposals ----------------------------------------------------------------------------------------

def test_staff_propose_from_two_requests_linked_both_ways(tree, people):
    first, _code = shared.make_request(tree.grid_a.grid)
    second, _code = shared.make_request(tree.grid_a.grid, description="小区路灯不亮，老人晚上出门不便。")
    project = factories.propose(tree.community_a, requests=[first, second], actor=people.community)
    assert project.source == Source.REQUESTS and project.state == State.COLLECTED
    assert set(project.requests.all()) == {first, second}
    assert list(selectors.projects_of_request(people.community, first)) == [project]
    assert list(selectors.projects_of_request(people.outsider, first)) == []
    assert project.updates.get().data["requests"] == [first.pk, second.pk]
    assert AuditEvent.objects.filter(object_type="projects.microproject", action="create").count() == 1
    figures = factories_figures(tree.city)
    assert figures["collected"] == 1 and figures["amount_collected"] == Decimal("180000.00")


def factories_figures(organization):
    from dangjian.projects import tally

    today = timezone.localdate()
    return tally.figures(organization, today, today)


def test_a_request_outside_the_community_is_refused(tree, people):
    outside, _code = shared.make_request(tree.grid_b.grid)
    with pytest.raises(ValidationError) as refused:
        factories.propose(tree.community_a, requests=[outside], actor=people.street)
    assert f"#{outside.pk}" in refused.value.message_dict["requests"][0]
    assert not MicroProject.objects.exists()


def test_staff_from_requests_must_name_one(tree, people):
    with pytest.raises(ValidationError) as refused:
        factories.propose(tree.community_a, actor=people.community, source=Source.REQUESTS)
    assert "requests" in refused.value.message_dict


def test_a_resident_proposes_without_an_account_and_follows_by_code(tree):
    project, code = services.project_propose(
        actor=None, organization=tree.community_a, title="增设休闲座椅", description="公园里座椅太少，老人走累了没地方坐。",
        kind="goods", estimate=Decimal("30000"), source=Source.PUBLIC_PAGE, proposer_name="李阿姨",
        phone="13912345678")
    assert len(code) == 12 and selectors.by_tracking_code(code.lower()) == project
    assert project.masked_phone == "139****5678" and project.proposer_phone_sealed != b"13912345678"
    assert selectors.by_tracking_code("0000-0000-0000") is None and selectors.by_tracking_code("nonsense") is None


def test_a_member_proposes_in_their_own_name(tree, people, make_user):
    account = make_user(None, tree.community_a)
    member = shared.make_member(tree.grid_a, account=account)
    project, code = services.project_propose(
        actor=account, organization=tree.community_a, title="社区书屋", description="建一个社区书屋，方便孩子放学后看书。",
        kind="service", estimate=Decimal("50000"), source=Source.MEMBER, member=member)
    assert project.proposer_member == member and project.proposer_name == member.name and code
    other = shared.make_member(tree.grid_a, name="李四")
    with pytest.raises(PermissionDenied):
        services.project_propose(actor=account, organization=tree.community_a, title="社区书屋",
                                 description="建一个社区书屋，方便孩子放学后看书。", kind="service",
                                 estimate=Decimal("50000"), source=Source.MEMBER, member=other)


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_only_staff_managing_the_community_enter_proposals(tree, people, who):
    with pytest.raises(PermissionDenied):
        factories.propose(tree.community_a, actor=getattr(people, who))
    assert not MicroProject.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"title": "x"}, "title"), ({"title": "长" * 101}, "title"), ({"description": "短"}, "description"),
    ({"kind": "bribes"}, "kind"), ({"estimate": Decimal("0")}, "estimate"), ({"estimate": None}, "estimate"),
    ({"estimate": Decimal("1.001")}, "estimate"), ({"estimate": Decimal("200000.01"), "kind": "service"}, "estimate"),
    ({"estimate": Decimal("500000.01")}, "estimate"), ({"phone": "12345"}, "phone"), ({"proposer_name": " "},
                                                                                        "proposer_name"),
])
def test_bad_proposals_are_refused_naming_the_field(tree, changes, field):
    values = {"actor": None, "organization": tree.community_a, "title": "增设休闲座椅",
              "description": "公园里座椅太少，老人走累了没地方坐。", "kind": "works", "estimate": Decimal("30000"),
              "source": Source.PUBLIC_PAGE, "proposer_name": "李阿姨", **changes}
    with pytest.raises(ValidationError) as refused:
        services.project_propose(**values)
    assert field in refused.value.message_dict
    assert not MicroProject.objects.exists() and not ProjectTally.objects.exists()


def test_the_cap_named_on_a_proposal_above_it(tree):
    with pytest.raises(ValidationError) as refused:
        factories.propose(tree.community_a, kind="service", estimate="250000.00")
    assert "200000.00" in refused.value.message_dict["estimate"][0]


def test_a_proposal_belongs_to_a_community(tree):
    with pytest.raises(ValidationError) as refused:
        factories.propose(tree.street_a)
    assert "organization" in refused.value.message_dict


# --- every step, allowed and refused --------------------------------------------------------------

def valid_fields(project: MicroProject, action: str) -> dict:
    """Fields of a valid step of ``action`` on ``project``, with what the step needs set up."""
    today = timezone.localdate()
    if action == Action.APPROVE:
        factories.end_notice(project)
    if action in (Action.PROGRESS, Action.COMPLETE):
        Milestone.objects.create(project=project, title="施工", weight=1, progress=100)
    return {
        Action.SCREEN: {"positive_item": factories.positive()},
        Action.SCREEN_OUT: {"negative_item": factories.negative()},
        Action.COUNCIL: {"held_on": today, "present": 9, "votes_for": 7, "votes_against": 1, "abstaining": 1},
        Action.NOTICE: {}, Action.OBJECTION: {"note": "有居民认为应先修电梯。"},
        Action.APPROVE: {"budget": Decimal("150000.00"), "funding_source": factories.make_source()},
        Action.START: {"contractor": "某工程公司"}, Action.MILESTONE: {"title": "采购", "weight": 2},
        Action.PROGRESS: {"milestone": project.milestones.first(), "progress": 50},
        Action.SPEND: {"amount": Decimal("1000.00"), "spent_on": today, "payee": "某工程公司"},
        Action.COMPLETE: {}, Action.ACCEPT: {"accepted_on": today, "record": "合格。", "signatories": "甲，乙"},
        Action.EVALUATE: {"score": Decimal("95")}, Action.CANCEL: {"reason": "居民意见变化"},
    }[action]


ACTORS = {"community": {"staff"}, "street": {"staff", "upper"}, "viewer": set()}


@pytest.mark.parametrize("who", sorted(ACTORS))
@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("state", State.values)
def test_every_step_for_every_state_and_actor(tree, people, state, action, who):
    project = factories.in_state(tree.community_a, state)
    fields = valid_fields(project, action)
    project.refresh_from_db()
    before = snapshot(project)
    allowed = rules.refusal(state, action, ACTORS[who]) is None
    call = lambda: services.project_act(actor=getattr(people, who), project=project, action=action,  # noqa: E731
                                        version=project.version, **fields)
    if allowed:
        changed = call()
        targets = rules.TRANSITIONS[action].targets or (state,)
        assert changed.state == targets[0] and changed.version == project.version + 1
        assert ProjectUpdate.objects.filter(project=project, action=action).exists()
        return
    transition = rules.TRANSITIONS[action]
    expected = PermissionDenied if not transition.actors & ACTORS[who] else ValidationError
    with pytest.raises(expected):
        call()
    assert snapshot(project) == before


def test_the_outsider_does_nothing(tree, people):
    project = factories.propose(tree.community_a)
    before = snapshot(project)
    with pytest.raises(PermissionDenied):
        services.project_act(actor=people.outsider, project=project, action="screen",
                             positive_item=factories.positive())
    assert snapshot(project) == before


# --- screening ------------------------------------------------------------------------------------

def test_screening_names_the_list_entry(tree, people):
    project = factories.propose(tree.community_a)
    item = factories.positive()
    project = services.project_act(actor=people.community, project=project, action="screen", positive_item=item)
    assert project.positive_item == item and project.screening_rule == item.text
    assert project.screened_on == timezone.localdate()


def test_screening_refuses_a_negative_entry_or_none(tree, people):
    project = factories.propose(tree.community_a)
    for item in (None, factories.negative()):
        with pytest.raises(ValidationError) as refused:
            services.project_act(actor=people.community, project=project, action="screen", positive_item=item)
        assert "positive_item" in refused.value.message_dict


def test_a_proposal_above_a_lowered_cap_cannot_pass_screening(tree, people):
    project = factories.propose(tree.community_a, estimate="400000.00")
    TypeCap.objects.filter(kind="works").update(cap=Decimal("300000.00"))
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="screen",
                             positive_item=factories.positive())
    assert "300000.00" in refused.value.message_dict["positive_item"][0]
    project = services.project_act(actor=people.community, project=project, action="screen_out",
                                   reason="超过工程类项目金额上限")
    assert project.state == State.SCREENED_OUT and project.screening_rule == "超过工程类项目金额上限"
    assert project.closed_at is not None


def test_screening_out_names_the_rule(tree, people):
    project = factories.propose(tree.community_a)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="screen_out")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="screen_out",
                             negative_item=factories.positive())
    assert "negative_item" in refused.value.message_dict
    item = factories.negative()
    project = services.project_act(actor=people.community, project=project, action="screen_out", negative_item=item)
    assert "物业" in project.screening_rule and project.negative_item == item
    assert factories_figures(tree.street_a)["screened_out"] == 1


# --- the council ----------------------------------------------------------------------------------

def council(project, actor, **fields):
    return services.project_act(actor=actor, project=project, action="council", **fields)


@pytest.mark.parametrize("rule, votes, state", [
    ("majority_present", (10, 5, 3, 2), State.REJECTED), ("majority_present", (10, 6, 3, 1), State.PASSED),
    ("two_thirds_present", (9, 6, 3, 0), State.PASSED), ("two_thirds_present", (9, 5, 4, 0), State.REJECTED),
    ("majority_cast", (20, 3, 2, 10), State.PASSED),
])
def test_the_votes_decide_under_the_configured_rule(tree, people, rule, votes, state):
    Configuration.objects.update_or_create(pk=1, defaults={"passing_rule": rule})
    project = factories.advance(factories.propose(tree.community_a), State.SCREENED)
    present, for_, against, abstaining = votes
    project = council(project, people.community, held_on=timezone.localdate(), present=present, votes_for=for_,
                      votes_against=against, abstaining=abstaining)
    assert project.state == state and project.passing_rule == rule
    assert (project.present, project.votes_for, project.votes_against, project.abstaining) == votes
    update = project.updates.get(action="council")
    assert update.data["passed"] is (state == State.PASSED) and update.data["rule"] == rule


def test_a_jury_decides_with_its_minutes(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.SCREENED)
    with pytest.raises(ValidationError) as refused:
        council(project, people.community, held_on=timezone.localdate(), minutes="评审团意见")
    assert "present" in refused.value.message_dict
    project = council(project, people.community, held_on=timezone.localdate(), minutes="评审团一致同意。",
                      jury_passed=True)
    assert project.state == State.PASSED and project.present is None and project.minutes == "评审团一致同意。"


@pytest.mark.parametrize("fields, field", [
    ({"present": 5, "votes_for": 4, "votes_against": 2, "abstaining": 0}, "present"),
    ({"present": 0, "votes_for": 0}, "present"),
    ({"held_on": "future", "present": 5, "votes_for": 4}, "held_on"),
    ({"held_on": None, "present": 5, "votes_for": 4}, "held_on"),
])
def test_a_council_record_that_does_not_hold_is_refused(tree, people, fields, field):
    project = factories.advance(factories.propose(tree.community_a), State.SCREENED)
    held_on = fields.pop("held_on", timezone.localdate())
    if held_on == "future":
        held_on = timezone.localdate() + dt.timedelta(days=1)
    before = snapshot(project)
    with pytest.raises(ValidationError) as refused:
        council(project, people.community, held_on=held_on, **fields)
    assert field in refused.value.message_dict and snapshot(project) == before


# --- the notice and approval ----------------------------------------------------------------------

def test_the_notice_runs_the_configured_working_days(tree, people):
    Configuration.objects.update_or_create(pk=1, defaults={"notice_working_days": 7})
    project = factories.advance(factories.propose(tree.community_a), State.NOTICE)
    today = timezone.localdate()
    assert project.notice_from == today
    assert project.notice_until == working_days().add(today, 7)
    assert working_days().count(today + dt.timedelta(days=1), project.notice_until) == 7


def test_the_default_notice_is_five_working_days(tree, people):
    assert selectors.configuration().notice_working_days == 5
    project = factories.advance(factories.propose(tree.community_a), State.NOTICE)
    assert project.notice_until == working_days().add(timezone.localdate(), 5)


def test_approval_is_refused_until_the_notice_has_ended(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.NOTICE)
    services.project_act(actor=people.community, project=project, action="objection", note="应由物业负责。")
    before = snapshot(project)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.street, project=project, action="approve", budget=Decimal("150000"),
                             funding_source=factories.make_source())
    assert project.notice_until.isoformat() in refused.value.message_dict["action"][0]
    assert snapshot(project) == before
    MicroProject.objects.filter(pk=project.pk).update(notice_until=timezone.localdate())
    with pytest.raises(ValidationError):  # the last day of the notice still counts
        services.project_act(actor=people.street, project=project, action="approve", budget=Decimal("150000"),
                             funding_source=factories.make_source())
    factories.end_notice(project)
    project = services.project_act(actor=people.street, project=project, action="approve", budget=Decimal("150000"),
                                   funding_source=factories.make_source())
    assert project.state == State.APPROVED and project.approved_by == people.street
    assert project.approver_org == tree.street_a and project.budget == Decimal("150000.00")
    figures = factories_figures(tree.city)
    assert figures["approved"] == 1 and figures["amount_approved"] == Decimal("150000.00")


def test_the_community_cannot_approve_its_own_project(tree, people):
    project = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    with pytest.raises(PermissionDenied) as refused:
        services.project_act(actor=people.community, project=project, action="approve", budget=Decimal("1000"),
                             funding_source=factories.make_source())
    assert "Street staff" in str(refused.value)


@pytest.mark.parametrize("budget, field", [
    (Decimal("500000.01"), "budget"), (Decimal("0"), "budget"), (None, "budget"), (Decimal("12.345"), "budget"),
])
def test_the_budget_within_the_types_cap(tree, people, budget, field):
    project = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.street, project=project, action="approve", budget=budget,
                             funding_source=factories.make_source())
    assert field in refused.value.message_dict


def test_the_budget_within_what_the_source_has_left(tree, people):
    small = factories.make_source(name="街道自筹资金", budget="200000.00", kind="street")
    first = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    services.project_act(actor=people.street, project=first, action="approve", budget=Decimal("150000"),
                         funding_source=small)
    second = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.street, project=second, action="approve", budget=Decimal("60000"),
                             funding_source=small)
    assert "50000.00" in refused.value.message_dict["budget"][0]
    inactive = factories.make_source(name="已停用资金")
    inactive.active = False
    inactive.save()
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.street, project=second, action="approve", budget=Decimal("50000"),
                             funding_source=inactive)
    assert "funding_source" in refused.value.message_dict


# --- implementation, completion, acceptance, satisfaction ----------------------------------------------

def test_progress_is_the_weighted_mean_of_the_milestones(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.IN_PROGRESS)
    act = lambda **fields: services.project_act(actor=people.community, project=project, **fields)  # noqa: E731
    act(action="milestone", title="方案设计", weight=1)
    act(action="milestone", title="采购安装", weight=3)
    design, install = project.milestones.order_by("pk")
    assert act(action="progress", milestone=design, progress=100).progress == Decimal("25.00")
    assert act(action="progress", milestone=install, progress=50).progress == Decimal("62.50")
    assert design.__class__.objects.get(pk=design.pk).done_on == timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        act(action="complete")
    assert "1 milestones" in refused.value.message_dict["action"][0]
    act(action="progress", milestone=install, progress=100)
    project = act(action="complete")
    assert project.state == State.COMPLETED and project.progress == Decimal("100.00")


@pytest.mark.parametrize("fields, field", [
    ({"action": "milestone", "title": "", "weight": 1}, "title"),
    ({"action": "milestone", "title": "采购", "weight": 0}, "weight"),
    ({"action": "milestone", "title": "采购", "weight": 1001}, "weight"),
    ({"action": "progress", "milestone": None, "progress": 10}, "milestone"),
    ({"action": "progress", "milestone": "own", "progress": 101}, "progress"),
    ({"action": "progress", "milestone": "other", "progress": 10}, "milestone"),
    ({"action": "start", "contractor": " "}, "contractor"),
])
def test_bad_implementation_steps_are_named(tree, people, fields, field):
    project = factories.advance(factories.propose(tree.community_a), State.APPROVED)
    if fields["action"] == "progress":
        project = factories.advance(project, State.IN_PROGRESS)
        own = Milestone.objects.create(project=project, title="施工", weight=1)
        other = Milestone.objects.create(project=factories.propose(tree.community_a), title="他项", weight=1)
        fields["milestone"] = {"own": own, "other": other}.get(fields["milestone"])
    before = snapshot(project)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, **fields)
    assert field in refused.value.message_dict and snapshot(project) == before


def test_spending_within_the_budget(tree, people):
    project = factories.advance(factories.propose(tree.community_a, estimate="100000.00"), State.IN_PROGRESS)
    spend = lambda amount, **extra: services.project_act(  # noqa: E731
        actor=people.community, project=project, action="spend", amount=Decimal(amount),
        **{"spent_on": timezone.localdate(), "payee": "某工程公司", **extra})
    assert spend("60000.00").spent == Decimal("60000.00")
    with pytest.raises(ValidationError) as refused:
        spend("40000.01")
    assert "100000.00" in refused.value.message_dict["amount"][0]
    for extra, field in (({"payee": ""}, "payee"), ({"spent_on": timezone.localdate() + dt.timedelta(days=1)},
                                                    "spent_on"), ({"spent_on": dt.date(2000, 1, 1)}, "spent_on")):
        with pytest.raises(ValidationError) as refused:
            spend("1.00", **extra)
        assert field in refused.value.message_dict
    assert spend("40000.00").spent == Decimal("100000.00")
    assert factories_figures(tree.street_a)["amount_spent"] == Decimal("100000.00")


@pytest.mark.parametrize("fields, field", [
    ({"record": ""}, "record"), ({"signatories": "李书记"}, "signatories"),
    ({"accepted_on": None}, "accepted_on"), ({"accepted_on": "future"}, "accepted_on"),
])
def test_acceptance_needs_its_record_and_signatories(tree, people, fields, field):
    project = factories.advance(factories.propose(tree.community_a), State.COMPLETED)
    values = {"accepted_on": timezone.localdate(), "record": "合格。", "signatories": "李书记、张主任", **fields}
    if values["accepted_on"] == "future":
        values["accepted_on"] = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="accept", **values)
    assert field in refused.value.message_dict


def test_acceptance_and_satisfaction(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.COMPLETED)
    project = services.project_act(actor=people.street, project=project, action="accept",
                                   accepted_on=timezone.localdate(), record="照度达标。", signatories="李书记，张主任\n王某")
    assert project.signatories == "李书记、张主任、王某"
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="evaluate", surveyed=10, satisfied=12)
    assert "satisfied" in refused.value.message_dict
    project = services.project_act(actor=people.community, project=project, action="evaluate", surveyed=50,
                                   satisfied=47, score=Decimal("94.9"))
    assert project.state == State.EVALUATED and project.satisfaction_rate == 94.0
    figures = factories_figures(tree.city)
    assert (figures["surveyed"], figures["satisfied"], figures["score_count"]) == (50, 47, 1)


def test_cancelling_needs_a_reason(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.IN_PROGRESS)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="cancel", reason=" ")
    assert "reason" in refused.value.message_dict
    project = services.project_act(actor=people.community, project=project, action="cancel", reason="资金调整")
    assert project.state == State.CANCELLED and project.cancel_reason == "资金调整" and project.closed_at


def test_a_step_on_an_old_version_is_refused(tree, people):
    project = factories.propose(tree.community_a)
    services.project_act(actor=people.community, project=project, action="screen", positive_item=factories.positive(),
                         version=1)
    with pytest.raises(ValidationError) as refused:
        services.project_act(actor=people.community, project=project, action="cancel", reason="重复", version=1)
    assert "version" in refused.value.message_dict


def test_the_whole_path_is_audited(tree, people):
    project = factories.advance(factories.propose(tree.community_a), State.EVALUATED, actor=people.street)
    actions = list(project.updates.values_list("action", flat=True))
    assert actions == ["propose", "screen", "council", "public_notice", "approve", "start", "milestone", "progress",
                       "complete", "accept", "evaluate"]
    assert AuditEvent.objects.filter(object_type="projects.microproject", object_id=str(project.pk)).count() == 11


# --- two approvals at once ----------------------------------------------------------------------------

@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_version", [True, False])
def test_of_two_approvals_at_once_exactly_one_wins(tree, make_user, with_version):
    from dangjian.accounts.roles import Role

    first, second = make_user(Role.CLERK, tree.street_a), make_user(Role.SECRETARY, tree.street_a)
    source = factories.make_source(budget="10000000.00")
    for _round in range(3):
        project = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
        version = project.version if with_version else None
        results = at_once(*(
            lambda actor=actor, project=project, version=version: services.project_act(
                actor=actor, project=project, action="approve", version=version, budget=Decimal("100000"),
                funding_source=source) for actor in (first, second)))
        winners = [result for result in results if isinstance(result, MicroProject)]
        losers = [result for result in results if isinstance(result, ValidationError)]
        assert len(winners) == 1 and len(losers) == 1, results
        project.refresh_from_db()
        assert project.state == State.APPROVED and project.version == version_after(project)
        assert project.updates.filter(action="approve").count() == 1


def version_after(project) -> int:
    return project.updates.exclude(action="propose").count() + 1


# --- configuration ------------------------------------------------------------------------------------

def test_presets_load_caps_and_lists(db):
    services.preset_load(actor=None, name="luohu_donghu")
    assert selectors.caps() == {"service": Decimal("500000.00"), "goods": Decimal("500000.00"),
                                "works": Decimal("1000000.00")}
    assert selectors.configuration().preset == "luohu_donghu"
    negative = list(selectors.list_items("negative").values_list("text", flat=True))
    assert negative == list(rules.PRESETS["luohu_donghu"].negative)
    services.preset_load(actor=None, name="zhuhai")
    assert selectors.caps()["works"] == Decimal("500000.00")
    assert selectors.list_items("positive").count() == 7 and selectors.list_items("negative").count() == 2
    assert ListItem.objects.filter(active=False).count() == 1  # Luohu's extra entry, kept out of force
    with pytest.raises(ValidationError) as refused:
        services.preset_load(actor=None, name="atlantis")
    assert "zhuhai" in refused.value.message_dict["preset"][0]


def test_only_a_root_configures(tree, people):
    for actor in (people.street_admin, people.community, people.viewer):
        with pytest.raises(PermissionDenied):
            services.preset_load(actor=actor, name="zhuhai")
        with pytest.raises(PermissionDenied):
            services.funding_source_save(actor=actor, organization=tree.street_a, name="街道资金", kind="street",
                                         year=2025, budget=Decimal("1"))
    services.configuration_save(actor=people.city_admin, notice_working_days=7, passing_rule="two_thirds_present",
                                caps={"service": Decimal("100000"), "goods": None, "works": Decimal("300000")})
    assert selectors.configuration().notice_working_days == 7
    assert selectors.caps() == {"service": Decimal("100000.00"), "works": Decimal("300000.00")}


@pytest.mark.parametrize("values, field", [
    ({"notice_working_days": 0}, "notice_working_days"), ({"notice_working_days": None}, "notice_working_days"),
    ({"notice_working_days": 61}, "notice_working_days"), ({"passing_rule": "loudest"}, "passing_rule"),
    ({"caps": {"works": Decimal("-1")}}, "cap_works"), ({"caps": {"magic": Decimal("1")}}, "cap_magic"),
])
def test_bad_configuration_is_named(db, values, field):
    arguments = {"notice_working_days": 5, "passing_rule": "majority_present", "caps": {}, **values}
    with pytest.raises(ValidationError) as refused:
        services.configuration_save(actor=None, **arguments)
    assert field in refused.value.message_dict
    assert selectors.caps()["works"] == Decimal("500000.00")


@pytest.mark.parametrize("values, field", [
    ({"name": "x"}, "name"), ({"kind": "lottery"}, "kind"), ({"year": 1999}, "year"), ({"year": None}, "year"),
    ({"budget": Decimal("0")}, "budget"), ({"name": "区民生微实事专项资金"}, "name"),
])
def test_bad_funding_sources_are_named(tree, values, field):
    arguments = {"organization": tree.city, "name": "市级补助资金", "kind": "city", "year": timezone.localdate().year,
                 "budget": Decimal("1000000"), **values}
    with pytest.raises(ValidationError) as refused:
        services.funding_source_save(actor=None, **arguments)
    assert field in refused.value.message_dict


def test_a_sources_budget_cannot_drop_below_what_projects_hold(tree, people):
    source = factories.make_source()
    factories.advance(factories.propose(tree.community_a), State.APPROVED)
    with pytest.raises(ValidationError) as refused:
        services.funding_source_save(actor=None, source=source, organization=source.organization, name=source.name,
                                     kind=source.kind, year=source.year, budget=Decimal("1000"))
    assert "180000.00" in refused.value.message_dict["budget"][0]
    assert FundingSource.objects.get(pk=source.pk).budget == Decimal("3000000.00")


@pytest.mark.parametrize("values, field", [
    ({"side": "maybe"}, "side"), ({"text": "x"}, "text"), ({"order": -1}, "order"),
    ({"text": rules.PRESETS["zhuhai"].negative[0], "side": "negative"}, "text"),
])
def test_bad_list_entries_are_named(db, values, field):
    arguments = {"side": "positive", "text": "社区微更新", "order": 9, **values}
    with pytest.raises(ValidationError) as refused:
        services.list_item_save(actor=None, **arguments)
    assert field in refused.value.message_dict


def test_a_citys_yearly_fund_may_run_to_billions(tree):
    source = services.funding_source_save(actor=None, organization=tree.city, name="市民生微实事资金", kind="city",
                                          year=2023, budget=Decimal("350000000.00"))
    assert source.budget == Decimal("350000000.00")
    with pytest.raises(ValidationError) as refused:
        services.funding_source_save(actor=None, organization=tree.city, name="过大", kind="city", year=2023,
                                     budget=Decimal("1e10"))
    assert "budget" in refused.value.message_dict


def test_without_a_street_the_communitys_parent_approves(tree, make_user):
    from dangjian.accounts.roles import Role
    from dangjian.orgs.rules import Kind, Level

    community = shared.make_org(tree.district, "区直属社区党委", Level.COMMUNITY, Kind.PRIMARY_COMMITTEE)
    own, district = make_user(Role.CLERK, community), make_user(Role.CLERK, tree.district)
    project = factories.end_notice(factories.advance(factories.propose(community), State.NOTICE))
    assert selectors.approving_organization(project) == tree.district
    with pytest.raises(PermissionDenied):
        services.project_act(actor=own, project=project, action="approve", budget=Decimal("1000"),
                             funding_source=factories.make_source())
    project = services.project_act(actor=district, project=project, action="approve", budget=Decimal("1000"),
                                   funding_source=factories.make_source())
    assert project.approver_org == tree.district


def test_the_street_is_told_when_a_project_awaits_its_approval(tree, people):
    from dangjian.core.models import Notification
    from dangjian.core.notifications import words

    project = factories.advance(factories.propose(tree.community_a), State.NOTICE)
    notices = Notification.objects.filter(kind="projects.awaiting_approval")
    # The street's own staff who manage projects: not the viewer, nor the community's clerk.
    assert {told.recipient for told in notices} == {people.street, people.street_admin}
    told = notices.first()
    assert told.url == f"/projects/{project.pk}/"
    assert project.notice_until.isoformat() in words(told.kind, told.values)

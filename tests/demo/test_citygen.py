import datetime as dt
from itertools import islice

import pytest

from dangjian.core import identity
from dangjian.demo.citygen import CityGenerator, Plan, path_step
from dangjian.orgs.rules import Level, placement_error

TODAY = dt.date(2026, 11, 23)


def test_path_steps_follow_treebeards_alphabet():
    assert [path_step(n) for n in (1, 9, 10, 35, 36, 1296)] == ["0001", "0009", "000A", "000Z", "0010", "0100"]


@pytest.mark.parametrize("members", [1, 49, 50, 3000, 1_000_000])
def test_plan_for_members_keeps_about_fifty_a_grid(members):
    plan = Plan.for_members(members)
    assert plan.grids >= members / 50
    assert plan.grids_per_community <= 6 + 1 and plan.communities_per_street <= 15 + 1
    assert plan.streets_per_district <= 10 + 1


def test_the_small_plan_is_the_one_the_demo_promises():
    plan = Plan.named("small")
    assert (plan.districts, plan.districts * plan.streets_per_district, plan.grids, plan.members) == (1, 3, 60, 3000)
    assert plan.districts * plan.streets_per_district * plan.communities_per_street == 12


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="small or city"):
        Plan.named("huge")


def _summary(seed):
    generator = CityGenerator(Plan.named("small"), seed=seed, today=TODAY)
    city = generator.city()
    return ([(o.path, o.code, o.name, o.kind) for o in city.organizations],
            [(m.name, m.id_number, m.joined_on) for m in islice(generator.members(city), 200)])


def test_same_seed_same_city_and_another_seed_another():
    assert _summary(7) == _summary(7)
    assert _summary(7) != _summary(8)


def test_generated_tree_obeys_the_placement_rules_and_paths():
    city = CityGenerator(Plan.named("small"), seed=1, today=TODAY).city()
    by_path = {o.path: o for o in city.organizations}
    assert len({o.code for o in city.organizations}) == len(city.organizations)
    for org in city.organizations:
        parent = by_path.get(org.path[:-4])
        assert placement_error(parent.level if parent else None, parent.kind if parent else None, org.level, org.kind) is None
        assert org.numchild == sum(1 for other in city.organizations if other.path[:-4] == org.path)
    assert sum(1 for o in city.organizations if o.level == Level.COMMUNITY) == 12


def test_members_are_consistent_with_their_id_numbers():
    generator = CityGenerator(Plan.named("small"), seed=3, today=TODAY)
    members = list(generator.members(generator.city()))
    assert len(members) == 3000
    assert len({m.id_number for m in members}) == 3000
    for member in members:
        assert identity.normalise_id_number(member.id_number, today=TODAY) == member.id_number
        assert identity.birth_date_of(member.id_number) == member.birth_date
        assert identity.sex_of(member.id_number) == member.sex
        assert member.joined_on <= TODAY
        assert (member.full_member_on is None) == (member.category == "probationary")
    probationary = sum(m.category == "probationary" for m in members)
    assert 0.03 < probationary / 3000 < 0.12


@pytest.mark.parametrize("number, text", [(1, "一"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"),
                                          (99, "九十九")])
def test_grids_are_numbered_in_chinese(number, text):
    from dangjian.demo.citygen import chinese_number

    assert chinese_number(number) == text


def test_sibling_names_are_unique_and_free_of_digits_at_city_scale():
    city = CityGenerator(Plan.for_members(200_000), seed=5, today=TODAY).city()
    by_parent: dict[str, set] = {}
    for org in city.organizations:
        siblings = by_parent.setdefault(org.path[:-4], set())
        assert org.name not in siblings
        siblings.add(org.name)
        if org.level in (Level.STREET, Level.COMMUNITY, Level.GRID):
            assert not any(character.isdigit() for character in org.name), org.name


def _request_year(seed: int, requests: int = 400):
    from zoneinfo import ZoneInfo

    from dangjian.core.calendar import WorkingDays
    from dangjian.demo.citygen import Office, RequestPlace

    places = [RequestPlace(community=index // 5, street=2, buildings=("1栋", "2栋"), assignees=3, visitors=2)
              for index in range(10)]
    offices = [Office("金风街道金风社区", Level.COMMUNITY, tuple(range(5)), 5),
               Office("金风街道银湖社区", Level.COMMUNITY, tuple(range(5, 10)), 5),
               Office("东湖区金风街道", Level.STREET, tuple(range(10)), 5)]
    generator = CityGenerator(Plan.named("small"), seed=seed, today=TODAY)
    return generator.request_year(places, offices, calendar=WorkingDays(), tz=ZoneInfo("Asia/Shanghai"),
                                  requests=requests)


def _requests(year):
    from dangjian.demo.citygen import RequestPlan

    for happening in year.happenings:
        yield from [happening] if isinstance(happening, RequestPlan) else happening.problems


def test_the_same_seed_plans_the_same_year_of_requests_and_another_seed_another():
    first, again, other = _request_year(7), _request_year(7), _request_year(8)
    assert first.representatives == again.representatives
    planned = list(_requests(first))
    assert planned == list(_requests(again))
    assert planned != list(_requests(other))
    assert len(planned) == pytest.approx(400, rel=0.05)
    assert [plan.number for plan in planned] == list(range(1, len(planned) + 1))


def test_planned_changes_follow_the_transitions_by_day_in_office_hours_and_end_before_today():
    from dangjian.core.calendar import WorkingDays
    from dangjian.demo.citygen import FORCED_FATES
    from dangjian.requests import rules

    calendar, held_day = WorkingDays(), TODAY - dt.timedelta(days=min(FORCED_FATES))
    states, plans = set(), {plan.number: plan for plan in _requests(_request_year(3))}

    def state_at(plan, moment):
        state = rules.State.RECEIVED
        for step in plan.steps:
            if step.at < moment:
                state = rules.target_of(state, step.action)
        return state

    for plan in plans.values():
        state, last = rules.State.RECEIVED, plan.received_at
        assert TODAY - dt.timedelta(days=366) <= plan.received_at.date() < TODAY
        for step in plan.steps:
            assert last < step.at and step.at.date() < TODAY, plan.number
            assert rules.refusal(state, step.action, step.by) is None, (plan.number, state, step.action)
            state, last = rules.target_of(state, step.action), step.at
            if step.by == rules.Actor.STAFF and plan.received_at.date() != held_day:
                assert calendar.is_working_day(step.at.date()), (plan.number, step)
                assert dt.time(8, 30) <= step.at.time() < dt.time(17, 30), (plan.number, step)
            elif step.by == rules.Actor.RESIDENT:
                assert dt.time(8) <= step.at.time() < dt.time(22), (plan.number, step)
            if step.action == rules.Action.DUPLICATE:
                # The services refuse to add followers to a request no one works on any more.
                assert state_at(plans[step.original], step.at) in rules.OPEN, plan.number
        states.add(state)
    # Before the nightly sweep closes the unanswered ones, every other state is planned.
    assert states == set(rules.State.values) - {rules.State.CLOSED}

"""The monthly roll-ups of requests: whatever happens, in whatever order, the figures the services
keep for every organisation are what ``tally.rebuild`` computes afterwards, and what counting the
rows themselves gives; the median of a histogram is the median of its values."""

import datetime as dt
import random
import statistics
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.accounts.roles import Role
from dangjian.core.calendar import WorkingDays
from dangjian.members.services import residence
from dangjian.orgs import counts as org_counts
from dangjian.orgs.models import Organization
from dangjian.requests import rules, selectors, services, tally
from dangjian.requests.models import (
    Reception,
    Request,
    RequestTally,
    RequestUpdate,
    ResolutionDays,
    Source,
    Visit,
)
from tests import factories

CALENDAR = WorkingDays()
EVER = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))
FORWARD = {"accept", "assign", "start", "resolve"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the median of a histogram ------------------------------------------------------------------

@given(st.lists(st.integers(0, 400), max_size=60))
def test_the_median_of_a_histogram_is_the_median_of_its_values(values):
    buckets = sorted(Counter(values).items())
    expected = statistics.median(values) if values else None
    assert tally.median_of_histogram(buckets) == expected


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 5)), max_size=30))
def test_empty_buckets_change_nothing(pairs):
    merged = Counter()
    for value, count in pairs:
        merged[value] += count
    values = sorted(merged.elements())
    assert tally.median_of_histogram(sorted(merged.items())) == (statistics.median(values) if values else None)


# --- any history of events ----------------------------------------------------------------------

class History:
    """Random events through the services, as the platform's users would make them: refused ones
    are part of it too (they must leave the roll-ups alone)."""

    def __init__(self, tree, make_user, seed: int):
        self.random = random.Random(seed)
        self.tree = tree
        self.today = timezone.localdate()
        self.admin = make_user(Role.ORG_ADMIN, tree.city)
        self.member_user = make_user()
        self.member = factories.make_member(tree.grid_a, name="王五", account=self.member_user)
        residence.registration_register(actor=None, member=self.member, grid=tree.grid_a.grid)
        self.representative = services.representative_appoint(
            actor=self.admin, member=factories.make_member(tree.community_a, name="陈代表"),
            organization=tree.community_a, title="区党代表", since=dt.date(self.today.year, 1, 1))
        self.categories = [factories.make_category(code="FAST", time_limit_days=1),
                           factories.make_category(code="SLOW", time_limit_days=3)]
        self.grids = [tree.grid_a.grid, tree.grid_b.grid,
                      factories.make_grid(tree.community_a, "东风社区第二网格", "G-A2")]
        self.organizations = [tree.building_a, tree.community_b, tree.grid_b]
        self.codes: list[str] = []
        self.refused = 0

    def day_this_year(self) -> dt.date:
        start = dt.date(self.today.year, 1, 1)
        return start + dt.timedelta(days=self.random.randint(0, (self.today - start).days))

    def problem(self) -> dict:
        return {"category": self.random.choice(self.categories), "grid": self.random.choice(self.grids),
                "description": "问题描述" * self.random.randint(1, 3),
                "phone": self.random.choice(["", "13800138000"])}

    def kept(self, filed: list[tuple[Request, str]]) -> None:
        # Received earlier this month, so that requests take some days to resolve; the month of
        # receipt, which the roll-ups count by, stays.
        for request, code in filed:
            back = self.random.randint(0, self.today.day - 1)
            Request.objects.filter(pk=request.pk).update(received_at=request.received_at - dt.timedelta(days=back))
            self.codes.append(code)

    def file(self) -> None:
        on_behalf = self.random.random() < 0.3
        self.kept([services.request_file(
            actor=self.admin if on_behalf else None, category=self.random.choice(self.categories),
            grid=self.random.choice(self.grids), description="楼道灯坏了很久。", contact_name="李阿姨",
            source=Source.ON_BEHALF if on_behalf else Source.PUBLIC_PAGE)])

    def change(self) -> None:
        requests = list(Request.objects.exclude(state__in=rules.FINAL).order_by("pk")) or list(Request.objects.order_by("pk"))
        if not requests:
            return
        request = self.random.choice(requests)
        actor, kind = self.admin, "staff"
        if request.assigned_member_id and self.random.random() < 0.5:
            actor, kind = self.member_user, "assignee"
        # Mostly forward, so that requests get resolved, confirmed and left overdue.
        actions = [action for action in rules.actions_for(request.state, [kind])
                   for _weight in range(6 if action in FORWARD else 1)]
        action = self.random.choice(actions or ["accept"])
        arguments = {
            "assign": lambda: self.random.choice([{"organization": self.random.choice(self.organizations)},
                                                  {"member": self.member}]),
            "resolve": lambda: {"public_note": "已处理。"},
            "duplicate": lambda: {"original": self.random.choice(requests)},
            "refer": lambda: {"referred_to": "区供电局"},
            "note": lambda: {"internal_note": "已回访。"},
        }.get(action, dict)()
        services.request_change(actor=actor, request=request, action=action, version=request.version, **arguments)

    def answer(self) -> None:
        if not self.codes:
            return
        awaiting = [code for code in self.codes if selectors.by_tracking_code(code)[0].state in ("resolved", "closed")]
        code = self.random.choice(awaiting if awaiting and self.random.random() < 0.8 else self.codes)
        request = selectors.by_tracking_code(code)[0]
        action = self.random.choice(rules.actions_for(request.state, ["resident"]) or ["confirm"])
        services.resident_answer(code=code, action=action, satisfaction=self.random.choice([None, None, 1, 2, 3, 4, 5]),
                                 comment="还没修好。")

    def reception(self) -> None:
        # Mostly in the representative's community; a problem placed elsewhere refuses the reception.
        problems = [{**self.problem(), "grid": self.random.choice(self.grids[:1] * 4 + self.grids[1:])}
                    for _ in range(self.random.randint(0, 2))]
        _reception, filed = services.reception_log(
            actor=self.admin, representative=self.representative, held_on=self.day_this_year(),
            visitors=len(problems) + self.random.randint(0, 3), place="党群服务中心", problems=problems)
        self.kept(filed)

    def visit(self) -> None:
        problems = [{key: value for key, value in self.problem().items() if key != "grid"}
                    for _ in range(self.random.randint(0, 2))]
        _visit, filed = services.visit_log(actor=self.member_user, member=self.member,
                                           visited_on=self.day_this_year(), household="3栋502", problems=problems)
        self.kept(filed)

    def sweep(self) -> None:
        # Judged up to a few weeks ahead, within the year the published calendar covers.
        last = min(self.today + dt.timedelta(days=25), dt.date(self.today.year, 12, 31))
        services.sweep(today=self.today + dt.timedelta(days=self.random.randint(0, (last - self.today).days)))

    def run(self, steps: int) -> None:
        events = [self.file] * 4 + [self.change] * 8 + [self.answer] * 3 + [self.reception, self.visit, self.sweep]
        for _step in range(steps):
            try:
                self.random.choice(events)()
            except ValidationError:
                self.refused += 1


def kept_rows() -> tuple[dict, dict]:
    tallies = {(row.pop("organization_id"), row.pop("month")): row
               for row in RequestTally.objects.values("organization_id", "month", *RequestTally.FIELDS)}
    return ({key: values for key, values in tallies.items() if any(values.values())},
            {(row.organization_id, row.month, row.days): row.count for row in ResolutionDays.objects.filter(count__gt=0)})


def counted(organization: Organization) -> dict:
    """The figures of ``organization``'s subtree counted from the rows themselves."""
    inside = {"org_path__startswith": organization.path}
    requests = Request.objects.filter(**inside)
    updates = RequestUpdate.objects.filter(request__org_path__startswith=organization.path)
    collected = requests.filter(source__in=[Source.RECEPTION, Source.VISIT])
    resolutions = list(updates.filter(action="resolve").values_list("data", flat=True))
    ratings = [data.get("satisfaction") for data in updates.filter(action="confirm").values_list("data", flat=True)]
    ratings = [rating for rating in ratings if rating is not None]
    days = [data["days"] for data in resolutions]
    receptions = Reception.objects.filter(**inside)
    by_action = Counter(updates.values_list("action", flat=True))
    return {
        "received": requests.count(), "accepted": by_action["accept"], "resolved": len(resolutions),
        "resolved_on_time": sum(1 for data in resolutions if data["on_time"]), "resolution_days": sum(days),
        "confirmed": by_action["confirm"], "satisfied": sum(1 for rating in ratings if rating >= rules.SATISFIED_FROM),
        "satisfaction_sum": sum(ratings), "satisfaction_count": len(ratings), "closed_unanswered": by_action["close"],
        "reopened": by_action["reopen"], "duplicates": by_action["duplicate"], "referred": by_action["refer"],
        "withdrawn": by_action["withdraw"], "escalated": by_action["escalate"], "problems_collected": collected.count(),
        "problems_resolved": updates.filter(action="resolve", request__in=collected).count(),
        "receptions": receptions.count(), "visitors": sum(receptions.values_list("visitors", flat=True)),
        "visits": Visit.objects.filter(**inside).count(),
        "median_days_to_resolve": statistics.median([min(day, tally.MAX_DAYS) for day in days]) if days else None,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_the_roll_ups_kept_are_what_a_rebuild_and_the_rows_give(tree, make_user, seed):
    history = History(tree, make_user, seed)
    history.run(160)
    organizations = list(Organization.objects.all())
    kept = {org.pk: tally.figures(org, *EVER) for org in organizations}
    rows = kept_rows()
    # The history is worth checking: it resolved, confirmed, escalated and refused.
    city = kept[tree.city.pk]
    assert city["received"] >= 10 and city["resolved"] and city["escalated"] and history.refused
    assert city["confirmed"] and city["reopened"] and city["closed_unanswered"]
    assert city["receptions"] and city["visits"] and city["problems_collected"]
    for org in organizations:
        assert kept[org.pk] == counted(org), org.name
    tally.rebuild()
    assert kept_rows() == rows
    assert {org.pk: tally.figures(org, *EVER) for org in organizations} == kept


@pytest.mark.django_db
def test_a_month_reads_only_its_own_events(tree, make_user):
    history = History(tree, make_user, seed=99)
    history.run(60)
    this_month = org_counts.month_of(history.today)
    previous = org_counts.month_of(this_month - dt.timedelta(days=1))
    whole = tally.figures(tree.city, *EVER)
    now = tally.figures(tree.city, this_month, this_month)
    before = tally.figures(tree.city, EVER[0], previous)
    for field in RequestTally.FIELDS:
        assert now[field] + before[field] == whole[field], field
    assert before["received"] == Request.objects.filter(received_at__date__lt=this_month).count() == 0
    held_before = Reception.objects.filter(held_on__lt=this_month)
    assert before["receptions"] == held_before.count()
    assert before["visits"] == Visit.objects.filter(visited_on__lt=this_month).count()


@pytest.mark.django_db
def test_a_confirmation_without_a_rating_counts_as_confirmed_only(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    for satisfaction in (None, 5, 2):
        request, code = factories.make_request(tree.grid_a.grid)
        request = services.request_change(actor=clerk, request=request, action="accept")
        services.request_change(actor=clerk, request=request, action="resolve", public_note="已处理。")
        services.resident_answer(code=code, action="confirm", satisfaction=satisfaction)
    kept = tally.figures(tree.city, *EVER)
    assert (kept["confirmed"], kept["satisfaction_count"], kept["satisfaction_sum"], kept["satisfied"]) == (3, 2, 7, 1)
    tally.rebuild()
    assert tally.figures(tree.city, *EVER) == kept

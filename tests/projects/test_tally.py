"""The monthly roll-ups of micro-projects: kept step by step for the organisation and its
ancestors, and rebuilt from the timelines to the same figures, which equal direct counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from dangjian.projects import selectors, services, tally
from dangjian.projects.models import MicroProject, ProjectTally, ProjectUpdate, Spending
from dangjian.projects.rules import State
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]


def rows():
    return sorted(ProjectTally.objects.values_list("organization_id", "month", *ProjectTally.FIELDS))


@pytest.fixture
def city(tree):
    """Projects in every state in both streets, with spending last month and this month."""
    for community in (tree.community_a, tree.community_b):
        for state in State.values:
            factories.in_state(community, state, estimate="120000.50")
    project = MicroProject.objects.filter(state=State.IN_PROGRESS, org_path__startswith=tree.community_a.path).get()
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    MicroProject.objects.filter(pk=project.pk).update(approved_on=last_month.replace(day=1))
    project.refresh_from_db()
    for day, amount in ((last_month, "1000.25"), (today, "2000.00")):
        services.project_act(actor=None, project=project, action="spend", amount=Decimal(amount), spent_on=day,
                             payee="某公司")
    return tree


def test_the_rebuild_equals_what_the_services_kept(city):
    kept = rows()
    assert kept
    assert tally.rebuild() == len(kept)
    assert rows() == kept


def test_the_figures_equal_direct_counts(city):
    today = timezone.localdate()
    first = today.replace(day=1) - dt.timedelta(days=40)
    for organization in (city.city, city.street_a, city.community_b):
        figures = tally.figures(organization, first, today)
        projects = MicroProject.objects.filter(org_path__startswith=organization.path)
        updates = ProjectUpdate.objects.filter(project__in=projects)
        assert figures["collected"] == projects.count()
        assert figures["amount_collected"] == projects.aggregate(s=Sum("estimate"))["s"]
        for action, field in tally.EVENTS.items():
            assert figures[field] == updates.filter(action=action).count(), field
        assert figures["amount_approved"] == projects.filter(approved_on__isnull=False).aggregate(
            s=Sum("budget"))["s"]
        assert figures["amount_spent"] == (Spending.objects.filter(project__in=projects).aggregate(s=Sum("amount"))["s"]
                                           or Decimal("0.00"))
        assert figures["council_rejected"] == updates.filter(action="council", to_state=State.REJECTED).count()
        assert figures["surveyed"] == projects.aggregate(s=Sum("surveyed"))["s"]
        counts = selectors.state_counts(organization)
        direct = dict(projects.values_list("state").annotate(n=Count("*")).order_by())
        assert {state: n for state, n in counts.items() if n} == direct
    assert tally.figures(city.city, first, today)["collected"] == 2 * len(State.values)
    assert tally.figures(city.city, first, today)["amount_spent"] == Decimal("3000.25")


def test_a_month_range_reads_only_its_months(city):
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    assert tally.figures(city.city, last_month, last_month)["amount_spent"] == Decimal("1000.25")
    assert tally.figures(city.city, last_month, last_month)["collected"] == 0

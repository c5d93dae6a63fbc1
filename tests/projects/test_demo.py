"""The demo's micro-projects: every state, some from the demo's requests, made through the
services on the days they would have happened, with roll-ups equal to a rebuild."""

import pytest

from dangjian.demo.citygen import CityGenerator, Plan
from dangjian.demo.projects import replay_projects
from dangjian.projects import tally
from dangjian.projects.models import MicroProject, ProjectTally, ProjectUpdate
from dangjian.projects.rules import State
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_has_projects_in_every_state(tree):
    first, _code = factories.make_request(tree.grid_a.grid)
    made = replay_projects(CityGenerator(Plan.for_members(100), seed=7))
    assert set(made) == set(State.values)
    assert sum(made.values()) == MicroProject.objects.count()
    assert set(MicroProject.objects.values_list("state", flat=True)) == set(State.values)
    assert MicroProject.objects.filter(requests=first).exists()
    # The steps happened over months, in order, none after today.
    days = list(ProjectUpdate.objects.order_by("project", "at").values_list("project", "occurred_on"))
    assert len({on for _project, on in days}) > 5
    kept = sorted(ProjectTally.objects.values_list("organization_id", "month", *ProjectTally.FIELDS))
    tally.rebuild()
    assert sorted(ProjectTally.objects.values_list("organization_id", "month", *ProjectTally.FIELDS)) == kept

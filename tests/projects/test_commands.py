"""The `projects` command: presets, showing and setting the configuration, rebuilding roll-ups."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dangjian.projects import selectors
from dangjian.projects.models import ProjectTally
from tests.projects import factories

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("projects", *args, stdout=out)
    return out.getvalue()


def test_load_a_preset_and_show_it():
    shown = json.loads(run("preset", "luohu_donghu", "--json"))
    assert shown["caps"] == {"goods": "500000.00", "service": "500000.00", "works": "1000000.00"}
    assert len(shown["negative"]) == 3 and shown["preset"] == "luohu_donghu"
    assert "1000000.00" in run("show")


def test_set_the_notice_and_caps():
    run("preset", "zhuhai")
    run("set", "--notice-days", "7", "--cap", "works=450000", "--cap", "goods=")
    assert selectors.configuration().notice_working_days == 7
    assert selectors.caps() == {"service": Decimal("200000.00"), "works": Decimal("450000.00")}


@pytest.mark.parametrize("args", [("preset", "atlantis"), ("set", "--notice-days", "99"), ("set", "--cap", "x=1"),
                                  ("set", "--cap", "works=lots"), ("set", "--cap", "works=-5")])
def test_bad_arguments_are_named(args):
    with pytest.raises(CommandError):
        run(*args)


def test_rebuild_tally(tree, next_year_entered):
    factories.configure()
    factories.propose(tree.community_a)
    kept = list(ProjectTally.objects.values_list("organization_id", "collected"))
    assert "4" in run("rebuild-tally")  # the community and its three ancestors
    assert sorted(ProjectTally.objects.values_list("organization_id", "collected")) == sorted(kept)

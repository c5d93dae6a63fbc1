"""`dangjian requests sweep` and `dangjian requests rebuild-tally`."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from dangjian.accounts.roles import Role
from dangjian.requests import services, tally
from dangjian.requests.models import Request
from tests import factories

pytestmark = pytest.mark.django_db


def run(*arguments) -> str:
    out = io.StringIO()
    call_command("requests", *arguments, stdout=out)
    return out.getvalue()


def test_sweep_escalates_what_is_overdue_on_the_given_day(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    filed, _code = factories.make_request(tree.grid_a.grid)
    services.request_change(actor=clerk, request=filed, action="accept")
    Request.objects.filter(pk=filed.pk).update(due_on=dt.date(2026, 3, 2), warn_on=dt.date(2026, 3, 2))
    nothing = {"escalated": 0, "closed": 0, "uncounted": 0, "missing_years": []}
    assert json.loads(run("sweep", "--today", "2026-03-02", "--json")) == nothing
    assert json.loads(run("sweep", "--today", "2026-03-03", "--json")) == {**nothing, "escalated": 1}
    filed.refresh_from_db()
    assert filed.escalated_to == tree.community_a


def test_sweep_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("sweep", "--today", "3 March")


def test_rebuild_tally_recomputes_the_rollups(tree):
    filed, _code = factories.make_request(tree.grid_a.grid)
    day = filed.received_at.date()
    before = tally.figures(tree.city, day, day)
    assert json.loads(run("rebuild-tally", "--json"))["rows"] > 0
    assert tally.figures(tree.city, day, day) == before and before["received"] == 1


def test_sweep_says_which_year_is_missing_from_the_calendar(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    filed, _code = factories.make_request(tree.grid_a.grid)
    services.request_change(actor=clerk, request=filed, action="accept")
    Request.objects.filter(pk=filed.pk).update(due_on=dt.date(2031, 3, 3), warn_on=dt.date(2031, 3, 3))
    err = io.StringIO()
    call_command("requests", "sweep", "--today", "2031-03-05", stdout=io.StringIO(), stderr=err)
    assert "2031" in err.getvalue()
    filed.refresh_from_db()
    assert filed.escalation_level == 0

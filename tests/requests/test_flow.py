"""The request's main way through the services: filed on the public page, accepted, assigned,
resolved, confirmed by the resident with the tracking code; and the roll-ups that follow."""

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts.roles import Role
from dangjian.requests import rules, services, tally
from dangjian.requests.models import RequestUpdate
from tests import factories

pytestmark = pytest.mark.django_db


def test_filed_accepted_assigned_resolved_confirmed(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    grid = tree.grid_a.grid
    filed, code = factories.make_request(grid, phone="13800138000")
    assert filed.state == rules.State.RECEIVED and filed.org_path == tree.grid_a.path
    assert filed.masked_phone == "138****8000"

    filed = services.request_change(actor=clerk, request=filed, action="accept", version=filed.version)
    assert filed.due_on is not None and filed.state == "accepted"
    filed = services.request_change(actor=clerk, request=filed, action="assign", version=filed.version,
                                    organization=tree.building_a)
    assert filed.assigned_path == tree.building_a.path
    filed = services.request_change(actor=clerk, request=filed, action="resolve", version=filed.version,
                                    public_note="已更换灯泡。")
    assert filed.state == "resolved"
    filed = services.resident_answer(code=code, action="confirm", satisfaction=5)
    assert filed.state == "confirmed" and filed.satisfaction == 5
    assert list(RequestUpdate.objects.filter(request=filed).values_list("action", flat=True)) == [
        "file", "accept", "assign", "resolve", "confirm"]

    for org in (tree.grid_a, tree.community_a, tree.city):
        figures = tally.figures(org, filed.accepted_on, filed.accepted_on)
        assert (figures["received"], figures["accepted"], figures["resolved"], figures["confirmed"]) == (1, 1, 1, 1)
        assert figures["satisfied"] == 1 and figures["median_days_to_resolve"] == 0
    assert tally.figures(tree.street_b, filed.accepted_on, filed.accepted_on)["received"] == 0


def test_a_change_made_on_an_old_version_is_refused(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    filed, _code = factories.make_request(tree.grid_a.grid)
    seen = filed.version
    services.request_change(actor=clerk, request=filed, action="accept", version=seen)
    with pytest.raises(ValidationError) as refused:
        services.request_change(actor=clerk, request=filed, action="refer", version=seen, referred_to="城管")
    assert "version" in refused.value.message_dict
    filed.refresh_from_db()
    assert filed.state == "accepted"


def test_rebuild_gives_what_the_services_kept(tree, make_user):
    clerk = make_user(Role.CLERK, tree.grid_a)
    filed, code = factories.make_request(tree.grid_a.grid)
    services.request_change(actor=clerk, request=filed, action="accept")
    services.request_change(actor=clerk, request=filed, action="resolve", public_note="好了")
    services.resident_answer(code=code, action="reopen", comment="还是坏的")
    kept = tally.figures(tree.city, filed.received_at.date(), filed.received_at.date())
    tally.rebuild()
    assert tally.figures(tree.city, filed.received_at.date(), filed.received_at.date()) == kept

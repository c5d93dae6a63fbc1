import datetime as dt
import json

import pytest
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from tests import factories
from tests.service.factories import happening, make_activity

pytestmark = pytest.mark.usefixtures("settings_no_otp")


def call(client, user, method, url, body=None):
    token = account_services.token_issue(user=user)[1]
    return client.generic(method, url, json.dumps(body) if body is not None else "", content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_member_checks_in_once_through_the_api(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, account=user)
    activity = happening(make_activity(tree.community_a, hours=2, counts_as_study=True))
    first = call(client, user, "POST", "/api/service/check-in", {"token": activity.check_in_token})
    assert first.status_code == 201 and first.json()["hours"] == "2.0"
    second = call(client, user, "POST", "/api/service/check-in", {"token": activity.check_in_token})
    assert second.status_code == 422 and second.json()["errors"][0]["field"] == "person"
    mine = call(client, user, "GET", "/api/service/me").json()
    assert (mine["volunteer_hours"], mine["study_hours"], mine["study_target"]) == ("2.0", "2.0", 32)


def test_bad_activities_are_answered_naming_the_field(client, tree, make_user):
    clerk = make_user(Role.CLERK, tree.community_a)
    start = timezone.now() + dt.timedelta(days=1)
    answer = call(client, clerk, "POST", "/api/service/activities", {
        "organization": tree.community_a.code, "title": "义诊", "place": "广场", "starts_at": start.isoformat(),
        "ends_at": (start - dt.timedelta(hours=1)).isoformat(), "capacity": 5})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "ends_at"
    answer = call(client, clerk, "POST", "/api/service/activities", {
        "title": "义诊", "place": "广场", "starts_at": start.isoformat(), "ends_at": start.isoformat(), "capacity": 5})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "organization"


def test_a_member_signs_themself_up_and_the_statistics_follow(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    member = factories.make_member(tree.grid_a, account=user)
    activity = make_activity(tree.community_a)
    answer = call(client, user, "POST", f"/api/service/activities/{activity.pk}/signups", {"member": member.pk})
    assert answer.status_code == 201 and answer.json()["signed_up"] == 1
    viewer = make_user(Role.VIEWER, tree.street_a)
    figures = call(client, viewer, "GET", f"/api/service/statistics?org={tree.street_a.code}&last="
                   f"{(timezone.localdate() + dt.timedelta(days=40)).isoformat()}").json()
    assert figures["activities"] == 1

import datetime as dt
import json

import pytest
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.service.models import CheckIn
from tests import factories
from tests.service.factories import happening, make_activity, make_team

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


def _errors(answer) -> dict:
    assert answer.status_code == 422, answer.content
    return {error["field"]: error["message"] for error in answer.json()["errors"]}


def test_bad_times_are_answered_naming_the_field(client, tree, make_user):
    clerk = make_user(Role.CLERK, tree.community_a)
    start = timezone.localtime() + dt.timedelta(days=1)
    body = {"organization": tree.community_a.code, "title": "义诊", "place": "广场", "capacity": 5}
    naive = {**body, "starts_at": start.replace(tzinfo=None).isoformat(),
             "ends_at": (start + dt.timedelta(hours=2)).isoformat()}
    assert _errors(call(client, clerk, "POST", "/api/service/activities", naive)) == {
        "starts_at": "Give the time with its offset from UTC, such as +08:00."}
    far = {**body, "starts_at": "9999-12-31T23:00:00+00:00", "ends_at": "9999-12-31T23:30:00+00:00"}
    assert set(_errors(call(client, clerk, "POST", "/api/service/activities", far))) == {"starts_at"}
    activity = make_activity(tree.community_a)
    change = {"title": "义诊", "place": "广场", "capacity": 5, "starts_at": start.isoformat(),
              "ends_at": (start + dt.timedelta(hours=2)).replace(tzinfo=None).isoformat()}
    assert set(_errors(call(client, clerk, "PATCH", f"/api/service/activities/{activity.pk}", change))) == {"ends_at"}


def test_impossible_hours_and_numbers_are_answered_naming_the_field(client, tree, make_user):
    clerk = make_user(Role.CLERK, tree.community_a)
    activity = happening(make_activity(tree.community_a))
    member = factories.make_member(tree.grid_a)
    roll = f"/api/service/activities/{activity.pk}/roll"
    assert set(_errors(call(client, clerk, "POST", roll, {"members": [member.pk], "hours": "1e30"}))) == {"hours"}
    assert set(_errors(call(client, clerk, "POST", roll, {"members": [member.pk], "hours": 0}))) == {"hours"}
    assert set(_errors(call(client, clerk, "POST", roll, {"members": [member.pk, 10**25]}))) == {"members[1]"}
    signups = f"/api/service/activities/{make_activity(tree.community_a).pk}/signups"
    assert set(_errors(call(client, clerk, "POST", signups, {"member": 10**25}))) == {"member"}
    team = make_team(tree.grid_a)
    assert set(_errors(call(client, clerk, "POST", f"/api/service/teams/{team.pk}/people",
                            {"volunteer": 10**25}))) == {"volunteer"}
    assert set(_errors(call(client, clerk, "POST", f"/api/service/teams/{team.pk}/leader",
                            {"member": 10**25}))) == {"member"}
    assert not CheckIn.objects.exists() and not team.memberships.exists()


def test_a_check_in_is_removed_and_availability_changed_through_the_api(client, tree, make_user):
    clerk = make_user(Role.CLERK, tree.community_a)
    activity = happening(make_activity(tree.community_a))
    member = factories.make_member(tree.grid_a)
    checked = call(client, clerk, "POST", f"/api/service/activities/{activity.pk}/roll", {"members": [member.pk]})
    check_in = checked.json()[0]["id"]
    address = f"/api/service/activities/{activity.pk}/check-ins/{check_in}/remove"
    assert set(_errors(call(client, clerk, "POST", address, {"reason": ""}))) == {"reason"}
    removed = call(client, clerk, "POST", address, {"reason": "误勾选"})
    assert removed.status_code == 200 and removed.json()["present"] == 0 and removed.json()["check_ins"] == []
    assert call(client, clerk, "POST", address, {"reason": "误勾选"}).status_code == 404
    team = make_team(tree.grid_a)
    joined = call(client, clerk, "POST", f"/api/service/teams/{team.pk}/people", {"member": member.pk}).json()
    person = joined["people"][0]["id"]
    changed = call(client, clerk, "PATCH", f"/api/service/teams/{team.pk}/people/{person}",
                   {"normal": "evenings", "emergency": "2_hours"})
    assert changed.status_code == 200
    assert (changed.json()["people"][0]["normal"], changed.json()["people"][0]["emergency"],
            changed.json()["people"][0]["joined_on"]) == ("evenings", "2_hours", joined["people"][0]["joined_on"])
    assert set(_errors(call(client, clerk, "PATCH", f"/api/service/teams/{team.pk}/people/{person}",
                            {"normal": "never", "emergency": "2_hours"}))) == {"normal"}

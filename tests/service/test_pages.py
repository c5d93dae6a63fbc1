import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import paging
from dangjian.members.models import Member
from dangjian.service import services
from dangjian.service.models import Activity, CheckIn, ServiceTeam
from tests import factories
from tests.service.factories import happening, make_activity, make_team, make_volunteer

pytestmark = pytest.mark.usefixtures("settings_no_otp")


@pytest.fixture
def clerk_client(client, tree, make_user):
    client.force_login(make_user(Role.CLERK, tree.community_a))
    return client


def test_the_staff_page_shows_the_qr_code_to_those_who_manage_only(client, tree, make_user, clerk_client):
    activity = make_activity(tree.community_a)
    page = clerk_client.get(reverse("service:activity", args=[activity.pk])).content.decode()
    assert "<svg" in page and activity.check_in_token in page
    viewer = make_user(Role.VIEWER, tree.community_a)
    client.force_login(viewer)
    page = client.get(reverse("service:activity", args=[activity.pk])).content.decode()
    assert "<svg" not in page and activity.check_in_token not in page


def test_an_activity_form_puts_refusals_on_their_fields(clerk_client, tree):
    start = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = clerk_client.post(reverse("service:activity_new", args=[tree.community_a.code]), {
        "title": "义诊", "place": "广场", "starts_at": start, "ends_at": start, "capacity": "5"})
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "ends_at" in response.context["form"].errors


def test_a_team_is_formed_from_its_page_and_people_added(clerk_client, tree):
    response = clerk_client.post(reverse("service:team_new", args=[tree.grid_a.code]),
                                 {"name": "先锋队", "kind": "pioneer"})
    team = ServiceTeam.objects.get()
    assert response["Location"] == reverse("service:team", args=[team.pk])
    volunteer = make_volunteer(tree.community_a)
    clerk_client.post(reverse("service:team_people", args=[team.pk]),
                      {"action": "add", "volunteer": volunteer.pk, "normal": "weekends", "emergency": "same_day"})
    response = clerk_client.post(reverse("service:team_people", args=[team.pk]),
                                 {"action": "add", "volunteer": 999999, "normal": "weekends",
                                  "emergency": "same_day"}, follow=True)
    page = response.content.decode()
    assert volunteer.name in page and "999999" in page and team.memberships.count() == 1


def test_volunteers_are_listed_with_masked_phones(clerk_client, tree):
    make_volunteer(tree.community_a, phone="13900139000")
    page = clerk_client.get(reverse("service:volunteers", args=[tree.community_a.code])).content.decode()
    assert "139****9000" in page and "13900139000" not in page


def test_check_in_page_and_own_page(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    activity = happening(make_activity(tree.community_a, hours=2))
    address = reverse("service:check_in", args=[activity.check_in_token])
    assert 'data-form="check-in"' in client.get(address).content.decode()
    own = reverse("service:mine_activity", args=[activity.pk])
    assert "data-checking-in" in client.get(own).content.decode()
    assert client.post(address)["Location"] == address
    assert "data-checking-in" not in client.get(own).content.decode()
    again = client.post(address)
    assert again.status_code == 422 and "data-refusal" in again.content.decode()
    assert CheckIn.objects.count() == 1
    mine = client.get(reverse("service:mine"))
    assert mine.context["volunteer_hours"] == 2 and mine.context["attended_count"] == 1
    assert client.get(reverse("service:check_in", args=["not-a-token"])).status_code == 404
    # Checked in without signing up, a member no longer finds the activity open for sign-up.
    walk_in = make_activity(tree.community_a, title="义诊", starts_in=dt.timedelta(minutes=10))
    assert walk_in.pk in [row.pk for row in client.get(reverse("service:mine")).context["rows"]]
    client.post(reverse("service:check_in", args=[walk_in.check_in_token]))
    assert walk_in.pk not in [row.pk for row in client.get(reverse("service:mine")).context["rows"]]


def test_a_member_signs_up_on_their_page(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    activity = make_activity(tree.community_a, capacity=1)
    address = reverse("service:mine_activity", args=[activity.pk])
    other = make_activity(tree.community_a, title="敬老院陪伴", starts_in=dt.timedelta(days=3))
    listed = client.get(reverse("service:mine")).context
    assert [row.pk for row in listed["rows"]] == [activity.pk, other.pk] and listed["upcoming"] == []
    client.post(address, {"action": "signup"})
    activity.refresh_from_db()
    assert activity.signed_up == 1
    # Signed up for, it moves from the open list to the member's own list.
    listed = client.get(reverse("service:mine")).context
    assert [row.pk for row in listed["rows"]] == [other.pk]
    assert [row.activity.pk for row in listed["upcoming"]] == [activity.pk]
    assert "data-checking-in" not in client.get(address).content.decode()
    elsewhere = make_activity(tree.community_b)
    assert client.get(reverse("service:mine_activity", args=[elsewhere.pk])).status_code == 404


def test_statistics_page_reads_the_roll_ups(clerk_client, tree):
    make_team(tree.grid_a)
    page = clerk_client.get(reverse("service:statistics", args=[tree.community_a.code]))
    assert page.context["figures"]["teams"] == 1
    backwards = clerk_client.get(reverse("service:statistics", args=[tree.community_a.code]),
                                 {"first": "2026-05", "last": "2026-01"})
    assert backwards.status_code == 200 and backwards.context["form"].errors["last"]


def test_staff_record_the_roll_on_the_activity_page(clerk_client, tree):
    activity = make_activity(tree.community_a, hours=2)
    address = reverse("service:activity", args=[activity.pk])
    # With no one signed up, the roll asks only for members by number.
    form = clerk_client.get(address).context["roll_form"]
    assert "members" not in form.fields and "volunteers" not in form.fields
    signed = factories.make_member(tree.grid_a, name="报名党员")
    walk_in = factories.make_member(tree.grid_a, name="未报名党员")
    services.signup(actor=None, activity=activity, member=signed)
    activity = happening(activity)
    assert list(clerk_client.get(address).context["roll_form"].fields["members"].choices) == [(signed.pk, "报名党员")]
    refused = clerk_client.post(reverse("service:activity_roll", args=[activity.pk]),
                                {"members": [signed.pk], "extra_member": 999999}, follow=True)
    assert any("999999" in str(message) for message in refused.context["messages"])
    assert not CheckIn.objects.exists()
    clerk_client.post(reverse("service:activity_roll", args=[activity.pk]),
                      {"members": [signed.pk], "extra_member": walk_in.pk, "hours": "1.5"})
    assert sorted(CheckIn.objects.values_list("member__name", "hours")) == [
        ("报名党员", Decimal("1.5")), ("未报名党员", Decimal("1.5"))]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_impossible_numbers_are_refused_with_a_message(clerk_client, tree):
    activity = make_activity(tree.community_a)
    answer = clerk_client.post(reverse("service:activity_signups", args=[activity.pk]),
                               {"action": "signup", "member": str(10**25)}, follow=True)
    assert answer.status_code == 200 and any(str(10**25) in message for message in _messages(answer))
    team = make_team(tree.grid_a)
    answer = clerk_client.post(reverse("service:team_people", args=[team.pk]),
                               {"action": "add", "volunteer": str(10**25), "normal": "weekends",
                                "emergency": "same_day"}, follow=True)
    assert answer.status_code == 200 and any(str(10**25) in message for message in _messages(answer))
    assert not team.memberships.exists()
    answer = clerk_client.post(reverse("service:activity_roll", args=[happening(activity).pk]),
                               {"extra_member": str(10**25)}, follow=True)
    assert answer.status_code == 200 and not CheckIn.objects.exists()


def test_the_roll_refuses_ticked_people_outside_the_clerks_organisation(clerk_client, tree):
    activity = make_activity(tree.community_a)
    stays = factories.make_member(tree.grid_a, name="留下的党员")
    leaves = factories.make_member(tree.grid_a, name="转走的党员")
    for member in (stays, leaves):
        services.signup(actor=None, activity=activity, member=member)
    Member.objects.filter(pk=leaves.pk).update(home_org=tree.grid_b, org_path=tree.grid_b.path)
    activity = happening(activity)
    answer = clerk_client.post(reverse("service:activity_roll", args=[activity.pk]),
                               {"members": [stays.pk, leaves.pk]}, follow=True)
    assert any("转走的党员" in message and str(leaves.pk) in message for message in _messages(answer))
    assert not CheckIn.objects.exists()


def test_teams_and_a_teams_activities_are_paged(clerk_client, tree, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    teams = [make_team(tree.grid_a, name=f"第{index}队") for index in range(3)]
    page = clerk_client.get(reverse("service:organization", args=[tree.community_a.code]))
    assert [team.pk for team in page.context["teams"]] == [teams[2].pk, teams[1].pk]
    more = page.content.decode()
    assert f"{reverse('service:teams', args=[tree.community_a.code])}?after={teams[1].pk}" in more
    rest = clerk_client.get(reverse("service:teams", args=[tree.community_a.code]), {"after": teams[1].pk})
    assert [team.pk for team in rest.context["rows"]] == [teams[0].pk] and rest.context["next_after"] is None
    activities = [make_activity(None, team=teams[0], starts_in=dt.timedelta(days=days)) for days in (1, 2, 3)]
    address = reverse("service:team", args=[teams[0].pk])
    first = clerk_client.get(address)
    assert [row.pk for row in first.context["rows"]] == [activities[2].pk, activities[1].pk]
    second = clerk_client.get(address, {"after": first.context["next_after"]})
    assert [row.pk for row in second.context["rows"]] == [activities[0].pk]


def test_a_member_sees_when_all_places_are_taken(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    full = make_activity(tree.community_a, capacity=1)
    services.signup(actor=None, activity=full, volunteer=make_volunteer(tree.community_a))
    assert full.pk not in [row.pk for row in client.get(reverse("service:mine")).context["rows"]]
    page = client.get(reverse("service:mine_activity", args=[full.pk])).content.decode()
    assert "data-full" in page and "All 1 places are taken." in page and 'data-form="signup"' not in page


def test_a_member_who_moved_away_withdraws_on_their_page(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    member = factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    activity = make_activity(tree.community_a)
    address = reverse("service:mine_activity", args=[activity.pk])
    client.post(address, {"action": "signup"})
    Member.objects.filter(pk=member.pk).update(home_org=tree.grid_b, org_path=tree.grid_b.path)
    answer = client.post(address, {"action": "withdraw"}, follow=True)
    assert answer.status_code == 200 and "Sign-up withdrawn." in _messages(answer)
    assert "data-not-open" in answer.content.decode()
    answer = client.post(address, {"action": "signup"}, follow=True)
    assert answer.status_code == 200 and "This activity is not open to you." in _messages(answer)
    activity.refresh_from_db()
    assert activity.signed_up == 0


def test_staff_remove_a_check_in_from_its_row(clerk_client, tree):
    activity = happening(make_activity(tree.community_a))
    check_in, = services.roll_record(actor=None, activity=activity, volunteers=[make_volunteer(tree.community_a)])
    page = clerk_client.get(reverse("service:activity", args=[activity.pk])).content.decode()
    address = reverse("service:check_in_remove", args=[activity.pk, check_in.pk])
    assert address in page
    answer = clerk_client.post(address, {"reason": ""}, follow=True)
    assert any("Reason" in message for message in _messages(answer)) and CheckIn.objects.exists()
    answer = clerk_client.post(address, {"reason": "误勾选"}, follow=True)
    assert not CheckIn.objects.exists() and any("removed" in message for message in _messages(answer))
    assert clerk_client.post(address, {"reason": "误勾选"}).status_code == 404


def test_staff_change_a_persons_availability_on_its_page(clerk_client, tree):
    team = make_team(tree.grid_a)
    person = services.team_add_person(actor=None, team=team, volunteer=make_volunteer(tree.community_a))
    address = reverse("service:team_availability", args=[team.pk, person.pk])
    assert address in clerk_client.get(reverse("service:team", args=[team.pk])).content.decode()
    assert clerk_client.get(address).context["form"].initial == {"normal": "weekends", "emergency": "same_day"}
    assert clerk_client.post(address, {"normal": "sometimes", "emergency": "none"}).status_code == 200
    assert clerk_client.post(address, {"normal": "evenings", "emergency": "none"})["Location"] == reverse(
        "service:team", args=[team.pk])
    person.refresh_from_db()
    assert (person.normal, person.emergency) == ("evenings", "none")


def test_a_start_years_ahead_is_put_on_its_field(clerk_client, tree):
    response = clerk_client.post(reverse("service:activity_new", args=[tree.community_a.code]), {
        "title": "义诊", "place": "广场", "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:00",
        "capacity": "5"})
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "starts_at" in response.context["form"].errors


def test_staff_cancel_an_activity_on_its_page_with_a_reason(clerk_client, tree):
    activity = make_activity(tree.community_a)
    address = reverse("service:activity_cancel", args=[activity.pk])
    refused = clerk_client.post(address, {"reason": ""}, follow=True)
    assert refused.context["messages"] and not Activity.objects.get(pk=activity.pk).is_cancelled
    done = clerk_client.post(address, {"reason": "台风预警"}, follow=True)
    assert "cancelled" in " ".join(str(message) for message in done.context["messages"])
    assert Activity.objects.get(pk=activity.pk).cancel_reason == "台风预警"

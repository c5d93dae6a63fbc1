import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import Role
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
    assert walk_in.pk in [row.pk for row in client.get(reverse("service:mine")).context["open"]]
    client.post(reverse("service:check_in", args=[walk_in.check_in_token]))
    assert walk_in.pk not in [row.pk for row in client.get(reverse("service:mine")).context["open"]]


def test_a_member_signs_up_on_their_page(client, tree, make_user):
    user = make_user(None, tree.grid_a)
    factories.make_member(tree.grid_a, account=user)
    client.force_login(user)
    activity = make_activity(tree.community_a, capacity=1)
    address = reverse("service:mine_activity", args=[activity.pk])
    other = make_activity(tree.community_a, title="敬老院陪伴", starts_in=dt.timedelta(days=3))
    listed = client.get(reverse("service:mine")).context
    assert [row.pk for row in listed["open"]] == [activity.pk, other.pk] and listed["upcoming"] == []
    client.post(address, {"action": "signup"})
    activity.refresh_from_db()
    assert activity.signed_up == 1
    # Signed up for, it moves from the open list to the member's own list.
    listed = client.get(reverse("service:mine")).context
    assert [row.pk for row in listed["open"]] == [other.pk]
    assert [row.activity.pk for row in listed["upcoming"]] == [activity.pk]
    assert "data-checking-in" not in client.get(address).content.decode()
    elsewhere = make_activity(tree.community_b)
    assert client.get(reverse("service:mine_activity", args=[elsewhere.pk])).status_code == 404


def test_statistics_page_reads_the_roll_ups(clerk_client, tree):
    make_team(tree.grid_a)
    page = clerk_client.get(reverse("service:statistics", args=[tree.community_a.code]))
    assert page.context["figures"]["teams"] == 1


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

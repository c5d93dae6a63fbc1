"""Life-cycle pages: every action form renders, saves, shows errors next to their fields and
never answers 500; inboxes show only what the receiver needs."""

import html
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import calendar
from dangjian.members.models import Member, ResidenceRegistration, Transfer
from dangjian.members.views.lifecycle import ACTIONS
from tests import factories

pytestmark = pytest.mark.django_db

VALID = {
    "transfer": {"outside_destination": "北京市某局", "letter_number": "穗组 2025-1", "reason": "调动"},
    "mobile_out": {"province": "广东省", "city": "深圳市"},
    "abroad": {"destination": "新加坡"},
    "retire": {},
    "lost_contact": {"reason": "1"},
    "suspend": {"reason": "settled_abroad"},
    "leave": {"reason": "death", "note": "病故"},
}
# Actions that need an earlier one first, with that earlier one.
BEFORE = {"mobile_back": "mobile_out", "abroad_back": "abroad", "contact_restored": "lost_contact", "restore": "suspend"}
INVALID = {
    "transfer": ({"reason": "调动", "outside_destination": "北京"}, "letter_number"),
    "mobile_out": ({"province": ""}, "province"),
    "abroad": ({"destination": "日本", "since": "2999-01-01"}, "since"),
    "lost_contact": ({"reason": "9"}, "reason"),
    "suspend": ({"reason": "lost_contact"}, "reason"),
    "leave": ({"reason": "leave"}, "reason"),
    "retire": ({"on": "1999-01-01"}, "on"),
    "mobile_back": ({"on": "not-a-date"}, "on"),
}


@pytest.fixture
def clerk(tree, make_user):
    return make_user(Role.CLERK, tree.street_a)


@pytest.fixture
def as_clerk(client, clerk, settings_no_otp):
    client.force_login(clerk)
    return client


@pytest.fixture
def member(tree):
    return factories.make_member(tree.grid_a, name="王五")


def _field_error(response, field: str) -> str:
    blocks = re.findall(r'<div class="field invalid">(.*?)\n</div>', response.content.decode(), re.DOTALL)
    mine = [block for block in blocks if f'name="{field}"' in block]
    assert mine, f"no error block for {field}: {response.context['form'].errors}"
    return html.unescape(" ".join(re.findall(r'<p class="error" role="alert">(.*?)</p>', mine[0], re.DOTALL)))


def _url(name, member):
    return reverse(f"members:{name}", args=[member.pk])


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_page_renders_and_saves(as_clerk, member, name):
    if name in BEFORE:
        as_clerk.post(_url(BEFORE[name], member), VALID[BEFORE[name]])
    response = as_clerk.get(_url(name, member))
    assert response.status_code == 200
    for field in response.context["form"]:
        assert f'<label for="{field.auto_id}"' in response.content.decode(), field.name
    response = as_clerk.post(_url(name, member), VALID.get(name, {}))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert response["Location"] == _url("lifecycle", member)
    assert member.events.exists()


@pytest.mark.parametrize("name", sorted(INVALID))
def test_bad_input_is_shown_next_to_the_field(as_clerk, member, name):
    if name in BEFORE:
        as_clerk.post(_url(BEFORE[name], member), VALID[BEFORE[name]])
    before = list(Member.objects.values_list())
    data, field = INVALID[name]
    response = as_clerk.post(_url(name, member), data)
    assert response.status_code == 200
    assert _field_error(response, field)
    assert list(Member.objects.values_list()) == before


def test_an_impossible_action_is_a_form_error_not_a_500(as_clerk, member):
    response = as_clerk.post(_url("restore", member), {})
    assert response.status_code == 200 and _field_error(response, "on")
    as_clerk.post(_url("leave", member), VALID["leave"])
    response = as_clerk.post(_url("retire", member), {})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_viewer_gets_403_and_outside_gets_404(client, tree, member, make_user, settings_no_otp):
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    assert client.get(_url("retire", member)).status_code == 403
    assert client.post(_url("retire", member), {}).status_code == 403
    assert client.get(_url("lifecycle", member)).status_code == 200
    client.force_login(make_user(Role.CLERK, tree.street_b))
    assert client.get(_url("retire", member)).status_code == 404
    assert client.get(_url("lifecycle", member)).status_code == 404
    assert not member.events.exists()


def test_lifecycle_page_lists_only_possible_actions(as_clerk, member):
    text = as_clerk.get(_url("lifecycle", member)).content.decode()
    assert _url("retire", member) in text and _url("restore", member) not in text
    assert _url("residence", member) in text


def test_transfer_through_the_inboxes(client, as_clerk, tree, member, make_user):
    response = as_clerk.post(_url("transfer", member), {"to_org": tree.grid_b.code, "reason": "搬家"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    outgoing = as_clerk.get(reverse("members:transfers_outgoing")).content.decode()
    assert "王五" in outgoing and reverse("members:transfer_cancel", args=[transfer.pk]) in outgoing

    receiver = make_user(Role.CLERK, tree.street_b)
    client.force_login(receiver)
    inbox = client.get(reverse("members:transfers_incoming")).content.decode()
    assert "王五" in inbox and member.masked_id_number in inbox and member.id_number not in inbox
    assert client.get(_url("lifecycle", member)).status_code == 404  # still outside the receiver's scope
    response = client.post(reverse("members:transfer_receive", args=[transfer.pk]), {"on": "2999-01-01"})
    assert response.status_code == 200 and _field_error(response, "on")
    response = client.post(reverse("members:transfer_receive", args=[transfer.pk]), {})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.home_org == tree.grid_b
    assert client.get(reverse("members:transfer_receive", args=[transfer.pk])).status_code == 404


def test_refuse_and_cancel_pages(client, as_clerk, clerk, tree, member, make_user):
    as_clerk.post(_url("transfer", member), {"to_org": tree.grid_b.code, "reason": "搬家"})
    transfer = Transfer.objects.get()
    client.force_login(make_user(Role.CLERK, tree.street_b))
    response = client.post(reverse("members:transfer_refuse", args=[transfer.pk]), {"reason": ""})
    assert response.status_code == 200 and _field_error(response, "reason")
    assert client.post(reverse("members:transfer_cancel", args=[transfer.pk])).status_code == 404
    client.force_login(clerk)
    response = client.post(reverse("members:transfer_cancel", args=[transfer.pk]))
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED
    response = client.post(reverse("members:transfer_cancel", args=[transfer.pk]), follow=True)
    assert response.status_code == 200


def test_unknown_destination_is_a_field_error(as_clerk, member):
    response = as_clerk.post(_url("transfer", member), {"to_org": "NO-SUCH", "reason": "搬家"})
    assert response.status_code == 200 and _field_error(response, "to_org")


def test_residence_page_and_community_inbox(client, as_clerk, tree, member, make_user):
    response = as_clerk.post(_url("residence", member), {"grid": "NO-SUCH"})
    assert response.status_code == 200 and _field_error(response, "grid")
    response = as_clerk.post(_url("residence", member), {"grid": "G-B1", "building": "无此楼"})
    assert response.status_code == 200 and _field_error(response, "building")
    response = as_clerk.post(_url("residence", member), {"grid": "G-B1"})
    assert response.status_code == 302
    registration = ResidenceRegistration.objects.get()
    assert registration.status == ResidenceRegistration.Status.PENDING

    client.force_login(make_user(Role.CLERK, tree.street_b))
    inbox = client.get(reverse("members:registrations_pending")).content.decode()
    assert "王五" in inbox and member.id_number not in inbox
    response = client.post(reverse("members:registration_reject", args=[registration.pk]), {"reason": ""})
    assert response.status_code == 200 and _field_error(response, "reason")
    assert client.post(reverse("members:registration_confirm", args=[registration.pk])).status_code == 302
    registration.refresh_from_db()
    assert registration.status == ResidenceRegistration.Status.CONFIRMED
    response = client.post(reverse("members:registration_confirm", args=[registration.pk]), follow=True)
    assert response.status_code == 200


def test_inboxes_are_404_without_the_permission(client, tree, make_user, settings_no_otp):
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    for name in ("transfers_incoming", "transfers_outgoing", "registrations_pending"):
        assert client.get(reverse(f"members:{name}")).status_code == 404


def test_flag_lost_contact_command(tree, capsys):
    today = timezone.localdate()
    lost = factories.make_member(tree.grid_a, name="甲久失", last_contact_on=calendar.add_months(today, -6))
    factories.make_member(tree.grid_a, name="乙稍久", last_contact_on=calendar.add_months(today, -3))
    factories.make_member(tree.grid_a, name="丙常来", last_contact_on=calendar.add_months(today, -2))
    call_command("flag_lost_contact")
    out = capsys.readouterr().out
    assert "甲久失" in out and "乙稍久" in out and "丙常来" not in out
    assert "预警（3 个月）1 人，失联（6 个月）1 人。" in out
    lost.refresh_from_db()
    assert not lost.lost_contact
    call_command("flag_lost_contact", "--apply", "--org", tree.street_a.code)
    lost.refresh_from_db()
    assert lost.lost_contact
    with pytest.raises(Exception, match="--org"):
        call_command("flag_lost_contact", "--org", "NO-SUCH")

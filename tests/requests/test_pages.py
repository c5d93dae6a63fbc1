"""The resident's pages (filing without an account, following by code, answering) and the staff's
handling pages (lists with lights, a request's actions, statistics)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.requests import services
from dangjian.requests.models import Request, RequestUpdate
from dangjian.service import services as service_services
from tests import factories
from tests.service import factories as service_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return factories.make_category(code="LAMP", name="路灯照明", time_limit_days=3)


def _filing(grid, category, **extra):
    return {"place_text": "第一网格", "place": f"g{grid.pk}", "category": category.pk,
            "description": "3栋门口路灯不亮。", **extra}


def test_a_resident_finds_the_place_by_name_and_files_with_a_photo(client, tree, category):
    page = client.get(reverse("residents:file"), {"place_text": "东风"})
    assert "东风社区第一网格" in page.content.decode() and 'data-form="request"' in page.content.decode()
    answer = client.post(reverse("residents:file"), _filing(tree.grid_a.grid, category, phone="138 0013 8000",
                         photo=SimpleUploadedFile("p.png", factories.PNG, content_type="image/png")))
    assert answer.status_code == 200
    filed = Request.objects.get()
    assert filed.photo and filed.phone == "13800138000" and filed.entered_by is None
    code = answer.content.decode().split("data-tracking-code>")[1].split("<")[0]
    assert len(code.replace("-", "")) == 12
    status = client.post(reverse("residents:track"), {"code": code.lower()})
    assert status.status_code == 200 and "路灯照明" in status.content.decode()
    assert "13800138000" not in status.content.decode()


def test_no_place_matches_says_so(client, tree):
    page = client.get(reverse("residents:file"), {"place_text": "不存在的地方"})
    assert "data-none" in page.content.decode()


@pytest.mark.parametrize(("change", "field"), [
    ({"description": "短"}, "description"),
    ({"phone": "12345"}, "phone"),
    ({"place": "g999999"}, "place"),
    ({"photo": SimpleUploadedFile("x.png", b"GIF89a not a png", content_type="image/png")}, "photo"),
])
def test_bad_filing_names_the_field_and_keeps_nothing(client, tree, category, change, field):
    answer = client.post(reverse("residents:file"), {**_filing(tree.grid_a.grid, category), **change})
    assert answer.status_code == 200
    assert answer.context["form"].errors.get(field), answer.context["form"].errors
    assert not Request.objects.exists()


def test_a_wrong_code_is_a_clear_404(client, tree):
    answer = client.post(reverse("residents:track"), {"code": "2345-6789-ABCD"})
    assert answer.status_code == 404 and answer.context["form"].errors["code"]
    assert client.post(reverse("residents:track"), {"code": "short"}).status_code == 422


def test_the_resident_confirms_or_reopens_by_code(client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.grid_a)
    filed, code = factories.make_request(tree.grid_a.grid, category=category)
    services.request_change(actor=clerk, request=filed, action="accept")
    services.request_change(actor=clerk, request=filed, action="resolve", public_note="已修好")
    refused = client.post(reverse("residents:track"), {"code": code, "action": "reopen", "comment": ""})
    assert refused.status_code == 422 and refused.context["answer_form"].errors["comment"]
    filed.refresh_from_db()
    assert filed.state == "resolved"
    page = client.post(reverse("residents:track"), {"code": code, "action": "confirm", "satisfaction": "4"})
    assert page.status_code == 200
    filed.refresh_from_db()
    assert (filed.state, filed.satisfaction) == ("confirmed", 4)


def test_public_filing_is_rate_limited(client, tree, category, settings):
    cache.clear()
    settings.DANGJIAN_PUBLIC_WRITE_RATE = "2/h"
    for _ in range(2):
        client.post(reverse("residents:file"), _filing(tree.grid_a.grid, category))
    third = client.post(reverse("residents:file"), _filing(tree.grid_a.grid, category))
    assert third.status_code == 429
    assert Request.objects.count() == 2
    cache.clear()


def test_the_lists_show_the_lights_and_the_escalation(client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.community_a)
    client.force_login(clerk)
    filed, _code = factories.make_request(tree.grid_a.grid, category=category)
    services.request_change(actor=clerk, request=filed, action="accept")
    Request.objects.filter(pk=filed.pk).update(accepted_on=dt.date(2026, 1, 5), due_on=dt.date(2026, 1, 8),
                                               warn_on=dt.date(2026, 1, 8))
    services.sweep(today=dt.date(2026, 1, 12))
    page = client.get(reverse("requests:organization", args=[tree.community_a.code]), {"list": "overdue"})
    body = page.content.decode()
    assert f'data-request="{filed.pk}"' in body and 'data-light="red"' in body
    escalated = client.get(reverse("requests:organization", args=[tree.community_a.code]), {"list": "escalated"})
    assert f'data-request="{filed.pk}"' in escalated.content.decode()
    outside = make_user(Role.CLERK, tree.community_b)
    client.force_login(outside)
    assert client.get(reverse("requests:detail", args=[filed.pk])).status_code == 404


def test_staff_act_on_the_page_and_a_stale_form_is_refused(client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.grid_a)
    client.force_login(clerk)
    filed, _code = factories.make_request(tree.grid_a.grid, category=category)
    detail = client.get(reverse("requests:detail", args=[filed.pk])).content.decode()
    assert 'data-act="accept"' in detail and 'data-act="confirm"' not in detail
    client.post(reverse("requests:change", args=[filed.pk]), {"action": "accept", "version": filed.version})
    stale = client.post(reverse("requests:change", args=[filed.pk]), {"action": "refer", "version": filed.version,
                                                                      "referred_to": "城管"}, follow=True)
    assert any("version" in str(message) or "Reload" in str(message) or "重新" in str(message)
               for message in stale.context["messages"])
    filed.refresh_from_db()
    assert filed.state == "accepted"
    missing = client.post(reverse("requests:change", args=[filed.pk]), {"action": "resolve",
                                                                        "version": filed.version}, follow=True)
    assert filed.state == "accepted" and missing.status_code == 200
    assert RequestUpdate.objects.filter(request=filed).count() == 2


def test_staff_assign_to_a_service_team_of_the_community_on_the_page(client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.community_a)
    account = make_user()
    member = factories.make_member(tree.grid_a, name="李队员", account=account)
    team = service_factories.make_team(tree.grid_a, name="东风先锋队")
    service_services.team_add_person(actor=None, team=team, member=member)
    service_factories.make_team(tree.grid_b, name="别处服务队")
    filed, _code = factories.make_request(tree.grid_a.grid, category=category)
    filed = services.request_change(actor=clerk, request=filed, action="accept", version=filed.version)
    client.force_login(clerk)
    detail = client.get(reverse("requests:detail", args=[filed.pk])).content.decode()
    assert f'<option value="{team.pk}">东风先锋队' in detail and "别处服务队" not in detail
    unknown = client.post(reverse("requests:change", args=[filed.pk]), {
        "action": "assign", "version": filed.version, "team": 999999}, follow=True)
    assert any("999999" in str(message) for message in unknown.context["messages"])
    filed.refresh_from_db()
    assert filed.state == "accepted" and filed.assigned_team is None
    client.post(reverse("requests:change", args=[filed.pk]), {
        "action": "assign", "version": filed.version, "team": team.pk})
    filed.refresh_from_db()
    assert (filed.state, filed.assigned_team) == ("assigned", team)
    assert "东风先锋队" in client.get(reverse("requests:detail", args=[filed.pk])).content.decode()
    client.force_login(account)
    mine = client.get(reverse("requests:mine")).content.decode()
    assert f'data-request="{filed.pk}"' in mine and f'data-team="{team.pk}"' in mine
    assert 'data-act="start"' in client.get(reverse("requests:detail", args=[filed.pk])).content.decode()


def test_staff_who_manage_projects_propose_one_from_the_request(client, tree, make_user, category):
    filed, _code = factories.make_request(tree.grid_a.grid, category=category)
    address = reverse("requests:detail", args=[filed.pk])
    client.force_login(make_user(Role.CLERK, tree.community_a))
    page = client.get(address).content.decode()
    link = f'{reverse("projects:propose", args=[tree.community_a.code])}?requests={filed.pk}'
    assert link in page
    proposal = client.get(link)
    assert proposal.status_code == 200 and proposal.context["form"]["requests"].value() == str(filed.pk)
    client.force_login(make_user(Role.VIEWER, tree.community_a))
    assert 'data-action="propose-project"' not in client.get(address).content.decode()


def test_revealing_the_phone_is_audited(client, tree, make_user, category):
    secretary = make_user(Role.SECRETARY, tree.grid_a)
    client.force_login(secretary)
    filed, _code = factories.make_request(tree.grid_a.grid, category=category, phone="13800138000")
    assert "13800138000" not in client.get(reverse("requests:detail", args=[filed.pk])).content.decode()
    shown = client.post(reverse("requests:reveal_phone", args=[filed.pk]), follow=True)
    assert "13800138000" in shown.content.decode()
    assert AuditEvent.objects.filter(action="reveal", object_id=str(filed.pk)).exists()


def test_staff_file_for_a_resident(client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.grid_a)
    client.force_login(clerk)
    refused = client.post(reverse("requests:file_for_resident", args=[tree.grid_a.code]),
                          _filing(tree.grid_a.grid, category))
    assert refused.context["form"].errors["contact_name"] and not Request.objects.exists()
    client.post(reverse("requests:file_for_resident", args=[tree.grid_a.code]),
                _filing(tree.grid_a.grid, category, contact_name="王大妈"))
    filed = Request.objects.get()
    assert (filed.entered_by, filed.contact_name, filed.source) == (clerk, "王大妈", "on_behalf")
    detail = client.get(reverse("requests:detail", args=[filed.pk])).content.decode()
    assert "data-entered-by" in detail and "王大妈" in detail


def test_statistics_of_a_subtree(client, tree, make_user, category):
    viewer = make_user(Role.VIEWER, tree.city)
    client.force_login(viewer)
    factories.make_request(tree.grid_a.grid, category=category)
    factories.make_request(tree.grid_b.grid, category=category)
    page = client.get(reverse("requests:statistics", args=[tree.street_a.code]))
    assert page.context["figures"]["received"] == 1 and page.context["open_now"] == 1
    bad = client.get(reverse("requests:statistics", args=[tree.city.code]), {"first": "2026-05", "last": "2026-01"})
    assert bad.status_code == 200 and bad.context["form"].errors["last"]


def test_a_follower_of_a_merged_duplicate_follows_but_neither_reads_nor_withdraws_the_original(
        client, tree, make_user, category):
    clerk = make_user(Role.CLERK, tree.grid_a)
    original, _first = factories.make_request(tree.grid_a.grid, category=category, description="原诉求：3栋402漏水。")
    repeated, code = factories.make_request(tree.grid_a.grid, category=category, description="楼上漏水到我家。")
    services.request_change(actor=clerk, request=repeated, action="duplicate", original=original)
    status = client.post(reverse("residents:track"), {"code": code})
    assert status.context["filed"] == original and "3栋402" not in status.content.decode()
    refused = client.post(reverse("residents:track"), {"code": code, "action": "withdraw"})
    assert refused.status_code == 422
    original.refresh_from_db()
    assert original.state == "received"


def test_a_revealed_phone_is_in_that_answer_only(client, tree, make_user, category):
    secretary = make_user(Role.SECRETARY, tree.grid_a)
    client.force_login(secretary)
    filed, _code = factories.make_request(tree.grid_a.grid, category=category, phone="13800138000")
    assert "13800138000" in client.post(reverse("requests:reveal_phone", args=[filed.pk])).content.decode()
    assert "13800138000" not in client.get(reverse("requests:detail", args=[filed.pk])).content.decode()


def test_a_photo_is_kept_and_served_by_the_type_its_bytes_show(client, tree, make_user, category):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
    filed, _code = factories.make_request(tree.grid_a.grid, category=category, photo=SimpleUploadedFile(
        "IMG_0001." + "X" * 300, jpeg, content_type="image/png"))
    assert filed.photo.name.endswith(".jpg")
    client.force_login(make_user(Role.VIEWER, tree.grid_a))
    assert client.get(reverse("requests:photo", args=[filed.pk]))["Content-Type"] == "image/jpeg"


def test_a_category_that_asks_for_more_is_answered_on_the_page(client, tree, category):
    asks = factories.make_category(code="FAC", name="市政设施", attributes=[
        {"code": "facility", "datatype": "singlevaluelist", "required": True, "description": "哪一类设施？",
         "values": [{"key": "lamp", "name": "路灯"}, {"key": "drain", "name": "井盖"}]}])
    field = f"attribute_{asks.pk}_facility"
    missing = client.post(reverse("residents:file"), {**_filing(tree.grid_a.grid, category), "category": asks.pk})
    assert missing.context["form"].errors[field] and not Request.objects.exists()
    client.post(reverse("residents:file"), {**_filing(tree.grid_a.grid, category), "category": asks.pk,
                                            field: "drain", f"attribute_{asks.pk}_other": "ignored"})
    assert Request.objects.get().attributes == {"facility": "drain"}


def test_a_representative_without_a_role_files_for_a_resident(client, tree, make_user, category):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, name="陈代表", account=account)
    services.representative_appoint(actor=None, member=member, organization=tree.community_a, title="区党代表",
                                    since=dt.date(2026, 1, 1))
    client.force_login(account)
    assert 'data-action="file-for-resident"' in client.get(reverse("requests:mine")).content.decode()
    client.post(reverse("requests:file_for_resident", args=[tree.community_a.code]),
                _filing(tree.grid_a.grid, category, contact_name="刘阿姨"))
    assert Request.objects.get().entered_by == account
    assert client.get(reverse("requests:file_for_resident", args=[tree.community_b.code])).status_code == 404

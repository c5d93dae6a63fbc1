"""The staff's micro-project pages (lists, proposal from requests, the project with its steps,
one form per step with bad input named on its field, statistics, funding report, configuration),
the request's page showing the projects it led to, and the public register (no personal data,
rate-limited proposal and tracking)."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import paging
from dangjian.projects.forms import STEP_FORMS
from dangjian.projects.models import Configuration, ListItem, MicroProject, ProjectUpdate
from dangjian.projects.rules import State
from tests import factories as shared
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured", "settings_no_otp")]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def staff(client, people):
    client.force_login(people.street)
    return client


def body(response) -> str:
    return response.content.decode()


def test_staff_propose_from_two_requests_and_both_pages_link(staff, tree):
    first, _code = shared.make_request(tree.grid_a.grid)
    second, _code = shared.make_request(tree.grid_a.grid)
    url = reverse("projects:propose", args=[tree.community_a.code])
    form = staff.get(url, {"requests": f"{first.pk},{second.pk}"})
    assert f'value="{first.pk},{second.pk}"' in body(form)
    answer = staff.post(url, {"title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。", "kind": "works",
                              "estimate": "180000.00", "requests": f"{first.pk}，{second.pk}"})
    project = MicroProject.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("projects:detail", args=[project.pk])
    detail = body(staff.get(answer["Location"]))
    assert f'data-request="{first.pk}"' in detail and f'data-request="{second.pk}"' in detail
    assert 'data-step="screen"' in detail and 'data-step="screen_out"' in detail and 'data-step="cancel"' in detail
    request_page = body(staff.get(reverse("requests:detail", args=[first.pk])))
    assert f'data-project="{project.pk}"' in request_page


@pytest.mark.parametrize("changes, field", [
    ({"title": ""}, "title"), ({"estimate": "abc"}, "estimate"), ({"estimate": "1.234"}, "estimate"),
    ({"estimate": "600000"}, "estimate"), ({"kind": "x"}, "kind"), ({"requests": "12a"}, "requests"),
    ({"requests": "999999"}, "requests"), ({"phone": "123"}, "phone"), ({"description": "短"}, "description"),
])
def test_a_bad_proposal_is_named_on_its_field(staff, tree, changes, field):
    answer = staff.post(reverse("projects:propose", args=[tree.community_a.code]), {
        "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。", "kind": "works", "estimate": "180000",
        **changes})
    assert answer.status_code == 200 and answer.context["form"].errors.get(field), answer.context["form"].errors
    assert not MicroProject.objects.exists()


@pytest.mark.parametrize("numbers", [str(2**63), f"12, {2**70}"])
def test_request_numbers_beyond_any_key_are_named_on_their_field(staff, tree, numbers):
    answer = staff.post(reverse("projects:propose", args=[tree.community_a.code]), {
        "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。", "kind": "works", "estimate": "180000",
        "requests": numbers})
    assert answer.status_code == 200 and answer.context["form"].errors.get("requests")
    assert not MicroProject.objects.exists()


def test_a_street_is_not_a_community(staff, tree):
    answer = staff.post(reverse("projects:propose", args=[tree.street_a.code]), {
        "title": "楼道照明改造", "description": "楼道灯具老化，居民多次反映。", "kind": "works", "estimate": "1000"})
    assert answer.context["form"].non_field_errors() and not MicroProject.objects.exists()


def step(client, project, action, data):
    project.refresh_from_db()
    return client.post(reverse("projects:step", args=[project.pk, action]), {"version": project.version, **data})


def test_the_whole_path_through_the_step_forms(staff, tree):
    project = factories.propose(tree.community_a)
    today = timezone.localdate().isoformat()
    assert step(staff, project, "screen", {"positive_item": factories.positive().pk}).status_code == 302
    assert step(staff, project, "council", {"held_on": today, "present": 9, "votes_for": 6, "votes_against": 2,
                                            "abstaining": 1}).status_code == 302
    assert step(staff, project, "public_notice", {}).status_code == 302
    refused = step(staff, project, "approve", {"budget": "150000", "funding_source": factories.make_source().pk})
    assert refused.status_code == 422 and "data-refusal" not in body(refused)
    assert "150000" in body(refused) and refused.context["form"].non_field_errors()
    factories.end_notice(project)
    assert 'data-notice-over' in body(staff.get(reverse("projects:detail", args=[project.pk])))
    assert step(staff, project, "approve", {"budget": "150000", "funding_source": factories.make_source().pk}
                ).status_code == 302
    assert step(staff, project, "start", {"contractor": "某工程公司"}).status_code == 302
    assert step(staff, project, "milestone", {"title": "采购", "weight": 1}).status_code == 302
    assert step(staff, project, "milestone", {"title": "安装", "weight": 3}).status_code == 302
    first, second = project.milestones.order_by("pk")
    assert step(staff, project, "progress", {"milestone": first.pk, "progress": 100}).status_code == 302
    project.refresh_from_db()
    assert project.progress == Decimal("25.00")
    assert step(staff, project, "progress", {"milestone": second.pk, "progress": 100}).status_code == 302
    assert step(staff, project, "spend", {"amount": "149999.99", "spent_on": today, "payee": "某工程公司"}
                ).status_code == 302
    assert step(staff, project, "complete", {}).status_code == 302
    assert step(staff, project, "accept", {"accepted_on": today, "record": "验收合格。", "signatories": "李书记，张主任"}
                ).status_code == 302
    assert step(staff, project, "evaluate", {"surveyed": 40, "satisfied": 38}).status_code == 302
    project.refresh_from_db()
    assert project.state == State.EVALUATED and project.spent == Decimal("149999.99")
    public = body(staff.get(reverse("public_projects:project", args=[project.pk])))
    for action in ("propose", "screen", "council", "public_notice", "approve", "start", "complete", "accept", "evaluate"):
        assert f'data-step="{action}"' in public


# Invalid posts of each step's form: the field named on the form, nothing written.
BAD_STEPS = {
    "screen": ({"positive_item": "999999"}, "positive_item"),
    "screen_out": ({}, "reason"),
    "council": ({"held_on": "2025-02-30", "present": 3}, "held_on"),
    "public_notice": ({"version": "x"}, "version"),
    "objection": ({}, "note"),
    "approve": ({"budget": "-1"}, "budget"),
    "start": ({}, "contractor"),
    "milestone": ({"title": "采购", "weight": "0"}, "weight"),
    "progress": ({"progress": "150"}, "progress"),
    "spend": ({"amount": "abc", "spent_on": "2025-01-01", "payee": "某"}, "amount"),
    "complete": ({"version": ""}, "version"),
    "accept": ({"accepted_on": "2025-01-01", "record": "合格", "signatories": "一人"}, "signatories"),
    "evaluate": ({"surveyed": 5, "satisfied": 9}, "satisfied"),
    "cancel": ({"reason": ""}, "reason"),
}
STATE_OF = {"screen": "collected", "screen_out": "collected", "council": "screened", "public_notice": "passed",
            "objection": "public_notice", "approve": "public_notice", "start": "approved", "milestone": "in_progress",
            "progress": "in_progress", "spend": "in_progress", "complete": "in_progress", "accept": "completed",
            "evaluate": "accepted", "cancel": "collected"}


def test_every_step_has_a_bad_input_case():
    assert set(BAD_STEPS) == set(STEP_FORMS) == set(STATE_OF)


@pytest.mark.parametrize("action", sorted(BAD_STEPS))
def test_bad_input_on_every_step_form_is_named(staff, tree, action):
    project = factories.in_state(tree.community_a, STATE_OF[action])
    data, field = BAD_STEPS[action]
    url = reverse("projects:step", args=[project.pk, action])
    assert staff.get(url).status_code == 200
    steps = ProjectUpdate.objects.count()
    answer = staff.post(url, {"version": project.version, **data})
    assert answer.status_code == 422
    assert answer.context["form"].errors.get(field), answer.context["form"].errors
    assert ProjectUpdate.objects.count() == steps
    assert MicroProject.objects.get(pk=project.pk).version == project.version


def test_a_step_not_open_now_says_why(staff, tree):
    project = factories.propose(tree.community_a)
    page = staff.get(reverse("projects:step", args=[project.pk, "accept"]))
    assert page.status_code == 200 and "data-refusal" in body(page)
    assert staff.get(reverse("projects:step", args=[project.pk, "fly"])).status_code == 404


def test_community_staff_are_not_offered_approval(client, people, tree):
    project = factories.end_notice(factories.advance(factories.propose(tree.community_a), State.NOTICE))
    client.force_login(people.community)
    detail = body(client.get(reverse("projects:detail", args=[project.pk])))
    assert 'data-step="approve"' not in detail and 'data-step="objection"' in detail
    assert client.get(reverse("projects:step", args=[project.pk, "approve"])).status_code == 403


def test_lists_filter_by_state_and_type_and_page_by_key(staff, tree, monkeypatch):
    for kind in ("works", "service", "goods"):
        factories.propose(tree.community_a, kind=kind, estimate="1000")
    factories.in_state(tree.community_a, State.SCREENED_OUT)
    url = reverse("projects:organization", args=[tree.street_a.code])
    page = staff.get(url, {"kind": "service"})
    assert len(page.context["rows"]) == 1 and page.context["rows"][0].kind == "service"
    page = staff.get(url, {"state": "screened_out"})
    assert [row.state for row in page.context["rows"]] == ["screened_out"]
    page = staff.get(url, {"state": "nonsense"})
    assert page.status_code == 200 and len(page.context["rows"]) == 4
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    first = staff.get(url)
    assert len(first.context["rows"]) == 3 and first.context["next_after"]
    second = staff.get(url, {"after": first.context["next_after"]})
    assert len(second.context["rows"]) == 1
    assert not {row.pk for row in first.context["rows"]} & {row.pk for row in second.context["rows"]}


def test_statistics_and_funding_pages(staff, tree):
    project = factories.advance(factories.propose(tree.community_a), State.IN_PROGRESS)
    factories.in_state(tree.community_a, State.SCREENED_OUT)
    stats = staff.get(reverse("projects:statistics", args=[tree.street_a.code]))
    assert stats.context["figures"]["collected"] == 2 and stats.context["figures"]["screened_out"] == 1
    assert stats.context["now"]["in_progress"] == 1
    assert staff.get(reverse("projects:statistics", args=[tree.street_a.code]), {"first": "x"}).status_code == 200
    reversed_months = staff.get(reverse("projects:statistics", args=[tree.street_a.code]),
                                {"first": "2026-05", "last": "2026-01"})
    assert reversed_months.status_code == 200 and reversed_months.context["form"].errors["last"]
    funding = staff.get(reverse("projects:funding", args=[tree.street_a.code]))
    entry = funding.context["report"][0]
    assert entry["projects"] == [project] and entry["committed"] == Decimal("180000.00")
    assert staff.get(reverse("projects:funding", args=[tree.street_a.code]), {"year": "abc"}).status_code == 200


def test_the_proposers_phone_is_masked_and_revealed_on_purpose(client, tree, make_user):
    project = factories.propose(tree.community_a)
    client.force_login(make_user(Role.SECRETARY, tree.community_a))
    assert "138****8000" in body(client.get(reverse("projects:detail", args=[project.pk])))
    revealed = client.post(reverse("projects:reveal_phone", args=[project.pk]))
    assert 'data-revealed="phone">13800138000' in body(revealed)


# --- a member's proposal ------------------------------------------------------------------------------

def test_a_member_proposes_and_gets_a_tracking_code(client, tree, make_user):
    account = make_user(None, tree.community_a)
    shared.make_member(tree.grid_a, account=account)
    client.force_login(account)
    url = reverse("projects:member_propose")
    assert "东风社区党委" in body(client.get(url, {"community_text": "东风"}))
    missing = client.post(url, {"title": "社区书屋", "description": "建一个社区书屋，方便孩子看书。", "kind": "service",
                                "estimate": "50000"})
    assert missing.context["form"].non_field_errors() and not MicroProject.objects.exists()
    answer = client.post(url, {"title": "社区书屋", "description": "建一个社区书屋，方便孩子看书。", "kind": "service",
                               "estimate": "50000", "community": tree.community_a.code})
    assert "data-tracking-code" in body(answer) and MicroProject.objects.get().source == "member"


def test_an_account_without_a_member_record_cannot_propose_as_one(client, tree, make_user):
    client.force_login(make_user(None, tree.community_a))
    assert client.get(reverse("projects:member_propose")).status_code == 404


# --- the public register ------------------------------------------------------------------------------

def test_the_public_register_shows_no_personal_data(client, tree, people):
    request, _code = shared.make_request(tree.grid_a.grid)
    project = factories.advance(factories.propose(tree.community_a, requests=[request], actor=people.community),
                                State.IN_PROGRESS)
    MicroProject.objects.filter(pk=project.pk).update(description="联系电话 13800138000，楼道灯坏了。")
    register = body(client.get(reverse("public_projects:register", args=[tree.street_a.code])))
    assert f'data-project="{project.pk}"' in register
    page = client.get(reverse("public_projects:project", args=[project.pk]))
    text = body(page)
    assert "王大妈" not in text and "13800138000" not in text and "138****8000" not in text
    assert f'data-request="{request.pk}"' in text and request.category.name in text
    assert reverse("requests:detail", args=[request.pk]) not in text
    for action in ("propose", "screen", "council", "public_notice", "approve", "start"):
        assert f'data-step="{action}"' in text
    assert client.get(reverse("public_projects:register", args=["NOPE"])).status_code == 404
    assert client.get(reverse("public_projects:project", args=[999999])).status_code == 404


def test_the_public_funding_report(client, tree):
    project = factories.advance(factories.propose(tree.community_a), State.APPROVED)
    factories.advance(factories.propose(tree.community_b, estimate="5000"), State.APPROVED)
    page = client.get(reverse("public_projects:funding", args=[tree.street_a.code]))
    entry = page.context["report"][0]
    assert entry["projects"] == [project] and entry["committed"] == Decimal("180000.00")
    assert "王大妈" not in body(page)
    city = client.get(reverse("public_projects:funding", args=[tree.city.code]))
    assert city.context["report"][0]["committed"] == Decimal("185000.00")


def test_a_resident_proposes_and_follows_by_code(client, tree):
    url = reverse("public_projects:propose")
    assert "东风社区党委" in body(client.get(url, {"community_text": "东风"}))
    bad = client.post(url, {"title": "增设座椅", "description": "公园座椅太少。", "kind": "goods", "estimate": "abc",
                            "community": tree.community_a.code, "proposer_name": "李阿姨"})
    assert bad.status_code == 422 and bad.context["form"].errors.get("estimate")
    answer = client.post(url, {"title": "增设座椅", "description": "公园里座椅太少，老人走累了没地方坐。", "kind": "goods",
                               "estimate": "30000", "community": tree.community_a.code, "proposer_name": "李阿姨",
                               "phone": "13912345678"})
    code = body(answer).split("data-tracking-code>")[1].split("<")[0]
    tracked = client.post(reverse("public_projects:track"), {"code": code.lower()})
    assert tracked.status_code == 200 and "增设座椅" in body(tracked) and "李阿姨" not in body(tracked)
    assert client.post(reverse("public_projects:track"), {"code": "0000-0000-0000"}).status_code == 404
    assert client.post(reverse("public_projects:track"), {"code": ""}).status_code == 422


def test_public_proposals_are_rate_limited(client, tree, settings):
    settings.DANGJIAN_PUBLIC_WRITE_RATE = "2/h"
    url = reverse("public_projects:propose")
    answers = [client.post(url, {"title": "x"}).status_code for _attempt in range(3)]
    assert answers == [422, 422, 429]


# --- configuration ------------------------------------------------------------------------------------

def test_a_city_admin_configures(client, people):
    client.force_login(people.city_admin)
    assert client.get(reverse("projects:config")).status_code == 200
    assert client.post(reverse("projects:config_preset"), {"preset": "luohu_donghu"}).status_code == 302
    assert Configuration.objects.get().preset == "luohu_donghu"
    bad = client.post(reverse("projects:config"), {"notice_working_days": "0", "passing_rule": "majority_present"})
    assert bad.context["form"].errors.get("notice_working_days")
    good = client.post(reverse("projects:config"), {"notice_working_days": "7", "passing_rule": "two_thirds_present",
                                                    "cap_service": "100000", "cap_works": "300000"})
    assert good.status_code == 302 and Configuration.objects.get().notice_working_days == 7
    bad = client.post(reverse("projects:config_item_new"), {"side": "positive", "text": "x", "order": "0"})
    assert bad.context["form"].errors.get("text")
    assert client.post(reverse("projects:config_item_new"), {"side": "negative", "text": "营利性项目", "order": "0",
                                                              "active": "on"}).status_code == 302
    item = ListItem.objects.get(text="营利性项目")
    assert client.post(reverse("projects:config_item", args=[item.pk]), {"side": "negative", "text": "营利性项目",
                                                                         "order": "1"}).status_code == 302
    assert not ListItem.objects.get(pk=item.pk).active
    bad = client.post(reverse("projects:config_source_new"), {"name": "市级资金", "kind": "city", "year": "1990",
                                                              "budget": "1"})
    assert bad.context["form"].errors.get("year")
    assert client.get(reverse("projects:config_item", args=[999999])).status_code == 404


def test_a_street_admin_cannot_configure(client, people):
    client.force_login(people.street_admin)
    assert client.get(reverse("projects:config")).status_code == 404
    assert client.post(reverse("projects:config_preset"), {"preset": "luohu_donghu"}).status_code == 404

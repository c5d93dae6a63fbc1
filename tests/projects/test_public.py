"""What the public sees, on the register's pages and through the public API (no token,
rate-limited): no proposer, no signatories' names, no objection's words, and every free text with
phones and ID numbers blotted out; a resident's proposal answered with its tracking code once, and
followed by that code sent in the body."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from dangjian.config.api import api as ninja_api
from dangjian.projects import services
from dangjian.projects.models import MicroProject, Milestone, ProjectTracking, Source
from dangjian.projects.rules import Action, State
from tests import factories as shared
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]
PUBLIC_API = "/api/projects/public"
PHONE, LANDLINE = "13912345678", "0756-2212345"
ID_NUMBER = shared.id_number(dt.date(1975, 6, 30))
SECRETS = (PHONE, LANDLINE, ID_NUMBER, "2212345")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def carrying(text: str) -> str:
    return f"{text}（联系 {PHONE}，身份证 {ID_NUMBER}，座机 {LANDLINE}）"


@pytest.fixture
def exposed(tree):
    """An evaluated project whose every free text carries a phone and an ID number, with an
    objection recorded in its notice and a milestone named with a phone."""
    project = factories.in_state(tree.community_a, State.NOTICE)
    services.project_act(actor=None, project=project, action=Action.OBJECTION, note=carrying("王某反对"))
    project = factories.advance(MicroProject.objects.get(pk=project.pk), State.EVALUATED)
    Milestone.objects.filter(project=project).update(title=carrying("采购"))
    MicroProject.objects.filter(pk=project.pk).update(
        title=f"楼道照明{PHONE}", description=carrying("楼道灯坏了"), screening_rule=carrying("符合清单"),
        minutes=carrying("议事会纪要"), contractor=carrying("某工程公司"), acceptance_record=carrying("验收合格"),
        signatories=f"李书记{PHONE}、张主任、居民代表王某{ID_NUMBER}", cancel_reason=carrying("无"))
    return MicroProject.objects.get(pk=project.pk)


def shows_nothing_personal(text: str) -> None:
    for secret in (*SECRETS, "王大妈", "138****8000", "王某反对", "李书记", "张主任"):
        assert secret not in text


def test_the_public_pages_blot_out_every_free_text(client, tree, exposed):
    page = client.get(reverse("public_projects:project", args=[exposed.pk]))
    text = page.content.decode()
    shows_nothing_personal(text)
    assert text.count("***") >= 10
    assert page.context["project"].signatory_count == 3 and 'data-step="objection"' in text
    assert "data-objection" in text
    for address in (reverse("public_projects:register", args=[tree.street_a.code]),
                    reverse("public_projects:register", args=[tree.community_a.code]),
                    reverse("public_projects:funding", args=[tree.street_a.code])):
        listed = client.get(address).content.decode()
        assert f'data-project="{exposed.pk}"' in listed and "楼道照明***" in listed
        shows_nothing_personal(listed)


def test_the_signatories_are_counted_in_public_and_named_to_staff(client, tree, people, exposed, settings_no_otp):
    with_english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    public = client.get(reverse("public_projects:project", args=[exposed.pk]), **with_english).content.decode()
    assert "3 signatories" in public
    client.force_login(people.street)
    staff = client.get(reverse("projects:detail", args=[exposed.pk])).content.decode()
    assert "李书记" in staff and PHONE in staff


def test_a_tracked_proposal_is_blotted_out_too(client, tree):
    project, code = services.project_propose(
        actor=None, organization=tree.community_a, title=f"座椅{PHONE}", description=carrying("公园座椅太少"),
        kind="goods", estimate=Decimal("20000"), source=Source.PUBLIC_PAGE, proposer_name="李阿姨")
    page = client.post(reverse("public_projects:track"), {"code": code}).content.decode()
    assert "座椅***" in page and "李阿姨" not in page
    shows_nothing_personal(page)


# --- the public API -----------------------------------------------------------------------------------

PROPOSAL = {"title": "增设座椅", "description": "公园里座椅太少，老人走累了没地方坐。", "kind": "goods",
            "estimate": "30000", "proposer_name": "李阿姨", "phone": PHONE}


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_a_resident_proposes_and_follows_through_the_api_without_a_token(client, tree):
    answer = post(client, f"{PUBLIC_API}/proposals", {**PROPOSAL, "organization": tree.community_a.code})
    assert answer.status_code == 201, answer.json()
    proposed = answer.json()
    code = proposed["tracking_code"]
    assert len(code) == 14 and proposed["project"]["state"] == State.COLLECTED
    project = MicroProject.objects.get()
    assert project.source == "public_page" and project.proposer_name == "李阿姨" and project.masked_phone
    shows_nothing_personal(answer.content.decode())
    tracked = post(client, f"{PUBLIC_API}/track", {"code": code.lower()})
    assert tracked.status_code == 200 and tracked.json()["id"] == project.pk
    assert tracked.json()["steps"] == [{"occurred_on": project.proposed_at.date().isoformat(), "action": "propose",
                                        "to_state": "collected"}]
    shows_nothing_personal(tracked.content.decode())
    missing = post(client, f"{PUBLIC_API}/track", {"code": "0000-0000-0000"})
    assert missing.status_code == 404 and missing.json()["message"]
    empty = post(client, f"{PUBLIC_API}/track", {"code": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "code"
    assert ProjectTracking.objects.count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"organization": "NOPE"}, "organization"), ({"organization": ""}, "organization"),
    ({"estimate": "abc"}, "estimate"), ({"estimate": "600000"}, "estimate"), ({"kind": "bribes"}, "kind"),
    ({"proposer_name": " "}, "proposer_name"), ({"phone": "123"}, "phone"), ({"title": "x"}, "title"),
])
def test_a_bad_public_proposal_is_named_and_changes_nothing(client, tree, changes, field):
    answer = post(client, f"{PUBLIC_API}/proposals", {**PROPOSAL, "organization": tree.community_a.code, **changes})
    assert answer.status_code == 422, answer.json()
    assert field in {error["field"] for error in answer.json()["errors"]}
    assert not MicroProject.objects.exists() and not ProjectTracking.objects.exists()


def test_a_street_is_not_a_community_to_propose_for(client, tree):
    answer = post(client, f"{PUBLIC_API}/proposals", {**PROPOSAL, "organization": tree.street_a.code})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "organization"


def test_the_public_register_through_the_api(client, tree, exposed):
    factories.propose(tree.community_b, title="西山项目")
    street = client.get(f"{PUBLIC_API}?org={tree.street_a.code}")
    assert street.status_code == 200
    assert [item["id"] for item in street.json()["items"]] == [exposed.pk]
    assert street.json()["items"][0]["title"] == "楼道照明***"
    community = client.get(f"{PUBLIC_API}?org={tree.community_a.code}&state=evaluated&limit=1").json()
    assert [item["id"] for item in community["items"]] == [exposed.pk] and community["next_after"] is None
    assert client.get(f"{PUBLIC_API}?org={tree.community_a.code}&state=collected").json()["items"] == []
    shows_nothing_personal(street.content.decode())
    assert client.get(f"{PUBLIC_API}?org=NOPE").status_code == 404
    bad = client.get(f"{PUBLIC_API}?org={tree.street_a.code}&state=lost")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"


def test_one_project_through_the_api_shows_nothing_personal(client, exposed):
    answer = client.get(f"{PUBLIC_API}/{exposed.pk}")
    assert answer.status_code == 200
    shown = answer.json()
    shows_nothing_personal(answer.content.decode())
    assert shown["signatories"] == 3 and shown["title"] == "楼道照明***"
    assert "***" in shown["description"] and "***" in shown["minutes"] and "***" in shown["acceptance_record"]
    assert "***" in shown["contractor"] and "***" in shown["screening_rule"] and "***" in shown["cancel_reason"]
    assert "***" in shown["milestones"][0]["title"]
    assert {"proposer_name", "proposer_phone", "source", "version", "timeline", "spending"}.isdisjoint(shown)
    assert "objection" in [step["action"] for step in shown["steps"]]
    assert all(set(step) == {"occurred_on", "action", "to_state"} for step in shown["steps"])
    assert client.get(f"{PUBLIC_API}/999999").status_code == 404


def test_the_public_api_is_rate_limited_as_the_public_pages(client, tree, settings):
    settings.DANGJIAN_PUBLIC_WRITE_RATE = "2/h"
    answers = [post(client, f"{PUBLIC_API}/track", {"code": "0000-0000-0000"}) for _attempt in range(3)]
    assert [answer.status_code for answer in answers] == [404, 404, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    settings.DANGJIAN_PUBLIC_READ_RATE = "2/m"
    reads = [client.get(f"{PUBLIC_API}?org={tree.street_a.code}").status_code for _attempt in range(3)]
    assert reads == [200, 200, 429]


def test_the_public_operations_are_in_the_schema_without_a_token():
    schema = ninja_api.get_openapi_schema()
    public = {(method, path): operation for path, methods in schema["paths"].items()
              for method, operation in methods.items() if path.startswith("/api/projects/public")}
    assert set(public) == {("get", "/api/projects/public"), ("get", "/api/projects/public/{project_id}"),
                           ("post", "/api/projects/public/proposals"), ("post", "/api/projects/public/track")}
    assert all(not operation.get("security") for operation in public.values())
    assert all(429 in operation["responses"] for operation in public.values())

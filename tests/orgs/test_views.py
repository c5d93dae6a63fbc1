import html
import re

import pytest
from django.urls import reverse

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.orgs import services
from dangjian.orgs.models import Organization, OrgCounts
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, tree, street_admin, settings_no_otp):
    client.force_login(street_admin)
    return client


def _text(response) -> str:
    return response.content.decode()


def _field_error(response, field: str) -> str:
    """The error shown next to form field ``field``: inside that field's block of the page."""
    form = response.context["form"]
    assert field in form.errors, form.errors
    blocks = re.findall(r'<div class="field invalid">(.*?)\n</div>', _text(response), re.DOTALL)
    mine = [block for block in blocks if f'name="{field}"' in block]
    assert mine, f"no error block for {field}"
    shown = re.findall(r'<p class="error" role="alert">(.*?)</p>', mine[0], re.DOTALL)
    assert shown, f"no error message shown next to {field}"
    return " ".join(html.unescape(message) for message in shown)


def _state():
    return (list(Organization.objects.order_by("pk").values_list()), list(OrgCounts.objects.values_list()),
            AuditEvent.objects.filter(action__in=["create", "update", "move", "dissolve"]).count())


# --- browsing -----------------------------------------------------------------------------------------

def test_tree_lists_the_users_top_nodes(admin_client, tree):
    response = admin_client.get(reverse("orgs:tree"))
    assert response.status_code == 200
    assert [org.code for org in response.context["tops"]] == [tree.street_a.code]
    assert tree.street_a.name in _text(response)
    assert tree.street_b.name not in _text(response)


def test_tree_of_a_user_with_two_assignments(client, tree, make_user, settings_no_otp):
    user = make_user(Role.VIEWER, tree.community_a)
    account_services.role_grant(actor=None, user=user, role=Role.VIEWER, organization=tree.street_b)
    client.force_login(user)
    tops = client.get(reverse("orgs:tree")).context["tops"]
    assert [org.code for org in tops] == [tree.community_a.code, tree.street_b.code]


@pytest.mark.parametrize("query, expected", [
    ("东风", ["street_a", "community_a", "grid_a"]),
    ("dfjd", ["street_a"]),
    ("DFSQ", ["community_a", "grid_a"]),
    ("dongfeng", ["street_a", "community_a", "grid_a"]),
    ("1栋", ["building_a"]),
    ("西山", []),
])
def test_search(admin_client, tree, query, expected):
    response = admin_client.get(reverse("orgs:tree"), {"q": query})
    assert response.status_code == 200
    assert [org.code for org in response.context["results"]] == [getattr(tree, name).code for name in expected]


def test_search_by_code_prefix(admin_client, tree):
    results = admin_client.get(reverse("orgs:tree"), {"q": tree.grid_a.code.lower()}).context["results"]
    assert [org.code for org in results] == [tree.grid_a.code, tree.building_a.code]


def test_search_of_a_long_query_does_not_fail(admin_client):
    assert admin_client.get(reverse("orgs:tree"), {"q": "东" * 500}).status_code == 200


def test_children_fragment(admin_client, tree):
    response = admin_client.get(reverse("orgs:children", args=[tree.community_a.code]))
    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert reverse("orgs:detail", args=[tree.grid_a.code]) in _text(response)
    assert reverse("orgs:children", args=[tree.grid_a.code]) in _text(response)
    assert tree.building_a.name not in _text(response)


def test_detail_shows_counts_children_and_warnings(admin_client, tree):
    factories.make_member(tree.grid_a, name="甲")
    factories.make_member(tree.grid_a, name="乙")
    response = admin_client.get(reverse("orgs:detail", args=[tree.grid_a.code]))
    assert response.status_code == 200
    text = _text(response)
    assert re.search(r'data-figure="members">2<', text)
    assert tree.building_a.name in text
    assert re.search(r'data-code="too_few_full_members">[^<]*2', text)
    assert "支部工作条例 第四条" in text


def test_detail_of_a_healthy_branch_has_no_warning(admin_client, tree):
    for name in "甲乙丙":
        factories.make_member(tree.grid_a, name=name)
    assert "data-code=" not in _text(admin_client.get(reverse("orgs:detail", args=[tree.grid_a.code])))


def test_detail_hides_actions_the_role_lacks(client, tree, make_user, settings_no_otp):
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    text = _text(client.get(reverse("orgs:detail", args=[tree.grid_a.code])))
    assert reverse("orgs:edit", args=[tree.grid_a.code]) not in text
    assert reverse("orgs:move", args=[tree.grid_a.code]) not in text


# --- forms --------------------------------------------------------------------------------------------

def test_create_form_creates(admin_client, tree):
    response = admin_client.post(reverse("orgs:create", args=[tree.community_a.code]),
                                 {"name": "第二网格党支部", "level": "grid", "kind": "branch"})
    created = Organization.objects.get(name="第二网格党支部")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:detail", args=[created.code])


@pytest.mark.parametrize("data, field", [
    ({"name": "", "level": "grid", "kind": "branch"}, "name"),
    ({"name": "   ", "level": "grid", "kind": "branch"}, "name"),
    ({"name": "x", "level": "village", "kind": "branch"}, "level"),
    ({"name": "x", "level": "grid", "kind": "cell"}, "kind"),
    ({"name": "x", "level": "grid", "kind": "group"}, "kind"),
    ({"name": "x", "level": "street", "kind": "working_committee"}, "kind"),
    ({"name": "x", "level": "grid", "kind": "branch", "code": "C01"}, "code"),
    ({"name": "x", "level": "grid", "kind": "branch", "code": "no spaces"}, "code"),
    ({"name": "x", "level": "grid", "kind": "branch", "founded_on": "someday"}, "founded_on"),
    ({"name": "x" * 101, "level": "grid", "kind": "branch"}, "name"),
])
def test_bad_create_rerenders_with_the_error(admin_client, tree, data, field):
    before = _state()
    response = admin_client.post(reverse("orgs:create", args=[tree.community_a.code]), data)
    assert response.status_code == 200
    _field_error(response, field)
    assert _state() == before


def test_duplicate_code_names_the_code(admin_client, tree):
    response = admin_client.post(reverse("orgs:create", args=[tree.community_a.code]),
                                 {"name": "x", "level": "grid", "kind": "branch", "code": tree.grid_b.code})
    assert tree.grid_b.code in _field_error(response, "code")


@pytest.mark.parametrize("data, field", [({"name": ""}, "name"), ({"name": " "}, "name"),
                                         ({"name": "x", "founded_on": "2020-13-01"}, "founded_on")])
def test_bad_edit_rerenders_with_the_error(admin_client, tree, data, field):
    before = _state()
    response = admin_client.post(reverse("orgs:edit", args=[tree.grid_a.code]), data)
    assert response.status_code == 200
    _field_error(response, field)
    assert _state() == before


@pytest.mark.parametrize("new_parent, field", [
    ("NO-SUCH", "new_parent"),
    ("street_b", "new_parent"),
    ("grid_a", "new_parent"),
    ("building_a", "new_parent"),
    ("community_a", "new_parent"),
    ("", "new_parent"),
])
def test_bad_move_rerenders_with_the_error(admin_client, tree, new_parent, field):
    code = getattr(tree, new_parent).code if hasattr(tree, new_parent) else new_parent
    before = _state()
    response = admin_client.post(reverse("orgs:move", args=[tree.grid_a.code]), {"new_parent": code})
    assert response.status_code == 200
    _field_error(response, field)
    assert _state() == before


def test_move_form_moves(admin_client, tree):
    response = admin_client.post(reverse("orgs:move", args=[tree.grid_a.code]), {"new_parent": tree.street_a.code})
    assert response.status_code == 302
    assert Organization.objects.get_parent(Organization.objects.get(pk=tree.grid_a.pk)) == tree.street_a


def test_move_needing_permission_over_the_target_names_the_field(client, tree, make_user, settings_no_otp):
    user = make_user(Role.ORG_ADMIN, tree.street_a)
    account_services.role_grant(actor=None, user=user, role=Role.VIEWER, organization=tree.street_b)
    client.force_login(user)
    before = _state()
    response = client.post(reverse("orgs:move", args=[tree.grid_a.code]), {"new_parent": tree.community_b.code})
    assert response.status_code == 200
    _field_error(response, "new_parent")
    assert _state() == before


def test_dissolve_with_members_rerenders_with_the_count(admin_client, tree):
    factories.make_member(tree.building_a, name="甲")
    before = _state()
    response = admin_client.post(reverse("orgs:dissolve", args=[tree.building_a.code]), {"reason": "拆迁"})
    assert response.status_code == 200
    assert "1" in _field_error(response, "reason")
    assert _state() == before


def test_dissolve_without_a_reason_rerenders(admin_client, tree):
    before = _state()
    response = admin_client.post(reverse("orgs:dissolve", args=[tree.building_a.code]), {"reason": ""})
    assert response.status_code == 200
    _field_error(response, "reason")
    assert _state() == before


def test_dissolve_form_dissolves(admin_client, tree):
    response = admin_client.post(reverse("orgs:dissolve", args=[tree.building_a.code]), {"reason": "拆迁"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree.building_a.pk).is_dissolved
    assert "拆迁" in _text(admin_client.get(response["Location"]))


def test_history_shows_a_rename(admin_client, tree, street_admin):
    grid = Organization.objects.get(pk=tree.grid_a.pk)
    response = admin_client.post(reverse("orgs:edit", args=[grid.code]), {"name": "东风第一网格党支部"})
    assert response.status_code == 302
    text = _text(admin_client.get(reverse("orgs:history", args=[grid.code])))
    assert "东风第一网格党支部" in text
    assert tree.grid_a.name in text
    assert street_admin.username in text


def test_history_of_a_service_rename_by_the_installer(admin_client, tree):
    grid = Organization.objects.get(pk=tree.grid_a.pk)
    services.organization_update(actor=None, organization=grid, name="改名", has_committee=False, founded_on=None)
    assert "改名" in _text(admin_client.get(reverse("orgs:history", args=[grid.code])))

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Permission, Role
from dangjian.core.scope import EMPTY, Scope, covering_paths, has_permission, scope_for
from dangjian.members.models import Member
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level
from tests import factories

STEP = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4)
PATHS = st.lists(st.lists(STEP, min_size=1, max_size=4).map("".join), max_size=12)


@given(PATHS)
def test_covering_paths_cover_exactly_the_subtrees(paths):
    kept = covering_paths(paths)
    assert set(kept) <= set(paths)
    for path in paths:
        assert any(path.startswith(k) for k in kept)
    for a in kept:
        assert not any(a != b and a.startswith(b) for b in kept)
    assert list(kept) == sorted(kept)


@given(PATHS, st.lists(STEP, min_size=1, max_size=5).map("".join))
def test_covers_agrees_with_the_inputs(paths, probe):
    scope = Scope(covering_paths(paths))
    assert scope.covers(probe) == any(probe.startswith(path) for path in paths)


def test_empty_scope_matches_nothing(db, tree):
    assert EMPTY.is_empty
    assert not EMPTY.filter(Organization.objects.all(), "path").exists()
    with pytest.raises(Http404):
        EMPTY.get_or_404(Organization.objects.all(), "path", code=tree.city.code)


@pytest.mark.django_db
def test_range_excludes_the_sibling_that_sorts_right_after():
    root = factories.make_root()
    make = factories.make_org
    district = make(root, "区委", Level.DISTRICT, Kind.LOCAL_COMMITTEE)
    first = make(district, "甲街道", Level.STREET, Kind.WORKING_COMMITTEE)
    second = make(district, "乙街道", Level.STREET, Kind.WORKING_COMMITTEE)
    deep = make(make(first, "甲社区", Level.COMMUNITY, Kind.PRIMARY_COMMITTEE), "甲支部", Level.GRID, Kind.BRANCH)
    assert second.path > deep.path > first.path
    inside = Scope((first.path,)).filter(Organization.objects.all(), "path")
    assert set(inside.values_list("pk", flat=True)) == {first.pk, deep.pk, Organization.objects.get_parent(deep).pk}
    factories.make_member(deep, name="甲")
    factories.make_member(second, name="乙")
    assert list(Scope((first.path,)).filter(Member.objects.all()).values_list("name", flat=True)) == ["甲"]


@pytest.mark.django_db
def test_path_alphabet_sorts_below_the_range_end():
    """The range filter assumes every path character sorts below '~' in the database's collation."""
    text = "CAST(%s AS VARCHAR(255))"
    pairs = [("Z", "~"), ("9", "~"), ("00010001", "0001~"), ("0001ZZZZZZZZ", "0001~"), ("0001~", "0002")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"CASE WHEN {text} < {text} THEN 1 ELSE 0 END" for _ in pairs),
                       [value for pair in pairs for value in pair])
        assert cursor.fetchone() == (1,) * len(pairs)


def test_scope_of_a_user_with_two_assignments(tree, make_user):
    user = make_user(Role.VIEWER, tree.community_a)
    account_services.role_grant(actor=None, user=user, role=Role.CLERK, organization=tree.street_b)
    account_services.role_grant(actor=None, user=user, role=Role.CLERK, organization=tree.grid_a)
    assert scope_for(user, Permission.VIEW_ORGS).paths == (tree.community_a.path, tree.street_b.path)
    assert scope_for(user, Permission.MANAGE_MEMBERS).paths == (tree.grid_a.path, tree.street_b.path)
    assert scope_for(user, Permission.EDIT_ORGS).is_empty
    visible = scope_for(user, Permission.VIEW_ORGS).filter(Organization.objects.all(), "path")
    assert set(visible.values_list("code", flat=True)) == {
        tree.community_a.code, tree.grid_a.code, tree.building_a.code, tree.street_b.code, tree.community_b.code,
        tree.grid_b.code}
    assert has_permission(user, Permission.MANAGE_MEMBERS, tree.building_a.path)
    assert not has_permission(user, Permission.MANAGE_MEMBERS, tree.community_a.path)
    assert has_permission(user, Permission.VIEW_ORGS)
    assert not has_permission(user, Permission.VIEW_AUDIT)


def test_nested_assignments_collapse_to_the_higher_one(tree, make_user):
    user = make_user(Role.VIEWER, tree.grid_a)
    account_services.role_grant(actor=None, user=user, role=Role.CLERK, organization=tree.street_a)
    assert scope_for(user, Permission.VIEW_ORGS).paths == (tree.street_a.path,)


def test_dissolved_organisations_grant_nothing(tree, make_user):
    user = make_user(Role.ORG_ADMIN, tree.building_a)
    account_services.role_grant(actor=None, user=user, role=Role.VIEWER, organization=tree.community_b)
    org_services.organization_dissolve(actor=None, organization=tree.building_a, reason="拆迁")
    fresh = type(user).objects.get(pk=user.pk)
    assert scope_for(fresh, Permission.VIEW_ORGS).paths == (tree.community_b.path,)
    assert scope_for(fresh, Permission.RESTRUCTURE_ORGS).is_empty


def test_inactive_and_anonymous_users_have_no_scope(tree, make_user):
    user = make_user(Role.ORG_ADMIN, tree.street_a, is_active=False)
    assert scope_for(user, Permission.VIEW_ORGS).is_empty
    assert scope_for(AnonymousUser(), Permission.VIEW_ORGS).is_empty
    assert scope_for(None, Permission.VIEW_ORGS).is_empty


def test_get_or_404(tree, make_user):
    scope = scope_for(make_user(Role.VIEWER, tree.street_a), Permission.VIEW_ORGS)
    assert scope.get_or_404(Organization.objects.all(), "path", code=tree.grid_a.code) == tree.grid_a
    for code in (tree.grid_b.code, tree.district.code, "NO-SUCH"):
        with pytest.raises(Http404):
            scope.get_or_404(Organization.objects.all(), "path", code=code)


def test_covers_everything_only_from_a_root(tree, make_user):
    assert scope_for(make_user(Role.AUDITOR, tree.city), Permission.VIEW_AUDIT).covers_everything()
    assert not scope_for(make_user(Role.AUDITOR, tree.district), Permission.VIEW_AUDIT).covers_everything()

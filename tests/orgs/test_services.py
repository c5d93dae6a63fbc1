import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.core.scope import scope_for
from dangjian.members.models import (
    Category,
    CorrectionRequest,
    Member,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
)
from dangjian.orgs import counts as rollup
from dangjian.orgs import services
from dangjian.orgs.models import Building, Grid, Organization, OrgCounts
from dangjian.orgs.rules import Kind, Level
from dangjian.projects import tally as project_tally
from dangjian.projects.models import ProjectTally
from dangjian.requests import tally as request_tally
from dangjian.requests.models import RequestTally, ResolutionDays
from dangjian.service import tally as service_tally
from dangjian.service.models import ServiceTally
from tests import factories

pytestmark = pytest.mark.django_db


def _fresh(org) -> Organization:
    return Organization.objects.get(pk=org.pk)


def _counts(org) -> dict:
    return rollup.subtree_totals(org.pk)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def _create(actor, parent, **fields):
    values = {"name": "第二网格党支部", "level": Level.GRID, "kind": Kind.BRANCH, **fields}
    return services.organization_create(actor=actor, parent=parent, **values)


# --- create -------------------------------------------------------------------------------------------

def test_create_numbers_children_under_the_parent(tree, street_admin):
    first = _create(street_admin, tree.community_a)
    second = _create(street_admin, tree.community_a, name="第三网格党支部")
    assert (first.code, second.code) == (f"{tree.community_a.code}002", f"{tree.community_a.code}003")
    assert Organization.objects.get_parent(first) == tree.community_a
    assert first.city_id == tree.community_a.city_id
    assert first.name_initials == "dewgdzb"


def test_create_skips_a_code_already_taken(tree, street_admin):
    _create(street_admin, tree.community_a, code=f"{tree.community_a.code}002")
    assert _create(street_admin, tree.community_a, name="又一个").code == f"{tree.community_a.code}003"


def test_create_with_an_explicit_code(tree, street_admin):
    assert _create(street_admin, tree.community_a, code="RET-01", level=Level.COMMUNITY).code == "RET-01"


@pytest.mark.parametrize("fields, field", [
    ({"code": "C01"}, "code"),
    ({"code": "bad code"}, "code"),
    ({"kind": Kind.GROUP}, "kind"),
    ({"level": Level.STREET, "kind": Kind.WORKING_COMMITTEE}, "kind"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"level": "village"}, "level"),
    ({"kind": "cell"}, "kind"),
])
def test_bad_create_is_refused_on_the_field(tree, street_admin, fields, field):
    before = (Organization.objects.count(), AuditEvent.objects.count(), _counts(tree.city))
    with pytest.raises(ValidationError) as excinfo:
        _create(street_admin, tree.community_a, **fields)
    assert field in _errors(excinfo)
    assert (Organization.objects.count(), AuditEvent.objects.count(), _counts(tree.city)) == before


def test_create_adds_one_organisation_to_every_ancestor(tree, street_admin):
    ancestors = [tree.city, tree.district, tree.street_a, tree.community_a]
    before = {org.pk: _counts(org)["organizations"] for org in ancestors + [tree.street_b]}
    created = _create(street_admin, tree.community_a)
    for org in ancestors:
        assert _counts(org)["organizations"] == before[org.pk] + 1, org
    assert _counts(tree.street_b)["organizations"] == before[tree.street_b.pk]
    assert _counts(created) == {**dict.fromkeys(OrgCounts.FIELDS, 0), "organizations": 1}


def test_create_is_audited_with_its_fields(tree, street_admin):
    created = _create(street_admin, tree.community_a, has_committee=True)
    event = AuditEvent.objects.get(action="create", object_id=str(created.pk))
    assert event.actor == street_admin
    assert event.org_path == created.path
    assert event.changes["name"] == [None, "第二网格党支部"]
    assert event.changes["has_committee"] == [None, True]
    assert event.changes["code"] == [None, created.code]


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.CLERK, Role.VIEWER, Role.SYSTEM_ADMIN,
                                  Role.SECURITY_ADMIN, Role.AUDITOR])
def test_create_needs_restructure_permission(tree, make_user, role):
    actor = make_user(role, tree.street_a)
    count = Organization.objects.count()
    with pytest.raises(PermissionDenied):
        _create(actor, tree.community_a)
    assert Organization.objects.count() == count


def test_create_outside_the_actors_scope_is_refused(tree, street_admin):
    with pytest.raises(PermissionDenied):
        _create(street_admin, tree.community_b)


def test_only_the_installer_creates_a_root(street_admin):
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=street_admin, parent=None, name="x", level=Level.CITY,
                                     kind=Kind.LOCAL_COMMITTEE, code="C02")


def test_dissolved_parent_refuses_children(tree, street_admin):
    services.organization_dissolve(actor=street_admin, organization=tree.building_a, reason="拆迁")
    with pytest.raises(ValidationError) as excinfo:
        _create(street_admin, tree.building_a, level=Level.ZONE, kind=Kind.RESPONSIBILITY_ZONE)
    assert "parent" in _errors(excinfo)


# --- update -------------------------------------------------------------------------------------------

def test_update_writes_history_and_audits_only_what_changed(tree, make_user):
    secretary = make_user(Role.SECRETARY, tree.street_a)
    grid = _fresh(tree.grid_a)
    history_before = grid.history.count()
    services.organization_update(actor=secretary, organization=grid, name="东风第一网格党支部",
                                 has_committee=grid.has_committee, founded_on=grid.founded_on)
    grid.refresh_from_db()
    assert grid.name == "东风第一网格党支部"
    assert grid.name_initials == "dfdywgdzb"
    assert grid.history.count() == history_before + 1
    assert grid.history.first().name == "东风第一网格党支部"
    event = AuditEvent.objects.filter(action="update", object_id=str(grid.pk)).get()
    assert event.changes == {"name": ["东风社区第一网格党支部", "东风第一网格党支部"]}
    assert event.actor == secretary


def test_update_without_change_writes_no_audit(tree, street_admin):
    grid = _fresh(tree.grid_a)
    services.organization_update(actor=street_admin, organization=grid, name=grid.name,
                                 has_committee=grid.has_committee, founded_on=grid.founded_on)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_needs_edit_permission(tree, make_user):
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=make_user(Role.CLERK, tree.street_a), organization=_fresh(tree.grid_a),
                                     name="x", has_committee=False, founded_on=None)
    assert _fresh(tree.grid_a).name == tree.grid_a.name


def test_update_refuses_a_blank_name(tree, street_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.organization_update(actor=street_admin, organization=_fresh(tree.grid_a), name=" ",
                                     has_committee=False, founded_on=None)
    assert "name" in _errors(excinfo)
    assert _fresh(tree.grid_a).name == tree.grid_a.name


# --- move ---------------------------------------------------------------------------------------------

def test_move_rewrites_the_subtree_and_copied_paths(tree, street_admin):
    member_grid = factories.make_member(tree.grid_a, name="甲")
    member_building = factories.make_member(tree.building_a, name="乙", category=Category.PROBATIONARY)
    grid_row = Grid.objects.get(organization=tree.grid_a)
    building = Building.objects.create(grid=grid_row, name="1栋", organization=tree.building_a,
                                       org_path=tree.building_a.path, city_id=1)
    old_path = tree.grid_a.path
    moved = services.organization_move(actor=street_admin, organization=_fresh(tree.grid_a), new_parent=tree.street_a)

    assert moved.code == tree.grid_a.code
    assert Organization.objects.get_parent(moved) == tree.street_a
    assert moved.path != old_path and moved.path.startswith(tree.street_a.path)
    child = _fresh(tree.building_a)
    assert child.path == moved.path + tree.building_a.path[len(old_path):]
    assert child.code == tree.building_a.code
    assert Member.objects.get(pk=member_grid.pk).org_path == moved.path
    assert Member.objects.get(pk=member_building.pk).org_path == child.path
    assert Grid.objects.get(pk=grid_row.pk).org_path == moved.path
    assert Building.objects.get(pk=building.pk).org_path == child.path
    assert not Member.objects.filter(org_path__startswith=old_path).exists()


def test_move_leaves_no_copied_path_behind(tree, make_user):
    """Periods, registrations, events and requests follow the organisation, so that a new
    organisation given the old path later does not inherit them."""
    admin = make_user(Role.ORG_ADMIN, tree.district)
    member = factories.make_member(tree.grid_a, name="甲")
    grid_row = Grid.objects.get(organization=tree.grid_a)
    MembershipPeriod.objects.create(member=member, organization=tree.grid_a, org_path=tree.grid_a.path,
                                    started_on=member.joined_on, entry=MembershipPeriod.Entry.JOINED)
    registration = ResidenceRegistration.objects.create(
        member=member, community=tree.community_a, grid=grid_row, org_path=tree.community_a.path,
        status=ResidenceRegistration.Status.CONFIRMED, registered_on=member.joined_on)
    MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.MOBILE_OUT, on=member.joined_on,
                               org_path=tree.grid_a.path)
    CorrectionRequest.objects.create(member=member, field="address", proposed_value="新地址", org_path=tree.grid_a.path)
    old_path = tree.community_a.path
    moved = services.organization_move(actor=admin, organization=_fresh(tree.community_a),
                                       new_parent=_fresh(tree.street_b))

    for model in services._path_copies():
        assert not model._base_manager.filter(org_path__startswith=old_path).exists(), model.__name__
    grid_path = _fresh(tree.grid_a).path
    assert MembershipPeriod.objects.get(member=member).org_path == grid_path
    assert ResidenceRegistration.objects.get(pk=registration.pk).org_path == moved.path
    assert MemberEvent.objects.get(member=member).org_path == grid_path
    assert CorrectionRequest.objects.get(member=member).org_path == grid_path
    assert AuditEvent.objects.filter(org_path__startswith=old_path).exists()


def test_move_shows_in_the_organisation_history(tree, street_admin):
    services.organization_move(actor=street_admin, organization=_fresh(tree.grid_a), new_parent=tree.street_a)
    latest = _fresh(tree.grid_a).history.first()
    assert latest.path == _fresh(tree.grid_a).path
    assert tree.community_a.name in latest.history_change_reason
    assert tree.street_a.name in latest.history_change_reason


def test_move_shifts_counts_from_old_ancestors_to_new(tree, make_user):
    admin = make_user(Role.ORG_ADMIN, tree.district)
    factories.make_member(tree.grid_a, name="甲")
    factories.make_member(tree.building_a, name="乙")
    before = {name: _counts(getattr(tree, name)) for name in ("community_a", "street_a", "community_b", "street_b",
                                                              "district")}
    moved_totals = _counts(tree.grid_a)
    assert moved_totals["members"] == 2 and moved_totals["organizations"] == 2 and moved_totals["grids"] == 1
    services.organization_move(actor=admin, organization=_fresh(tree.grid_a), new_parent=_fresh(tree.community_b))
    for name, sign in (("community_a", -1), ("street_a", -1), ("community_b", 1), ("street_b", 1), ("district", 0)):
        expected = {field: before[name][field] + sign * moved_totals[field] for field in OrgCounts.FIELDS}
        assert _counts(getattr(tree, name)) == expected, name
    assert _counts(tree.grid_a) == moved_totals
    assert rollup.rebuild() == Organization.objects.count()
    assert _counts(tree.community_b) == {field: before["community_b"][field] + moved_totals[field]
                                         for field in OrgCounts.FIELDS}


def test_move_carries_every_monthly_roll_up_to_the_new_ancestors(tree, make_user):
    admin = make_user(Role.ORG_ADMIN, tree.district)
    day, month = dt.date(2026, 3, 10), dt.date(2026, 3, 1)
    request_tally.add(tree.grid_a.path, day, received=3)
    request_tally.add(tree.community_a.path, day, received=1)
    request_tally.add_resolution(tree.grid_a.path, day, 4)
    service_tally.add(tree.grid_a.path, day, participations=5)
    project_tally.add(tree.grid_a.path, day, collected=2, amount_collected=Decimal("1500.50"))
    assert {model for model, _key, _counted in rollup.monthly_rollups()} == {
        RequestTally, ResolutionDays, ServiceTally, ProjectTally}
    services.organization_move(actor=admin, organization=_fresh(tree.grid_a), new_parent=_fresh(tree.community_b))

    def of(model, organization, field, **key):
        return model.objects.filter(organization=organization, month=month, **key).values_list(
            field, flat=True).first() or 0

    expected = {"grid_a": 3, "community_a": 1, "street_a": 1, "community_b": 3, "street_b": 3, "district": 4}
    assert {name: of(RequestTally, getattr(tree, name), "received") for name in expected} == expected
    assert of(ResolutionDays, tree.street_a, "count", days=4) == 0
    assert of(ResolutionDays, tree.street_b, "count", days=4) == 1
    assert of(ServiceTally, tree.street_a, "participations") == 0
    assert of(ServiceTally, tree.street_b, "participations") == 5
    assert of(ProjectTally, tree.community_b, "amount_collected") == Decimal("1500.50")
    assert of(ProjectTally, tree.district, "collected") == 2


def test_move_is_audited(tree, street_admin):
    old_path = tree.grid_a.path
    moved = services.organization_move(actor=street_admin, organization=_fresh(tree.grid_a), new_parent=tree.street_a)
    event = AuditEvent.objects.get(action="move")
    assert event.changes == {"parent": [tree.community_a.code, tree.street_a.code], "path": [old_path, moved.path]}
    assert event.actor == street_admin


@pytest.mark.parametrize("organization, target, field", [
    ("grid_a", "building_a", "new_parent"),
    ("grid_a", "grid_a", "new_parent"),
    ("grid_a", "community_a", "new_parent"),
    ("community_a", "grid_a", "new_parent"),
    ("building_a", "community_b", "new_parent"),
    ("city", "district", "organization"),
])
def test_bad_moves_are_refused(tree, make_user, organization, target, field):
    admin = make_user(Role.ORG_ADMIN, tree.city)
    paths = list(Organization.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError) as excinfo:
        services.organization_move(actor=admin, organization=_fresh(getattr(tree, organization)),
                                   new_parent=_fresh(getattr(tree, target)))
    assert field in _errors(excinfo)
    assert list(Organization.objects.values_list("pk", "path")) == paths


def test_move_into_or_out_of_a_dissolved_organisation_is_refused(tree, make_user):
    admin = make_user(Role.ORG_ADMIN, tree.city)
    services.organization_dissolve(actor=admin, organization=_fresh(tree.building_a), reason="拆迁")
    with pytest.raises(ValidationError):
        services.organization_move(actor=admin, organization=_fresh(tree.building_a), new_parent=_fresh(tree.grid_b))
    new_community = _create(admin, tree.street_a, name="新社区党委", level=Level.COMMUNITY, kind=Kind.PRIMARY_COMMITTEE)
    services.organization_dissolve(actor=admin, organization=new_community, reason="撤并")
    with pytest.raises(ValidationError):
        services.organization_move(actor=admin, organization=_fresh(tree.grid_a), new_parent=_fresh(new_community))
    assert Organization.objects.get_parent(_fresh(tree.grid_a)) == tree.community_a
    assert Organization.objects.get_parent(_fresh(tree.building_a)) == tree.grid_a


def test_move_needs_permission_at_both_ends(tree, make_user):
    only_a = make_user(Role.ORG_ADMIN, tree.street_a)
    with pytest.raises(PermissionDenied):
        services.organization_move(actor=only_a, organization=_fresh(tree.grid_a), new_parent=_fresh(tree.community_b))
    only_b = make_user(Role.ORG_ADMIN, tree.street_b)
    with pytest.raises(PermissionDenied):
        services.organization_move(actor=only_b, organization=_fresh(tree.grid_a), new_parent=_fresh(tree.community_b))
    secretary = make_user(Role.SECRETARY, tree.street_a)
    with pytest.raises(PermissionDenied):
        services.organization_move(actor=secretary, organization=_fresh(tree.grid_a), new_parent=_fresh(tree.street_a))
    assert _fresh(tree.grid_a).path == tree.grid_a.path


# --- dissolve -----------------------------------------------------------------------------------------

def test_dissolve_keeps_the_row(tree, street_admin):
    before = _counts(tree.grid_a)["organizations"]
    services.organization_dissolve(actor=street_admin, organization=_fresh(tree.building_a), reason="拆迁")
    building = _fresh(tree.building_a)
    assert building.dissolved_at is not None
    assert building.dissolution_reason == "拆迁"
    assert _counts(tree.grid_a)["organizations"] == before - 1
    assert AuditEvent.objects.get(action="dissolve").changes == {"reason": [None, "拆迁"]}


def test_dissolve_refuses_while_members_remain(tree, street_admin):
    factories.make_member(tree.building_a, name="甲")
    factories.make_member(tree.building_a, name="乙")
    with pytest.raises(ValidationError) as excinfo:
        services.organization_dissolve(actor=street_admin, organization=_fresh(tree.building_a), reason="拆迁")
    assert "2" in _errors(excinfo)["reason"][0]
    assert _fresh(tree.building_a).dissolved_at is None


def test_dissolve_refuses_while_children_live(tree, street_admin):
    _create(street_admin, tree.community_a)
    with pytest.raises(ValidationError) as excinfo:
        services.organization_dissolve(actor=street_admin, organization=_fresh(tree.community_a), reason="撤并")
    assert "2" in _errors(excinfo)["reason"][0]


@pytest.mark.parametrize("target, reason", [("building_a", ""), ("city", "撤并")])
def test_dissolve_refuses_a_blank_reason_or_the_top(tree, make_user, target, reason):
    admin = make_user(Role.ORG_ADMIN, tree.city)
    with pytest.raises(ValidationError) as excinfo:
        services.organization_dissolve(actor=admin, organization=_fresh(getattr(tree, target)), reason=reason)
    assert "reason" in _errors(excinfo)


def test_dissolve_twice_is_refused(tree, street_admin):
    services.organization_dissolve(actor=street_admin, organization=_fresh(tree.building_a), reason="拆迁")
    with pytest.raises(ValidationError):
        services.organization_dissolve(actor=street_admin, organization=_fresh(tree.building_a), reason="拆迁")


def test_dissolved_grid_branch_gives_its_grid_back_to_the_community(tree, make_user):
    admin = make_user(Role.ORG_ADMIN, tree.street_b)
    grid = Grid.objects.get(organization=tree.grid_b)
    community_before = _counts(tree.community_b)
    services.organization_dissolve(actor=admin, organization=_fresh(tree.grid_b), reason="撤并")
    grid.refresh_from_db()
    assert grid.organization is None
    assert grid.org_path == tree.community_b.path
    assert _counts(tree.community_b) == {**community_before, "organizations": community_before["organizations"] - 1,
                                         "grids_with_organization": community_before["grids_with_organization"] - 1}
    assert _counts(tree.grid_b)["grids"] == 0
    snapshot = {org.pk: _counts(org) for org in Organization.objects.all()}
    rollup.rebuild()
    assert {org.pk: _counts(org) for org in Organization.objects.all()} == snapshot


def test_roles_on_a_dissolved_organisation_grant_nothing(tree, make_user, street_admin):
    holder = make_user(Role.ORG_ADMIN, tree.building_a)
    assert scope_for(holder, "view_orgs").paths == (tree.building_a.path,)
    services.organization_dissolve(actor=street_admin, organization=_fresh(tree.building_a), reason="拆迁")
    holder = type(holder).objects.get(pk=holder.pk)
    assert scope_for(holder, "view_orgs").is_empty


def test_dissolve_needs_restructure_permission(tree, make_user):
    with pytest.raises(PermissionDenied):
        services.organization_dissolve(actor=make_user(Role.SECRETARY, tree.street_a),
                                       organization=_fresh(tree.building_a), reason="拆迁")
    assert _fresh(tree.building_a).dissolved_at is None


# --- counts -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_rebuild_equals_the_incremental_counts(tree, make_user, seed):
    rng = random.Random(seed)
    admin = make_user(Role.ORG_ADMIN, tree.city)
    for step in range(25):
        orgs = list(Organization.objects.live())
        action = rng.choice(["create", "member", "member", "move", "grid"])
        target = rng.choice(orgs)
        if action == "create":
            level, kind = rng.choice([(Level.GRID, Kind.BRANCH), (Level.BUILDING, Kind.GROUP),
                                      (Level.COMMUNITY, Kind.PRIMARY_COMMITTEE), (Level.BUILDING, Kind.BRANCH)])
            try:
                _create(admin, target, name=f"组织{step}", level=level, kind=kind)
            except ValidationError:
                pass
        elif action == "member":
            factories.make_member(target, name=f"党员{step}",
                                  category=rng.choice([Category.FULL, Category.PROBATIONARY]))
        elif action == "grid" and target.level == Level.COMMUNITY:
            factories.make_grid(target, f"网格{step}", f"G-{seed}-{step}")
        elif action == "move" and target.depth > 1:
            new_parent = rng.choice(orgs)
            try:
                services.organization_move(actor=admin, organization=target, new_parent=new_parent)
            except ValidationError:
                pass
    kept = {org.pk: _counts(org) for org in Organization.objects.all()}
    rollup.rebuild()
    assert {org.pk: _counts(org) for org in Organization.objects.all()} == kept
    assert _counts(tree.city)["organizations"] == Organization.objects.live().count()
    assert _counts(tree.city)["members"] == Member.objects.count()

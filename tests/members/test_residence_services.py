"""Residence registration (入网进格, 双报到): place checks, immediate and pending confirmation,
re-registration, who may act, and the roll-ups it keeps."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.roles import Role
from dangjian.members.models import MemberEvent, ResidenceRegistration
from dangjian.members.services import lifecycle, residence
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Building, Grid, OrgCounts
from dangjian.orgs.rules import Kind, Level
from tests import factories

pytestmark = pytest.mark.django_db
Status = ResidenceRegistration.Status


@pytest.fixture
def grids(tree):
    return Grid.objects.get(code="G-A1"), Grid.objects.get(code="G-B1")


@pytest.fixture
def clerk_a(tree, make_user):
    return make_user(Role.CLERK, tree.street_a)


@pytest.fixture
def clerk_b(tree, make_user):
    return make_user(Role.CLERK, tree.street_b)


def _counts(org) -> tuple[int, int]:
    row = OrgCounts.objects.get(organization=org)
    return row.registered_members, row.residents


def _residents(grid) -> int:
    grid.refresh_from_db()
    return grid.residents


def _field(error) -> str:
    return next(iter(error.value.message_dict))


def test_a_member_of_the_community_is_confirmed_at_once(tree, grids, clerk_a):
    member = factories.make_member(tree.grid_a)
    building = Building.objects.create(grid=grids[0], name="1栋", org_path=tree.building_a.path, organization=tree.building_a)
    zone = factories.make_org(tree.building_a, "第一责任区", Level.ZONE, Kind.RESPONSIBILITY_ZONE)
    registration = residence.registration_register(actor=clerk_a, member=member, grid=grids[0], building=building,
                                                   zone=zone)
    assert (registration.status, registration.employed, registration.confirmed_by) == (Status.CONFIRMED, False, clerk_a)
    assert registration.org_path == tree.community_a.path
    assert _counts(tree.grid_a) == (1, 0) and _counts(tree.community_a) == (1, 1) and _counts(tree.city) == (1, 1)
    assert _residents(grids[0]) == 1
    assert member.events.get().kind == MemberEvent.Kind.REGISTERED


def test_an_employed_member_waits_for_the_community(tree, grids, clerk_a, clerk_b):
    member = factories.make_member(tree.grid_a)
    registration = residence.registration_register(actor=clerk_a, member=member, grid=grids[1])
    assert (registration.status, registration.employed) == (Status.PENDING, True)
    assert _counts(tree.city) == (0, 0) and _residents(grids[1]) == 0
    with pytest.raises(PermissionDenied):
        residence.registration_confirm(actor=clerk_a, registration=registration)
    residence.registration_confirm(actor=clerk_b, registration=registration)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED and registration.confirmed_by == clerk_b
    # Registered on the member's home side, resident on the community's side.
    assert _counts(tree.street_a) == (1, 0) and _counts(tree.street_b) == (0, 1) and _counts(tree.city) == (1, 1)
    assert _residents(grids[1]) == 1
    with pytest.raises(ValidationError) as error:
        residence.registration_confirm(actor=clerk_b, registration=registration)
    assert _field(error) == "registration"


def test_the_community_may_reject_with_a_reason(tree, grids, clerk_a, clerk_b):
    member = factories.make_member(tree.grid_a)
    registration = residence.registration_register(actor=clerk_a, member=member, grid=grids[1])
    with pytest.raises(ValidationError) as error:
        residence.registration_reject(actor=clerk_b, registration=registration, reason="")
    assert _field(error) == "reason"
    residence.registration_reject(actor=clerk_b, registration=registration, reason="查无此人")
    registration.refresh_from_db()
    assert registration.status == Status.REJECTED and registration.note == "查无此人"
    assert _counts(tree.city) == (0, 0)


def test_re_registration_replaces_and_keeps_history(tree, grids, clerk_a, clerk_b):
    member = factories.make_member(tree.grid_a)
    residence.registration_register(actor=clerk_a, member=member, grid=grids[0])
    registration = residence.registration_register(actor=clerk_a, member=member, grid=grids[1])
    assert ResidenceRegistration.objects.filter(member=member).count() == 1
    assert registration.status == Status.PENDING and registration.confirmed_by is None
    assert _counts(tree.city) == (0, 0) and _residents(grids[0]) == 0
    assert [h.grid_id for h in registration.history.order_by("history_date")] == [grids[0].pk, grids[1].pk]


def test_the_community_may_register_a_member_it_cannot_see(tree, grids, clerk_b):
    member = factories.make_member(tree.grid_a)
    registration = residence.registration_register(actor=clerk_b, member=member, grid=grids[1])
    assert registration.status == Status.PENDING


@pytest.mark.parametrize("role, street", [(Role.VIEWER, "a"), (Role.SYSTEM_ADMIN, "a")])
def test_who_may_not_register(tree, grids, make_user, role, street):
    member = factories.make_member(tree.grid_a)
    actor = make_user(role, tree.street_a)
    with pytest.raises(PermissionDenied):
        residence.registration_register(actor=actor, member=member, grid=grids[0])
    assert not ResidenceRegistration.objects.exists()


def test_the_building_and_zone_must_be_in_that_grid_and_community(tree, grids, clerk_a):
    member = factories.make_member(tree.grid_a)
    other_building = Building.objects.create(grid=grids[1], name="9栋", org_path=tree.grid_b.path)
    with pytest.raises(ValidationError) as error:
        residence.registration_register(actor=clerk_a, member=member, grid=grids[0], building=other_building)
    assert _field(error) == "building"
    zone_b = factories.make_org(tree.grid_b, "西山责任区", Level.ZONE, Kind.RESPONSIBILITY_ZONE)
    with pytest.raises(ValidationError) as error:
        residence.registration_register(actor=clerk_a, member=member, grid=grids[0], zone=zone_b)
    assert _field(error) == "zone"
    with pytest.raises(ValidationError) as error:
        residence.registration_register(actor=clerk_a, member=member, grid=grids[0], zone=tree.building_a)
    assert _field(error) == "zone"
    assert not ResidenceRegistration.objects.exists() and _counts(tree.city) == (0, 0)


def test_a_member_who_left_cannot_register(tree, grids, clerk_a):
    member = factories.make_member(tree.grid_a)
    lifecycle.leave(actor=clerk_a, member=member, reason="death")
    with pytest.raises(ValidationError) as error:
        residence.registration_register(actor=clerk_a, member=member, grid=grids[0])
    assert _field(error) == "member"


def test_counts_follow_transfer_and_leaving_and_match_a_rebuild(tree, grids, clerk_a, clerk_b):
    member = factories.make_member(tree.grid_a)
    residence.registration_register(actor=clerk_a, member=member, grid=grids[0])
    transfer = lifecycle.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="调动")
    lifecycle.transfer_receive(actor=clerk_b, transfer=transfer)
    # Still living in community A, now belonging to street B.
    assert _counts(tree.street_a) == (0, 1) and _counts(tree.street_b) == (1, 0)
    kept = list(OrgCounts.objects.order_by("pk").values_list(*OrgCounts.FIELDS))
    rollup.rebuild()
    assert list(OrgCounts.objects.order_by("pk").values_list(*OrgCounts.FIELDS)) == kept
    lifecycle.leave(actor=clerk_b, member=member, reason="death")
    assert _counts(tree.city) == (0, 0) and _residents(grids[0]) == 0
    rollup.rebuild()
    assert _counts(tree.city) == (0, 0) and _residents(grids[0]) == 0


def test_registering_audits(tree, grids, clerk_a):
    from dangjian.core.models import AuditEvent

    member = factories.make_member(tree.grid_a)
    residence.registration_register(actor=clerk_a, member=member, grid=grids[0])
    line = AuditEvent.objects.get(object_type="members.member", object_id=str(member.pk))
    assert line.changes["event"] == [None, "registered"] and line.changes["grid"] == [None, "G-A1"]

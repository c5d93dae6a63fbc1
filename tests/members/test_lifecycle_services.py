"""Life-cycle services: each action's rules on both sides, who may act, and what it writes —
the record, the membership periods, the counts, the event and the audit line."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import calendar
from dangjian.core.models import AuditEvent
from dangjian.members.models import (
    Category,
    Member,
    MemberEvent,
    MembershipPeriod,
    Standing,
    Transfer,
)
from dangjian.members.services import lifecycle as services
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import OrgCounts
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _member(org, **fields):
    member = factories.make_member(org, **fields)
    MembershipPeriod.objects.create(member=member, organization=org, org_path=org.path, started_on=member.joined_on,
                                    entry=MembershipPeriod.Entry.JOINED)
    return member


def _members(org) -> int:
    return OrgCounts.objects.get(organization=org).members


def _snapshot(member):
    return (list(Member.objects.filter(pk=member.pk).values_list()), list(OrgCounts.objects.order_by("pk").values_list()),
            MemberEvent.objects.count(), AuditEvent.objects.count(), list(MembershipPeriod.objects.values_list()),
            list(Transfer.objects.values_list()))


def _field(error: ValidationError) -> str:
    return next(iter(error.message_dict))


@pytest.fixture
def clerk_a(tree, make_user):
    return make_user(Role.CLERK, tree.street_a)


@pytest.fixture
def clerk_b(tree, make_user):
    return make_user(Role.CLERK, tree.street_b)


@pytest.fixture
def member(tree):
    return _member(tree.grid_a, name="李四")


# --- transfers --------------------------------------------------------------------------------------

def test_transfer_in_the_system_waits_and_the_old_organisation_stays_responsible(tree, clerk_a, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    member.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING and transfer.to_path == tree.grid_b.path
    assert member.home_org == tree.grid_a and _members(tree.grid_a) == 1 and _members(tree.grid_b) == 0
    assert member.events.get().kind == MemberEvent.Kind.TRANSFER_SENT
    line = AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk)).get()
    assert line.changes["event"] == [None, "transfer_sent"] and line.actor == clerk_a


def test_receiving_moves_member_periods_and_counts(tree, clerk_a, clerk_b, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    services.transfer_receive(actor=clerk_b, transfer=transfer)
    member.refresh_from_db()
    assert member.home_org == tree.grid_b and member.org_path == tree.grid_b.path
    assert (_members(tree.grid_a), _members(tree.street_a), _members(tree.grid_b), _members(tree.street_b),
            _members(tree.district)) == (0, 0, 1, 1, 1)
    assert OrgCounts.objects.get(organization=tree.street_b).full_members == 1
    old, new = member.periods.order_by("started_on")
    assert (old.ended_on, old.exit) == (TODAY, MembershipPeriod.Exit.TRANSFER_OUT)
    assert (new.organization, new.started_on, new.ended_on, new.entry) == (
        tree.grid_b, TODAY, None, MembershipPeriod.Entry.TRANSFER_IN)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.closed_by) == (Transfer.Status.RECEIVED, clerk_b)
    assert member.events.first().kind == MemberEvent.Kind.TRANSFER_RECEIVED


def test_counts_after_receiving_match_a_rebuild(tree, clerk_a, clerk_b, member):
    _member(tree.grid_b, category=Category.PROBATIONARY, joined_on=calendar.add_months(TODAY, -3))
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    services.transfer_receive(actor=clerk_b, transfer=transfer)
    kept = list(OrgCounts.objects.order_by("pk").values_list(*OrgCounts.FIELDS))
    rollup.rebuild()
    assert list(OrgCounts.objects.order_by("pk").values_list(*OrgCounts.FIELDS)) == kept


def test_the_sender_cannot_receive_and_the_receiver_cannot_cancel(tree, clerk_a, clerk_b, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    before = _snapshot(member)
    with pytest.raises(PermissionDenied):
        services.transfer_receive(actor=clerk_a, transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.transfer_refuse(actor=clerk_a, transfer=transfer, reason="不收")
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(actor=clerk_b, transfer=transfer)
    assert _snapshot(member) == before


def test_only_one_pending_transfer(tree, clerk_a, member):
    services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    before = _snapshot(member)
    with pytest.raises(ValidationError) as error:
        services.transfer_send(actor=clerk_a, member=member, to_org=tree.community_b, reason="再转")
    assert _field(error.value) == "member"
    assert _snapshot(member) == before


def test_refuse_needs_a_reason_then_closes(tree, clerk_a, clerk_b, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    with pytest.raises(ValidationError) as error:
        services.transfer_refuse(actor=clerk_b, transfer=transfer, reason="  ")
    assert _field(error.value) == "reason"
    services.transfer_refuse(actor=clerk_b, transfer=transfer, reason="不在本辖区居住")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REJECTED
    with pytest.raises(ValidationError) as error:
        services.transfer_receive(actor=clerk_b, transfer=transfer)
    assert _field(error.value) == "transfer"
    # A refused transfer no longer blocks a new one.
    services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="再次转出")


def test_cancel_by_the_sender(tree, clerk_a, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="搬家")
    services.transfer_cancel(actor=clerk_a, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED and member.events.first().kind == "transfer_cancelled"
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=clerk_a, transfer=transfer)


def test_transfer_out_of_the_system_completes_at_once_and_keeps_the_record(tree, clerk_a, member):
    transfer = services.transfer_send(actor=clerk_a, member=member, outside_destination="北京市某局机关党委",
                                      letter_number="穗组转 2025-018", reason="工作调动")
    member.refresh_from_db()
    assert transfer.status == Transfer.Status.COMPLETED and transfer.closed_on == TODAY
    assert member.left_on == TODAY and member.left_reason == ""
    assert _members(tree.grid_a) == 0 and _members(tree.city) == 0
    assert Member.objects.filter(name="李四").exists() and not Member.objects.current().filter(pk=member.pk).exists()
    assert member.periods.get().exit == MembershipPeriod.Exit.TRANSFER_OUT
    assert member.events.get().kind == MemberEvent.Kind.TRANSFER_OUT


@pytest.mark.parametrize("kwargs, field", [
    ({"outside_destination": "北京市某单位"}, "letter_number"),
    ({"letter_number": "A-1"}, "to_org"),
    ({}, "to_org"),
    ({"reason": ""}, "reason"),
    ({"outside_destination": "北京", "letter_number": "A-1", "on": TODAY + dt.timedelta(days=1)}, "on"),
    ({"outside_destination": "北京", "letter_number": "A-1", "on": dt.date(2005, 6, 30)}, "on"),
])
def test_transfer_refusals_name_the_field_and_change_nothing(tree, clerk_a, member, kwargs, field):
    before = _snapshot(member)
    with pytest.raises(ValidationError) as error:
        services.transfer_send(actor=clerk_a, member=member, **{"reason": "调动", **kwargs})
    assert _field(error.value) == field
    assert _snapshot(member) == before


def test_transfer_to_its_own_or_a_dissolved_organisation(tree, clerk_a, member, make_user):
    with pytest.raises(ValidationError):
        services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_a, reason="调动")
    from dangjian.orgs import services as org_services

    org_services.organization_dissolve(actor=None, organization=tree.building_a, reason="撤并")
    tree.building_a.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.transfer_send(actor=clerk_a, member=member, to_org=tree.building_a, reason="调动")
    assert _field(error.value) == "to_org"


@pytest.mark.parametrize("role, street, allowed", [
    (Role.CLERK, "a", True), (Role.SECRETARY, "a", True), (Role.ORG_ADMIN, "a", True),
    (Role.VIEWER, "a", False), (Role.SYSTEM_ADMIN, "a", False), (Role.CLERK, "b", False),
])
def test_who_may_send(tree, make_user, member, role, street, allowed):
    actor = make_user(role, tree.street_a if street == "a" else tree.street_b)
    if allowed:
        services.transfer_send(actor=actor, member=member, to_org=tree.grid_b, reason="调动")
    else:
        with pytest.raises(PermissionDenied):
            services.transfer_send(actor=actor, member=member, to_org=tree.grid_b, reason="调动")
        assert not Transfer.objects.exists()


# --- mobile, abroad, retired ------------------------------------------------------------------------

def test_mobile_out_and_back(clerk_a, member):
    services.mobile_out(actor=clerk_a, member=member, province="广东省", city="深圳市", county="南山区",
                        since=dt.date(2024, 3, 1))
    member.refresh_from_db()
    assert (member.mobile, member.mobile_destination, member.mobile_since) == (
        True, "广东省 深圳市 南山区", dt.date(2024, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.mobile_out(actor=clerk_a, member=member, province="湖南省")
    assert _field(error.value) == "province"
    with pytest.raises(ValidationError) as error:
        services.mobile_back(actor=clerk_a, member=member, on=dt.date(2024, 2, 29))
    assert _field(error.value) == "on"
    services.mobile_back(actor=clerk_a, member=member, on=dt.date(2024, 3, 1))
    member.refresh_from_db()
    assert not member.mobile and member.mobile_destination == ""
    assert [e.kind for e in member.events.order_by("pk")] == ["mobile_out", "mobile_back"]
    with pytest.raises(ValidationError):
        services.mobile_back(actor=clerk_a, member=member)


def test_mobile_out_needs_a_province(clerk_a, member):
    with pytest.raises(ValidationError) as error:
        services.mobile_out(actor=clerk_a, member=member, province=" ")
    assert _field(error.value) == "province"


def test_abroad_and_back(clerk_a, member):
    services.abroad(actor=clerk_a, member=member, destination="新加坡", since=dt.date(2020, 1, 1))
    member.refresh_from_db()
    assert member.abroad and member.abroad_destination == "新加坡"
    with pytest.raises(ValidationError):
        services.abroad(actor=clerk_a, member=member, destination="日本")
    services.abroad_back(actor=clerk_a, member=member)
    member.refresh_from_db()
    assert not member.abroad and member.abroad_since is None


def test_retire_once(clerk_a, member):
    services.retire(actor=clerk_a, member=member)
    member.refresh_from_db()
    assert member.retired and member.events.get().kind == "retired"
    with pytest.raises(ValidationError):
        services.retire(actor=clerk_a, member=member)


# --- lost contact and standing --------------------------------------------------------------------

def test_lost_contact_and_restored(clerk_a, member):
    with pytest.raises(ValidationError) as error:
        services.lost_contact(actor=clerk_a, member=member, reason="9")
    assert _field(error.value) == "reason"
    services.lost_contact(actor=clerk_a, member=member, reason="1", since=dt.date(2024, 1, 10))
    member.refresh_from_db()
    assert (member.lost_contact, member.lost_contact_on, member.lost_contact_reason) == (True, dt.date(2024, 1, 10), "1")
    services.contact_restored(actor=clerk_a, member=member)
    member.refresh_from_db()
    assert not member.lost_contact and member.last_contact_on == TODAY and member.lost_contact_reason == ""


def test_suspension_for_lost_contact_needs_six_months(clerk_a, member):
    services.lost_contact(actor=clerk_a, member=member, reason="7", since=calendar.add_months(TODAY, -6)
                          + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        services.suspend(actor=clerk_a, member=member, reason="lost_contact")
    assert _field(error.value) == "reason"
    Member.objects.filter(pk=member.pk).update(lost_contact_on=calendar.add_months(TODAY, -6))
    services.suspend(actor=clerk_a, member=member, reason="lost_contact")
    member.refresh_from_db()
    assert (member.standing, member.suspension_reason, member.standing_changed_on) == (
        Standing.SUSPENDED, "lost_contact", TODAY)
    with pytest.raises(ValidationError):
        services.suspend(actor=clerk_a, member=member, reason="settled_abroad")


def test_suspension_for_abroad_needs_more_than_five_years(clerk_a, member):
    services.abroad(actor=clerk_a, member=member, destination="加拿大", since=calendar.add_years(TODAY, -5))
    with pytest.raises(ValidationError):
        services.suspend(actor=clerk_a, member=member, reason="abroad")
    Member.objects.filter(pk=member.pk).update(abroad_since=calendar.add_years(TODAY, -5) - dt.timedelta(days=1))
    services.suspend(actor=clerk_a, member=member, reason="abroad")


def test_suspension_refuses_an_unknown_ground_and_a_member_not_lost(clerk_a, member):
    for reason in ("", "bad_conduct", "lost_contact", "abroad"):
        with pytest.raises(ValidationError) as error:
            services.suspend(actor=clerk_a, member=member, reason=reason)
        assert _field(error.value) == "reason"


def test_only_a_suspension_is_restored(clerk_a, member):
    with pytest.raises(ValidationError) as error:
        services.restore(actor=clerk_a, member=member)
    assert _field(error.value) == "on"
    services.suspend(actor=clerk_a, member=member, reason="settled_abroad")
    services.restore(actor=clerk_a, member=member)
    member.refresh_from_db()
    assert member.standing == Standing.NORMAL and member.suspension_reason == ""
    assert [e.kind for e in member.events.order_by("pk")] == ["suspended", "restored"]


@pytest.mark.parametrize("reason", ["death", "withdrawal", "persuaded", "removal", "self_detached", "expulsion"])
def test_leaving_keeps_the_record_closes_the_period_and_lowers_the_counts(tree, clerk_a, member, reason):
    services.leave(actor=clerk_a, member=member, reason=reason, on=dt.date(2025, 1, 5), note="支部大会决定")
    member.refresh_from_db()
    assert (member.left_on, member.left_reason) == (dt.date(2025, 1, 5), reason)
    assert _members(tree.grid_a) == 0 and _members(tree.city) == 0
    assert OrgCounts.objects.get(organization=tree.city).full_members == 0
    period = member.periods.get()
    assert (period.ended_on, period.exit) == (dt.date(2025, 1, 5), MembershipPeriod.Exit.LEFT)
    assert member.events.get().details == {"reason": reason, "note": "支部大会决定"}
    # No further events, and above all no restoring.
    for call in (lambda: services.restore(actor=clerk_a, member=member),
                 lambda: services.retire(actor=clerk_a, member=member),
                 lambda: services.leave(actor=clerk_a, member=member, reason="death")):
        with pytest.raises(ValidationError) as error:
            call()
        assert _field(error.value) == "member"


def test_leaving_probationary_lowers_the_probationary_count(tree, clerk_a):
    member = _member(tree.grid_a, category=Category.PROBATIONARY, joined_on=calendar.add_months(TODAY, -2))
    services.leave(actor=clerk_a, member=member, reason="withdrawal")
    assert OrgCounts.objects.get(organization=tree.city).probationary_members == 0


def test_leaving_is_refused_while_a_transfer_waits(tree, clerk_a, member):
    services.transfer_send(actor=clerk_a, member=member, to_org=tree.grid_b, reason="调动")
    before = _snapshot(member)
    with pytest.raises(ValidationError) as error:
        services.leave(actor=clerk_a, member=member, reason="death")
    assert _field(error.value) == "member"
    assert _snapshot(member) == before


def test_leaving_needs_a_known_reason(clerk_a, member):
    with pytest.raises(ValidationError) as error:
        services.leave(actor=clerk_a, member=member, reason="retired")
    assert _field(error.value) == "reason"


@pytest.mark.parametrize("call", [
    lambda actor, m: services.mobile_out(actor=actor, member=m, province="广东省"),
    lambda actor, m: services.abroad(actor=actor, member=m, destination="日本"),
    lambda actor, m: services.retire(actor=actor, member=m),
    lambda actor, m: services.lost_contact(actor=actor, member=m, reason="1"),
    lambda actor, m: services.suspend(actor=actor, member=m, reason="settled_abroad"),
    lambda actor, m: services.leave(actor=actor, member=m, reason="death"),
])
@pytest.mark.parametrize("role, street", [(Role.VIEWER, "a"), (Role.CLERK, "b"), (Role.AUDITOR, "a")])
def test_no_action_outside_scope_or_without_the_role(tree, make_user, member, call, role, street):
    actor = make_user(role, tree.street_a if street == "a" else tree.street_b)
    before = _snapshot(member)
    with pytest.raises(PermissionDenied):
        call(actor, member)
    assert _snapshot(member) == before


def test_flag_lost_contact_flags_only_six_months(tree, clerk_a):
    lost = _member(tree.grid_a, name="失联甲", last_contact_on=calendar.add_months(TODAY, -6))
    warned = _member(tree.grid_a, name="预警乙", last_contact_on=calendar.add_months(TODAY, -6) + dt.timedelta(days=1))
    flagged = services.flag_lost_contact(actor=None, members=Member.objects.all())
    assert flagged == 1
    lost.refresh_from_db()
    warned.refresh_from_db()
    assert lost.lost_contact and lost.lost_contact_on == lost.last_contact_on and not warned.lost_contact
    assert lost.events.get().details["automatic"] is True
    assert services.flag_lost_contact(actor=None, members=Member.objects.all()) == 0

"""Entering, correcting and revealing member records: every rule path, the counts, periods,
events and the audit trail with masked values."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import override

from dangjian.accounts.roles import Role
from dangjian.core import crypto, identity
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import Member, MemberEvent, MembershipPeriod
from dangjian.members.services import register as services
from dangjian.orgs import selectors as org_selectors
from tests import factories

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1985, 3, 14)


@pytest.fixture
def clerk(tree, make_user):
    return make_user(Role.CLERK, tree.street_a)


def valid(**overrides) -> dict:
    fields = {"name": "王小明", "id_number": factories.id_number(BIRTH, male=True), "category": "full",
              "joined_on": dt.date(2010, 7, 1), "full_member_on": dt.date(2011, 7, 1), "phone": "138 0013 8000",
              "ethnicity": "01", "education": "21"}
    fields.update(overrides)
    return fields


def errors_of(call) -> dict:
    with override("en"), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def counts(org) -> dict:
    return org_selectors.subtree_counts(type(org).objects.select_related("counts").get(pk=org.pk))


# --- creating -----------------------------------------------------------------------------------------

def test_create_seals_derives_and_keeps_everything(tree, clerk):
    fields = valid()
    member = services.member_create(actor=clerk, organization=tree.grid_a, **fields)
    member.refresh_from_db()
    assert member.id_number == fields["id_number"]
    assert fields["id_number"].encode() not in bytes(member.id_number_sealed)
    assert member.id_number_hash == crypto.lookup_hash(fields["id_number"])
    assert member.id_last4 == fields["id_number"][-4:]
    assert member.phone == "13800138000" and member.phone_last4 == "8000"
    assert (member.birth_date, member.sex) == (BIRTH, "M")
    assert (member.name_pinyin, member.name_initials) == ("wangxiaoming", "wxm")
    assert (member.org_path, member.home_org_id, member.city_id) == (tree.grid_a.path, tree.grid_a.pk, tree.grid_a.city_id)


def test_create_opens_a_period_writes_an_event_and_counts(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    period = MembershipPeriod.objects.get(member=member)
    assert (period.organization, period.started_on, period.ended_on, period.entry) == (
        tree.grid_a, dt.date(2010, 7, 1), None, "joined")
    assert list(member.events.values_list("kind", "actor")) == [(MemberEvent.Kind.CREATED, clerk.pk)]
    for org in (tree.grid_a, tree.community_a, tree.street_a, tree.city):
        assert counts(org)["members"] == 1 and counts(org)["full_members"] == 1
    assert counts(tree.street_b)["members"] == 0


def test_create_with_another_entry_opens_the_period_on_the_given_date(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, entry="transfer_in",
                                    started_on=dt.date(2020, 1, 2), **valid())
    assert MembershipPeriod.objects.get(member=member).started_on == dt.date(2020, 1, 2)


def test_probationary_counts_as_probationary(tree, clerk):
    joined = timezone.localdate() - dt.timedelta(days=100)
    services.member_create(actor=clerk, organization=tree.grid_a, **valid(category="probationary", joined_on=joined,
                                                                          full_member_on=None))
    assert (counts(tree.city)["probationary_members"], counts(tree.city)["full_members"]) == (1, 0)


def test_create_audits_with_masked_values_only(tree, clerk):
    fields = valid()
    member = services.member_create(actor=clerk, organization=tree.grid_a, **fields)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="members.member", object_id=str(member.pk))
    assert event.changes["id_number"] == [None, identity.mask_id_number(fields["id_number"])]
    assert event.changes["phone"] == [None, "138****8000"]
    assert event.org_path == tree.grid_a.path and event.actor == clerk
    assert fields["id_number"] not in str(event.changes) and "13800138000" not in str(event.changes)


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "440104198503140010"}, "id_number"),  # wrong check character
    ({"id_number": "12345"}, "id_number"),
    ({"birth_date": dt.date(1985, 3, 15)}, "birth_date"),
    ({"sex": "F"}, "sex"),
    ({"category": "probationary", "full_member_on": dt.date(2011, 7, 1)}, "full_member_on"),
    ({"full_member_on": None}, "full_member_on"),
    ({"joined_on": dt.date(2000, 1, 1), "full_member_on": dt.date(2001, 1, 1)}, "joined_on"),  # not yet 18
    ({"joined_on": timezone.localdate() + dt.timedelta(days=3)}, "joined_on"),
    ({"birth_date": timezone.localdate() + dt.timedelta(days=3)}, "birth_date"),
    ({"category": "candidate"}, "category"),
    ({"ethnicity": "99"}, "ethnicity"),
    ({"ethnicity": ""}, "ethnicity"),
    ({"education": "unknown"}, "education"),
    ({"degree": "9"}, "degree"),
    ({"job_post": "9999"}, "job_post"),
    ({"phone": "12ab"}, "phone"),
    ({"name": "  "}, "name"),
    ({"name": "名" * 51}, "name"),
    ({"party_age_correction_months": 10_000}, "party_age_correction_months"),
])
def test_bad_input_names_the_field_and_writes_nothing(tree, clerk, overrides, field):
    before = (Member.objects.count(), AuditEvent.objects.count(), counts(tree.city))
    assert field in errors_of(lambda: services.member_create(actor=clerk, organization=tree.grid_a, **valid(**overrides)))
    assert (Member.objects.count(), AuditEvent.objects.count(), counts(tree.city)) == before


def test_all_bad_fields_are_reported_at_once(tree, clerk):
    errors = errors_of(lambda: services.member_create(actor=clerk, organization=tree.grid_a, **valid(
        id_number="440104198503140010", birth_date=BIRTH, category="probationary", education="xx")))
    assert {"id_number", "full_member_on", "education"} <= set(errors)


def test_legacy_and_lower_case_numbers_are_normalised(tree, clerk):
    first17 = "44010419850314123"
    number = first17 + identity.check_character(first17)
    services.member_create(actor=clerk, organization=tree.grid_a, **valid(id_number=number.lower()))
    assert Member.objects.filter(id_number_hash=crypto.lookup_hash(number)).exists()
    legacy = "440104850314001"
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid(id_number=legacy, sex=""))
    assert member.id_number == identity.upgrade_15(legacy)


def test_code_lists_accept_labels_and_old_names(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a,
                                    **valid(ethnicity="毛难族", education="本科", job_post="退休人员", degree="学士"))
    assert (member.ethnicity, member.education, member.job_post, member.degree) == ("36", "21", "1002", "4")


def test_duplicate_id_number_names_where_it_belongs_when_visible(tree, clerk):
    fields = valid()
    services.member_create(actor=clerk, organization=tree.grid_a, **fields)
    errors = errors_of(lambda: services.member_create(actor=clerk, organization=tree.community_a,
                                                      **valid(id_number=fields["id_number"], name="另一人")))
    assert tree.grid_a.name in errors["id_number"][0]


def test_duplicate_outside_the_scope_stays_unnamed(tree, clerk):
    other = factories.make_member(tree.grid_b)
    errors = errors_of(lambda: services.member_create(actor=clerk, organization=tree.grid_a,
                                                      **valid(id_number=other.id_number, birth_date=None, sex="")))
    assert tree.grid_b.name not in errors["id_number"][0]
    assert "outside your organisation" in errors["id_number"][0]


def test_create_needs_manage_members_over_the_organisation(tree, clerk, make_user):
    with pytest.raises(PermissionDenied):
        services.member_create(actor=clerk, organization=tree.grid_b, **valid())
    with pytest.raises(PermissionDenied):
        services.member_create(actor=make_user(Role.VIEWER, tree.street_a), organization=tree.grid_a, **valid())
    assert not Member.objects.exists()


def test_a_party_group_holds_no_members(tree, clerk):
    assert "organization" in errors_of(
        lambda: services.member_create(actor=clerk, organization=tree.building_a, **valid()))


# --- correcting ---------------------------------------------------------------------------------------

def test_update_changes_only_what_is_given_and_audits_the_diff(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    services.member_update(actor=clerk, member=member, name="王晓明", address="东风路1号")
    member.refresh_from_db()
    assert (member.name, member.name_initials, member.address, member.education) == ("王晓明", "wxm", "东风路1号", "21")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.member")
    assert event.changes == {"name": ["王小明", "王晓明"], "address": ["", "东风路1号"]}
    assert member.events.filter(kind=MemberEvent.Kind.UPDATED, details__fields=["address", "name"]).exists()


def test_update_without_change_writes_nothing(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    before = AuditEvent.objects.count()
    services.member_update(actor=clerk, member=member, name="王小明")
    assert AuditEvent.objects.count() == before and member.events.count() == 1


def test_update_of_id_and_phone_audits_masked_values(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    number = factories.id_number(dt.date(1986, 4, 2), male=False)
    services.member_update(actor=clerk, member=member, id_number=number, phone="13900001111")
    member.refresh_from_db()
    assert (member.id_number, member.birth_date, member.sex, member.phone_last4) == (
        number, dt.date(1986, 4, 2), "F", "1111")
    changes = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="members.member").changes
    assert changes["id_number"][1] == identity.mask_id_number(number)
    assert changes["phone"] == ["138****8000", "139****1111"]
    assert number not in str(changes)


def test_update_can_remove_the_phone(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    services.member_update(actor=clerk, member=member, phone="")
    member.refresh_from_db()
    assert member.phone_sealed is None and member.phone_last4 == ""


def test_category_change_moves_one_count(tree, clerk):
    joined = timezone.localdate() - dt.timedelta(days=400)
    member = services.member_create(actor=clerk, organization=tree.grid_a,
                                    **valid(category="probationary", joined_on=joined, full_member_on=None))
    services.member_update(actor=clerk, member=member, category="full",
                           full_member_on=joined + dt.timedelta(days=366))
    assert (counts(tree.city)["members"], counts(tree.city)["full_members"],
            counts(tree.city)["probationary_members"]) == (1, 1, 0)


def test_update_refuses_another_members_id_number(tree, clerk):
    first = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    second = services.member_create(actor=clerk, organization=tree.grid_a,
                                    **valid(id_number=factories.id_number(BIRTH), name="李四"))
    assert "id_number" in errors_of(lambda: services.member_update(actor=clerk, member=second,
                                                                   id_number=first.id_number))


def test_update_checks_the_whole_record(tree, clerk):
    member = services.member_create(actor=clerk, organization=tree.grid_a, **valid())
    assert "full_member_on" in errors_of(lambda: services.member_update(actor=clerk, member=member,
                                                                        category="probationary"))
    assert "sex" in errors_of(lambda: services.member_update(actor=clerk, member=member, sex="F"))


def test_update_needs_manage_members(tree, clerk, make_user):
    member = factories.make_member(tree.grid_b)
    with pytest.raises(PermissionDenied):
        services.member_update(actor=clerk, member=member, name="改名")


# --- revealing ----------------------------------------------------------------------------------------

def test_reveal_returns_the_clear_value_and_audits(tree, make_user):
    secretary = make_user(Role.SECRETARY, tree.street_a)
    member = factories.make_member(tree.grid_a, phone_sealed=crypto.seal("13800001234"), phone_last4="1234")
    assert services.member_reveal(actor=secretary, member=member, field="id_number") == member.id_number
    assert services.member_reveal(actor=secretary, member=member, field="phone") == "13800001234"
    events = AuditEvent.objects.filter(action=AuditAction.REVEAL, object_id=str(member.pk))
    assert sorted(e.changes["field"][1] for e in events) == ["id_number", "phone"]
    assert all(e.actor == secretary and e.org_path == tree.grid_a.path for e in events)
    assert member.id_number not in str(list(events.values_list("changes", flat=True)))


@pytest.mark.parametrize("role, street", [(Role.CLERK, "a"), (Role.VIEWER, "a"), (Role.SECRETARY, "b")])
def test_reveal_needs_the_permission_over_the_member(tree, make_user, role, street):
    user = make_user(role, getattr(tree, f"street_{street}"))
    member = factories.make_member(tree.grid_a)
    with pytest.raises(PermissionDenied):
        services.member_reveal(actor=user, member=member, field="id_number")
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_of_another_field_is_refused(tree, make_user):
    member = factories.make_member(tree.grid_a)
    assert "field" in errors_of(lambda: services.member_reveal(
        actor=make_user(Role.SECRETARY, tree.street_a), member=member, field="address"))

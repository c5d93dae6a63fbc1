"""The member table carries one index per searched column: every roster import writes each
index, so a second copy that no query reads is a cost (bench/README.md, importing a roster)."""

import pytest
from django.db import IntegrityError, connection, transaction

from dangjian.members.models import Member, MemberEvent
from tests import factories

ONE_INDEX_EACH = ("id_number_hash", "id_last4", "phone_last4", "name_initials")


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="Django adds the pattern-ops copies only on PostgreSQL")
@pytest.mark.django_db
def test_exact_and_prefix_columns_have_one_index_each():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Member._meta.db_table)
    for column in ONE_INDEX_EACH:
        indexes = [name for name, details in constraints.items()
                   if details["columns"] == [column] and (details["index"] or details["unique"])]
        assert len(indexes) == 1, (column, indexes)


@pytest.mark.django_db
def test_member_events_are_found_through_one_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, MemberEvent._meta.db_table)
    by_member = [name for name, details in constraints.items()
                 if details["index"] and details["columns"][:1] == ["member_id"]]
    assert by_member == ["member_event_member_on"]


@pytest.mark.django_db
def test_an_id_number_is_still_in_the_register_once(tree):
    member = factories.make_member(tree.grid_a, name="甲")
    twin = Member.objects.get(pk=member.pk)
    twin.pk = None
    twin.account = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    assert Member.objects.filter(id_number_hash=member.id_number_hash).count() == 1

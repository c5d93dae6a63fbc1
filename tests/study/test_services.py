import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.study import selectors, services
from dangjian.study.models import StudyRecord
from tests import factories


def test_recording_twice_for_one_source_credits_once_with_one_audit_line(tree):
    member = factories.make_member(tree.grid_a)
    first, new = services.record(actor=None, member=member, on=dt.date(2025, 5, 1), hours=Decimal(4),
                                 kind="activity", source="service.activity:1", title="党史学习")
    again, new_again = services.record(actor=None, member=member, on=dt.date(2025, 5, 1), hours=Decimal(8),
                                       kind="activity", source="service.activity:1")
    assert (new, new_again, again.pk, again.hours) == (True, False, first.pk, Decimal(4))
    assert StudyRecord.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="study.studyrecord").count() == 1
    assert first.org_path == member.org_path and first.city_id == member.city_id


@pytest.mark.parametrize(("field", "values"), [("hours", {"hours": Decimal(0)}), ("hours", {"hours": Decimal(100)}),
                                               ("kind", {"kind": "party"}), ("source", {"source": ""})])
def test_bad_records_are_refused_naming_the_field(tree, field, values):
    member = factories.make_member(tree.grid_a)
    arguments = {"hours": Decimal(2), "kind": "activity", "source": "s:1", **values}
    with pytest.raises(ValidationError) as refused:
        services.record(actor=None, member=member, on=dt.date(2025, 5, 1), **arguments)
    assert field in refused.value.message_dict and not StudyRecord.objects.exists()


def test_hours_in_a_year_and_of_a_subtree(tree):
    member = factories.make_member(tree.grid_a)
    other = factories.make_member(tree.grid_b)
    for source, on, hours in (("a", dt.date(2025, 1, 1), 4), ("b", dt.date(2025, 12, 31), 8),
                              ("c", dt.date(2024, 12, 31), 2)):
        services.record(actor=None, member=member, on=on, hours=Decimal(hours), kind="course", source=source)
    services.record(actor=None, member=other, on=dt.date(2025, 6, 1), hours=Decimal(1), kind="course", source="a")
    assert selectors.hours_in_year(member, 2025) == 12 and selectors.hours_in_year(member, 2024) == 2
    assert selectors.subtree_hours(tree.street_a.path, 2025) == 12
    assert selectors.subtree_hours(tree.district.path, 2025) == 13
    assert selectors.subtree_hours(tree.street_b.path, 2024) == 0


def test_a_secretary_answers_to_56(tree, make_user):
    member = factories.make_member(tree.grid_a, account=make_user(Role.SECRETARY, tree.grid_a))
    plain = factories.make_member(tree.grid_a, account=make_user(None, tree.grid_a))
    assert (selectors.target_for(member), selectors.target_for(plain)) == (56, 32)

"""``__any_of``: the rows of ``__in``, with one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("codes", [[], ["nowhere"], None])
def test_any_of_finds_what_in_finds(tree, codes):
    codes = [tree.grid_a.code, tree.street_b.code, "nowhere"] if codes is None else codes
    expected = set(Organization.objects.filter(code__in=codes).values_list("pk", flat=True))
    assert set(Organization.objects.filter(code__any_of=codes).values_list("pk", flat=True)) == expected


def test_any_of_sends_one_parameter_on_postgresql(tree):
    codes = [f"code{n}" for n in range(500)] + [tree.grid_a.code]
    with CaptureQueriesContext(connection) as queries:
        assert list(Organization.objects.filter(code__any_of=codes)) == [tree.grid_a]
    sql = queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count("code0") == 1
    else:
        assert " IN (" in sql

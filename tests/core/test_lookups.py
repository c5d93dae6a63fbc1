"""``__any_of``: the rows of ``__in``, with one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.lookups import _array_literal
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array literal is PostgreSQL's")
@given(values=st.lists(st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_array_literal_reads_back_as_the_values(values):
    # Quotes, backslashes, commas, braces, blanks, "NULL" and the empty string all come back as written.
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_array_literal(values)])
        assert cursor.fetchone()[0] == values


def test_values_that_need_quoting_find_their_rows(tree):
    names = ['党支部 "一"', "a\\b", "x,y", "{z}", " ", "NULL"]
    for organization, name in zip(Organization.objects.order_by("pk")[: len(names)], names, strict=True):
        Organization.objects.filter(pk=organization.pk).update(name=name)
    expected = set(Organization.objects.filter(name__in=names).values_list("pk", flat=True))
    assert len(expected) == len(names)
    assert set(Organization.objects.filter(name__any_of=names).values_list("pk", flat=True)) == expected

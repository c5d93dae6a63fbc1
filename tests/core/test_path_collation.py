"""The scope range ``p <= path < p + '~'`` needs byte order on every path column."""

import pytest
from django.apps import apps
from django.db import connection

from dangjian.core.fields import PathField

pytestmark = pytest.mark.django_db

PATH_COLUMNS = sorted(
    (model._meta.db_table, field.column)
    for model in apps.get_models()
    for field in model._meta.local_fields
    if isinstance(field, PathField)
)


def test_every_large_table_carries_a_path_column():
    tables = {table for table, _column in PATH_COLUMNS}
    assert {"orgs_organization", "members_member", "orgs_grid", "orgs_building", "core_auditevent"} <= tables


@pytest.mark.skipif(connection.vendor != "postgresql", reason="collations are a PostgreSQL matter")
@pytest.mark.parametrize("table, column", PATH_COLUMNS)
def test_path_columns_use_the_c_collation(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [table, column],
        )
        assert cursor.fetchone() == ("C",)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ICU collations are a PostgreSQL matter")
def test_a_linguistic_collation_would_break_the_range():
    """Why the C collation matters: under ICU '~' sorts before digits."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT '00010001' < '0001~' COLLATE "C", '00010001' < '0001~' COLLATE "und-x-icu" """)
        assert cursor.fetchone() == (True, False)

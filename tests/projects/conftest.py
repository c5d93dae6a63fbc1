from types import SimpleNamespace

import pytest

from dangjian.accounts.roles import Role
from tests.projects import factories


@pytest.fixture(autouse=True)
def _in_english(english):
    """The messages these tests assert are the English ones (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def _calendar(next_year_entered):
    """A notice put up today may run into next year (tests/conftest.py)."""


@pytest.fixture
def configured(tree):
    """Zhuhai's caps and lists, and a source of 3 million yuan of the city for this year."""
    factories.configure("zhuhai")
    return factories.make_source()


@pytest.fixture
def people(tree, make_user):
    """Staff of community A (its own staff), of street A (above it), a viewer of street A, and
    staff of community B (outside)."""
    return SimpleNamespace(
        community=make_user(Role.CLERK, tree.community_a), street=make_user(Role.CLERK, tree.street_a),
        viewer=make_user(Role.VIEWER, tree.street_a), outsider=make_user(Role.CLERK, tree.community_b),
        city_admin=make_user(Role.ORG_ADMIN, tree.city), street_admin=make_user(Role.ORG_ADMIN, tree.street_a))

import pytest


@pytest.fixture(autouse=True)
def _calendar(next_year_entered):
    """Deadlines counted from today may run into next year (tests/conftest.py)."""

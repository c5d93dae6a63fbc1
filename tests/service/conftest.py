import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """The messages these tests assert are the English ones (tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """The messages these tests assert are the English ones (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def _in_daytime(local_daytime):
    """Activities happening now stay within one local day (tests/conftest.py)."""

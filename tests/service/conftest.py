import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The messages are read in English here; tests/test_translations.py checks the Chinese."""
    with translation.override("en"):
        yield

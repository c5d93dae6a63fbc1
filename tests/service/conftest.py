import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """The messages are read in English here, in threads too (the default language, not only
    this thread's); tests/test_translations.py checks the Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield

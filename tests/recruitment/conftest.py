import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The recruitment tests read the messages in English; the API's tests read them in Chinese."""
    with translation.override("en"):
        yield

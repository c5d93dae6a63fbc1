import pytest

from dangjian.accounts import services as account_services
from tests.api.client import Api


@pytest.fixture
def api_as(client):
    """``api_as(user)``: a JSON client holding a fresh bearer token of ``user`` (None: no token)."""

    def make(user=None):
        token = account_services.token_issue(user=user)[1] if user is not None else None
        return Api(client, token)

    return make

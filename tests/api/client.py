"""A JSON client for the API tests: every answer must be JSON, and a 500 raises."""

import json
from urllib.parse import urlencode


class Api:

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body=None, *, raw: str | None = None,
             content_type: str = "application/json", **query):
        """``body`` is sent as JSON, ``raw`` as is (for malformed bodies); ``query`` goes in the URL."""
        if raw is not None or body is not None:
            data = raw if raw is not None else json.dumps(body)
            response = self.client.generic(method, path, data, content_type=content_type, **self.headers)
        else:
            response = self.client.generic(method, path + _query(query), **self.headers)
        assert response["Content-Type"].startswith("application/json"), (response.status_code, response.content[:200])
        return response

    def get(self, path, **query):
        return self.call("GET", path, **query)

    def post(self, path, body=None, **kwargs):
        return self.call("POST", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.call("PATCH", path, body, **kwargs)


def _query(query: dict) -> str:
    return "?" + urlencode(query) if query else ""


def field_errors(response) -> dict[str, str]:
    """field → message of an error answer, after checking its shape."""
    body = response.json()
    assert {"code", "message"} <= set(body), body
    return {error["field"]: error["message"] for error in body.get("errors", [])}

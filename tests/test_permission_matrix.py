"""The permission matrix: every route and API operation, called by every persona, on an object
inside and one outside the persona's scope.

The expected answer is derived here from the access table and ROLE_PERMISSIONS, not from the
scope module: anonymous → the login page (pages) or a 401 JSON (API); an object the persona
cannot see → 404; a visible object without the needed permission → 403; otherwise success. A
denied call must change nothing; a successful write must change something. Each call runs in a
savepoint that is rolled back, so one tree serves the whole route.
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dangjian.accounts import services as account_services
from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import ROLE_PERMISSIONS, Role
from dangjian.config.api import api
from dangjian.orgs.models import Grid, Organization, OrgCounts
from tests.access_table import ACCESS, AUTHENTICATED, PUBLIC, Case

# Every table of these apps is watched, so a new table of theirs needs no entry here.
WATCHED_APPS = ("members", "recruitment", "requests", "study", "service", "projects")


@dataclass(frozen=True)
class Persona:
    name: str
    role: str | None = None
    street: str | None = "a"
    anonymous: bool = False


PERSONAS = [
    Persona("anonymous", street=None, anonymous=True),
    Persona("member"),
    Persona("viewer", Role.VIEWER),
    Persona("clerk", Role.CLERK),
    Persona("secretary", Role.SECRETARY),
    Persona("org_admin", Role.ORG_ADMIN),
    Persona("org_admin_b", Role.ORG_ADMIN, street="b"),
    Persona("system_admin", Role.SYSTEM_ADMIN),
    Persona("security_admin", Role.SECURITY_ADMIN),
    Persona("auditor", Role.AUDITOR),
]


# --- enumerating what exists ------------------------------------------------------------------------

def _url_patterns(resolver=None, prefix="", namespace=""):
    """(route text, "namespace:name") of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from _url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name or f"<unnamed {prefix}{pattern.pattern}>"


def _operations() -> dict[str, tuple[str, str]]:
    """operationId → (method, OpenAPI path) for every operation of the API."""
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def _operation_paths() -> set[str]:
    return {path for _method, path in _operations().values()}


def _page_routes() -> dict[str, str]:
    """Route name → route text, leaving out the API's operation routes (those are checked by
    operation id, since one route may carry several operations)."""
    operation_paths = _operation_paths()
    routes = {}
    for route, name in _url_patterns():
        as_openapi = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        if name.startswith(f"{api.urls_namespace}:") and as_openapi in operation_paths:
            continue
        routes[name] = route
    return routes


def test_every_route_has_an_access_entry():
    missing = sorted(set(_page_routes()) - set(ACCESS))
    assert not missing, (
        "These URL routes have no entry in tests/access_table.py ACCESS (say who may call them): "
        + ", ".join(missing)
    )


def test_every_api_operation_has_an_access_entry_with_its_method():
    operations = _operations()
    missing = sorted(set(operations) - set(ACCESS))
    assert not missing, (
        "These API operations have no entry in tests/access_table.py ACCESS (say who may call them): "
        + ", ".join(f"{op} ({operations[op][0]} {operations[op][1]})" for op in missing)
    )
    wrong = [op for op, (method, _path) in operations.items() if ACCESS[op].methods != (method,) or not ACCESS[op].api]
    assert not wrong, f"Access entries whose method or api flag differs from the OpenAPI schema: {wrong}"


def test_access_table_has_no_stale_entries():
    stale = sorted(set(ACCESS) - set(_page_routes()) - set(_operations()))
    assert not stale, f"tests/access_table.py has entries for routes that no longer exist: {stale}"


# --- calling everything -----------------------------------------------------------------------------

def _snapshot():
    """Everything a write on these routes could touch, field by field."""
    return (
        list(Organization.objects.order_by("pk").values_list()),
        list(OrgCounts.objects.order_by("pk").values_list()),
        list(Grid.objects.order_by("pk").values_list()),
        list(RoleAssignment.objects.order_by("pk").values_list()),
        list(User.objects.order_by("pk").values_list()),
        *(list(model.objects.order_by("pk").values_list()) for label in WATCHED_APPS
          for model in apps.get_app_config(label).get_models()),
    )


def _holds(permissions: frozenset, need) -> bool:
    return any(p in permissions for p in (need if isinstance(need, tuple) else (need,)))


def _expected(entry, persona: Persona, street: str | None):
    """"ok", "login" or a status code."""
    if entry.need == PUBLIC:
        return "ok"
    if persona.anonymous:
        return "login"
    if entry.need == AUTHENTICATED:
        return "ok"
    permissions = ROLE_PERMISSIONS.get(persona.role, frozenset())
    if street is None:
        return "ok" if _holds(permissions, entry.need) else entry.denied
    if persona.street != street or not _holds(permissions, entry.view):
        return 404
    return "ok" if _holds(permissions, entry.need) else 403


def _call(client, entry, method, url, payload, token):
    if entry.api:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if payload is None:
            return client.generic(method, url, **headers)
        return client.generic(method, url, json.dumps(payload), content_type="application/json", **headers)
    return client.post(url, payload) if method == "POST" else client.generic(method, url)


def _verdict(entry, method, response, expected) -> str | None:
    """What is wrong with ``response``, or None."""
    status = response.status_code
    if entry.api and not (entry.binary and status == 200) and not response.get("Content-Type", "").startswith(
            "application/json"):
        return f"answered {status} with {response.get('Content-Type')} instead of JSON"
    if expected == "ok":
        return None if status in entry.ok[method] else f"expected one of {sorted(entry.ok[method])}, got {status}"
    if expected == "login":
        if entry.api:
            if status != 401 or response.get("WWW-Authenticate") != "Bearer":
                return f"expected 401 with WWW-Authenticate: Bearer, got {status}"
            body = response.json()
            return None if {"code", "message"} <= set(body) else f"401 body lacks code/message: {body}"
        login = reverse("accounts:login")
        if status != 302 or not response["Location"].startswith(login):
            return f"expected a redirect to {login}, got {status} {response.get('Location', '')}"
        return None
    if status != expected:
        return f"expected {expected}, got {status}"
    if entry.api and not {"code", "message"} <= set(response.json()):
        return f"{status} body lacks code/message"
    return None


@pytest.mark.parametrize("route", sorted(ACCESS))
def test_access(route, tree, make_user, settings_no_otp, next_year_entered):
    entry = ACCESS[route]
    users = {
        persona.name: make_user(persona.role, tree.street_a if persona.street == "a" else tree.street_b)
        if persona.role else make_user(None, tree.community_a)
        for persona in PERSONAS if not persona.anonymous
    }
    accounts = {"a": users["member"], "b": make_user(None, tree.community_b)}
    tokens = {name: account_services.token_issue(user=user)[1] for name, user in users.items()} if entry.api else {}
    problems = []
    for persona in PERSONAS:
        user = users.get(persona.name)
        for street in ("a", "b") if entry.view else (None,):
            for method in entry.methods:
                case = Case(tree=tree, street=street, user=user, personas=users, accounts=accounts)
                with transaction.atomic():
                    url = entry.url(case)
                    payload = entry.payload(case) if entry.payload and method != "GET" else None
                    client = Client()
                    if user is not None and not entry.api:
                        client.force_login(user)
                    before = _snapshot()
                    response = _call(client, entry, method, url, payload, tokens.get(persona.name))
                    after = _snapshot()
                    transaction.set_rollback(True)
                expected = _expected(entry, persona, street)
                where = f"{persona.name} {method} {url}" + (f" (street {street.upper()})" if street else "")
                problem = _verdict(entry, method, response, expected)
                if problem:
                    problems.append(f"{where}: {problem}")
                elif expected != "ok" and before != after:
                    problems.append(f"{where}: denied with {response.status_code}, but the data changed")
                elif expected == "ok" and entry.writes and method != "GET" and before == after:
                    problems.append(f"{where}: succeeded with {response.status_code}, but nothing was written")
    assert not problems, f"{route}:\n" + "\n".join(problems)

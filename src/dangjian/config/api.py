"""The REST API: one NinjaAPI with its OpenAPI schema at /api/openapi.json and docs at /api/docs.

Every error is JSON ``{"code": ..., "message": ..., "errors": [{"field": ..., "message": ...}]}``:
never HTML, never a 500 for bad input.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from dangjian.accounts.api import BearerAuth
from dangjian.accounts.api import router as auth_router
from dangjian.members.api import ROUTERS as MEMBER_ROUTERS
from dangjian.members.api import own as own_api
from dangjian.orgs.api import router as orgs_router
from dangjian.projects.api import router as projects_router
from dangjian.recruitment.api import router as recruitment_router
from dangjian.requests.api import router as requests_router
from dangjian.service.api import router as service_router


class BodyNotJSON(ValueError):
    """The request body is not a JSON document sent as application/json."""


class JSONParser(Parser):
    """Accepts only a JSON body declared as such. ninja turns any parser failure into a bare 400;
    ``on_http_error`` recognises this exception as the cause and answers 422 naming the body."""

    def parse_body(self, request):
        if request.content_type != "application/json":
            raise BodyNotJSON(_("Send the body as JSON with Content-Type: application/json."))
        try:
            return json.loads(request.body)
        except ValueError as error:
            raise BodyNotJSON(_("The body is not valid JSON: %(error)s") % {"error": error}) from error


api = NinjaAPI(
    title="dangjian API",
    version="1",
    description="Organisation tree, members and grassroots work. Authenticate with POST /api/auth/token, "
    "then send `Authorization: Bearer <token>`.",
    auth=BearerAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=JSONParser(),
)
api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
for member_router in MEMBER_ROUTERS:
    api.add_router("/members", member_router)
api.add_router("/me", own_api.router)
api.add_router("/recruitment", recruitment_router)
api.add_router("/requests", requests_router)
api.add_router("/service", service_router)
api.add_router("/projects", projects_router)


def error_body(code: str, message: str, errors: list | None = None) -> dict:
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _field_of(location: list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "body"


def _schema_message(error: dict) -> str:
    """pydantic's message in the user's language, for the error types our schemas produce."""
    context = error.get("ctx") or {}
    kind = error.get("type", "")
    messages = {
        "missing": _("This field is required."),
        "string_too_short": _("At least %(n)s characters.") % {"n": context.get("min_length")},
        "string_too_long": _("At most %(n)s characters.") % {"n": context.get("max_length")},
        "string_type": _("Give a text value."),
        "enum": _("Choose one of: %(values)s.") % {"values": context.get("expected", "")},
        "literal_error": _("Choose one of: %(values)s.") % {"values": context.get("expected", "")},
        "int_parsing": _("Give a whole number."),
        "int_type": _("Give a whole number."),
        "greater_than_equal": _("Give a number of at least %(n)s.") % {"n": context.get("ge")},
        "less_than_equal": _("Give a number of at most %(n)s.") % {"n": context.get("le")},
        "bool_parsing": _("Give true or false."),
        "bool_type": _("Give true or false."),
        "date_from_datetime_parsing": _("Give a date as YYYY-MM-DD."),
        "date_parsing": _("Give a date as YYYY-MM-DD."),
        "date_type": _("Give a date as YYYY-MM-DD."),
        "datetime_parsing": _("Give a time as YYYY-MM-DDTHH:MM:SS+08:00."),
        "datetime_type": _("Give a time as YYYY-MM-DDTHH:MM:SS+08:00."),
        "timezone_aware": _("Give the time with its offset from UTC, such as +08:00."),
        "decimal_parsing": _("Give a number."),
        "decimal_type": _("Give a number."),
        "finite_number": _("Give a finite number."),
        "greater_than": _("Give a number above %(n)s.") % {"n": context.get("gt")},
        "less_than": _("Give a number below %(n)s.") % {"n": context.get("lt")},
        "model_attributes_type": _("Give a JSON object."),
        "dict_type": _("Give a JSON object."),
    }
    return messages.get(kind, error.get("msg", ""))


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    errors = [{"field": _field_of(list(error.get("loc", []))), "message": _schema_message(error)} for error in exc.errors]
    first = errors[0] if errors else {"field": "body", "message": ""}
    return api.create_response(
        request,
        error_body("invalid", _("Invalid value for %(field)s: %(message)s") % first, errors),
        status=422,
    )


@api.exception_handler(ValidationError)
def on_rule_error(request, exc):
    if hasattr(exc, "error_dict"):
        errors = [{"field": field, "message": str(message)} for field, messages in exc.message_dict.items()
                  for message in messages]
    else:
        errors = [{"field": "body", "message": str(message)} for message in exc.messages]
    return api.create_response(request, error_body("invalid", errors[0]["message"], errors), status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, error_body("forbidden", str(exc) or _("Your role does not allow this.")), status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(
        request, error_body("not_found", _("Not found, or outside your organisation.")), status=404
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    response = api.create_response(
        request, error_body("unauthenticated", _("Send a valid token: Authorization: Bearer <token>.")), status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 429: "locked"}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if isinstance(exc.__cause__, BodyNotJSON):
        message = str(exc.__cause__)
        return api.create_response(
            request, error_body("invalid", message, [{"field": "body", "message": message}]), status=422
        )
    code = HTTP_ERROR_CODES.get(exc.status_code, "error")
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

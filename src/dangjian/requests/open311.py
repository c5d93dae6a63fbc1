"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2/: the services
(request categories) and their definitions, the requests with the standard's filters, filing a
request with a client's API key, and tokens, each in the standard's JSON and XML forms.

Everything here is public, so nothing personal leaves: no name, phone or photo, the place as the
grid or building it was filed for (never the resident's own words about it), and the description
only when the resident agreed, with ID and phone numbers blotted out. A client's key and the
resident's e-mail, device and account are not kept. Errors are the standard's error list."""

import datetime as dt
import functools
import re
from xml.etree.ElementTree import Element, tostring

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from dangjian.core.throttle import public_read, public_write
from dangjian.orgs.models import Building, Grid
from dangjian.requests import rules, selectors, services
from dangjian.requests.forms import place_label
from dangjian.requests.models import Category, Request, Source

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
# The standard caps the window of a search at 90 days, and lets a server cap the list it answers.
MAX_WINDOW = dt.timedelta(days=90)
MAX_REQUESTS = 1000


class Open311Error(Exception):
    """Errors to answer as the standard's error list: (HTTP status, description) each; the
    response carries the first one's status."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(errors)
        self.errors = errors


def _refuse(status: int, field: str | None, message: str) -> Open311Error:
    return Open311Error([(status, f"{field}: {message}" if field else message)])


# --- answering in either format ---------------------------------------------------------------------

# The element of each member of a list, by the list's element (the standard's XML).
_MEMBER = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
           "errors": "error"}
# Characters XML 1.0 cannot carry, which a typed description may hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _element(name: str, value) -> Element:
    element = Element(name)
    if isinstance(value, dict):
        element.extend(_element(key, inner) for key, inner in value.items())
    elif isinstance(value, list):
        element.extend(_element(_MEMBER[name], inner) for inner in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


def _answer(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    """``value`` as JSON, or as XML under the element ``root``."""
    if fmt == "xml":
        body = '<?xml version="1.0" encoding="UTF-8"?>' + tostring(_element(root, value), encoding="unicode")
        return HttpResponse(body.encode(), content_type=XML_TYPE, status=status)
    return JsonResponse(value, safe=False, status=status, content_type=JSON_TYPE,
                        json_dumps_params={"ensure_ascii": False})


def _errors(fmt: str, error: Open311Error) -> HttpResponse:
    return _answer(fmt, "errors", [{"code": status, "description": description} for status, description in error.errors],
                   status=error.errors[0][0])


def _method(*allowed: str):
    """Answer the view's own errors, and a method it does not take, as the standard's error list."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if request.method not in allowed:
                response = _errors(fmt, _refuse(405, None, _("This method is not allowed here.")))
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return _errors(fmt, error)
        return wrapper
    return decorate


def _w3c(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _expected(due_on: dt.date | None) -> str | None:
    """The end of the last working day of the time limit, in the deployment's time zone."""
    if due_on is None:
        return None
    return timezone.make_aware(dt.datetime.combine(due_on, dt.time(23, 59, 59))).isoformat()


def _notice(category: Category) -> str:
    return _("Answered within %(days)s working days of acceptance.") % {"days": category.time_limit_days}


# --- services -------------------------------------------------------------------------------------------

@public_read
@_method("GET")
def service_list(request, fmt):
    return _answer(fmt, "services", [{
        "service_code": category.code, "service_name": category.name, "description": category.description,
        "metadata": bool(category.attributes), "type": "realtime", "keywords": category.keywords,
        "group": category.group,
    } for category in selectors.categories()])


@public_read
@_method("GET")
def service_definition(request, fmt, code):
    category = selectors.categories().filter(code=code).first()
    if category is None:
        raise _refuse(404, "service_code", _("There is no service %(code)s.") % {"code": code})
    return _answer(fmt, "service_definition", {"service_code": category.code, "attributes": [{
        "variable": attribute["variable"], "code": attribute["code"], "datatype": attribute["datatype"],
        "required": attribute["required"], "datatype_description": attribute["datatype_description"] or None,
        "order": attribute["order"], "description": attribute["description"],
        "values": [{"key": value["key"], "name": value["name"]} for value in attribute["values"]],
    } for attribute in category.attributes]})


# --- requests --------------------------------------------------------------------------------------------

def _request(filed: Request) -> dict:
    return {
        "service_request_id": filed.pk,
        "status": "open" if filed.state in rules.OPEN else "closed",
        # The reply was written to one resident; it is public only where the description is.
        "status_notes": (rules.redact(filed.public_note) or None) if filed.public else None,
        "service_name": filed.category.name,
        "service_code": filed.category.code,
        "description": rules.redact(filed.description) if filed.public else None,
        "agency_responsible": (filed.assigned_org or filed.organization).name,
        "service_notice": _notice(filed.category),
        "requested_datetime": _w3c(filed.received_at),
        "updated_datetime": _w3c(filed.updated_at),
        "expected_datetime": _expected(filed.due_on),
        "address": place_label(filed.building or filed.grid, with_address=False),
        "address_id": filed.building_id,
    }


def _list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _number(text: str) -> int | None:
    """A record's number; None for anything else, or for more digits than a database key holds."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _moment(raw: str, field: str, *, end: bool) -> dt.datetime:
    """A W3C date and time (2026-01-31T09:30:00+08:00 or Z), or a date: its first moment, or
    its last for ``end_date``. Without an offset, the deployment's time zone."""
    # An unencoded "+08:00" in an address arrives as " 08:00".
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip())
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time.max if end else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    # Within these years the window's arithmetic and the database's conversion to UTC stay in range.
    if moment is None or not 1900 <= moment.year <= 2999:
        raise _refuse(400, field, _("Give a date and time as 2026-01-31T09:30:00+08:00."))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(params) -> tuple[dt.datetime, dt.datetime]:
    """The window of requested_datetime searched: the last 90 days unless told, and never more."""
    start = _moment(params["start_date"], "start_date", end=False) if params.get("start_date", "").strip() else None
    end = _moment(params["end_date"], "end_date", end=True) if params.get("end_date", "").strip() else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_WINDOW
    elif end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise _refuse(400, "end_date", _("The end comes after the start."))
    if end - start > MAX_WINDOW:
        raise _refuse(400, "end_date", _("The dates may be at most 90 days apart."))
    return start, end


def _search(params) -> list[Request]:
    if params.get("service_request_id", "").strip():
        numbers = [_number(text) for text in _list(params["service_request_id"])]
        if None in numbers:
            raise _refuse(400, "service_request_id", _("Give request numbers separated by commas."))
        return selectors.open311_requests(ids=numbers, limit=MAX_REQUESTS)
    codes = _list(params.get("service_code", ""))
    categories = list(selectors.categories(active_only=False).filter(code__in=codes)) if codes else None
    unknown = sorted(set(codes) - {category.code for category in categories or ()})
    if unknown:
        raise _refuse(400, "service_code", _("There is no service %(code)s.") % {"code": ", ".join(unknown)})
    statuses = set(_list(params.get("status", "")))
    if statuses - {"open", "closed"}:
        raise _refuse(400, "status", _("A status is open or closed."))
    start, end = _window(params)
    return selectors.open311_requests(received_from=start, received_until=end, categories=categories,
                                      open_=("open" in statuses) if len(statuses) == 1 else None,
                                      limit=MAX_REQUESTS)


# The standard's field names for the service's: where the client gave what the service refused.
_FIELDS = {"category": "service_code", "grid": "address_string", "building": "address_id"}
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")


def _located(params) -> tuple[Grid | None, Building | None, dict[str, str]]:
    """The grid and building named by address_id (a building's number) or found by address_string
    (exactly one grid or building), with the reason when neither names one."""
    address_id, text = params.get("address_id", "").strip(), params.get("address_string", "").strip()
    if address_id:
        number = _number(address_id)
        building = (Building.objects.select_related("grid__community", "grid__organization")
                    .filter(pk=number).first() if number is not None else None)
        if building is None:
            return None, None, {"address_id": _("There is no building %(id)s.") % {"id": address_id}}
        return building.grid, building, {}
    if not text:
        if params.get("lat", "").strip() or params.get("long", "").strip():
            return None, None, {"lat": _("Requests are located by address here, not by coordinates: "
                                         "give address_string or address_id.")}
        return None, None, {"address_string": _("Give address_string or address_id.")}
    found = selectors.place_matches(text, limit=6)
    if len(found) == 1:
        place = found[0]
        return (place.grid, place, {}) if isinstance(place, Building) else (place, None, {})
    if not found:
        return None, None, {"address_string": _("No grid or building matches “%(text)s”.") % {"text": text}}
    names = "; ".join(f"{place_label(place, with_address=False)} (address_id {place.pk})"
                      if isinstance(place, Building) else place_label(place) for place in found[:5])
    return None, None, {"address_string": _("Several places match “%(text)s”: %(names)s. Give more of the name, "
                                            "or the address_id of a building.") % {"text": text, "names": names}}


def _contact_name(params) -> str:
    first, last = params.get("first_name", "").strip(), params.get("last_name", "").strip()
    # A Chinese name reads family name first, without a space.
    if re.search(r"[\u3400-\u9fff]", first + last):
        return last + first
    return f"{first} {last}".strip()


def _file(request, fmt):
    params = request.POST
    key = selectors.open311_key_by_secret(params.get("api_key", "").strip())
    if key is None:
        raise _refuse(403, "api_key", _("Give a valid api_key: this one is unknown or revoked."))
    code = params.get("service_code", "").strip()
    category = selectors.categories().filter(code=code).first() if code else None
    known = {}
    if category is None:
        known["service_code"] = (_("There is no service %(code)s that takes requests.") % {"code": code} if code
                                 else _("Give the service_code."))
    grid, building, place_problem = _located(params)
    known.update(place_problem)
    attributes: dict[str, list[str]] = {}
    for name in params:
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            attributes.setdefault(match[1], []).extend(params.getlist(name))
    try:
        filed, tracking_code = services.request_file(
            actor=None, source=Source.OPEN311, client=key, category=category, grid=grid, building=building,
            description=params.get("description", ""), address=params.get("address_string", ""),
            contact_name=_contact_name(params), phone=params.get("phone", ""),
            media_url=params.get("media_url", "").strip(), attributes=attributes)
    except ValidationError as error:
        problems = {_FIELDS.get(field, field): " ".join(messages) for field, messages in error.message_dict.items()}
        if known:
            # The service knows only that the category or the place is missing; this view knows why.
            for field in ("service_code", "address_string", "address_id"):
                problems.pop(field, None)
            problems.update(known)
        raise Open311Error([(400, f"{field}: {message}") for field, message in sorted(problems.items())]) from None
    services.open311_key_used(key)
    return _answer(fmt, "service_requests", [{
        "service_request_id": filed.pk, "token": filed.open311_token, "service_notice": _notice(filed.category),
        "account_id": None, "tracking_code": rules.format_tracking_code(tracking_code)}])


@csrf_exempt
@public_write
@_method("GET", "POST")
def request_list(request, fmt):
    if request.method == "POST":
        return _file(request, fmt)
    return _answer(fmt, "service_requests", [_request(filed) for filed in _search(request.GET)])


@public_read
@_method("GET")
def request_detail(request, fmt, number):
    found = selectors.open311_requests(ids=[_number(number)], limit=1) if _number(number) is not None else []
    if not found:
        raise _refuse(404, "service_request_id", _("There is no request %(number)s.") % {"number": number})
    return _answer(fmt, "service_requests", [_request(found[0])])


@public_read
@_method("GET")
def token(request, fmt, token):
    number = selectors.by_open311_token(token)
    if number is None:
        raise _refuse(404, "token", _("No request has this token."))
    return _answer(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@csrf_exempt
@public_read
def unknown(request, rest):
    return _errors("xml" if rest.endswith(".xml") else "json",
                   _refuse(404, None, _("There is no such Open311 method. See services.json or services.xml.")))


app_name = "open311"
urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$", service_definition, name="service_definition"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", request_list, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+)\.(?P<fmt>json|xml)$", request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)\.(?P<fmt>json|xml)$", token, name="token"),
    re_path(r"^(?P<rest>.*)$", unknown, name="unknown"),
]

"""Pure rules of residents' requests: the states and the transitions each kind of actor may make,
deadlines in working days with their green, yellow and red lights, escalation up the tree, the
tracking code, Open311 attribute values, and what of a request may be shown in public. No
database, no request."""

import datetime as dt
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.calendar import WorkingDays


class State(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Received")
    ACCEPTED = "accepted", gettext_lazy("Accepted")
    ASSIGNED = "assigned", gettext_lazy("Assigned")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    RESOLVED = "resolved", gettext_lazy("Resolved, awaiting the resident")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed by the resident")
    CLOSED = "closed", gettext_lazy("Closed without an answer")
    REOPENED = "reopened", gettext_lazy("Reopened")
    DUPLICATE = "duplicate", gettext_lazy("Duplicate")
    REFERRED = "referred", gettext_lazy("Referred elsewhere")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")


class Actor(models.TextChoices):
    """Who makes a change: staff holding the request's organisation in their scope, the member it
    is assigned to, the resident (by tracking code), or the platform itself (the sweep)."""

    STAFF = "staff", gettext_lazy("Staff")
    ASSIGNEE = "assignee", gettext_lazy("Assigned member")
    RESIDENT = "resident", gettext_lazy("Resident")
    SYSTEM = "system", gettext_lazy("Platform")


class Action(models.TextChoices):
    ACCEPT = "accept", gettext_lazy("Accept")
    ASSIGN = "assign", gettext_lazy("Assign")
    START = "start", gettext_lazy("Start work")
    RESOLVE = "resolve", gettext_lazy("Resolve")
    CONFIRM = "confirm", gettext_lazy("Confirm the fix")
    CLOSE = "close", gettext_lazy("Close after no answer")
    REOPEN = "reopen", gettext_lazy("Reopen: not fixed")
    DUPLICATE = "duplicate", gettext_lazy("Mark as duplicate")
    REFER = "refer", gettext_lazy("Refer elsewhere")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw")
    NOTE = "note", gettext_lazy("Add a note")


S, A = State, Actor
# Work not yet done: these states carry a deadline, count as open in Open311 and may be escalated.
OPEN = frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})
WORKING = frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})
FINAL = frozenset({S.CONFIRMED, S.DUPLICATE, S.REFERRED, S.WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None  # None: the state stays (a note)
    actors: frozenset


T = Transition
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    T(Action.ACCEPT, frozenset({S.RECEIVED}), S.ACCEPTED, frozenset({A.STAFF})),
    T(Action.ASSIGN, WORKING, S.ASSIGNED, frozenset({A.STAFF})),
    T(Action.START, frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS, frozenset({A.STAFF, A.ASSIGNEE})),
    T(Action.RESOLVE, WORKING, S.RESOLVED, frozenset({A.STAFF, A.ASSIGNEE})),
    T(Action.CONFIRM, frozenset({S.RESOLVED}), S.CONFIRMED, frozenset({A.RESIDENT})),
    T(Action.CLOSE, frozenset({S.RESOLVED}), S.CLOSED, frozenset({A.SYSTEM})),
    # A resident who finds it not fixed may say so after the wait closed it, too.
    T(Action.REOPEN, frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED, frozenset({A.RESIDENT})),
    T(Action.DUPLICATE, OPEN, S.DUPLICATE, frozenset({A.STAFF})),
    T(Action.REFER, frozenset({S.RECEIVED, S.ACCEPTED}), S.REFERRED, frozenset({A.STAFF})),
    # Staff withdraw on the resident's word (a phone call); the resident by code.
    T(Action.WITHDRAW, OPEN, S.WITHDRAWN, frozenset({A.RESIDENT, A.STAFF})),
    T(Action.NOTE, frozenset(State.values) - FINAL, None, frozenset({A.STAFF, A.ASSIGNEE})),
)}


def refusal(state: str, action: str, actor: str) -> str | None:
    """Why ``actor`` may not take ``action`` on a request in ``state``, or None if they may."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return _("There is no action “%(action)s”.") % {"action": action}
    if actor not in transition.actors:
        return _("%(actor)s cannot take the action “%(action)s”.") % {
            "actor": Actor(actor).label, "action": Action(action).label}
    if state not in transition.sources:
        return _("A request that is “%(state)s” cannot be changed by “%(action)s”.") % {
            "state": State(state).label, "action": Action(action).label}
    return None


def actions_for(state: str, actors) -> list[str]:
    """The actions open to someone acting as any of ``actors`` on a request in ``state``, in the
    order of the table."""
    return [action for action, transition in TRANSITIONS.items()
            if state in transition.sources and transition.actors & set(actors)]


def target_of(state: str, action: str) -> str:
    target = TRANSITIONS[action].target
    return state if target is None else target


# --- deadlines ------------------------------------------------------------------------------------

class Light(models.TextChoices):
    GREEN = "green", gettext_lazy("On time")
    YELLOW = "yellow", gettext_lazy("Due soon")
    RED = "red", gettext_lazy("Overdue")


@dataclass(frozen=True)
class Deadline:
    due_on: dt.date  # the last working day of the time limit
    warn_on: dt.date  # from this day the request shows yellow


def deadline(start: dt.date, limit_days: int, yellow_share: float, calendar: WorkingDays) -> Deadline:
    """The time limit of ``limit_days`` working days counted from the day after ``start`` (the
    day of acceptance), and the day from which the request is due soon: when no more than
    ``yellow_share`` of the limit remains (at least the last working day)."""
    if limit_days < 1:
        raise ValueError("A time limit is at least one working day.")
    due_on = calendar.add(start, limit_days)
    warning_days = max(1, math.ceil(limit_days * yellow_share))
    return Deadline(due_on=due_on, warn_on=calendar.add(start, limit_days - warning_days + 1))


def light(deadline_: Deadline | None, today: dt.date) -> str | None:
    if deadline_ is None:
        return None
    if today > deadline_.due_on:
        return Light.RED
    return Light.YELLOW if today >= deadline_.warn_on else Light.GREEN


def light_of(request, today: dt.date) -> str | None:
    """The light of a request (anything with ``state``, ``due_on`` and ``warn_on``): none before
    its deadline is set or once its work is done."""
    if request.state not in OPEN or request.due_on is None:
        return None
    return light(Deadline(request.due_on, request.warn_on), today)


# --- escalation -----------------------------------------------------------------------------------

MAX_ESCALATION = 2  # grid → community (1) → street (2)


def escalation_level(due_on: dt.date, limit_days: int, today: dt.date, calendar: WorkingDays) -> int:
    """How far an open request has risen: one level the first day after its deadline, and one more
    each time a further time limit passes without it being resolved, at most to the street."""
    level, boundary = 0, due_on
    while level < MAX_ESCALATION and today > boundary:
        level += 1
        boundary = calendar.add(boundary, limit_days)
    return level


# --- tracking codes -------------------------------------------------------------------------------

# Crockford's base 32, without I, L, O or U: a code is read out on the phone and copied from
# paper, so what is typed as O is read as 0, and I or L as 1.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 32^12 = 2^60: not guessable within any rate limit


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


OPEN311_TOKEN_LENGTH = 16


def new_open311_token() -> str:
    """A token naming one request to an Open311 client; lower case, so it never reads as a
    tracking code (which is upper case and grouped by hyphens)."""
    return "".join(secrets.choice(CODE_ALPHABET.lower()) for _ in range(OPEN311_TOKEN_LENGTH))


def format_tracking_code(code: str) -> str:
    return "-".join(code[index:index + 4] for index in range(0, len(code), 4))


def normalise_tracking_code(raw: str) -> str | None:
    """The code as stored, from what a resident typed (any case, spaces or hyphens, O for 0 and I
    or L for 1 mistaken); None if it cannot be a code."""
    # NFKC first: a code typed in a Chinese input method's full-width mode is the same code.
    cleaned = re.sub(r"[\s\-—]", "", unicodedata.normalize("NFKC", raw or "")).upper().translate(
        str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_LENGTH or any(character not in CODE_ALPHABET for character in cleaned):
        return None
    return cleaned


# --- receptions ---------------------------------------------------------------------------------

MAX_VISITORS = 10_000  # more than any reception room holds in a day


# --- satisfaction ---------------------------------------------------------------------------------

SATISFACTION_SCALE = range(1, 6)  # 1 very dissatisfied … 5 very satisfied
SATISFIED_FROM = 4


# --- what may be shown in public ------------------------------------------------------------------

_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])"
                    r"|(?<![0-9])[(（]?0[0-9]{2,3}[)）]?[ -]?[0-9]{7,8}(?![0-9])")


def redact(text: str) -> str:
    """``text`` with anything that looks like an ID number or a phone number blotted out, for
    descriptions shown in public (a resident may type their own)."""
    return _PHONE.sub("***", _ID_NUMBER.sub("***", text or ""))


# --- Open311 attributes of a category ---------------------------------------------------------------

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class AttributeProblems(ValueError):
    """A category's attribute definition or an attribute value that is not right; ``problems``
    names each one."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems.items()))
        self.problems = problems


def check_attribute_definitions(definitions) -> list[dict]:
    """The attribute definitions of a category (Open311 GeoReport v2 ``service_definition``),
    normalised; raises AttributeProblems naming each attribute that is wrong."""
    if not isinstance(definitions, list):
        raise AttributeProblems({"attributes": _("Give a list of attributes.")})
    problems, kept, codes = {}, [], set()
    for index, item in enumerate(definitions, start=1):
        where = f"attributes[{index}]"
        if not isinstance(item, dict):
            problems[where] = _("Each attribute is an object.")
            continue
        code = str(item.get("code", "")).strip()
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", code):
            problems[where] = _("Give a code of 1 to 40 letters, digits, hyphens or underscores.")
            continue
        if code in codes:
            problems[where] = _("The code %(code)s is used twice.") % {"code": code}
            continue
        codes.add(code)
        datatype = item.get("datatype", "string")
        if datatype not in DATATYPES:
            problems[where] = _("The datatype is one of: %(types)s.") % {"types": ", ".join(DATATYPES)}
            continue
        values = item.get("values") or []
        if datatype.endswith("valuelist"):
            if not isinstance(values, list) or not values or not all(isinstance(value, dict) and str(value.get("key", "")).strip() and
                                     str(value.get("name", "")).strip() for value in values):
                problems[where] = _("A list attribute needs values, each with a key and a name.")
                continue
            values = [{"key": str(value["key"]).strip(), "name": str(value["name"]).strip()} for value in values]
        else:
            values = []
        description = str(item.get("description", "")).strip()
        if not description:
            problems[where] = _("Give the question asked (description).")
            continue
        required = item.get("required", False)
        if isinstance(required, str):
            required = required.strip().lower() in ("true", "1", "yes")
        kept.append({"code": code, "datatype": datatype, "required": bool(required),
                     "description": description, "datatype_description": str(item.get("datatype_description", "")),
                     "order": int(order) if re.fullmatch(r"[0-9]{1,4}", order := str(item.get("order", index))) else index,
                     "variable": True, "values": values})
    if problems:
        raise AttributeProblems(problems)
    return sorted(kept, key=lambda attribute: attribute["order"])


def read_attribute_values(definitions: list[dict], given: dict[str, list[str]]) -> dict:
    """The values of a category's attributes from what was posted (``attribute[code]`` → its
    values), checked against the definitions; raises AttributeProblems naming each attribute."""
    problems, values = {}, {}
    known = {definition["code"] for definition in definitions}
    for code in sorted(set(given) - known):
        problems[f"attribute[{code}]"] = _("This category has no attribute %(code)s.") % {"code": code}
    for definition in definitions:
        code, field = definition["code"], f"attribute[{definition['code']}]"
        raw = [value.strip() for value in given.get(code, []) if value.strip()]
        if not raw:
            if definition["required"]:
                problems[field] = _("Required: %(question)s") % {"question": definition["description"]}
            continue
        datatype = definition["datatype"]
        keys = {value["key"] for value in definition["values"]}
        if datatype == "multivaluelist":
            unknown = [value for value in raw if value not in keys]
            if unknown:
                problems[field] = _("Not among the choices: %(values)s.") % {"values": ", ".join(unknown)}
            else:
                values[code] = raw
            continue
        if len(raw) > 1:
            problems[field] = _("Give one value.")
            continue
        value = raw[0]
        if datatype == "singlevaluelist" and value not in keys:
            problems[field] = _("Not among the choices: %(values)s.") % {"values": value}
        elif datatype == "number" and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
            problems[field] = _("Give a number.")
        elif datatype == "datetime" and not _is_datetime(value):
            problems[field] = _("Give a date and time as 2026-01-31T09:30:00+08:00.")
        elif len(value) > (2000 if datatype == "text" else 200):
            problems[field] = _("Too long.")
        else:
            values[code] = value
    if problems:
        raise AttributeProblems(problems)
    return values


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True

"""Writes of residents' requests: filing (by the resident, for them, from a reception or a visit,
or through Open311), every change of state by staff, the assigned member, the resident holding the
tracking code or the platform's sweep, escalation up the tree, receptions and visits, the
representatives and their rota, categories, reply templates and Open311 keys.

Each write is one transaction with its audit line and its roll-up counts; a refused one changes
nothing. A change names the version of the request it was made on: of two changes made on the
same version, the second is refused (``version``), so two people cannot both win."""

import datetime as dt
import functools
import re
import secrets
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity, uploads
from dangjian.core import services as core_services
from dangjian.core.calendar import UnpublishedYear
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission, require_permission
from dangjian.core.selectors import working_days
from dangjian.members.models import Member, ResidenceRegistration
from dangjian.members.selectors.own import is_own_record
from dangjian.orgs import counts as org_counts
from dangjian.orgs.models import Building, Grid, Organization
from dangjian.requests import notifications, rules, selectors, tally
from dangjian.requests.models import (
    Category,
    Open311Key,
    Reception,
    ReceptionDuty,
    ReplyTemplate,
    Representative,
    Request,
    RequestUpdate,
    Source,
    Tracking,
    Visit,
)
from dangjian.requests.rules import Action, Actor, State
from dangjian.service.models import ServiceTeam

DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission: str, path: str) -> None:
    require_permission(actor, permission, path, _("Your role does not allow this for this organisation."))


# --- filing ---------------------------------------------------------------------------------------

def _problem_errors(*, category, grid, building, description, phone, attributes) -> tuple[dict, str, dict]:
    """Checks shared by every way of filing: (errors by field, the phone as stored, attribute values)."""
    errors: dict[str, list[str]] = {}
    if category is None or not category.active:
        errors["category"] = [_("Choose a category that takes new requests.")]
    if grid is None:
        errors["grid"] = [_("Choose the grid or building where it is.")]
    elif building is not None and building.grid_id != grid.pk:
        errors["building"] = [_("The building %(building)s is not in the grid %(grid)s.") % {
            "building": building.name, "grid": grid.name}]
    description = (description or "").strip()
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        errors["description"] = [_("Describe the problem in %(min)s to %(max)s characters.") % {
            "min": DESCRIPTION_MIN, "max": DESCRIPTION_MAX}]
    stored_phone = ""
    if (phone or "").strip():
        try:
            stored_phone = identity.normalise_phone(phone)
        except identity.InvalidPhone as error:
            errors["phone"] = [str(error)]
    values = {}
    if category is not None and (category.attributes or attributes):
        try:
            values = rules.read_attribute_values(category.attributes, attributes or {})
        except rules.AttributeProblems as problems:
            for field, message in problems.problems.items():
                errors.setdefault(field, []).append(message)
    return errors, stored_phone, values


def _new_request(*, actor, category: Category, grid: Grid, building: Building | None, description: str,
                 address: str, contact_name: str, phone: str, public: bool, source: str, attributes: dict,
                 photo=None, media_url: str = "", reception: Reception | None = None, visit: Visit | None = None,
                 client: Open311Key | None = None) -> Request:
    """A request for ``_file``, not saved yet (its photo is stored already)."""
    organization = selectors.place_organization(grid)
    request = Request(
        city_id=organization.city_id, category=category, grid=grid, building=building, organization=organization,
        org_path=organization.path, address=(address or "").strip()[:200], description=description.strip(),
        public=public, attributes=attributes, media_url=media_url, contact_name=(contact_name or "").strip()[:50],
        phone_sealed=crypto.seal(phone) if phone else None, phone_last4=phone[-4:], source=source,
        entered_by=_user(actor), reception=reception, visit=visit, client=client,
        open311_token=rules.new_open311_token() if client is not None else None)
    if photo is not None:
        # Named by the type read from its bytes, never by the name the browser sent.
        kind = uploads.document_type(photo, max_bytes=settings.DANGJIAN_REQUEST_PHOTO_MAX_BYTES,
                                     allowed=uploads.PHOTO_TYPES)
        request.photo.save(f"photo.{uploads.PHOTO_TYPES[kind]}", photo, save=False)
    return request


def _file(actor, requests: list[Request]) -> list[tuple[Request, str]]:
    """Save new ``requests`` with a tracking code each, the first line of their timeline, their
    roll-up counts and an audit line each. A reception may raise dozens of problems: besides the
    audit lines they cost three inserts and the counts of each place once, whatever their number.
    Returns each request with its code."""
    Request.objects.bulk_create(requests)
    codes = [rules.new_tracking_code() for _request in requests]
    Tracking.objects.bulk_create([Tracking(code_hash=crypto.lookup_hash(code), request=request, filed=request)
                                  for request, code in zip(requests, codes, strict=True)])
    kind = Actor.STAFF if _user(actor) else Actor.RESIDENT
    RequestUpdate.objects.bulk_create([
        RequestUpdate(request=request, actor=_user(actor), actor_kind=kind, action="file", to_state=State.RECEIVED,
                      data={"source": request.source}) for request in requests])
    counts: dict[str, dict[str, int]] = {}
    for request in requests:
        place = counts.setdefault(request.org_path, {"received": 0, "problems_collected": 0})
        place["received"] += 1
        place["problems_collected"] += request.source in (Source.RECEPTION, Source.VISIT)
    today = timezone.localdate()
    for path, deltas in counts.items():
        tally.add(path, today, **deltas)
    for request in requests:
        audit.record(AuditAction.CREATE, actor=actor, obj=request, org_path=request.org_path, changes={"request": {
            "category": request.category.code, "grid": request.grid.code, "source": request.source,
            "entered_for": request.contact_name if _user(actor) else ""}})
    return list(zip(requests, codes, strict=True))


@transaction.atomic
def request_file(*, actor, category: Category | None, grid: Grid | None, description: str,
                 building: Building | None = None, address: str = "", contact_name: str = "", phone: str = "",
                 photo=None, public: bool = False, attributes: dict | None = None, source: str = Source.PUBLIC_PAGE,
                 media_url: str = "", client: Open311Key | None = None) -> tuple[Request, str]:
    """File a request: by a resident on the public page or through an Open311 client (``actor``
    None), or by staff or a representative for a resident ("entered by X for Y"). Returns the
    request and its tracking code, which is shown once and kept only as a keyed hash."""
    if source == Source.ON_BEHALF:
        if _user(actor) is None or grid is None or not selectors.may_file_for_residents(actor, grid):
            raise PermissionDenied(_("Only staff of the place and its representatives file for residents."))
    elif source not in (Source.PUBLIC_PAGE, Source.OPEN311):
        raise ValueError(f"request_file does not file from {source}; receptions and visits do")
    errors, phone, values = _problem_errors(category=category, grid=grid, building=building,
                                            description=description, phone=phone,
                                            attributes=attributes)
    if photo is not None:
        try:
            uploads.document_type(photo, max_bytes=settings.DANGJIAN_REQUEST_PHOTO_MAX_BYTES,
                                  allowed=uploads.PHOTO_TYPES)
        except uploads.UploadRefused as error:
            errors["photo"] = [str(error)]
    if source == Source.ON_BEHALF and not (contact_name or "").strip():
        errors["contact_name"] = [_("Give the name of the resident you file for.")]
    # An Open311 client's text: saving does not check it, and the column holds 500 characters.
    if media_url and (len(media_url) > 500 or not _web_address(media_url)):
        errors["media_url"] = [_("Give the address of the photo: http:// or https://, at most 500 characters.")]
    if errors:
        raise ValidationError(errors)
    return _file(actor, [_new_request(
        actor=actor, category=category, grid=grid, building=building, description=description, address=address,
        contact_name=contact_name, phone=phone, public=public, source=source, attributes=values, photo=photo,
        media_url=media_url, client=client)])[0]


def _web_address(text: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return False
    return True


# --- changes of state -------------------------------------------------------------------------------

def _locked(request: Request, version: int | None) -> Request:
    current = Request.objects.select_for_update().select_related("category", "organization").get(pk=request.pk)
    if version is not None and current.version != version:
        raise ValidationError({"version": _(
            "Someone changed this request while you had it open (now: %(state)s). Reload it and decide again.")
            % {"state": current.get_state_display()}})
    return current


def _save(request: Request, previous_version: int, fields: list[str]) -> None:
    """Write ``fields`` only if no one else has written since ``previous_version``: the lock above
    holds on PostgreSQL, and this holds on any database."""
    request.version = previous_version + 1
    request.updated_at = timezone.now()
    values = {field: getattr(request, field) for field in [*fields, "state", "version", "updated_at"]}
    if not Request.objects.filter(pk=request.pk, version=previous_version).update(**values):
        raise ValidationError({"version": _("Someone changed this request at the same moment. Reload it.")})


def _kind(actor, request: Request, action: str) -> str:
    """The part in which ``actor`` makes ``action``: staff where they may, else the assigned member."""
    kinds = selectors.actor_kinds(actor, request)
    allowed = rules.TRANSITIONS[action].actors if action in rules.TRANSITIONS else frozenset()
    for kind in (Actor.STAFF, Actor.ASSIGNEE):
        if kind in kinds and kind in allowed:
            return kind
    if not kinds:
        raise PermissionDenied(_("Your role does not allow this for this organisation."))
    return sorted(kinds)[0]


def _deadline(request: Request, start: dt.date) -> None:
    # A fraction, not a float: 30% of 10 days is 3 days, where 10 * 0.3 rounds up to 4.
    share = Fraction(settings.DANGJIAN_REQUEST_YELLOW_PERCENT, 100)
    try:
        deadline = rules.deadline(start, request.category.time_limit_days, share, working_days())
    except UnpublishedYear as unpublished:
        raise ValidationError({"action": _(
            "The deadline cannot be counted: the working days of %(year)s are not in the calendar yet. Ask an "
            "administrator to enter them.") % {"year": unpublished.year}}) from None
    request.due_on, request.warn_on = deadline.due_on, deadline.warn_on
    request.escalation_level, request.escalated_to = 0, None


@transaction.atomic
def request_change(*, actor, request: Request, action: str, version: int | None = None, public_note: str = "",
                   internal_note: str = "", organization: Organization | None = None, member: Member | None = None,
                   team: ServiceTeam | None = None, original: Request | None = None, referred_to: str = "",
                   public: bool | None = None) -> Request:
    """Make ``action`` on ``request`` as staff or as an assignee: accept (the deadline starts),
    assign (to an organisation, a member or a service team), start, resolve (with a reply to the
    resident), mark as a duplicate of ``original`` (which takes over its followers), refer
    elsewhere, withdraw on the resident's word, or add a note."""
    kind = _kind(actor, request, action)
    request = _locked(request, version)
    refusal = rules.refusal(request.state, action, kind)
    if refusal:
        raise ValidationError({"action": refusal})
    public_note, internal_note = (public_note or "").strip()[:1000], (internal_note or "").strip()[:1000]
    previous, previous_version, today = request.state, request.version, timezone.localdate()
    fields, data = [], {}
    if action == Action.ACCEPT:
        _deadline(request, today)
        request.accepted_on = today
        fields += ["accepted_on", "due_on", "warn_on", "escalation_level", "escalated_to"]
        if public is not None:
            # Staff may take the resident's consent to publish back, never give it for them.
            request.public = request.public and public
            fields.append("public")
    elif action == Action.ASSIGN:
        fields += _assign(actor, request, organization, member, team)
        data = {"organization": organization.code if organization else "", "member": member.pk if member else None,
                "team": team.pk if team else None}
    elif action == Action.RESOLVE:
        if not public_note:
            raise ValidationError({"public_note": _("Tell the resident what was done.")})
        request.resolved_at = timezone.now()
        days = tally.days_to_resolve(request, today)
        data = {"days": days, "on_time": request.due_on is not None and today <= request.due_on}
        fields.append("resolved_at")
        collected = request.source in (Source.RECEPTION, Source.VISIT)
        ids = org_counts.ancestor_ids(request.org_path)
        tally.add(request.org_path, today, ids=ids, resolved=1, resolved_on_time=int(data["on_time"]),
                  resolution_days=days, problems_resolved=int(collected))
        tally.add_resolution(request.org_path, today, days, ids=ids)
    elif action == Action.DUPLICATE:
        fields.append("duplicate_of")
        request.duplicate_of = _original(actor, request, original)
        data = {"original": request.duplicate_of.pk}
    elif action == Action.REFER:
        referred_to = (referred_to or "").strip()
        if not referred_to:
            raise ValidationError({"referred_to": _("Say where the request was referred to.")})
        request.referred_to = referred_to[:200]
        fields.append("referred_to")
    elif action == Action.NOTE and not (public_note or internal_note):
        raise ValidationError({"public_note": _("Write a note.")})
    request.state = rules.target_of(previous, action)
    if request.state in rules.FINAL:
        request.closed_at = timezone.now()
        fields.append("closed_at")
    if public_note:
        request.public_note = public_note
        fields.append("public_note")
    _save(request, previous_version, fields)
    if action == Action.DUPLICATE:
        Tracking.objects.filter(request=request).update(request=request.duplicate_of)
    _record(request, actor=actor, kind=kind, action=action, previous=previous, public_note=public_note,
            internal_note=internal_note, data=data)
    counted = {Action.ACCEPT: "accepted", Action.DUPLICATE: "duplicates", Action.REFER: "referred",
               Action.WITHDRAW: "withdrawn"}
    if action in counted:
        tally.add(request.org_path, today, **{counted[action]: 1})
    return request


def _assign(actor, request: Request, organization: Organization | None, member: Member | None,
            team: ServiceTeam | None) -> list[str]:
    if sum(chosen is not None for chosen in (organization, member, team)) != 1:
        raise ValidationError({"organization": _("Assign to one organisation, one member or one service team.")})
    request.assigned_org = request.assigned_member = request.assigned_team = None
    request.assigned_path = ""
    link = reverse("requests:detail", args=[request.pk])
    if organization is not None:
        if organization.is_dissolved or not has_permission(actor, Permission.HANDLE_REQUESTS, organization.path):
            raise ValidationError({"organization": _("Choose a live organisation within your own.")})
        request.assigned_org, request.assigned_path = organization, organization.path
        core_services.notify(selectors.handlers_at(organization), notifications.ASSIGNED_TO_ORGANIZATION, link,
                             number=request.pk, category=request.category.name, org=organization.name)
    elif member is not None:
        if member.left_on is not None or not has_permission(actor, Permission.VIEW_MEMBERS, member.org_path):
            raise ValidationError({"member": _("Choose a current member within your organisation.")})
        request.assigned_member = member
        if member.account_id:
            core_services.notify([member.account], notifications.ASSIGNED_TO_YOU, link, number=request.pk,
                                 category=request.category.name)
    else:
        if team.disbanded_on is not None or not has_permission(actor, Permission.HANDLE_REQUESTS, team.org_path):
            raise ValidationError({"team": _("Choose an active service team within your organisation.")})
        # The team's organisation oversees its work, so its staff see the request as well.
        request.assigned_team, request.assigned_path = team, team.org_path
        if team.leader_id and team.leader.account_id:
            core_services.notify([team.leader.account], notifications.ASSIGNED_TO_TEAM, link, number=request.pk,
                                 category=request.category.name, team=team.name)
    return ["assigned_org", "assigned_member", "assigned_team", "assigned_path"]


def _original(actor, request: Request, original: Request | None) -> Request:
    if original is None:
        raise ValidationError({"original": _("Give the number of the request this one repeats.")})
    # A chain of duplicates ends at the request that is handled.
    seen = {request.pk}
    while original.duplicate_of_id is not None and original.pk not in seen:
        seen.add(original.pk)
        original = original.duplicate_of
    if original.pk in seen or not selectors.can_handle(actor, original):
        raise ValidationError({"original": _("Choose another request you handle, not this one.")})
    if original.state in rules.FINAL or original.state == State.CLOSED:
        # Its followers would follow a request no one works on any more.
        raise ValidationError({"original": _(
            "Request #%(number)s is closed (%(state)s): handle this one on its own.") % {
            "number": original.pk, "state": original.get_state_display()}})
    return original


def _record(request: Request, *, actor, kind: str, action: str, previous: str, public_note: str = "",
            internal_note: str = "", data: dict | None = None) -> None:
    RequestUpdate.objects.create(request=request, actor=_user(actor), actor_kind=kind, action=action,
                                 from_state=previous, to_state=request.state, public_note=public_note,
                                 internal_note=internal_note, data=data or {})
    audit.record(AuditAction.UPDATE, actor=actor, obj=request, org_path=request.org_path, changes={
        "request": {"action": action, "state": [previous, request.state], "by": kind, **(data or {})}},
        object_repr=f"#{request.pk}")


@transaction.atomic
def resident_answer(*, code: str, action: str, satisfaction: int | None = None, comment: str = "") -> Request:
    """The resident holding ``code`` confirms the fix (with how satisfied they are), says it is not
    fixed (the request reopens with a new time limit), or withdraws the request."""
    found = selectors.by_tracking_code(code)
    if found is None:
        raise ValidationError({"code": _("No request has this tracking code. Check it and try again.")})
    request = _locked(found[0], None)
    refusal = rules.refusal(request.state, action, Actor.RESIDENT)
    if refusal:
        raise ValidationError({"action": refusal})
    if action == Action.WITHDRAW and found[1].filed_id != request.pk:
        # A follower of a merged duplicate answers for the fix of the shared problem, but the
        # original is another resident's to withdraw.
        raise ValidationError({"action": _("Your request was merged into another resident's; only they may "
                                           "withdraw it.")})
    comment = (comment or "").strip()[:1000]
    previous, previous_version, today = request.state, request.version, timezone.localdate()
    fields, data = [], {}
    if action == Action.CONFIRM:
        if satisfaction is not None and satisfaction not in rules.SATISFACTION_SCALE:
            raise ValidationError({"satisfaction": _("Choose 1 to 5.")})
        request.satisfaction, data = satisfaction, {"satisfaction": satisfaction}
        request.closed_at = timezone.now()
        fields += ["satisfaction", "closed_at"]
        tally.add(request.org_path, today, confirmed=1, satisfaction_count=int(satisfaction is not None),
                  satisfaction_sum=satisfaction or 0,
                  satisfied=int(satisfaction is not None and satisfaction >= rules.SATISFIED_FROM))
    elif action == Action.REOPEN:
        if not comment:
            raise ValidationError({"comment": _("Say what is still wrong.")})
        _deadline(request, today)
        request.reopen_count += 1
        request.closed_at = None
        fields += ["due_on", "warn_on", "escalation_level", "escalated_to", "reopen_count", "closed_at"]
        tally.add(request.org_path, today, reopened=1)
    elif action == Action.WITHDRAW:
        request.closed_at = timezone.now()
        fields.append("closed_at")
        tally.add(request.org_path, today, withdrawn=1)
    request.state = rules.target_of(previous, action)
    _save(request, previous_version, fields)
    _record(request, actor=None, kind=Actor.RESIDENT, action=action, previous=previous, internal_note=comment,
            data=data)
    return request


def request_reveal_phone(*, actor, request: Request) -> str:
    """The resident's phone in clear, for a role that may reveal it; each reveal is audited."""
    _require(actor, Permission.REVEAL_PERSONAL, request.org_path)
    audit.record(AuditAction.REVEAL, actor=actor, obj=request, org_path=request.org_path,
                 changes={"revealed": "phone"})
    return request.phone


def request_photo_download(*, actor, request: Request) -> Request:
    """Audit that ``actor`` (who sees the request) opens its photo."""
    audit.record(AuditAction.DOWNLOAD, actor=actor, obj=request, org_path=request.org_path,
                 changes={"request_photo": request.pk})
    return request


# --- the sweep: escalation and closing unanswered requests -------------------------------------------

class _SweepReads:
    """What the sweep would read again for every request of the same place: the level it rises
    to, the staff told there and the rows of its counts. Kept for one sweep only, so that a change
    to the tree or to the staff shows at the next."""

    def __init__(self):
        self.level_above = functools.cache(selectors.level_above)
        self.handlers_at = functools.cache(lambda organization: list(selectors.handlers_at(organization)))
        self.ancestor_ids = functools.cache(org_counts.ancestor_ids)


def sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Raise every overdue request as far as its lateness says (grid → community → street),
    telling the staff of the level it reaches, and close the resolved requests whose resident has
    not answered within the waiting time. Each request is its own transaction, so one that
    someone is changing at that moment is simply left for the next sweep. A request whose
    lateness runs into a year the calendar does not hold yet is left too, and counted in
    ``uncounted`` with the ``missing_years``, so that the timer's log says what to enter."""
    today = today or timezone.localdate()
    calendar = working_days()
    reads = _SweepReads()
    escalated = closed = 0
    missing: set[int] = set()
    overdue = (Request.objects.filter(state__in=sorted(rules.OPEN), due_on__lt=today,
                                      escalation_level__lt=rules.MAX_ESCALATION)
               .select_related("category", "organization").order_by("due_on", "pk"))
    uncounted = 0
    for request in overdue.iterator(chunk_size=500):
        try:
            level = rules.escalation_level(request.due_on, request.category.time_limit_days, today, calendar)
        except UnpublishedYear as error:
            uncounted += 1
            missing.add(error.year)
            continue
        if level > request.escalation_level:
            escalated += _escalate(request, level, reads)
    try:
        waiting_since = timezone.make_aware(dt.datetime.combine(
            _working_days_back(calendar, today, settings.DANGJIAN_REQUEST_CONFIRM_DAYS), dt.time.min))
    except UnpublishedYear as error:
        missing.add(error.year)
    else:
        for request in Request.objects.filter(state=State.RESOLVED,
                                              resolved_at__lt=waiting_since).iterator(chunk_size=500):
            closed += _close_unanswered(request, reads)
    return {"escalated": escalated, "closed": closed, "uncounted": uncounted, "missing_years": sorted(missing)}


def _working_days_back(calendar, today: dt.date, days: int) -> dt.date:
    """The day ``days`` working days before ``today``: resolved before it, the wait is over."""
    day = today
    while days > 0:
        day -= dt.timedelta(days=1)
        days -= calendar.is_working_day(day)
    return day


@transaction.atomic
def _escalate(request: Request, level: int, reads: _SweepReads) -> int:
    request = _locked(request, request.version)
    target = reads.level_above(request.organization, level)
    # A place its community answers for has one level fewer above it: found late, it still rises
    # as far as the tree goes.
    while target is None and level > request.escalation_level + 1:
        level -= 1
        target = reads.level_above(request.organization, level)
    if target is None or request.state not in rules.OPEN:
        return 0
    previous_version = request.version
    request.escalation_level, request.escalated_to = level, target
    _save(request, previous_version, ["escalation_level", "escalated_to"])
    _record(request, actor=None, kind=Actor.SYSTEM, action="escalate", previous=request.state,
            data={"level": level, "to": target.code})
    # Counted in the month it is recorded, as the timeline has it, whatever day the sweep judged by.
    tally.add(request.org_path, timezone.localdate(), ids=reads.ancestor_ids(request.org_path), escalated=1)
    core_services.notify(reads.handlers_at(target), notifications.ESCALATED,
                         reverse("requests:detail", args=[request.pk]), number=request.pk,
                         category=request.category.name, place=request.organization.name,
                         due=request.due_on.isoformat(), org=target.name)
    return 1


@transaction.atomic
def _close_unanswered(request: Request, reads: _SweepReads) -> int:
    request = _locked(request, request.version)
    if request.state != State.RESOLVED:
        return 0
    previous_version = request.version
    request.state, request.closed_at = State.CLOSED, timezone.now()
    _save(request, previous_version, ["closed_at"])
    _record(request, actor=None, kind=Actor.SYSTEM, action=Action.CLOSE, previous=State.RESOLVED)
    tally.add(request.org_path, timezone.localdate(), ids=reads.ancestor_ids(request.org_path), closed_unanswered=1)
    return 1


# --- representatives, receptions and visits ------------------------------------------------------------

@transaction.atomic
def representative_appoint(*, actor, member: Member, organization: Organization, title: str,
                           since: dt.date) -> Representative:
    _require(actor, Permission.HANDLE_REQUESTS, organization.path)
    errors = {}
    if member.left_on is not None:
        errors["member"] = [_("%(name)s is no longer a member.") % {"name": member.name}]
    elif Representative.objects.filter(member=member, organization=organization, until__isnull=True).exists():
        errors["member"] = [_("%(name)s already serves here.") % {"name": member.name}]
    if organization.is_dissolved:
        errors["organization"] = [_("%(name)s has been dissolved.") % {"name": organization.name}]
    if not (title or "").strip():
        errors["title"] = [_("Give the title, e.g. 区党代表.")]
    if since > timezone.localdate():
        errors["since"] = [_("The date %(date)s is in the future.") % {"date": since.isoformat()}]
    if errors:
        raise ValidationError(errors)
    representative = Representative.objects.create(member=member, organization=organization,
                                                   org_path=organization.path, title=title.strip()[:100], since=since)
    audit.record(AuditAction.CREATE, actor=actor, obj=representative, org_path=organization.path,
                 changes={"representative": {"member": member.pk, "title": representative.title}})
    return representative


@transaction.atomic
def representative_end(*, actor, representative: Representative, until: dt.date) -> Representative:
    _require(actor, Permission.HANDLE_REQUESTS, representative.org_path)
    if representative.until is not None:
        raise ValidationError({"until": _("This term has already ended.")})
    if until < representative.since:
        raise ValidationError({"until": _("A term cannot end before it began (%(date)s).") % {
            "date": representative.since.isoformat()}})
    representative.until = until
    representative.save(update_fields=["until"])
    representative.duties.update(active=False)
    audit.record(AuditAction.UPDATE, actor=actor, obj=representative, org_path=representative.org_path,
                 changes={"representative": {"until": until.isoformat()}})
    return representative


@transaction.atomic
def duty_add(*, actor, representative: Representative, place: str, weekday: int, starts_at: dt.time,
             ends_at: dt.time) -> ReceptionDuty:
    _require(actor, Permission.HANDLE_REQUESTS, representative.org_path)
    errors = {}
    if representative.until is not None:
        errors["representative"] = [_("This representative's term has ended.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where the reception is held.")]
    if weekday not in range(7):
        errors["weekday"] = [_("Choose a weekday.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The reception ends after it starts.")]
    if errors:
        raise ValidationError(errors)
    duty = ReceptionDuty.objects.create(representative=representative, organization=representative.organization,
                                        org_path=representative.org_path, place=place.strip()[:200], weekday=weekday,
                                        starts_at=starts_at, ends_at=ends_at)
    audit.record(AuditAction.CREATE, actor=actor, obj=duty, org_path=duty.org_path, changes={"reception_duty": {
        "representative": representative.pk, "weekday": weekday, "place": duty.place}})
    return duty


@transaction.atomic
def duty_end(*, actor, duty: ReceptionDuty) -> None:
    _require(actor, Permission.HANDLE_REQUESTS, duty.org_path)
    duty.active = False
    duty.save(update_fields=["active"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=duty, org_path=duty.org_path,
                 changes={"reception_duty": {"active": False}})


def _problems(problems: list[dict], *, within: Organization) -> tuple[list[dict], dict]:
    """Each problem checked as a request would be, and placed in ``within``'s subtree (where the
    representative serves, or the visited member's community); errors named ``problems[N].field``."""
    checked, errors = [], {}
    for index, problem in enumerate(problems, start=1):
        grid = problem.get("grid")
        problem_errors, phone, values = _problem_errors(
            category=problem.get("category"), grid=grid, building=problem.get("building"),
            description=problem.get("description", ""), phone=problem.get("phone", ""),
            attributes=problem.get("attributes"))
        if grid is not None and not grid.org_path.startswith(within.path):
            problem_errors.setdefault("grid", []).append(_("Choose a grid within %(org)s.") % {"org": within.name})
        for field, messages in problem_errors.items():
            errors[f"problems[{index}].{field}"] = messages
        checked.append({**problem, "phone": phone, "attributes": values})
    return checked, errors


def _file_problems(actor, checked: list[dict], source: str, **link) -> list[tuple[Request, str]]:
    return _file(actor, [_new_request(
        actor=actor, category=problem["category"], grid=problem["grid"], building=problem.get("building"),
        description=problem["description"], address=problem.get("address", ""),
        contact_name=problem.get("contact_name", ""), phone=problem["phone"], public=False, source=source,
        attributes=problem["attributes"], **link) for problem in checked])


@transaction.atomic
def reception_log(*, actor, representative: Representative, held_on: dt.date, visitors: int, place: str = "",
                  visitor_names: str = "", notes: str = "", duty: ReceptionDuty | None = None,
                  problems: list[dict] = ()) -> tuple[Reception, list[tuple[Request, str]]]:
    """Log a reception held by ``representative`` (by the representative or staff over their
    organisation); each problem raised becomes a request in the same step. Returns the reception
    and each new request with its tracking code, to hand to the resident."""
    if not selectors.may_log_reception(actor, representative):
        raise PermissionDenied(_("Only the representative or staff of their organisation log a reception."))
    errors: dict[str, list[str]] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = [_("The date %(date)s is in the future.") % {"date": held_on.isoformat()}]
    if held_on < representative.since or (representative.until and held_on > representative.until):
        errors["held_on"] = [_("The date is outside the representative's term.")]
    if duty is not None and duty.representative_id != representative.pk:
        errors["duty"] = [_("This rota line is another representative's.")]
    place = (place or (duty.place if duty else "")).strip()
    if not place:
        errors["place"] = [_("Say where the reception was held.")]
    if not 0 <= visitors <= rules.MAX_VISITORS:
        errors["visitors"] = [_("Give a number from 0 to %(max)s.") % {"max": rules.MAX_VISITORS}]
    if len(problems) > visitors:
        errors["visitors"] = [_("%(problems)s problems were raised by %(visitors)s visitors: count every visitor.") % {
            "problems": len(problems), "visitors": visitors}]
    checked, problem_errors = _problems(list(problems), within=representative.organization)
    errors.update(problem_errors)
    if errors:
        raise ValidationError(errors)
    reception = Reception.objects.create(
        representative=representative, duty=duty, organization=representative.organization,
        org_path=representative.org_path, place=place[:200], held_on=held_on, visitors=visitors,
        visitor_names=(visitor_names or "").strip()[:500], notes=(notes or "").strip()[:2000], logged_by=_user(actor))
    tally.add(reception.org_path, held_on, receptions=1, visitors=visitors)
    audit.record(AuditAction.CREATE, actor=actor, obj=reception, org_path=reception.org_path, changes={
        "reception": {"representative": representative.pk, "held_on": held_on.isoformat(), "visitors": visitors,
                      "problems": len(checked)}})
    return reception, _file_problems(actor, checked, Source.RECEPTION, reception=reception)


@transaction.atomic
def visit_log(*, actor, member: Member, visited_on: dt.date, household: str, notes: str = "",
              problems: list[dict] = ()) -> tuple[Visit, list[tuple[Request, str]]]:
    """Log ``member``'s household visit in the responsibility zone where they are registered (by
    the member or staff over their residence community); each problem found becomes a request."""
    registration = (ResidenceRegistration.objects.select_related("grid", "zone")
                    .filter(member=member, status=ResidenceRegistration.Status.CONFIRMED).first())
    own = is_own_record(actor, member)
    if registration is None:
        if own or has_permission(actor, Permission.HANDLE_REQUESTS, member.org_path):
            raise ValidationError({"member": _(
                "%(name)s has no confirmed residence registration: visits are made in one's own grid.") % {
                "name": member.name}})
        raise PermissionDenied(_("Your role does not allow this for this organisation."))
    if not own:
        _require(actor, Permission.HANDLE_REQUESTS, registration.org_path)
    errors: dict[str, list[str]] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = [_("The date %(date)s is in the future.") % {"date": visited_on.isoformat()}]
    if not (household or "").strip():
        errors["household"] = [_("Say which household was visited, e.g. 3栋502.")]
    checked, problem_errors = _problems([{**problem, "grid": problem.get("grid") or registration.grid}
                                         for problem in problems], within=registration.community)
    errors.update(problem_errors)
    if errors:
        raise ValidationError(errors)
    place = registration.zone or selectors.place_organization(registration.grid)
    visit = Visit.objects.create(member=member, organization=place, org_path=place.path, grid=registration.grid,
                                 visited_on=visited_on, household=household.strip()[:100],
                                 notes=(notes or "").strip()[:2000], logged_by=_user(actor))
    tally.add(visit.org_path, visited_on, visits=1)
    audit.record(AuditAction.CREATE, actor=actor, obj=visit, org_path=visit.org_path, changes={
        "visit": {"member": member.pk, "visited_on": visited_on.isoformat(), "problems": len(checked)}})
    return visit, _file_problems(actor, checked, Source.VISIT, visit=visit)


# --- configuration ----------------------------------------------------------------------------------------

def _require_configure(actor) -> None:
    if actor is not None and not selectors.may_configure(actor):
        raise PermissionDenied(_("Categories and reply templates are set by the organisation department at the top."))


@transaction.atomic
def category_save(*, actor, category: Category | None = None, code: str, name: str, time_limit_days: int,
                  description: str = "", group: str = "", keywords: str = "", attributes=None, active: bool = True,
                  order: int = 0) -> Category:
    """Create a category, or change ``category``. A new time limit applies to requests accepted
    from now on; the deadlines already set stay."""
    _require_configure(actor)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9\-_]{1,32}", code):
        errors["code"] = [_("A code of 1 to 32 letters, digits, hyphens or underscores.")]
    elif Category.objects.filter(code=code).exclude(pk=getattr(category, "pk", None)).exists():
        errors["code"] = [_("Another category has the code %(code)s.") % {"code": code}]
    if not (name or "").strip():
        errors["name"] = [_("Give a name.")]
    if not 1 <= (time_limit_days or 0) <= 365:
        errors["time_limit_days"] = [_("A time limit of 1 to 365 working days.")]
    if not 0 <= (order or 0) <= 32767:
        errors["order"] = [_("An order of 0 to 32767.")]
    try:
        attributes = rules.check_attribute_definitions(attributes or [])
    except rules.AttributeProblems as problems:
        errors["attributes"] = [f"{where}: {message}" for where, message in problems.problems.items()]
    if errors:
        raise ValidationError(errors)
    values = {"code": code, "name": name.strip()[:100], "time_limit_days": time_limit_days,
              "description": (description or "").strip()[:300], "group": (group or "").strip()[:100],
              "keywords": (keywords or "").strip()[:200], "attributes": attributes, "active": active, "order": order}
    before = {} if category is None else {key: getattr(category, key) for key in values}
    if category is None:
        category = Category.objects.create(**values)
    else:
        for key, value in values.items():
            setattr(category, key, value)
        category.save()
    audit.record(AuditAction.CREATE if not before else AuditAction.UPDATE, actor=actor, obj=category,
                 changes={"category": audit.diff(before, values)})
    return category


@transaction.atomic
def reply_template_save(*, actor, template: ReplyTemplate | None = None, category: Category | None, action: str,
                        title: str, text: str) -> ReplyTemplate:
    _require_configure(actor)
    errors = {}
    if action not in rules.Action.values:
        errors["action"] = [_("Choose an action.")]
    if not (title or "").strip():
        errors["title"] = [_("Give a title.")]
    if not (text or "").strip() or len(text) > 1000:
        errors["text"] = [_("Write the reply, at most 1000 characters.")]
    if errors:
        raise ValidationError(errors)
    template = template or ReplyTemplate()
    template.category, template.action, template.title, template.text = category, action, title.strip()[:100], \
        text.strip()
    created = template.pk is None
    template.save()
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=template,
                 changes={"reply_template": {"action": action, "category": category.code if category else ""}})
    return template


@transaction.atomic
def reply_template_delete(*, actor, template: ReplyTemplate) -> None:
    _require_configure(actor)
    audit.record(AuditAction.DELETE, actor=actor, obj=template, changes={"reply_template": {"title": template.title}})
    template.delete()


@transaction.atomic
def open311_key_issue(*, actor, name: str) -> tuple[Open311Key, str]:
    """A new key for an Open311 client; the key itself is returned once and kept as its hash."""
    if actor is not None and not has_permission(actor, Permission.MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Only system administrators issue Open311 keys."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Name the client in 1 to 100 characters.")})
    secret = Open311Key.PREFIX + secrets.token_urlsafe(24)
    key = Open311Key.objects.create(name=name, key_hash=crypto.secret_digest(secret),
                                    key_prefix=secret[:12], issued_by=_user(actor))
    audit.record(AuditAction.TOKEN, actor=actor, obj=key, changes={"open311_key": {"name": name}})
    return key, secret


@transaction.atomic
def open311_key_revoke(*, actor, key: Open311Key) -> Open311Key:
    if actor is not None and not has_permission(actor, Permission.MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Only system administrators revoke Open311 keys."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(AuditAction.REVOKE, actor=actor, obj=key, changes={"open311_key": {"name": key.name}})
    return key


def open311_key_used(key: Open311Key) -> None:
    Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())


"""Writes of micro-projects: proposals (by a resident without an account, by a member, by staff,
or from residents' requests), every step of the lifecycle, and the configuration (caps, lists,
funding sources, the notice period, the presets).

Each write is one transaction with its audit line and its roll-up counts; a refused one changes
nothing. A step names the version of the project it was made on: of two steps made on the same
version, the second is refused (``version``), so two people cannot both win."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, identity
from dangjian.core import services as core_services
from dangjian.core.calendar import UnpublishedYear
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission, require_permission
from dangjian.core.selectors import working_days
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.projects import notifications, rules, selectors, tally
from dangjian.projects.models import (
    Configuration,
    FundingSource,
    ListItem,
    MicroProject,
    Milestone,
    ProjectTracking,
    ProjectUpdate,
    Source,
    Spending,
    TypeCap,
)
from dangjian.projects.rules import Action, Kind, State
from dangjian.requests import rules as request_rules
from dangjian.requests.models import Request

TITLE_MIN, TITLE_MAX = 2, 100
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
TEXT_MAX = 4000


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value) -> str:
    return (value or "").strip()


# --- proposals --------------------------------------------------------------------------------------

@transaction.atomic
def project_propose(*, actor, organization: Organization, title: str, description: str, kind: str,
                    estimate: Decimal | None, source: str, proposer_name: str = "", phone: str = "",
                    member: Member | None = None, requests: list[Request] = ()) -> tuple[MicroProject, str | None]:
    """Propose a project for a community: a resident on the public page (``actor`` None, with a
    tracking code returned to follow it), a member signed in (``member`` their own record), or
    staff managing projects there, on their own or from residents' requests. Returns the project
    and the tracking code (None for staff)."""
    if source in (Source.STAFF, Source.REQUESTS):
        require_permission(actor, Permission.MANAGE_PROJECTS, organization.path,
                           _("Only staff managing the community's projects enter proposals for it."))
    elif source == Source.MEMBER:
        if member is None or _user(actor) is None or member.account_id != actor.pk:
            raise PermissionDenied(_("A member proposes in their own name only."))
    elif source != Source.PUBLIC_PAGE:
        raise ValueError(f"unknown source {source}")
    errors: dict[str, list[str]] = {}
    if organization.level != Level.COMMUNITY or organization.is_dissolved:
        errors["organization"] = [_("Choose a live community.")]
    title, description = _text(title), _text(description)
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = [_("Give a title of %(min)s to %(max)s characters.") % {"min": TITLE_MIN, "max": TITLE_MAX}]
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        errors["description"] = [_("Describe the project in %(min)s to %(max)s characters.") % {
            "min": DESCRIPTION_MIN, "max": DESCRIPTION_MAX}]
    if kind not in Kind.values:
        errors["kind"] = [_("Choose a type: service, goods or works.")]
    problem = rules.amount_problem(estimate)
    if problem is None and kind in Kind.values:
        problem = rules.cap_problem(kind, estimate, selectors.caps())
    if problem:
        errors["estimate"] = [problem]
    stored_phone = ""
    if _text(phone):
        try:
            stored_phone = identity.normalise_phone(phone)
        except identity.InvalidPhone as error:
            errors["phone"] = [str(error)]
    if source == Source.PUBLIC_PAGE and not _text(proposer_name):
        errors["proposer_name"] = [_("Give your name: the community may call you about the proposal.")]
    requests = list(requests)
    if source == Source.REQUESTS:
        if not requests:
            errors["requests"] = [_("Name at least one request the project answers.")]
        for request in requests:
            if not request.org_path.startswith(organization.path):
                errors["requests"] = [_("Request #%(number)s is not in %(org)s.") % {
                    "number": request.pk, "org": organization.name}]
    if errors:
        raise ValidationError(errors)
    project = MicroProject.objects.create(
        city_id=organization.city_id, organization=organization, org_path=organization.path, title=title,
        description=description, kind=kind, estimate=estimate, source=source,
        proposer_name=_text(proposer_name)[:50] or (member.name if member else ""),
        proposer_phone_sealed=crypto.seal(stored_phone) if stored_phone else None, proposer_member=member,
        entered_by=_user(actor))
    if requests:
        project.requests.set(requests)
    code = None
    if source in (Source.PUBLIC_PAGE, Source.MEMBER):
        code = request_rules.new_tracking_code()
        ProjectTracking.objects.create(code_hash=crypto.lookup_hash(code), project=project)
    ProjectUpdate.objects.create(project=project, actor=_user(actor), action="propose", to_state=State.COLLECTED,
                                 data={"source": source, "requests": [request.pk for request in requests]})
    tally.add(project.org_path, timezone.localdate(), collected=1, amount_collected=estimate)
    audit.record(AuditAction.CREATE, actor=actor, obj=project, org_path=project.org_path, changes={"project": {
        "kind": kind, "estimate": str(estimate), "source": source, "requests": [request.pk for request in requests]}})
    return project, code


# --- the steps --------------------------------------------------------------------------------------

def _locked(project: MicroProject, version: int | None) -> MicroProject:
    # Only the project's row: the community's is read, and locking it would hold every step of
    # every project of the community in line.
    current = MicroProject.objects.select_for_update(of=("self",)).select_related("organization").get(pk=project.pk)
    if version is not None and current.version != version:
        raise ValidationError({"version": _(
            "Someone changed this project while you had it open (now: %(state)s). Reload it and decide again.")
            % {"state": current.get_state_display()}})
    return current


def _save(project: MicroProject, previous_version: int, fields: list[str]) -> None:
    """Write ``fields`` only if no one else has written since ``previous_version``: the row lock
    holds on PostgreSQL, and this holds on any database."""
    project.version = previous_version + 1
    project.updated_at = timezone.now()
    values = {field: getattr(project, field) for field in [*fields, "state", "version", "updated_at"]}
    if not MicroProject.objects.filter(pk=project.pk, version=previous_version).update(**values):
        raise ValidationError({"version": _("Someone changed this project at the same moment. Reload it.")})


def _past_or_today(field: str, day: dt.date | None, today: dt.date, *, not_before: dt.date | None = None) -> dict:
    if day is None:
        return {field: [_("Give a date.")]}
    if day > today:
        return {field: [_("The date %(date)s is in the future.") % {"date": day.isoformat()}]}
    if not_before is not None and day < not_before:
        return {field: [_("The date is before %(date)s.") % {"date": not_before.isoformat()}]}
    return {}


@transaction.atomic
def project_act(*, actor, project: MicroProject, action: str, version: int | None = None, note: str = "",
                **fields) -> MicroProject:
    """Take ``action`` on ``project`` with the figures of the step (``fields``, by action):

    - screen: ``positive_item`` (the positive-list entry it fits; within the type's cap);
    - screen_out: ``negative_item`` or a ``reason`` (the rule it fails);
    - council: ``held_on`` and either the votes (``present``, ``votes_for``, ``votes_against``,
      ``abstaining``, judged by the configured passing rule) or a jury's ``minutes`` and
      ``jury_passed``;
    - notice: put up today for the configured working days;
    - objection: the objection in ``note``;
    - approve: ``budget`` (within the type's cap and the source's budget left) and
      ``funding_source``, once the notice has ended;
    - start: ``contractor``; milestone: ``title``, ``weight``, ``due_on``;
      progress: ``milestone``, ``progress``; spend: ``amount``, ``spent_on``, ``payee``;
    - complete (every milestone done); accept: ``accepted_on``, ``record``, ``signatories``;
    - evaluate: ``surveyed`` and ``satisfied``, or ``score``; cancel: ``reason``.
    """
    kinds = selectors.actor_kinds(actor, project) if actor is not None else {rules.Actor.STAFF, rules.Actor.UPPER}
    if not kinds:
        raise PermissionDenied(_("Your role does not allow this for this organisation."))
    project = _locked(project, version)
    transition = rules.TRANSITIONS.get(action)
    if transition is not None and not transition.actors & kinds:
        raise PermissionDenied(rules.refusal(project.state, action, kinds))
    refusal = rules.refusal(project.state, action, kinds)
    if refusal:
        raise ValidationError({"action": refusal})
    note = _text(note)[:2000]
    previous, previous_version, today = project.state, project.version, timezone.localdate()
    step = STEPS[action](actor, project, today, note=note, **fields)
    project.state = step.get("state", transition.targets[0] if transition.targets else previous)
    if project.state in rules.FINAL:
        project.closed_at = timezone.now()
        step["fields"].append("closed_at")
    _save(project, previous_version, step["fields"])
    ProjectUpdate.objects.create(project=project, actor=_user(actor), action=action, from_state=previous,
                                 to_state=project.state, note=note, data=step.get("data", {}), occurred_on=today)
    for day, deltas in step.get("counts", {}).items():
        tally.add(project.org_path, day, **deltas)
    audit.record(AuditAction.UPDATE, actor=actor, obj=project, org_path=project.org_path, changes={
        "project": {"action": action, "state": [previous, project.state], **step.get("data", {})}},
        object_repr=f"#{project.pk}")
    return project


def _screen(actor, project, today, *, note, positive_item: ListItem | None = None, **_ignored) -> dict:
    if positive_item is None or positive_item.side != ListItem.Side.POSITIVE or not positive_item.active:
        raise ValidationError({"positive_item": _("Choose the entry of the positive list the project fits.")})
    problem = rules.cap_problem(project.kind, project.estimate, selectors.caps())
    if problem:
        raise ValidationError({"positive_item": _("%(problem)s Screen it out under the cap, or have the proposal "
                                                  "cut down.") % {"problem": problem}})
    project.positive_item, project.negative_item = positive_item, None
    project.screening_rule, project.screened_on = positive_item.text[:300], today
    return {"fields": ["positive_item", "negative_item", "screening_rule", "screened_on"],
            "data": {"rule": project.screening_rule}}


def _screen_out(actor, project, today, *, note, negative_item: ListItem | None = None, reason: str = "",
                **_ignored) -> dict:
    reason = _text(reason)
    if negative_item is not None and (negative_item.side != ListItem.Side.NEGATIVE or not negative_item.active):
        raise ValidationError({"negative_item": _("Choose an entry of the negative list.")})
    if negative_item is None and not reason:
        raise ValidationError({"reason": _("Name the rule it fails: an entry of the negative list, or the reason "
                                           "(e.g. above the cap, outside the positive list).")})
    project.negative_item = negative_item
    project.screening_rule = (negative_item.text if negative_item else reason)[:300]
    project.screened_on = today
    return {"fields": ["negative_item", "screening_rule", "screened_on"], "data": {"rule": project.screening_rule},
            "counts": {today: {"screened_out": 1}}}


def _council(actor, project, today, *, note, held_on: dt.date | None = None, present: int | None = None,
             votes_for: int | None = None, votes_against: int | None = None, abstaining: int | None = None,
             minutes: str = "", jury_passed: bool | None = None, **_ignored) -> dict:
    errors = _past_or_today("held_on", held_on, today, not_before=project.screened_on)
    minutes = _text(minutes)[:TEXT_MAX]
    by_vote = present is not None or votes_for is not None
    if by_vote:
        votes = rules.Votes(present or 0, votes_for or 0, votes_against or 0, abstaining or 0)
        for field, message in rules.votes_problems(votes).items():
            errors.setdefault(field, []).append(message)
    elif not minutes or jury_passed is None:
        errors["present"] = [_("Give the show of hands (present, for, against, abstaining), or the jury's "
                               "minutes and decision.")]
    if errors:
        raise ValidationError(errors)
    rule = selectors.configuration().passing_rule
    passed = rules.council_passes(votes, rule) if by_vote else bool(jury_passed)
    project.council_on, project.minutes = held_on, minutes
    if by_vote:
        project.present, project.votes_for = votes.present, votes.for_
        project.votes_against, project.abstaining, project.passing_rule = votes.against, votes.abstaining, rule
    state = State.PASSED if passed else State.REJECTED
    data = {"held_on": held_on.isoformat(), "passed": passed, "rule": rule if by_vote else "jury"}
    if by_vote:
        data.update(present=votes.present, votes_for=votes.for_, votes_against=votes.against,
                    abstaining=votes.abstaining)
    return {"state": state, "data": data,
            "fields": ["council_on", "minutes", "present", "votes_for", "votes_against", "abstaining", "passing_rule"],
            "counts": {today: {"council_passed" if passed else "council_rejected": 1}}}


def _notice(actor, project, today, *, note, **_ignored) -> dict:
    days = selectors.configuration().notice_working_days
    try:
        until = rules.notice_ends(today, days, working_days())
    except UnpublishedYear as unpublished:
        raise ValidationError({"action": _(
            "The end of the notice cannot be counted: the working days of %(year)s are not in the calendar yet. "
            "Ask an administrator to enter them.") % {"year": unpublished.year}}) from None
    project.notice_from, project.notice_until = today, until
    approver = selectors.approving_organization(project)
    if approver is not None:
        core_services.notify(selectors.managers_at(approver), notifications.AWAITING_APPROVAL,
                             reverse("projects:detail", args=[project.pk]), number=project.pk, title=project.title,
                             org=project.organization.name, until=until.isoformat())
    return {"fields": ["notice_from", "notice_until"],
            "data": {"from": today.isoformat(), "until": until.isoformat(), "working_days": days}}


def _objection(actor, project, today, *, note, **_ignored) -> dict:
    if not note:
        raise ValidationError({"note": _("Write down the objection (without the objector's personal data).")})
    return {"fields": []}


def _approve(actor, project, today, *, note, budget: Decimal | None = None,
             funding_source: FundingSource | None = None, **_ignored) -> dict:
    refusal = rules.notice_refusal(project.notice_until, today)
    if refusal:
        raise ValidationError({"action": refusal})
    errors = {}
    problem = rules.amount_problem(budget) or rules.cap_problem(project.kind, budget, selectors.caps())
    if problem:
        errors["budget"] = [problem]
    if funding_source is not None:
        # Locked before what is left is read: two approvals from one source, in two communities,
        # wait for each other instead of both spending the same money.
        funding_source = FundingSource.objects.select_for_update(of=("self",)).select_related("organization").get(
            pk=funding_source.pk)
    if funding_source is None or not funding_source.active:
        errors["funding_source"] = [_("Choose a funding source that funds new projects.")]
    elif not project.org_path.startswith(funding_source.organization.path):
        errors["funding_source"] = [_("%(source)s is the budget of %(owner)s: choose a source of %(community)s "
                                      "or of an organisation above it.") % {
            "source": funding_source, "owner": funding_source.organization.name,
            "community": project.organization.name}]
    elif funding_source.year != today.year:
        errors["funding_source"] = [_("%(source)s is the budget of %(year)s: a project approved in %(now)s is "
                                      "funded from a source of %(now)s.") % {
            "source": funding_source, "year": funding_source.year, "now": today.year}]
    elif not problem:
        left = funding_source.budget - selectors.source_commitments(funding_source)
        if budget > left:
            errors["budget"] = [_("%(source)s has %(left)s yuan left of its budget: not enough for %(budget)s.") % {
                "source": funding_source, "left": left, "budget": budget}]
    if errors:
        raise ValidationError(errors)
    project.budget, project.funding_source, project.approved_on = budget, funding_source, today
    project.approved_by, project.approver_org = _user(actor), selectors.approving_organization(project)
    return {"fields": ["budget", "funding_source", "approved_on", "approved_by", "approver_org"],
            "data": {"budget": str(budget), "funding_source": funding_source.pk},
            "counts": {today: {"approved": 1, "amount_approved": budget}}}


def _start(actor, project, today, *, note, contractor: str = "", **_ignored) -> dict:
    contractor = _text(contractor)
    if not contractor:
        raise ValidationError({"contractor": _("Name the contractor (the service provider from the project pool).")})
    project.contractor, project.started_on = contractor[:200], today
    return {"fields": ["contractor", "started_on"], "data": {"contractor": project.contractor},
            "counts": {today: {"started": 1}}}


def _milestone(actor, project, today, *, note, title: str = "", weight: int | None = None,
               due_on: dt.date | None = None, **_ignored) -> dict:
    title = _text(title)
    errors = {}
    if not title:
        errors["title"] = [_("Name the milestone.")]
    if weight is None or not 1 <= weight <= rules.MAX_WEIGHT:
        errors["weight"] = [_("Give a weight from 1 to %(max)s.") % {"max": rules.MAX_WEIGHT}]
    if errors:
        raise ValidationError(errors)
    milestone = Milestone.objects.create(project=project, title=title[:100], weight=weight, due_on=due_on)
    _recompute_progress(project)
    return {"fields": ["progress"], "data": {"milestone": milestone.pk, "title": milestone.title, "weight": weight}}


def _progress(actor, project, today, *, note, milestone: Milestone | None = None, progress: int | None = None,
              **_ignored) -> dict:
    errors = {}
    if milestone is None or milestone.project_id != project.pk:
        errors["milestone"] = [_("Choose a milestone of this project.")]
    if progress is None or not 0 <= progress <= 100:
        errors["progress"] = [_("Give the progress from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    milestone.progress = progress
    milestone.done_on = today if progress == 100 else None
    milestone.save(update_fields=["progress", "done_on"])
    _recompute_progress(project)
    return {"fields": ["progress"], "data": {"milestone": milestone.pk, "title": milestone.title,
                                             "progress": progress, "project_progress": str(project.progress)}}


def _recompute_progress(project: MicroProject) -> None:
    project.progress = rules.weighted_progress(project.milestones.values_list("weight", "progress"))


def _spend(actor, project, today, *, note, amount: Decimal | None = None, spent_on: dt.date | None = None,
           payee: str = "", **_ignored) -> dict:
    errors = _past_or_today("spent_on", spent_on, today, not_before=project.approved_on)
    payee = _text(payee)
    if not payee:
        errors["payee"] = [_("Say who was paid.")]
    problem = rules.amount_problem(amount)
    if problem:
        errors["amount"] = [problem]
    elif project.spent + amount > project.budget:
        errors["amount"] = [_("%(spent)s yuan spent already: %(amount)s more would pass the budget of %(budget)s.") % {
            "spent": project.spent, "amount": amount, "budget": project.budget}]
    if errors:
        raise ValidationError(errors)
    Spending.objects.create(project=project, spent_on=spent_on, amount=amount, payee=payee[:200], note=note[:300],
                            entered_by=_user(actor))
    project.spent += amount
    return {"fields": ["spent"], "data": {"amount": str(amount), "spent_on": spent_on.isoformat(), "payee": payee},
            "counts": {spent_on: {"amount_spent": amount}}}


def _complete(actor, project, today, *, note, **_ignored) -> dict:
    refusal = rules.completion_refusal(project.milestones.values_list("weight", "progress"))
    if refusal:
        raise ValidationError({"action": refusal})
    project.completed_on = today
    return {"fields": ["completed_on"], "counts": {today: {"completed": 1}}}


def _accept(actor, project, today, *, note, accepted_on: dt.date | None = None, record: str = "",
            signatories: str = "", **_ignored) -> dict:
    errors = _past_or_today("accepted_on", accepted_on, today, not_before=project.completed_on)
    record = _text(record)
    if not record:
        errors["record"] = [_("Write the acceptance record: what was checked and found.")]
    names = rules.signatory_names(signatories)
    if len(names) < 2:
        errors["signatories"] = [_("Name at least two signatories, separated by commas.")]
    if errors:
        raise ValidationError(errors)
    project.accepted_on, project.acceptance_record = accepted_on, record[:TEXT_MAX]
    project.signatories = "、".join(names)[:300]
    return {"fields": ["accepted_on", "acceptance_record", "signatories"],
            "data": {"accepted_on": accepted_on.isoformat(), "signatories": names},
            "counts": {today: {"accepted": 1}}}


def _evaluate(actor, project, today, *, note, surveyed: int | None = None, satisfied: int | None = None,
              score: Decimal | None = None, **_ignored) -> dict:
    problems = rules.satisfaction_problems(surveyed, satisfied, score)
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    project.surveyed, project.satisfied, project.score = surveyed, satisfied, score
    return {"fields": ["surveyed", "satisfied", "score"],
            "data": {"surveyed": surveyed, "satisfied": satisfied, "score": str(score) if score is not None else None},
            "counts": {today: {"evaluated": 1, "surveyed": surveyed or 0, "satisfied": satisfied or 0,
                               "score_sum": score or 0, "score_count": int(score is not None)}}}


def _cancel(actor, project, today, *, note, reason: str = "", **_ignored) -> dict:
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    project.cancel_reason = reason[:500]
    return {"fields": ["cancel_reason"], "data": {"reason": project.cancel_reason},
            "counts": {today: {"cancelled": 1}}}


STEPS = {Action.SCREEN: _screen, Action.SCREEN_OUT: _screen_out, Action.COUNCIL: _council, Action.NOTICE: _notice,
         Action.OBJECTION: _objection, Action.APPROVE: _approve, Action.START: _start, Action.MILESTONE: _milestone,
         Action.PROGRESS: _progress, Action.SPEND: _spend, Action.COMPLETE: _complete, Action.ACCEPT: _accept,
         Action.EVALUATE: _evaluate, Action.CANCEL: _cancel}


def project_reveal_phone(*, actor, project: MicroProject) -> str:
    """The proposer's phone in clear, for a role that may reveal it; each reveal is audited."""
    require_permission(actor, Permission.REVEAL_PERSONAL, project.org_path,
                       _("Your role does not allow this for this organisation."))
    audit.record(AuditAction.REVEAL, actor=actor, obj=project, org_path=project.org_path,
                 changes={"project": {"revealed": "proposer_phone"}})
    return project.proposer_phone


# --- configuration ----------------------------------------------------------------------------------

def _require_configure(actor) -> None:
    if actor is not None and not selectors.may_configure(actor):
        raise PermissionDenied(_("Caps, lists and funding sources are set by the organisation department at the "
                                 "top."))


@transaction.atomic
def configuration_save(*, actor, notice_working_days: int | None, passing_rule: str,
                       caps: dict[str, Decimal | None]) -> Configuration:
    """Set the notice period, the council's passing rule and the cap of each type (None: no cap)."""
    _require_configure(actor)
    errors = {}
    if notice_working_days is None or not 1 <= notice_working_days <= rules.MAX_NOTICE_DAYS:
        errors["notice_working_days"] = [_("Give a notice of 1 to %(max)s working days.") % {
            "max": rules.MAX_NOTICE_DAYS}]
    if passing_rule not in rules.PassingRule.values:
        errors["passing_rule"] = [_("Choose a passing rule.")]
    for kind, cap in caps.items():
        if kind not in Kind.values:
            errors[f"cap_{kind}"] = [_("There is no project type %(kind)s.") % {"kind": kind}]
        elif cap is not None and (problem := rules.amount_problem(cap)):
            errors[f"cap_{kind}"] = [problem]
    if errors:
        raise ValidationError(errors)
    configuration = selectors.configuration()
    before = {"notice_working_days": configuration.notice_working_days, "passing_rule": configuration.passing_rule,
              **{f"cap_{kind}": str(cap) for kind, cap in selectors.caps().items()}}
    configuration.notice_working_days, configuration.passing_rule = notice_working_days, passing_rule
    configuration.updated_at = timezone.now()
    configuration.save()
    _set_caps(caps)
    after = {"notice_working_days": notice_working_days, "passing_rule": passing_rule,
             **{f"cap_{kind}": str(cap) for kind, cap in caps.items() if cap is not None}}
    audit.record(AuditAction.UPDATE, actor=actor, obj=configuration, changes={"projects_configuration":
                                                                              audit.diff(before, after)})
    return configuration


def _set_caps(caps: dict[str, Decimal | None]) -> None:
    for kind, cap in caps.items():
        if cap is None:
            TypeCap.objects.filter(kind=kind).delete()
        else:
            TypeCap.objects.update_or_create(kind=kind, defaults={"cap": cap})


@transaction.atomic
def preset_load(*, actor, name: str) -> Configuration:
    """Load a city's caps and lists (``rules.PRESETS``): the caps replace the current ones; the
    preset's list entries are put in force and the other entries taken out of force (kept, since
    screened projects name them)."""
    _require_configure(actor)
    preset = rules.PRESETS.get(name)
    if preset is None:
        raise ValidationError({"preset": _("Choose a preset: %(names)s.") % {"names": ", ".join(rules.PRESETS)}})
    _set_caps(dict(preset.caps))
    kept = []
    for side, texts in ((ListItem.Side.POSITIVE, preset.positive), (ListItem.Side.NEGATIVE, preset.negative)):
        for order, text in enumerate(texts, start=1):
            item, _created = ListItem.objects.update_or_create(side=side, text=text,
                                                               defaults={"order": order, "active": True})
            kept.append(item.pk)
    ListItem.objects.exclude(pk__in=kept).update(active=False)
    configuration = selectors.configuration()
    configuration.preset, configuration.updated_at = name, timezone.now()
    configuration.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=configuration, changes={"projects_preset": name})
    return configuration


@transaction.atomic
def list_item_save(*, actor, item: ListItem | None = None, side: str, text: str, order: int | None = 0,
                   active: bool = True) -> ListItem:
    _require_configure(actor)
    errors = {}
    if side not in ListItem.Side.values:
        errors["side"] = [_("Choose the positive or the negative list.")]
    text = _text(text)
    if not 2 <= len(text) <= 200:
        errors["text"] = [_("Write the entry in 2 to 200 characters.")]
    elif ListItem.objects.filter(side=side, text=text).exclude(pk=getattr(item, "pk", None)).exists():
        errors["text"] = [_("The list has this entry already.")]
    if order is None or not 0 <= order <= 32767:
        errors["order"] = [_("An order of 0 to 32767.")]
    if errors:
        raise ValidationError(errors)
    created = item is None
    item = item or ListItem()
    item.side, item.text, item.order, item.active = side, text, order, active
    item.save()
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=item,
                 changes={"project_list_item": {"side": side, "text": text, "active": active}})
    return item


@transaction.atomic
def funding_source_save(*, actor, source: FundingSource | None = None, organization: Organization | None,
                        name: str, kind: str, year: int | None, budget: Decimal | None,
                        active: bool = True) -> FundingSource:
    """Add or change a funding source of ``organization`` (a city, district, street or community
    where ``actor`` configures projects). Its budget never drops below what its projects hold,
    and its owner and year never change once a project holds money of it."""
    _require_configure(actor)
    if source is not None:
        # Locked before what its projects hold is read: an approval from it waits, or is waited for.
        source = FundingSource.objects.select_for_update(of=("self",)).select_related("organization").get(pk=source.pk)
    committed = selectors.source_commitments(source) if source is not None else Decimal(0)
    errors = {}
    if organization is None or organization.level not in selectors.SOURCE_LEVELS or organization.is_dissolved or (
            actor is not None and not has_permission(actor, Permission.CONFIGURE_PROJECTS, organization.path)):
        errors["organization"] = [_("Choose a city, district, street or community where you configure "
                                    "micro-projects.")]
    elif committed and organization != source.organization:
        errors["organization"] = [_("Projects hold %(committed)s yuan of this source: it stays %(owner)s's.") % {
            "committed": committed, "owner": source.organization.name}]
    name = _text(name)
    if not 2 <= len(name) <= 100:
        errors["name"] = [_("Give a name of 2 to 100 characters.")]
    if kind not in FundingSource.SourceKind.values:
        errors["kind"] = [_("Choose a kind of source.")]
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = [_("Give a year from 2000 to 2100.")]
    elif committed and year != source.year:
        errors["year"] = [_("Projects hold %(committed)s yuan of this source: it stays the budget of %(year)s.") % {
            "committed": committed, "year": source.year}]
    elif name and "organization" not in errors and FundingSource.objects.filter(
            organization=organization, name=name, year=year).exclude(pk=getattr(source, "pk", None)).exists():
        errors["name"] = [_("%(owner)s has a source of this name for %(year)s.") % {
            "owner": organization.name, "year": year}]
    problem = rules.amount_problem(budget, rules.MAX_BUDGET)
    if problem:
        errors["budget"] = [problem]
    elif budget < committed:
        errors["budget"] = [_("Projects hold %(committed)s yuan of this source already.") % {"committed": committed}]
    if errors:
        raise ValidationError(errors)
    created = source is None
    before = {} if created else {"organization": source.organization.code, "name": source.name, "kind": source.kind,
                                 "year": source.year, "budget": str(source.budget), "active": source.active}
    source = source or FundingSource()
    source.organization, source.name, source.kind, source.year = organization, name, kind, year
    source.budget, source.active = budget, active
    source.save()
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=source,
                 org_path=organization.path, changes={"funding_source": audit.diff(before, {
                     "organization": organization.code, "name": name, "kind": kind, "year": year,
                     "budget": str(budget), "active": active})})
    return source

"""Pure rules of recruitment (RULES.md 1): the steps, the time and number rules between them as
named, dated rule sets, and the check of one person's file against them. No database, no request.

A file is a ``Case``: the dates and facts of the steps that have happened. ``check`` judges each
step by the rule set in force on its date (or by one named set), and returns violations (a rule
broken) and warnings (what the rules leave to judgement, or what could not be checked). A
violation names the step whose date or facts break the rule: for a rule between two steps, the
later one.

Boundaries (RULES.md 1.2, after 民法典 第1259条): "within a month" (以内) includes the day a month
later (application on 1 March, talk on 1 April is in time); "a year or more" (以上) includes the
day a year later; "not before probation ends" allows the vote on the day it ends. Months are
calendar months (core.calendar.add_months). Working days are counted with both ends included.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangjian.core import calendar
from dangjian.core.calendar import UnpublishedYear, WorkingDays

VIOLATION = "violation"
WARNING = "warning"
ANY_STEP = "*"


@dataclass(frozen=True)
class Step:
    """One step of the pipeline. ``after``: the steps that must have happened, on or before its
    date, when it is recorded. ``name`` is the step's name in the 细则, shown in Chinese.
    ``upper``: the committee above the branch acts (pre-review, its talk, approval, filing), so
    only someone assigned there records it."""

    number: str
    stage: int
    name: str
    actor: str
    documents: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    repeatable: bool = False
    upper: bool = False


@dataclass(frozen=True)
class Rule:
    """One rule of a set: ``kind`` names the check (``KINDS``), ``step`` the step it judges
    (``ANY_STEP`` for all), ``params`` its numbers, ``source`` where it is written."""

    code: str
    kind: str
    step: str
    source: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    name: str
    effective_from: dt.date
    steps: tuple[Step, ...]
    rules: tuple[Rule, ...]

    def step(self, number: str) -> Step | None:
        return next((step for step in self.steps if step.number == number), None)


@dataclass(frozen=True)
class Occurrence:
    date: dt.date
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One person's file. ``steps`` maps a step number to its occurrences in date order (most
    steps happen once; assessments and conversion votes may repeat). ``rules`` is a set's name
    or "auto"."""

    id: str
    steps: Mapping[str, tuple[Occurrence, ...]]
    birth_date: dt.date | None = None
    rules: str = "auto"

    def first(self, number: str) -> Occurrence | None:
        occurrences = self.steps.get(number, ())
        return occurrences[0] if occurrences else None

    def last_on_or_before(self, number: str, day: dt.date) -> Occurrence | None:
        earlier = [occurrence for occurrence in self.steps.get(number, ()) if occurrence.date <= day]
        return earlier[-1] if earlier else None


@dataclass(frozen=True)
class Finding:
    severity: str
    step: str
    rule: str
    message: str
    source: str

    def as_dict(self) -> dict:
        return {"step": int(self.step) if self.step.isdigit() else self.step, "rule": self.rule,
                "message": f"{self.message} [{self.source}]"}


@dataclass
class Outcome:
    violations: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def report(case: Case, outcome: Outcome) -> dict:
    """One case's findings as the check command and the API print them."""
    return {"id": case.id, "violations": [finding.as_dict() for finding in outcome.violations],
            "warnings": [finding.as_dict() for finding in outcome.warnings]}


class UnknownRuleSet(ValueError):
    """A case names a rule set that is not configured (its readers check the name first)."""


@dataclass(frozen=True)
class _Context:
    case: Case
    rule_set: RuleSet
    working_days: WorkingDays

    def label(self, number: str) -> str:
        step = self.rule_set.step(number)
        return _("step %(number)s (%(name)s)") % {"number": number, "name": step.name if step else "?"}


def _months(count: int) -> str:
    return ngettext("%(count)s month", "%(count)s months", count) % {"count": count}


def rule_set_on(rule_sets: Sequence[RuleSet], day: dt.date) -> RuleSet:
    """The set in force on ``day``: the latest to take effect on or before it (the earliest set
    for days before any took effect)."""
    ordered = sorted(rule_sets, key=lambda rule_set: rule_set.effective_from)
    in_force = [rule_set for rule_set in ordered if rule_set.effective_from <= day]
    return in_force[-1] if in_force else ordered[0]


def find_step(rule_sets: Sequence[RuleSet], number: str) -> Step | None:
    """Step ``number`` as the first set that has it defines it (a local step is in its set only)."""
    return next((rule_set.step(number) for rule_set in rule_sets if rule_set.step(number) is not None), None)


def governing_set(rule_sets: Sequence[RuleSet], name: str, day: dt.date) -> RuleSet:
    """The set that judges a step of a file on ``day``: the one the file names, or, for "auto",
    the one in force that day."""
    named = [rule_set for rule_set in rule_sets if rule_set.name == name]
    return named[0] if named else rule_set_on(rule_sets, day)


def check(case: Case, rule_sets: Sequence[RuleSet], working_days: WorkingDays) -> Outcome:
    """Every rule over every recorded step, each step judged by the set in force on its date
    (``case.rules == "auto"``) or by the set the case names."""
    if case.rules == "auto":
        def governs(rule_set: RuleSet, day: dt.date) -> bool:
            return rule_set_on(rule_sets, day) is rule_set
    else:
        named = [rule_set for rule_set in rule_sets if rule_set.name == case.rules]
        if not named:
            raise UnknownRuleSet(case.rules)

        def governs(rule_set: RuleSet, day: dt.date) -> bool:
            return rule_set is named[0]

    outcome = Outcome()
    for rule_set in rule_sets:
        context = _Context(case, rule_set, working_days)
        for rule in rule_set.rules:
            numbers = list(case.steps) if rule.step == ANY_STEP else [rule.step]
            for number in numbers:
                for index, occurrence in enumerate(case.steps.get(number, ())):
                    if not governs(rule_set, occurrence.date):
                        continue
                    for severity, step, message in KINDS[rule.kind](context, rule, number, index, occurrence):
                        finding = Finding(severity, step, rule.code, message[:1].upper() + message[1:], rule.source)
                        (outcome.violations if severity == VIOLATION else outcome.warnings).append(finding)
    for findings in (outcome.violations, outcome.warnings):
        findings.sort(key=lambda finding: (_step_order(finding.step), finding.rule))
    return outcome


def _step_order(number: str) -> tuple[int, str]:
    digits = "".join(character for character in number if character.isdigit())
    return (int(digits) if digits else 0, number)


Result = Iterable[tuple[str, str, str]]


def _order(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    step = context.rule_set.step(number)
    if step is None:
        yield VIOLATION, number, _("Step %(number)s is not a step of the %(rules)s rules.") % {
            "number": number, "rules": context.rule_set.name}
        return
    if index > 0 and not step.repeatable:
        yield VIOLATION, number, _("%(step)s is recorded more than once (again on %(date)s).") % {
            "step": context.label(number), "date": occurrence.date}
        return
    for before in step.after:
        earlier = context.case.first(before)
        if earlier is None:
            yield VIOLATION, number, _("%(step)s is recorded on %(date)s, but %(before)s, which must come before "
                                       "it, has not happened.") % {
                "step": context.label(number), "date": occurrence.date, "before": context.label(before)}
        elif earlier.date > occurrence.date:
            yield VIOLATION, number, _("%(step)s on %(date)s is dated before %(before)s on %(before_date)s, which "
                                       "must come before it.") % {
                "step": context.label(number), "date": occurrence.date, "before": context.label(before),
                "before_date": earlier.date}


def _minimum_age(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    birth = context.case.birth_date
    if birth is None:
        yield WARNING, number, _("Without a birth date the age at %(step)s cannot be checked.") % {
            "step": context.label(number)}
    elif calendar.age_on(birth, occurrence.date) < rule.params["years"]:
        yield VIOLATION, number, _("On %(date)s, the day of %(step)s, the applicant born on %(birth)s was not yet "
                                   "%(years)s.") % {
            "date": occurrence.date, "step": context.label(number), "birth": birth, "years": rule.params["years"]}


def _within_months(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    since = context.case.last_on_or_before(rule.params["since"], occurrence.date)
    if since is None:
        return
    due = calendar.add_months(since.date, rule.params["months"])
    if occurrence.date <= due:
        return
    values = {"step": context.label(number), "date": occurrence.date, "months": _months(rule.params["months"]),
              "since": context.label(rule.params["since"]), "since_date": since.date, "due": due}
    longest = rule.params.get("special_case_months")
    if longest and occurrence.date <= calendar.add_months(since.date, longest):
        values["longest"] = _months(longest)
        if occurrence.facts.get("reason"):
            yield WARNING, number, _("%(step)s on %(date)s is more than %(months)s after %(since)s on "
                                     "%(since_date)s, as a special case (at most %(longest)s) for this "
                                     "reason: %(reason)s.") % {**values, "reason": occurrence.facts["reason"]}
        else:
            yield VIOLATION, number, _("%(step)s on %(date)s is more than %(months)s after %(since)s on "
                                       "%(since_date)s (due by %(due)s); up to %(longest)s is allowed only as "
                                       "a special case with its reason recorded.") % values
        return
    yield VIOLATION, number, _("%(step)s on %(date)s is more than %(months)s after %(since)s on "
                               "%(since_date)s (due by %(due)s).") % values


def _at_least_months(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    since = context.case.first(rule.params["since"])
    if since is None:
        return
    earliest = calendar.add_months(since.date, rule.params["months"])
    if occurrence.date < earliest:
        yield VIOLATION, number, _("%(step)s on %(date)s is less than %(months)s after %(since)s on "
                                   "%(since_date)s (not before %(earliest)s).") % {
            "step": context.label(number), "date": occurrence.date, "months": _months(rule.params["months"]),
            "since": context.label(rule.params["since"]), "since_date": since.date, "earliest": earliest}


def _regular_assessment(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    """No stretch of more than ``months`` without an assessment (``params["step"]``) from the
    start (``params["since"]``) to the step judged."""
    start = context.case.first(rule.params["since"])
    if start is None:
        return
    months = rule.params["months"]
    points = [(rule.params["since"], start.date)]
    points += [(rule.params["step"], assessment.date) for assessment in context.case.steps.get(rule.params["step"], ())
               if start.date <= assessment.date <= occurrence.date]
    points.append((number, occurrence.date))
    for (_before, previous), (step, day) in zip(points, points[1:], strict=False):
        if day > calendar.add_months(previous, months):
            yield VIOLATION, step, _("%(step)s on %(date)s comes more than %(months)s after the previous "
                                     "assessment or the start on %(previous)s: the branch assesses every "
                                     "%(months)s.") % {
                "step": context.label(step), "date": day, "months": _months(months), "previous": previous}


def _public_notice(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    # The notice may be recorded with the step judged or with the filing that follows it.
    other = context.case.first(rule.params["or_on"]) if "or_on" in rule.params else None
    facts = {**(other.facts if other else {}), **occurrence.facts}
    start, end = facts.get("notice_start"), facts.get("notice_end")
    values = {"step": context.label(number), "days": rule.params["working_days"]}
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
        yield VIOLATION, number, _("%(step)s needs a public notice of at least %(days)s working days; its start and "
                                   "end are not recorded.") % values
        return
    try:
        days = context.working_days.count(start, end)
    except UnpublishedYear as unpublished:
        yield WARNING, number, _("The length of the public notice cannot be checked: the working days of %(year)s "
                                 "are not in the calendar yet.") % {"year": unpublished.year}
        return
    if days < rule.params["working_days"]:
        yield VIOLATION, number, _("The public notice for %(step)s, from %(start)s to %(end)s, lasted %(counted)s "
                                   "working days, fewer than %(days)s.") % {
            **values, "start": start, "end": end, "counted": days}
    ends_before = rule.params.get("ends_before")
    later = context.case.first(ends_before) if ends_before else None
    if later is not None and later.date <= end:
        yield VIOLATION, ends_before, _("%(later)s on %(date)s comes before the public notice for %(step)s ended on "
                                        "%(end)s.") % {
            **values, "later": context.label(ends_before), "date": later.date, "end": end}


def _people(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    """A number of people with a standing (mentors, sponsors): ``params["fact"]`` counted, and
    the facts ``<fact>_not_full_members`` (and, where ``params["discipline"]``,
    ``<fact>_under_discipline``) counting those among them who may not serve."""
    fact, least, most = rule.params["fact"], rule.params["minimum"], rule.params["maximum"]
    count = occurrence.facts.get(fact)
    values = {"step": context.label(number), "least": least, "most": most, "count": count}
    if count is None:
        yield WARNING, number, _("%(step)s: how many people were named is not recorded.") % values
    elif not least <= count <= most:
        if least == most:
            yield VIOLATION, number, _("%(step)s names %(count)s people; exactly %(least)s are required.") % values
        else:
            yield VIOLATION, number, _("%(step)s names %(count)s people; %(least)s to %(most)s are required.") % values
    if occurrence.facts.get(f"{fact}_not_full_members"):
        yield VIOLATION, number, _("%(step)s: %(unfit)s of them are not full members.") % {
            **values, "unfit": occurrence.facts[f"{fact}_not_full_members"]}
    if rule.params.get("discipline") and occurrence.facts.get(f"{fact}_under_discipline"):
        yield VIOLATION, number, _("%(step)s: %(unfit)s of them are on probation within the Party (留党察看) "
                                   "without their rights restored.") % {
            **values, "unfit": occurrence.facts[f"{fact}_under_discipline"]}


def _decided_by(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    body = occurrence.facts.get("decided_by")
    if body is not None and body not in rule.params["bodies"]:
        yield VIOLATION, number, _("%(step)s was decided by “%(body)s”; it is for the branch committee (or the branch "
                                   "general meeting where there is no committee).") % {
            "step": context.label(number), "body": body}


def _training(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    days, hours = occurrence.facts.get("days"), occurrence.facts.get("hours")
    values = {"step": context.label(number), "least_days": rule.params["days"], "least_hours": rule.params["hours"],
              "days": days if days is not None else 0, "hours": hours if hours is not None else 0}
    if days is None and hours is None:
        yield WARNING, number, _("%(step)s: the length of the training is not recorded.") % values
    elif (days or 0) < rule.params["days"] and (hours or 0) < rule.params["hours"]:
        yield VIOLATION, number, _("%(step)s lasted %(days)s days and %(hours)s hours; at least %(least_days)s days or "
                                   "%(least_hours)s hours are required.") % values


def _vetting_passed(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    vetting = context.case.first(rule.params["vetting"])
    if vetting is not None and vetting.facts.get("passed") is False:
        yield VIOLATION, number, _("%(step)s on %(date)s follows a political review that was not passed.") % {
            "step": context.label(number), "date": occurrence.date}


def majority(eligible: int) -> int:
    """More than half of ``eligible``: the least count that is."""
    return eligible // 2 + 1


def _vote(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    """Quorum and result of a branch general meeting (RULES.md 1.3): members present with a vote
    more than half of those who should attend; yes votes, with absent members' written opinions,
    more than half of those who should attend. Written opinions do not make a quorum."""
    facts = occurrence.facts
    eligible, present, yes = facts.get("eligible"), facts.get("present"), facts.get("yes")
    written = facts.get("written_yes") or 0
    values = {"step": context.label(number), "date": occurrence.date, "eligible": eligible, "present": present,
              "yes": yes, "written": written}
    if eligible is None or present is None or yes is None:
        yield WARNING, number, _("%(step)s on %(date)s: the members who should attend, those present and the yes "
                                 "votes are not all recorded, so the quorum and the vote cannot be checked.") % values
        return
    if present > eligible or yes > present or written > eligible - present:
        yield VIOLATION, number, _("%(step)s on %(date)s: the counts do not add up (%(eligible)s should attend, "
                                   "%(present)s present, %(yes)s yes, %(written)s written yes from absent "
                                   "members).") % values
        return
    values["needed"] = majority(eligible)
    if present < values["needed"]:
        yield VIOLATION, number, _("%(step)s on %(date)s had no quorum: %(present)s of %(eligible)s members with a "
                                   "vote were present; at least %(needed)s are needed.") % values
    elif yes + written < values["needed"]:
        yield VIOLATION, number, _("%(step)s on %(date)s did not pass: %(yes)s yes votes and %(written)s written "
                                   "ones of %(eligible)s members; at least %(needed)s are needed.") % values
    if (facts.get("candidates") or 1) > 1:
        yield VIOLATION, number, _("%(step)s on %(date)s voted on %(candidates)s people together; each is voted on "
                                   "separately.") % {**values, "candidates": facts["candidates"]}


def _approver(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    approver = occurrence.facts.get("approver")
    if approver in rule.params["may_not"]:
        yield VIOLATION, number, _("%(step)s was given by a committee that may not approve new members (a "
                                   "committee under a street or township committee, or a temporary one).") % {
            "step": context.label(number)}


def _soon_after(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    since = context.case.first(rule.params["since"])
    if since is not None and occurrence.date > calendar.add_months(since.date, rule.params["months"]):
        yield WARNING, number, _("%(step)s on %(date)s is more than %(months)s after %(since)s on "
                                 "%(since_date)s; it is usually held soon after.") % {
            "step": context.label(number), "date": occurrence.date, "months": _months(rule.params["months"]),
            "since": context.label(rule.params["since"]), "since_date": since.date}


def _leaving_soon(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    leaving = occurrence.facts.get("leaving_on")
    if isinstance(leaving, dt.date) and leaving <= calendar.add_months(occurrence.date, rule.params["months"]):
        yield WARNING, number, _("%(step)s on %(date)s: the candidate leaves their unit on %(leaving)s, within "
                                 "%(months)s; acceptance is normally not processed then.") % {
            "step": context.label(number), "date": occurrence.date, "leaving": leaving,
            "months": _months(rule.params["months"])}


@dataclass(frozen=True)
class Probation:
    """Where probation stands after the conversion votes up to a day: when it ends, whether it
    was extended, and the outcome once decided."""

    ends_on: dt.date
    extended: bool = False
    outcome: str = ""


def probation(case: Case, *, accepted_at: str, conversion_vote: str, months: int, until: dt.date | None = None) -> Probation | None:
    """Probation from the acceptance meeting (step ``accepted_at``), through the conversion
    votes before ``until`` (all of them when None). None before acceptance."""
    accepted = case.first(accepted_at)
    if accepted is None:
        return None
    state = Probation(calendar.add_months(accepted.date, months))
    for vote in case.steps.get(conversion_vote, ()):
        if state.outcome or (until is not None and vote.date >= until):
            break
        outcome = vote.facts.get("outcome")
        if outcome == "extend" and not state.extended:
            state = Probation(calendar.add_months(state.ends_on, int(vote.facts.get("extension_months") or 0)),
                              extended=True)
        elif outcome in ("confirm", "cancel"):
            state = Probation(state.ends_on, state.extended, outcome)
    return state


def full_member_on(case: Case, rule_set: RuleSet) -> dt.date | None:
    """The day a confirmed member became a full member: the day probation ended, even when the
    approval came later (RULES.md 1.2); party age counts from it."""
    rule = next((rule for rule in rule_set.rules if rule.kind == "conversion_vote"), None)
    if rule is None:
        return None
    state = probation(case, accepted_at=rule.params["accepted_at"], conversion_vote=rule.step, months=rule.params["months"])
    return state.ends_on if state is not None and state.outcome == "confirm" else None


def _conversion_vote(context: _Context, rule: Rule, number: str, index: int, occurrence: Occurrence) -> Result:
    params = rule.params
    state = probation(context.case, accepted_at=params["accepted_at"], conversion_vote=number, months=params["months"],
                      until=occurrence.date)
    if state is None:
        return
    values = {"step": context.label(number), "date": occurrence.date, "ends": state.ends_on,
              "least": _months(params["extension_least"]), "most": _months(params["extension_most"])}
    if state.outcome:
        yield VIOLATION, number, _("%(step)s on %(date)s comes after probation was already decided.") % values
        return
    if occurrence.date < state.ends_on:
        yield VIOLATION, number, _("%(step)s on %(date)s is before probation ends on %(ends)s.") % values
    outcome = occurrence.facts.get("outcome")
    if outcome is None:
        yield WARNING, number, _("%(step)s on %(date)s: the outcome (confirm, extend or cancel) is not recorded.") % values
    elif outcome == "extend":
        months = occurrence.facts.get("extension_months")
        if state.extended:
            yield VIOLATION, number, _("%(step)s on %(date)s extends probation a second time; it may be extended "
                                       "once only.") % values
        elif months is None:
            yield VIOLATION, number, _("%(step)s on %(date)s extends probation without saying by how many "
                                       "months.") % values
        elif not params["extension_least"] <= months <= params["extension_most"]:
            yield VIOLATION, number, _("%(step)s on %(date)s extends probation by %(months)s; an extension is "
                                       "%(least)s to %(most)s.") % {**values, "months": _months(months)}


KINDS: dict[str, Callable[[_Context, Rule, str, int, Occurrence], Result]] = {
    "order": _order,
    "minimum_age": _minimum_age,
    "within_months": _within_months,
    "at_least_months": _at_least_months,
    "regular_assessment": _regular_assessment,
    "public_notice": _public_notice,
    "people": _people,
    "decided_by": _decided_by,
    "training": _training,
    "vetting_passed": _vetting_passed,
    "vote": _vote,
    "approver": _approver,
    "soon_after": _soon_after,
    "leaving_soon": _leaving_soon,
    "conversion_vote": _conversion_vote,
}



def _people_facts(rule: Rule) -> tuple[str, ...]:
    fact = rule.params["fact"]
    return (fact, f"{fact}_not_full_members", *((f"{fact}_under_discipline",) if rule.params.get("discipline") else ()))


# The facts each rule kind reads from the step it judges; a form asks for these and no others.
_FACTS: dict[str, Callable[[Rule], tuple[str, ...]]] = {
    "people": _people_facts,
    "decided_by": lambda rule: ("decided_by",),
    "training": lambda rule: ("days", "hours"),
    "vote": lambda rule: ("eligible", "present", "yes", "written_yes", "candidates"),
    "approver": lambda rule: ("approver",),
    "leaving_soon": lambda rule: ("leaving_on",),
    "conversion_vote": lambda rule: ("outcome", "extension_months"),
    "public_notice": lambda rule: ("notice_start", "notice_end"),
    "within_months": lambda rule: ("reason",) if rule.params.get("special_case_months") else (),
}


def facts_asked(rule_set: RuleSet, number: str) -> tuple[str, ...]:
    """The facts the rules of ``rule_set`` read from step ``number``, in the order the rules
    give them: the political review's outcome on the review, a notice on its step or on the
    filing that may carry it."""
    asked: list[str] = []
    for rule in rule_set.rules:
        if rule.step == number and rule.kind in _FACTS:
            asked += _FACTS[rule.kind](rule)
        if rule.kind == "vetting_passed" and rule.params["vetting"] == number:
            asked.append("passed")
        if rule.kind == "public_notice" and rule.params.get("or_on") == number:
            asked += _FACTS["public_notice"](rule)
    return tuple(dict.fromkeys(asked))


def next_steps(case: Case, rule_set: RuleSet) -> list[Step]:
    """The steps that may be recorded next: each whose predecessors have all happened and that
    has not happened yet, in the order of the 细则; a step that repeats (an assessment) only
    until a step of a later stage has happened."""
    reached = max((step.stage for step in rule_set.steps if case.first(step.number) is not None), default=0)
    return [step for step in rule_set.steps
            if all(case.first(before) is not None for before in step.after)
            and (case.first(step.number) is None or (step.repeatable and step.stage >= reached))]

# --- what is due ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    """Step ``step`` is due by ``due`` under rule ``rule``."""

    step: str
    due: dt.date
    rule: str


def _due_within(case: Case, rule: Rule) -> dt.date | None:
    occurrences = case.steps.get(rule.params["since"], ())
    if not occurrences:
        return None
    since = occurrences[-1].date
    if any(done.date >= since for done in case.steps.get(rule.step, ())):
        return None
    return calendar.add_months(since, rule.params["months"])


def _due_assessment(case: Case, rule: Rule) -> dt.date | None:
    start = case.first(rule.params["since"])
    if start is None or case.first(rule.step) is not None:
        return None
    last = max([start.date, *(assessment.date for assessment in case.steps.get(rule.params["step"], ()))])
    return calendar.add_months(last, rule.params["months"])


def _due_conversion(case: Case, rule: Rule) -> dt.date | None:
    state = probation(case, accepted_at=rule.params["accepted_at"], conversion_vote=rule.step, months=rule.params["months"])
    if state is None or state.outcome or case.first(rule.params["approved_at"]) is None:
        return None
    return state.ends_on


# The rule kinds that set a date by which a step that has not happened is due, and the step it
# names (the regular assessment names the assessment, not the step it is judged at).
_DUE = {"within_months": (_due_within, None), "soon_after": (_due_within, None),
        "regular_assessment": (_due_assessment, "step"), "conversion_vote": (_due_conversion, None)}


def deadlines(case: Case, rule_set: RuleSet) -> list[Deadline]:
    """What the file waits for, soonest first: for each rule of ``rule_set`` that sets a time
    limit, the step not yet taken and the day it is due (the conversion vote: the day probation
    ends, from which it may be held)."""
    found = []
    for rule in rule_set.rules:
        if rule.kind not in _DUE:
            continue
        compute, named = _DUE[rule.kind]
        due = compute(case, rule)
        if due is not None:
            found.append(Deadline(rule.params[named] if named else rule.step, due, rule.code))
    return sorted(found, key=lambda deadline: (deadline.due, _step_order(deadline.step)))

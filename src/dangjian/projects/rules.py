"""Pure rules of micro-projects (民生微实事, RULES.md 5): the states and the transitions each kind of
actor may make, the screening against the positive and negative lists and the amount caps per
type, the council's passing rule, the public notice on the working-day calendar, the weighted
progress of a project from its milestones, and the presets of the cities whose caps and lists are
known. No database, no request."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dangjian.core.calendar import WorkingDays

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")  # no community project comes near a hundred million yuan
MAX_BUDGET = Decimal("9999999999.99")  # a city's yearly fund: Zhuhai's was 3.5 亿 (RULES.md 5.3)


class State(models.TextChoices):
    COLLECTED = "collected", gettext_lazy("Collected")
    SCREENED = "screened", gettext_lazy("Passed screening")
    SCREENED_OUT = "screened_out", gettext_lazy("Screened out")
    PASSED = "passed", gettext_lazy("Passed by the council")
    REJECTED = "rejected", gettext_lazy("Rejected by the council")
    NOTICE = "public_notice", gettext_lazy("On public notice")
    APPROVED = "approved", gettext_lazy("Approved")
    IN_PROGRESS = "in_progress", pgettext_lazy("micro-project", "In progress")
    COMPLETED = "completed", gettext_lazy("Completed")
    ACCEPTED = "accepted", pgettext_lazy("micro-project", "Accepted")
    EVALUATED = "evaluated", gettext_lazy("Evaluated by residents")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class Kind(models.TextChoices):
    """The three project types (服务类, 货物类, 工程类), each with its own amount cap."""

    SERVICE = "service", gettext_lazy("Service")
    GOODS = "goods", gettext_lazy("Goods")
    WORKS = "works", gettext_lazy("Works")


class Actor(models.TextChoices):
    """Who acts: staff managing projects over the project's community (or above), staff of the
    level above the community (the street or higher), who alone approve, and the platform."""

    STAFF = "staff", gettext_lazy("Community staff")
    UPPER = "upper", gettext_lazy("Street staff")


class Action(models.TextChoices):
    SCREEN = "screen", gettext_lazy("Pass screening")
    SCREEN_OUT = "screen_out", gettext_lazy("Screen out")
    COUNCIL = "council", gettext_lazy("Record the council's decision")
    NOTICE = "public_notice", gettext_lazy("Put on public notice")
    OBJECTION = "objection", gettext_lazy("Record an objection")
    APPROVE = "approve", gettext_lazy("Approve and fund")
    START = "start", gettext_lazy("Start implementation")
    MILESTONE = "milestone", gettext_lazy("Plan a milestone")
    PROGRESS = "progress", gettext_lazy("Report a milestone's progress")
    SPEND = "spend", gettext_lazy("Record spending")
    COMPLETE = "complete", gettext_lazy("Complete")
    ACCEPT = "accept", gettext_lazy("Accept (acceptance check)")
    EVALUATE = "evaluate", gettext_lazy("Record residents' satisfaction")
    CANCEL = "cancel", gettext_lazy("Cancel")


S, A = State, Actor
# Proposals and projects still on their way: these may be cancelled.
OPEN = frozenset({S.COLLECTED, S.SCREENED, S.PASSED, S.NOTICE, S.APPROVED, S.IN_PROGRESS})
FINAL = frozenset({S.SCREENED_OUT, S.REJECTED, S.EVALUATED, S.CANCELLED})
# Funded: the budget counts in the funding-source report from approval on.
FUNDED = frozenset({S.APPROVED, S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED, S.EVALUATED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    targets: tuple  # the states it may lead to; () keeps the state (milestones, spending, objections)
    actors: frozenset


T = Transition
STAFF, UPPER = frozenset({A.STAFF}), frozenset({A.UPPER})
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    T(Action.SCREEN, frozenset({S.COLLECTED}), (S.SCREENED,), STAFF),
    T(Action.SCREEN_OUT, frozenset({S.COLLECTED}), (S.SCREENED_OUT,), STAFF),
    # The votes (or the jury) decide which: the passing rule is applied, not chosen.
    T(Action.COUNCIL, frozenset({S.SCREENED}), (S.PASSED, S.REJECTED), STAFF),
    T(Action.NOTICE, frozenset({S.PASSED}), (S.NOTICE,), STAFF),
    T(Action.OBJECTION, frozenset({S.NOTICE}), (), STAFF),
    # Approval belongs to the level above the community (RULES.md 5.2: the street and district).
    T(Action.APPROVE, frozenset({S.NOTICE}), (S.APPROVED,), UPPER),
    T(Action.START, frozenset({S.APPROVED}), (S.IN_PROGRESS,), STAFF),
    T(Action.MILESTONE, frozenset({S.APPROVED, S.IN_PROGRESS}), (), STAFF),
    T(Action.PROGRESS, frozenset({S.IN_PROGRESS}), (), STAFF),
    # Invoices are paid after the work is done, too, until acceptance closes the accounts.
    T(Action.SPEND, frozenset({S.IN_PROGRESS, S.COMPLETED}), (), STAFF),
    T(Action.COMPLETE, frozenset({S.IN_PROGRESS}), (S.COMPLETED,), STAFF),
    T(Action.ACCEPT, frozenset({S.COMPLETED}), (S.ACCEPTED,), STAFF),
    T(Action.EVALUATE, frozenset({S.ACCEPTED}), (S.EVALUATED,), STAFF),
    T(Action.CANCEL, OPEN, (S.CANCELLED,), STAFF),
)}


def refusal(state: str, action: str, actors) -> str | None:
    """Why someone acting as any of ``actors`` may not take ``action`` on a project in ``state``,
    or None if they may."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return _("There is no action “%(action)s”.") % {"action": action}
    if not transition.actors & set(actors):
        needed = " / ".join(str(Actor(actor).label) for actor in sorted(transition.actors))
        return _("Only %(actor)s may take the action “%(action)s”.") % {
            "actor": needed, "action": Action(action).label}
    if state not in transition.sources:
        return _("A project that is “%(state)s” cannot be changed by “%(action)s”.") % {
            "state": State(state).label, "action": Action(action).label}
    return None


def actions_for(state: str, actors) -> list[str]:
    """The actions open to someone acting as any of ``actors`` on a project in ``state``."""
    return [action for action, transition in TRANSITIONS.items()
            if state in transition.sources and transition.actors & set(actors)]


# --- money ----------------------------------------------------------------------------------------

def amount_problem(amount, maximum: Decimal = MAX_AMOUNT) -> str | None:
    """What is wrong with ``amount`` as yuan (a Decimal with at most two places, above zero, at
    most ``maximum``)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return _("Give an amount in yuan, e.g. 12000.50.")
    if amount <= 0:
        return _("Give an amount above zero.")
    if amount > maximum:
        return _("Give an amount of at most %(max)s yuan.") % {"max": maximum}
    if amount != amount.quantize(CENT):
        return _("Give the amount to the fen: at most two decimal places.")
    return None


def cap_problem(kind: str, amount: Decimal, caps: dict[str, Decimal]) -> str | None:
    """Why ``amount`` may not be spent on a project of ``kind`` under ``caps`` (type → cap), or
    None. A type without a cap has no limit set yet."""
    cap = caps.get(kind)
    if cap is not None and amount > cap:
        return _("%(amount)s yuan is above the cap of %(cap)s yuan for a %(kind)s project.") % {
            "amount": amount, "cap": cap, "kind": Kind(kind).label}
    return None


# --- the council ----------------------------------------------------------------------------------

class PassingRule(models.TextChoices):
    MAJORITY_PRESENT = "majority_present", gettext_lazy("More than half of those present vote for")
    TWO_THIRDS_PRESENT = "two_thirds_present", gettext_lazy("At least two thirds of those present vote for")
    MAJORITY_CAST = "majority_cast", gettext_lazy("More votes for than against")


@dataclass(frozen=True)
class Votes:
    present: int
    for_: int
    against: int
    abstaining: int


def votes_problems(votes: Votes) -> dict[str, str]:
    """What is wrong with a show of hands, by field."""
    problems = {}
    if votes.present < 1:
        problems["present"] = _("Give how many council members were present.")
    for field, value in (("votes_for", votes.for_), ("votes_against", votes.against),
                         ("abstaining", votes.abstaining)):
        if value < 0:
            problems[field] = _("Give a number of at least 0.")
    if not problems and votes.for_ + votes.against + votes.abstaining > votes.present:
        problems["present"] = _("%(cast)s votes were cast by %(present)s present: count everyone present.") % {
            "cast": votes.for_ + votes.against + votes.abstaining, "present": votes.present}
    return problems


def council_passes(votes: Votes, rule: str) -> bool:
    if rule == PassingRule.MAJORITY_PRESENT:
        return 2 * votes.for_ > votes.present
    if rule == PassingRule.TWO_THIRDS_PRESENT:
        return 3 * votes.for_ >= 2 * votes.present
    if rule == PassingRule.MAJORITY_CAST:
        return votes.for_ > votes.against
    raise ValueError(f"unknown passing rule {rule}")


# --- the public notice ----------------------------------------------------------------------------

DEFAULT_NOTICE_DAYS = 5  # RULES.md 5.2 leaves the period open (10.7): a configuration, 5 by default
MAX_NOTICE_DAYS = 60


def notice_ends(start: dt.date, working_days: int, calendar: WorkingDays) -> dt.date:
    """The last day of a notice of ``working_days`` working days put up on ``start``: the day it
    is put up does not count (民法典 第201条), as for every period here."""
    if working_days < 1:
        raise ValueError("A notice lasts at least one working day.")
    return calendar.add(start, working_days)


def notice_refusal(until: dt.date | None, today: dt.date) -> str | None:
    """Why a project on notice until ``until`` may not be approved on ``today``, or None."""
    if until is None or today <= until:
        return _("The public notice runs until %(until)s: approve from the next day on.") % {
            "until": until.isoformat() if until else "?"}
    return None


# --- progress -------------------------------------------------------------------------------------

MAX_WEIGHT = 1000


def weighted_progress(milestones) -> Decimal:
    """A project's progress in percent: the mean of its milestones' progress (0-100) weighted by
    their weights (as Decidim's accountability results do), to two places; 0 without milestones."""
    milestones = [(weight, progress) for weight, progress in milestones]
    total = sum(weight for weight, _progress in milestones)
    if not total:
        return Decimal("0.00")
    exact = Fraction(sum(weight * progress for weight, progress in milestones), total)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def completion_refusal(milestones) -> str | None:
    """Why a project with ``milestones`` ((weight, progress) pairs) is not complete yet, or None."""
    milestones = list(milestones)
    if not milestones:
        return _("Plan at least one milestone and report it done before completing the project.")
    unfinished = sum(1 for _weight, progress in milestones if progress < 100)
    if unfinished:
        return _("%(n)s milestones are not at 100%% yet.") % {"n": unfinished}
    return None


# --- acceptance -----------------------------------------------------------------------------------

SIGNATORY_SEPARATORS = r"[,，、;；\n]+"


def signatory_names(text: str) -> list[str]:
    """The names in a list of signatories separated by commas, enumeration commas, semicolons or
    lines."""
    return [name.strip() for name in re.split(SIGNATORY_SEPARATORS, text or "") if name.strip()]


# --- satisfaction ---------------------------------------------------------------------------------

def satisfaction_problems(surveyed: int | None, satisfied: int | None, score: Decimal | None) -> dict[str, str]:
    """A survey (people asked and satisfied) or a score out of 100, or both; by field."""
    problems = {}
    if surveyed is None and score is None:
        problems["surveyed"] = _("Give the people surveyed and satisfied, or a score.")
    if surveyed is not None:
        if surveyed < 1:
            problems["surveyed"] = _("Give how many residents were asked (at least 1).")
        elif satisfied is None or not 0 <= satisfied <= surveyed:
            problems["satisfied"] = _("Give how many of the %(n)s asked were satisfied.") % {"n": surveyed}
    elif satisfied is not None:
        problems["surveyed"] = _("Give how many residents were asked.")
    if score is not None and not (isinstance(score, Decimal) and score.is_finite() and 0 <= score <= 100):
        problems["score"] = _("Give a score from 0 to 100.")
    return problems


# --- presets --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    name: str
    caps: dict
    positive: tuple
    negative: tuple


# RULES.md 5.1 (Shenzhen's content and exclusions) and 5.3 (the caps and Zhuhai's priorities).
_POSITIVE_COMMON = (
    "便民利民服务：长者助餐、家政维修、代办代购等群众日常生活所需服务",
    "群众文体活动：社区文化、体育、节庆活动及兴趣小组",
    "公益风尚：志愿服务、邻里互助、文明宣传与移风易俗",
    "公共设施小修小补：社区公共区域照明、座椅、休闲健身设施的添置与维修",
)
_NEGATIVE_COMMON = (
    "应由物业服务企业或其他责任主体承担的维修养护事项",
    "与政府投资项目重复，或属政府部门自身职责范围的事项",
)
PRESETS: dict[str, Preset] = {
    "zhuhai": Preset(
        name="珠海市（2021年起）",
        caps={Kind.SERVICE: Decimal("200000.00"), Kind.GOODS: Decimal("200000.00"), Kind.WORKS: Decimal("500000.00")},
        positive=(*_POSITIVE_COMMON,
                  "老旧小区“微改造”：楼道、围墙、排水、无障碍等小型改造",
                  "“四周边”环境整治：交通场站、社区居委会、农贸市场、医院周边清理",
                  "困难群体服务：面向低保、特困、困境儿童、困难老人、残疾人、失业人员的服务"),
        negative=_NEGATIVE_COMMON,
    ),
    "luohu_donghu": Preset(
        name="深圳市罗湖区东湖街道（2020年）",
        caps={Kind.SERVICE: Decimal("500000.00"), Kind.GOODS: Decimal("500000.00"),
              Kind.WORKS: Decimal("1000000.00")},
        positive=_POSITIVE_COMMON,
        negative=(*_NEGATIVE_COMMON, "以营利为目的或仅惠及少数人的事项"),
    ),
}

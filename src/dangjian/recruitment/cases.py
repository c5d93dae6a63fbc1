"""Reading recruitment files brought in from elsewhere, in the case format of ``dangjian
recruitment check`` (docs/recruitment.md): one case or a list of cases, each with its steps'
dates and facts. Every problem is named by case and field; nothing is guessed."""

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dangjian.recruitment.rules import Case, Occurrence

WHOLE_NUMBER_FACTS = frozenset({
    "mentors", "sponsors", "days", "hours", "eligible", "present", "yes", "written_yes", "extension_months",
    "candidates", "mentors_not_full_members", "sponsors_not_full_members", "sponsors_under_discipline"})
DATE_FACTS = frozenset({"notice_start", "notice_end", "leaving_on"})
TEXT_FACTS = frozenset({"decided_by", "approver", "reason"})
OUTCOMES = ("confirm", "extend", "cancel")
KNOWN_FACTS = WHOLE_NUMBER_FACTS | DATE_FACTS | TEXT_FACTS | {"outcome", "passed"}


class CaseFormatError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


CASE_KEYS = ("id", "rules", "birth_date", "steps")
# A case brought into the platform also says who the person is and which branch keeps the file.
PERSON_KEYS = ("name", "id_number", "org", "phone")


@dataclass(frozen=True)
class ImportedCase:
    case: Case
    name: str
    id_number: str
    org: str = ""
    phone: str = ""


def read_cases(data: Any, rule_set_names: tuple[str, ...]) -> list[Case]:
    """The cases in ``data`` (parsed JSON: one case, or a list of them). Raises CaseFormatError
    naming every problem found."""
    return [case for case, _person in _read_all(data, rule_set_names, people=False)]


def read_imports(data: Any, rule_set_names: tuple[str, ...]) -> list[ImportedCase]:
    """The cases in ``data`` with the person each is about (``name`` and ``id_number``
    required, ``org`` and ``phone`` optional), to be kept in the platform."""
    return [ImportedCase(case, **person) for case, person in _read_all(data, rule_set_names, people=True)]


def _read_all(data: Any, rule_set_names: tuple[str, ...], *, people: bool) -> list[tuple[Case, dict]]:
    items = data if isinstance(data, list) else [data]
    problems: list[str] = []
    read = []
    seen: dict[str, int] = {}
    for position, item in enumerate(items, start=1):
        reader = _CaseReader(position, rule_set_names, people=people)
        case = reader.read(item)
        if case is not None and case.id in seen:
            reader.problem("id", _("the id “%(id)s” is also case %(other)s's.") % {"id": case.id, "other": seen[case.id]})
        problems += reader.problems
        if case is not None:
            seen.setdefault(case.id, position)
            read.append((case, reader.person))
    if problems:
        raise CaseFormatError(problems)
    return read


def read_facts(raw: Any) -> dict:
    """The facts of one step recorded in the platform, checked as in a case file (dates as
    ISO text become dates). Raises CaseFormatError naming each bad fact."""
    reader = _CaseReader(None, ())
    if not isinstance(raw, dict):
        raise CaseFormatError([_("The facts are an object of names and values.")])
    facts = {name: reader.fact(name, value, name) for name, value in raw.items()}
    if reader.problems:
        raise CaseFormatError(reader.problems)
    return facts


def stored_facts(facts: dict) -> dict:
    """``facts`` as JSON keeps them: dates as ISO text."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in facts.items()}


def case_of_records(case_id: str, *, birth_date: dt.date | None, rules: str, records: Iterable[tuple[str, dt.date, dict]]) -> Case:
    """The case of a file kept in the platform: its records as (step, date, stored facts)."""
    steps: dict[str, list[Occurrence]] = defaultdict(list)
    for step, on, facts in records:
        steps[step].append(Occurrence(on, read_facts(facts)))
    return Case(case_id, {step: tuple(sorted(occurrences, key=lambda occurrence: occurrence.date))
                          for step, occurrences in steps.items()}, birth_date=birth_date, rules=rules)


class _CaseReader:
    def __init__(self, position: int | None, rule_set_names: tuple[str, ...], *, people: bool = False):
        self.name = _("case %(n)s") % {"n": position} if position is not None else ""
        self.rule_set_names = rule_set_names
        self.keys = CASE_KEYS + (PERSON_KEYS if people else ())
        self.people = people
        self.person: dict[str, str] = {}
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.name}, {where}: {message}" if self.name else f"{where}: {message}")

    def read(self, item: Any) -> Case | None:
        if not isinstance(item, dict):
            self.problems.append(_("%(case)s: a case is an object with id, rules, birth_date and steps.")
                                 % {"case": self.name})
            return None
        if isinstance(item.get("id"), str | int) and str(item["id"]).strip():
            self.name = _("case “%(id)s”") % {"id": item["id"]}
        for key in sorted(set(item) - set(self.keys)):
            self.problem(key, _("not a field of a case (%(fields)s).") % {"fields": ", ".join(self.keys)})
        if self.people:
            self.read_person(item)
        case_id = str(item.get("id", "")).strip() or self.name
        rules = item.get("rules", "auto")
        if rules != "auto" and rules not in self.rule_set_names:
            self.problem("rules", _("“%(value)s” is not a rule set; write %(choices)s.") % {
                "value": rules, "choices": ", ".join(["auto", *self.rule_set_names])})
        birth_date = self.date(item.get("birth_date"), "birth_date") if item.get("birth_date") is not None else None
        raw_steps = item.get("steps")
        if not isinstance(raw_steps, dict):
            self.problem("steps", _("an object mapping step numbers to their date and facts."))
            return None
        steps = {}
        for number, value in raw_steps.items():
            entries = value if isinstance(value, list) else [value]
            occurrences = [self.occurrence(entry, f"steps.{number}" + (f"[{index}]" if isinstance(value, list) else ""))
                           for index, entry in enumerate(entries)]
            if not entries:
                self.problem(f"steps.{number}", _("an empty list; leave out a step that has not happened."))
            if None not in occurrences and occurrences:
                steps[str(number)] = tuple(sorted(occurrences, key=lambda occurrence: occurrence.date))
        if self.problems:
            return None
        return Case(id=case_id, steps=steps, birth_date=birth_date, rules=rules)

    def read_person(self, item: dict) -> None:
        for key, required in (("name", True), ("id_number", True), ("org", False), ("phone", False)):
            value = item.get(key)
            if value is None and not required:
                continue
            if not isinstance(value, str) or not value.strip():
                self.problem(key, _("a text; it is required.") if required else _("a text."))
            else:
                self.person[key] = value.strip()

    def occurrence(self, entry: Any, where: str) -> Occurrence | None:
        if not isinstance(entry, dict):
            self.problem(where, _("an object with the step's date and facts."))
            return None
        if "date" not in entry:
            self.problem(where, _("the date is missing."))
            return None
        day = self.date(entry["date"], f"{where}.date")
        facts = {}
        for name, value in entry.items():
            if name == "date":
                continue
            fact = self.fact(name, value, f"{where}.{name}")
            if fact is not None:
                facts[name] = fact
        return Occurrence(day, facts) if day is not None else None

    def fact(self, name: str, value: Any, where: str):
        if name not in KNOWN_FACTS:
            self.problem(where, _("not a fact the check knows (%(facts)s).") % {"facts": ", ".join(sorted(KNOWN_FACTS))})
        elif name in WHOLE_NUMBER_FACTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.problem(where, _("a whole number, 0 or more."))
            else:
                return value
        elif name in DATE_FACTS:
            return self.date(value, where)
        elif name == "outcome":
            if value not in OUTCOMES:
                self.problem(where, _("“%(value)s” is not an outcome; write confirm, extend or cancel.") % {"value": value})
            else:
                return value
        elif name == "passed":
            if not isinstance(value, bool):
                self.problem(where, _("true or false."))
            else:
                return value
        elif not isinstance(value, str) or not value.strip():
            self.problem(where, _("a text."))
        else:
            return value.strip()
        return None

    def date(self, value: Any, where: str) -> dt.date | None:
        if isinstance(value, str) and len(value) == 10:
            with contextlib.suppress(ValueError):
                return dt.date.fromisoformat(value)
        self.problem(where, _("“%(value)s” is not a date; write it as 2021-09-12.") % {"value": value})
        return None

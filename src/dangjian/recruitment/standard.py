"""The national pipeline as data: the 25 steps of the 2014 细则 in their 2/4/5/7/7 teaching
breakdown (RULES.md 1.1) and the rules of RULES.md 1.2 as two dated sets, 2014 and the May 2026
revision. A local step or a stricter local interval is another ``RuleSet`` built from these
(``with_changes``), not new code.

Sources are cited as RULES.md gives them; where an article number is not confirmed (RULES.md
10, question 2) the citation names the regulation only.
"""

import dataclasses
import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from dangjian.core.calendar import WorkingDays
from dangjian.recruitment.rules import ANY_STEP, KINDS, Case, Occurrence, Rule, RuleSet, Step, check, deadlines

ADMISSION_2014_FROM = dt.date(2014, 6, 10)  # 中办发〔2014〕34号, issued and in force that day

BRANCH_COMMITTEE = "branch_committee"
GENERAL_MEETING = "general_meeting"
# Committees that may not approve new members (RULES.md 1.2): those under a street or township
# committee (a community's or village's), and temporary ones.
SUB_COMMITTEE = "sub_committee"
TEMPORARY_COMMITTEE = "temporary"

STEPS = (
    Step("1", 1, _("Written application"), _("applicant"), (_("application letter"),)),
    Step("2", 1, _("Talk with the applicant"), _("someone sent by the branch"), (_("talk record"),), after=("1",)),
    Step("3", 2, _("Activist decided"), _("branch committee"),
         (_("recommendations"), _("committee minutes"), _("activist registration form")), after=("2",)),
    Step("4", 2, _("Activist filed with the upper committee"), _("branch, to the primary committee"),
         (_("filing form"),), after=("3",)),
    Step("5", 2, _("Mentors assigned"), _("branch"), (_("mentor register"),), after=("3",)),
    Step("6", 2, _("Training and assessment"), _("branch, every six months"),
         (_("assessment form"), _("thought reports")), after=("5",), repeatable=True),
    Step("7", 3, _("Candidate designated"), _("branch committee"), (_("committee minutes"), _("public notice record")),
         after=("4", "6")),
    Step("8", 3, _("Candidate filed with the upper committee"), _("branch, to the primary committee"),
         (_("filing form"),), after=("7",)),
    Step("9", 3, _("Sponsors named"), _("branch"), (_("sponsor register"),), after=("7",)),
    Step("10", 3, _("Political review"), _("Party organisation"), (_("review materials"), _("written conclusion")),
         after=("7",)),
    Step("11", 3, _("Intensive training"), _("primary committee or county organisation department"),
         (_("training certificate"),), after=("7",)),
    Step("12", 4, _("Review by the branch committee"), _("branch committee"), (_("review opinion"),),
         after=("8", "9", "10", "11")),
    Step("13", 4, _("Pre-review by the upper committee"), _("primary committee with approval power"),
         (_("pre-review result"),), after=("12",), upper=True),
    Step("14", 4, _("Application form filled in"), _("candidate, guided by the sponsors"), (_("application form"),),
         after=("13",)),
    Step("15", 4, _("Branch general meeting votes on admission"), _("branch general meeting"),
         (_("resolution"), _("minutes"), _("ballots")), after=("14",)),
    Step("16", 4, _("Talk by the upper committee"), _("member or organiser of the approving committee"),
         (_("talk record"),), after=("15",), upper=True),
    Step("17", 4, _("Approval by the upper committee"), _("primary committee"), (_("approval opinion"),),
         after=("16",), upper=True),
    Step("18", 4, _("Filed with the next level's organisation department"), _("primary committee"),
         (_("filing form"),), after=("17",), upper=True),
    Step("19", 5, _("Assigned to a branch and group"), _("branch"), (_("register update"),), after=("17",)),
    Step("20", 5, _("Admission oath"), _("primary committee or branch"), (_("attendance record"),), after=("17",)),
    Step("21", 5, _("Continued assessment"), _("branch"), (_("probationary assessment form"), _("thought reports")),
         after=("17",), repeatable=True),
    Step("22", 5, _("Application for full membership"), _("probationary member"), (_("application letter"),),
         after=("17",)),
    Step("23", 5, _("Branch general meeting votes on full membership"), _("branch general meeting"),
         (_("resolution"), _("minutes"), _("ballots")), after=("22",), repeatable=True),
    Step("24", 5, _("Approval of full membership"), _("primary committee"), (_("approval opinion"),), after=("23",),
         repeatable=True, upper=True),
    Step("25", 5, _("File archived"), _("branch, to the committee"), (_("archive list"),), after=("24",)),
)

_CONVERSION = {"accepted_at": "15", "approved_at": "17", "months": 12, "extension_least": 6, "extension_most": 12}


def _common_rules(edition: str) -> tuple[Rule, ...]:
    """The rules both editions share; ``edition`` dates the citations whose article numbers
    differ."""
    vote_articles = "2014 细则 第二十条、第二十一条" if edition == "2014" else "2026 细则 第十九条、第二十条"
    return (
        Rule("order", "order", ANY_STEP, "细则 第二章至第五章"),
        Rule("minimum_age", "minimum_age", "1", "细则 第五条；党章 第一条", {"years": 18}),
        Rule("talk_within_one_month", "within_months", "2", "细则 第七条", {"since": "1", "months": 1}),
        Rule("activist_decided_by_committee", "decided_by", "3", "细则 第八条",
             {"bodies": (BRANCH_COMMITTEE, GENERAL_MEETING)}),
        Rule("mentors", "people", "5", "细则 第九条", {"fact": "mentors", "minimum": 1, "maximum": 2}),
        Rule("assessment_every_six_months", "regular_assessment", "7", "细则 第十一条",
             {"since": "3", "step": "6", "months": 6}),
        Rule("one_year_as_activist", "at_least_months", "7", "细则 第十三条", {"since": "3", "months": 12}),
        Rule("candidate_decided_by_committee", "decided_by", "7", "细则 第十三条",
             {"bodies": (BRANCH_COMMITTEE, GENERAL_MEETING)}),
        Rule("sponsors", "people", "9", "党章 第五条；细则 第十四条",
             {"fact": "sponsors", "minimum": 2, "maximum": 2, "discipline": True}),
        Rule("training_length", "training", "11", "细则 第十七条", {"days": 3, "hours": 24}),
        Rule("political_review_passed", "vetting_passed", "12", "细则 第十六条", {"vetting": "10"}),
        Rule("leaving_within_three_months", "leaving_soon", "15", "2014 细则 第十九条", {"months": 3}),
        Rule("admission_vote", "vote", "15", vote_articles),
        Rule("approval_within_three_months", "within_months", "17", "细则；2026 细则 第二十五条",
             {"since": "15", "months": 3, "special_case_months": 6}),
        Rule("committee_may_approve", "approver", "17", "2014 细则",
             {"may_not": (SUB_COMMITTEE, TEMPORARY_COMMITTEE)}),
        Rule("oath_soon_after_approval", "soon_after", "20", "党章 第六条", {"since": "17", "months": 1}),
        Rule("conversion_vote", "vote", "23", vote_articles),
        Rule("conversion_after_probation", "conversion_vote", "23", "党章 第七条；2014 细则 第三十二条", _CONVERSION),
        Rule("conversion_approval_within_three_months", "within_months", "24", "2026 细则 第三十三条",
             {"since": "23", "months": 3}),
        Rule("conversion_committee_may_approve", "approver", "24", "2014 细则",
             {"may_not": (SUB_COMMITTEE, TEMPORARY_COMMITTEE)}),
    )


def rule_sets(revision_2026_from: dt.date) -> tuple[RuleSet, ...]:
    """The 2014 rules and the 2026 revision, which adds the public notice before a candidate is
    designated and the one-month limit from pre-review to the vote."""
    return (
        RuleSet("2014", ADMISSION_2014_FROM, STEPS, _common_rules("2014")),
        RuleSet("2026", revision_2026_from, STEPS, (
            *_common_rules("2026"),
            Rule("public_notice_five_working_days", "public_notice", "7", "2026 细则 第十三条",
                 {"working_days": 5, "or_on": "8", "ends_before": "9"}),
            Rule("vote_within_one_month_of_pre_review", "within_months", "15", "2026 细则 第十九条",
                 {"since": "13", "months": 1}),
        )),
    )


def with_changes(rule_set: RuleSet, *, name: str, effective_from: dt.date | None = None, steps=(), rules=(),
                 params: dict[str, dict] | None = None) -> RuleSet:
    """A local set: ``rule_set`` with steps and rules added (or replaced, by number and code)
    and rules' numbers changed (``params``: rule code → the numbers that differ)."""
    new_steps = {step.number: step for step in (*rule_set.steps, *steps)}
    new_rules = {rule.code: rule for rule in (*rule_set.rules, *rules)}
    for code, changes in (params or {}).items():
        new_rules[code] = dataclasses.replace(new_rules[code], params={**new_rules[code].params, **changes})
    return RuleSet(name, effective_from or rule_set.effective_from, tuple(new_steps.values()), tuple(new_rules.values()))


class LocalRulesError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def local_sets(data: Any, base_sets: tuple[RuleSet, ...]) -> tuple[RuleSet, ...]:
    """The local rule sets a deployment configures (docs/recruitment.md, "Local rules"): each
    built on a national set with steps and rules added, and numbers of existing rules changed.
    Raises LocalRulesError naming every problem found."""
    problems: list[str] = []
    sets: list[RuleSet] = []
    if not isinstance(data, dict) or not isinstance(data.get("sets"), list):
        raise LocalRulesError(['the file is an object with a list "sets".'])
    for position, raw in enumerate(data["sets"], start=1):
        reader = _LocalSetReader(position, raw, (*base_sets, *sets))
        built = reader.read()
        problems += reader.problems
        if built is not None:
            sets.append(built)
    if problems:
        raise LocalRulesError(problems)
    return tuple(sets)


class _LocalSetReader:
    KEYS = {"name", "base", "effective_from", "steps", "rules", "params"}
    STEP_KEYS = {"number", "stage", "name", "actor", "documents", "after", "before", "repeatable", "upper"}
    RULE_KEYS = {"code", "kind", "step", "source", "params"}

    def __init__(self, position: int, raw: Any, known: tuple[RuleSet, ...]):
        self.where = f"sets[{position}]"
        self.raw, self.known = raw, known
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.where}{where}: {message}")

    def read(self) -> RuleSet | None:
        raw = self.raw
        if not isinstance(raw, dict):
            self.problem("", "an object with name, base, effective_from, steps, rules and params.")
            return None
        for key in sorted(set(raw) - self.KEYS):
            self.problem(f".{key}", f"not a field of a local set ({', '.join(sorted(self.KEYS))}).")
        name, base_name = raw.get("name"), raw.get("base")
        if not isinstance(name, str) or not name.strip() or name == "auto" or len(name) > 16:
            self.problem(".name", 'a name of 1 to 16 characters, not "auto".')
        elif any(known.name == name for known in self.known):
            self.problem(".name", f'"{name}" is already a rule set.')
        base = next((known for known in self.known if known.name == base_name), None)
        if base is None:
            self.problem(".base", f"one of the rule sets: {', '.join(known.name for known in self.known)}.")
            return None
        try:
            effective_from = dt.date.fromisoformat(raw.get("effective_from", ""))
        except (TypeError, ValueError):
            self.problem(".effective_from", "a date, written as 2026-07-01.")
            return None
        steps, before = self._steps(raw.get("steps", []))
        rules = self._rules(raw.get("rules", []))
        params = raw.get("params", {})
        if not isinstance(params, dict) or not all(isinstance(value, dict) for value in params.values()):
            self.problem(".params", "an object of rule codes and the numbers that change.")
            params = {}
        codes = {rule.code for rule in (*base.rules, *rules)}
        for code in sorted(set(params) - codes):
            self.problem(f".params.{code}", "not a rule of the set.")
        if self.problems:
            return None
        built = with_changes(base, name=name, effective_from=effective_from, steps=steps, rules=rules, params=params)
        # A step that must now come after an added one ("before" of the added step).
        changed = [dataclasses.replace(step, after=(*step.after, *before[step.number])) for step in built.steps
                   if step.number in before]
        numbers = {step.number for step in built.steps}
        for number in sorted(set(before) - numbers):
            self.problem(".steps", f'"before" names step {number}, which the set does not have.')
        for step in built.steps:
            for earlier in step.after:
                if earlier not in numbers:
                    self.problem(".steps", f"step {step.number} comes after step {earlier}, which the set does not have.")
        for rule in built.rules:
            if rule.step != ANY_STEP and rule.step not in numbers:
                self.problem(".rules", f"rule {rule.code} judges step {rule.step}, which the set does not have.")
        if self.problems:
            return None
        built = with_changes(built, name=name, steps=changed)
        self._try(built)
        return None if self.problems else built

    def _try(self, built: RuleSet) -> None:
        """Run every rule once over a file with every step, so that a rule whose numbers do not
        fit its kind is found now, not when a branch records a step."""
        start = built.effective_from
        case = Case("try", {step.number: (Occurrence(start + dt.timedelta(days=index)),)
                            for index, step in enumerate(built.steps)}, rules=built.name)
        try:
            check(case, (built,), WorkingDays())
            deadlines(case, built)
        except (KeyError, TypeError, ValueError) as error:
            self.problem(".rules", f"a rule's params do not fit its kind ({type(error).__name__}: {error}).")

    def _items(self, raw: Any, name: str, keys: set[str]):
        """(where, item) for each object of the list ``raw`` at ``name``, after naming what is not
        one and the fields it should not have."""
        if not isinstance(raw, list):
            self.problem(f".{name}", f"a list of {name}.")
            return
        for index, item in enumerate(raw):
            where = f".{name}[{index}]"
            if not isinstance(item, dict):
                self.problem(where, f"an object with the fields {', '.join(sorted(keys))}.")
                continue
            for key in sorted(set(item) - keys):
                self.problem(f"{where}.{key}", f"not a field ({', '.join(sorted(keys))}).")
            yield where, item

    def _steps(self, raw: Any) -> tuple[list[Step], dict[str, tuple[str, ...]]]:
        steps, before = [], {}
        for where, item in self._items(raw, "steps", self.STEP_KEYS):
            texts = [item.get(key) for key in ("number", "name", "actor")]
            lists = [item.get(key, []) for key in ("documents", "after", "before")]
            if not all(isinstance(text, str) and text.strip() for text in texts) or len(item.get("number", "")) > 8:
                self.problem(where, "number (at most 8 characters), name and actor are texts.")
            elif item.get("stage") not in (1, 2, 3, 4, 5):
                self.problem(f"{where}.stage", "a stage from 1 to 5.")
            elif not all(isinstance(values, list) and all(isinstance(value, str) for value in values)
                         for values in lists):
                self.problem(where, "documents, after and before are lists of texts.")
            else:
                steps.append(Step(item["number"], item["stage"], item["name"], item["actor"], tuple(lists[0]),
                                  tuple(lists[1]), bool(item.get("repeatable")), bool(item.get("upper"))))
                for later in lists[2]:
                    before[later] = (*before.get(later, ()), item["number"])
        return steps, before

    def _rules(self, raw: Any) -> list[Rule]:
        rules = []
        for where, item in self._items(raw, "rules", self.RULE_KEYS):
            if not all(isinstance(item.get(key), str) and item[key].strip() for key in ("code", "step", "source")):
                self.problem(where, "code, step and source are texts.")
            elif item.get("kind") not in KINDS:
                self.problem(f"{where}.kind", f"one of the kinds: {', '.join(sorted(KINDS))}.")
            elif not isinstance(item.get("params", {}), dict):
                self.problem(f"{where}.params", "an object of the rule's numbers.")
            else:
                rules.append(Rule(item["code"], item["kind"], item["step"], item["source"], item.get("params", {})))
        return rules

"""The national pipeline as data: the 25 steps of the 2014 细则 in their 2/4/5/7/7 teaching
breakdown (RULES.md 1.1) and the rules of RULES.md 1.2 as two dated sets, 2014 and the May 2026
revision. A local step or a stricter local interval is another ``RuleSet`` built from these
(``with_changes``), not new code.

Sources are cited as RULES.md gives them; where an article number is not confirmed (RULES.md
10, question 2) the citation names the regulation only.
"""

import dataclasses
import datetime as dt

from django.utils.translation import gettext_lazy as _

from dangjian.recruitment.rules import ANY_STEP, Rule, RuleSet, Step

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

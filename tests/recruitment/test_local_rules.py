"""Local rule sets as configuration: a JSON file adds a locally required step and a stricter
interval on top of a national set; every mistake in it is named when the site starts."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from dangjian.accounts.roles import Role
from dangjian.recruitment import selectors, services
from dangjian.recruitment.apps import local_rules_check
from dangjian.recruitment.rules import rule_set_on
from tests import factories

LOCAL = {"sets": [{
    "name": "穗2026", "base": "2026", "effective_from": "2026-07-01",
    "steps": [{"number": "7a", "stage": 3, "name": "党员和群众座谈会", "actor": "党支部", "documents": ["座谈会记录"],
               "after": ["7"], "before": ["9"]}],
    "rules": [{"code": "masses_forum_within_a_month", "kind": "within_months", "step": "7a", "source": "穗组通〔2026〕1号",
               "params": {"since": "7", "months": 1}}],
    "params": {"one_year_as_activist": {"months": 18}},
}]}


@pytest.fixture
def local_rules(settings, tmp_path):
    def configure(data) -> None:
        path = tmp_path / "local-rules.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        settings.DANGJIAN_RECRUITMENT_LOCAL_RULES = str(path)
    return configure


def test_a_local_set_joins_the_national_ones(local_rules):
    local_rules(LOCAL)
    sets = {rule_set.name: rule_set for rule_set in selectors.rule_sets()}
    assert list(sets) == ["2014", "2026", "穗2026"]
    local = sets["穗2026"]
    assert local.step("7a").after == ("7",) and "7a" in local.step("9").after
    assert next(rule for rule in local.rules if rule.code == "one_year_as_activist").params["months"] == 18
    assert rule_set_on(tuple(sets.values()), dt.date(2026, 7, 1)) is local
    assert rule_set_on(tuple(sets.values()), dt.date(2026, 6, 30)) is sets["2026"]
    assert local_rules_check(None) == []


@pytest.mark.django_db
def test_a_file_under_the_local_set_is_held_to_its_step_and_interval(local_rules, tree, make_user):
    local_rules(LOCAL)
    clerk = make_user(Role.CLERK, tree.community_a)
    file = services.file_open(actor=clerk, organization=tree.grid_a, name="王本地", rules_name="穗2026",
                              id_number=factories.id_number(dt.date(1995, 1, 1)), applied_on=dt.date(2023, 1, 10))
    for step, on, facts in [("2", "2023-01-20", {}), ("3", "2023-03-01", {"decided_by": "branch_committee"}),
                            ("4", "2023-03-10", {}), ("5", "2023-03-10", {"mentors": 2}), ("6", "2023-08-30", {}),
                            ("6", "2024-02-25", {}), ("6", "2024-08-20", {})]:
        services.step_record(actor=clerk, file=file, step=step, on=dt.date.fromisoformat(on), facts=facts)
    # Thirteen months as an activist were enough nationally; the local set asks for eighteen.
    with pytest.raises(ValidationError) as raised:
        services.step_record(actor=clerk, file=file, step="7", on=dt.date(2024, 4, 1),
                             facts={"notice_start": "2024-03-18", "notice_end": "2024-03-25"})
    assert "less than 18 months after step 3" in raised.value.message_dict["step"][0]
    services.step_record(actor=clerk, file=file, step="7", on=dt.date(2024, 9, 2),
                         facts={"decided_by": "branch_committee", "notice_start": "2024-09-03", "notice_end": "2024-09-10"})
    with pytest.raises(ValidationError) as raised:
        services.step_record(actor=clerk, file=file, step="9", on=dt.date(2024, 9, 20), facts={"sponsors": 2})
    assert "step 7a (党员和群众座谈会)" in raised.value.message_dict["step"][0]
    services.step_record(actor=clerk, file=file, step="7a", on=dt.date(2024, 9, 15))
    services.step_record(actor=clerk, file=file, step="9", on=dt.date(2024, 9, 20), facts={"sponsors": 2})


def broken(**changes) -> dict:
    return {"sets": [LOCAL["sets"][0] | changes]}


@pytest.mark.parametrize("data, expected", [
    ([], 'the file is an object with a list "sets".'),
    (broken(base="2019"), "sets[1].base: one of the rule sets: 2014, 2026."),
    (broken(name="2014"), 'sets[1].name: "2014" is already a rule set.'),
    (broken(name="auto"), 'sets[1].name: a name of 1 to 16 characters, not "auto".'),
    (broken(effective_from="July"), "sets[1].effective_from: a date, written as 2026-07-01."),
    (broken(colour="red"), "sets[1].colour: not a field of a local set"),
    (broken(params={"no_such_rule": {"months": 1}}), "sets[1].params.no_such_rule: not a rule of the set."),
    (broken(rules=[{"code": "x", "kind": "guess", "step": "7a", "source": "s"}]), "sets[1].rules[0].kind: one of"),
    (broken(rules=[{"code": "x", "kind": "within_months", "step": "7a", "source": "s", "params": {"months": 1}}]),
     "sets[1].rules: a rule's params do not fit its kind (KeyError: 'since')."),
    (broken(steps=[{"number": "7b", "stage": 3, "name": "n", "actor": "a", "after": ["99"]}]),
     "sets[1].steps: step 7b comes after step 99, which the set does not have."),
    (broken(steps=[{"number": "7b", "stage": 6, "name": "n", "actor": "a"}]), "sets[1].steps[0].stage: a stage from 1"),
    (broken(rules=[{"code": "x", "kind": "within_months", "step": "42", "source": "s",
                    "params": {"since": "7", "months": 1}}]), "rule x judges step 42, which the set does not have."),
])
def test_every_mistake_is_named_when_the_site_starts(local_rules, data, expected):
    local_rules(data)
    with pytest.raises(ImproperlyConfigured) as raised:
        selectors.rule_sets()
    assert expected in str(raised.value)
    (error,) = local_rules_check(None)
    assert error.id == "recruitment.E001" and expected in error.msg


def test_a_missing_or_unreadable_file_is_named(settings, tmp_path):
    settings.DANGJIAN_RECRUITMENT_LOCAL_RULES = str(tmp_path / "absent.json")
    with pytest.raises(ImproperlyConfigured, match="absent.json cannot be read"):
        selectors.rule_sets()
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    settings.DANGJIAN_RECRUITMENT_LOCAL_RULES = str(tmp_path / "bad.json")
    with pytest.raises(ImproperlyConfigured, match="bad.json cannot be read"):
        selectors.rule_sets()

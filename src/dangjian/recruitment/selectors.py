"""Reads for recruitment: the rule sets in force here."""

from django.conf import settings

from dangjian.recruitment import standard
from dangjian.recruitment.rules import RuleSet


def rule_sets() -> tuple[RuleSet, ...]:
    return standard.rule_sets(settings.DANGJIAN_RECRUITMENT_2026_RULES_FROM)

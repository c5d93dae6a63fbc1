"""Reads for recruitment, within the reader's scope: the rule sets in force here, the files of a
subtree, what is overdue or due soon, and the counts by stage."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, QuerySet

from dangjian.accounts.roles import Permission
from dangjian.core.scope import PATH_END, Scope, scope_for
from dangjian.orgs.models import Organization
from dangjian.recruitment import standard
from dangjian.recruitment.models import RecruitmentFile, Stage
from dangjian.recruitment.rules import RuleSet


def rule_sets() -> tuple[RuleSet, ...]:
    return standard.rule_sets(settings.DANGJIAN_RECRUITMENT_2026_RULES_FROM)


def recruitment_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_MEMBERS)


def visible_files(user) -> QuerySet:
    return recruitment_scope(user).filter(RecruitmentFile.objects.all())


def file_for(user, pk: int) -> RecruitmentFile:
    """The file if ``user`` may see it; 404 whether it is outside the scope or absent."""
    return recruitment_scope(user).get_or_404(
        RecruitmentFile.objects.select_related("organization").prefetch_related("records"), pk=pk)


def files_under(user, organization: Organization) -> QuerySet:
    """The files of ``organization``'s subtree that ``user`` may see (none outside the scope)."""
    return recruitment_scope(user).filter(RecruitmentFile.objects.filter(
        org_path__gte=organization.path, org_path__lt=organization.path + PATH_END))


def due(user, organization: Organization, *, today: dt.date, within_days: int = 30) -> dict[str, QuerySet]:
    """Open files whose next time limit has passed (``overdue``) or falls within ``within_days``
    (``due_soon``), soonest first."""
    waiting = files_under(user, organization).filter(next_due_on__isnull=False).order_by("next_due_on", "pk")
    return {"overdue": waiting.filter(next_due_on__lt=today),
            "due_soon": waiting.filter(next_due_on__gte=today, next_due_on__lte=today + dt.timedelta(days=within_days))}


def funnel(user, organization: Organization) -> dict[str, int]:
    """Files by stage, every stage present (the dashboard's funnel)."""
    # COUNT(*), not of a column: the (org_path, stage) index answers it alone.
    counts = dict(files_under(user, organization).values_list("stage").annotate(files=Count("*")).order_by())
    return {stage: counts.get(stage, 0) for stage in Stage.values}


def files_for_audit(organization: Organization) -> QuerySet:
    """Every file kept under ``organization``, with its records, for the command line's check."""
    return (RecruitmentFile.objects.filter(org_path__gte=organization.path, org_path__lt=organization.path + PATH_END)
            .prefetch_related("records").order_by("org_path", "pk"))

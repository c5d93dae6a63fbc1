"""Reads for recruitment, within the reader's scope: the rule sets in force here, the files of a
subtree, what is overdue or due soon, and the counts by stage."""

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, QuerySet

from dangjian.accounts.roles import Permission
from dangjian.core.scope import PATH_END, Scope, has_permission, scope_for
from dangjian.orgs.models import Organization
from dangjian.recruitment import standard
from dangjian.recruitment.models import RecruitmentFile, Stage, StepDocument, StepRecord
from dangjian.recruitment.rules import RuleSet


def rule_sets() -> tuple[RuleSet, ...]:
    """The national sets and the deployment's local ones (``DANGJIAN_RECRUITMENT_LOCAL_RULES``)."""
    path = settings.DANGJIAN_RECRUITMENT_LOCAL_RULES
    return _rule_sets(settings.DANGJIAN_RECRUITMENT_2026_RULES_FROM, path, Path(path).stat().st_mtime if path and
                      Path(path).exists() else None)


@lru_cache(maxsize=4)
def _rule_sets(revision_2026_from: dt.date, path: str, modified: float | None) -> tuple[RuleSet, ...]:
    national = standard.rule_sets(revision_2026_from)
    if not path:
        return national
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImproperlyConfigured(f"DANGJIAN_RECRUITMENT_LOCAL_RULES: {path} cannot be read: {error}") from None
    try:
        return (*national, *standard.local_sets(data, national))
    except standard.LocalRulesError as error:
        raise ImproperlyConfigured(f"DANGJIAN_RECRUITMENT_LOCAL_RULES ({path}):\n" + "\n".join(error.problems)) from None


def recruitment_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_MEMBERS)


def scope_roots(user) -> QuerySet:
    """The organisations at the top of ``user``'s recruitment scope."""
    return Organization.objects.filter(path__in=recruitment_scope(user).paths).order_by("path")


def visible_files(user) -> QuerySet:
    return recruitment_scope(user).filter(RecruitmentFile.objects.all())


def file_for(user, pk: int) -> RecruitmentFile:
    """The file if ``user`` may see it; 404 whether it is outside the scope or absent."""
    return recruitment_scope(user).get_or_404(
        RecruitmentFile.objects.select_related("organization").prefetch_related(
            "records__documents", "records__recorded_by"), pk=pk)


def can_manage(user, file_or_organization) -> bool:
    """Whether ``user`` may record steps and documents of files there."""
    path = getattr(file_or_organization, "org_path", None) or file_or_organization.path
    return has_permission(user, Permission.MANAGE_MEMBERS, path)


def may_act_above(user, file: RecruitmentFile) -> bool:
    """Whether ``user`` (None: the command line) records for the committee above the file's
    branch: assigned at that committee or higher, not at the branch itself."""
    above = file.organization.ancestor_paths()
    return user is None or has_permission(user, Permission.MANAGE_MEMBERS, above[-1] if above else file.org_path)


def may_grant_exceptions(user, file: RecruitmentFile) -> bool:
    return has_permission(user, Permission.GRANT_EXCEPTIONS, file.org_path)


def record_for(user, file: RecruitmentFile, pk: int) -> StepRecord:
    """A recorded step of ``file`` (already read within ``user``'s scope); 404 for another's."""
    return recruitment_scope(user).get_or_404(StepRecord.objects.select_related("file"), "file__org_path",
                                              pk=pk, file=file)


def document_for(user, pk: int) -> StepDocument:
    """A step's document if ``user`` may see its file; 404 otherwise."""
    return recruitment_scope(user).get_or_404(StepDocument.objects.select_related("record__file"),
                                              "record__file__org_path", pk=pk)


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

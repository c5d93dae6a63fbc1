"""Reads of study hours: a member's year, and a subtree's total (by the path range on the
records' ``org_path``, never a scan of the members)."""

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum

from dangjian.accounts.roles import Role
from dangjian.core.scope import PATH_END, assignments_of
from dangjian.members.models import Member
from dangjian.study import rules
from dangjian.study.models import StudyRecord


def _year(year: int) -> dict:
    return {"on__gte": dt.date(year, 1, 1), "on__lte": dt.date(year, 12, 31)}


def records_in_year(member: Member, year: int) -> QuerySet:
    return StudyRecord.objects.filter(member=member, **_year(year)).order_by("-on", "-pk")


def hours_in_year(member: Member, year: int) -> Decimal:
    total = StudyRecord.objects.filter(member=member, **_year(year)).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0).quantize(rules.ONE_PLACE)


def subtree_hours(path: str, year: int) -> Decimal:
    """The study hours credited in ``year`` to the members of the subtree at ``path``."""
    total = (StudyRecord.objects.filter(org_path__gte=path, org_path__lt=path + PATH_END, **_year(year))
             .aggregate(total=Sum("hours"))["total"])
    return Decimal(total or 0).quantize(rules.ONE_PLACE)


def is_leader(member: Member) -> bool:
    """Whether ``member`` answers to the higher target: their account serves as a secretary. The
    register does not yet record committee members; the organisational-life issue adds them."""
    if member.account_id is None:
        return False
    return any(role == Role.SECRETARY for role, _path in assignments_of(member.account))


def target_for(member: Member) -> int:
    return rules.target_for(leader=is_leader(member))

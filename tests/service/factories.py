"""Factories of the service tests: teams, volunteers and activities made through the services,
so that counts and audit lines are what the application itself would produce."""

import datetime as dt

from django.utils import timezone

from dangjian.service import services
from dangjian.service.models import Activity


def make_volunteer(community, *, name="陈志愿", phone="13900139000"):
    return services.volunteer_register(actor=None, community=community, name=name, phone=phone, consent=True)


def make_team(organization, *, name="东风社区党员先锋队", kind="pioneer"):
    return services.team_save(actor=None, organization=organization, name=name, kind=kind)


def make_activity(organization, *, team=None, starts_in=dt.timedelta(days=2), hours=2, capacity=20,
                  counts_as_study=False, title="清洁家园志愿活动", **fields) -> Activity:
    """An activity organised by ``organization`` (or ``team``), starting ``starts_in`` from now."""
    start = (timezone.now() + starts_in).replace(microsecond=0)
    return services.activity_save(actor=None, organization=None if team else organization, team=team, title=title,
                                  place="社区党群服务中心", starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                                  capacity=capacity, counts_as_study=counts_as_study, **fields)


def happening(activity: Activity, *, started_ago=dt.timedelta(minutes=5)) -> Activity:
    """Move ``activity`` so that it began ``started_ago`` (the services refuse a start in the past)."""
    length = activity.ends_at - activity.starts_at
    start = timezone.now() - started_ago
    Activity.objects.filter(pk=activity.pk).update(starts_at=start, ends_at=start + length)
    activity.refresh_from_db()
    return activity

"""A member's own record: a member always sees their own, and nobody else's. Also the
correction requests a clerk decides on, within the clerk's scope."""

from dataclasses import dataclass

from django.utils import timezone

from dangjian.accounts.roles import Permission
from dangjian.core.scope import scope_for
from dangjian.members import rules
from dangjian.members.models import (
    CorrectionRequest,
    Member,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
)

INBOX_LIMIT = 200


def own_record(user) -> Member | None:
    """The member record linked to ``user``'s own account."""
    if not user.is_authenticated:
        return None
    return Member.objects.select_related("home_org").filter(account=user).first()


def own_member(user) -> Member | None:
    """The current member record of ``user``'s own account: the one who serves, visits and checks
    in (a member who left still reads their record through ``own_record``)."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.current().filter(account=user).first()


def is_own_record(user, member: Member) -> bool:
    """Whether ``member`` is ``user``'s own record: never for someone signed out, nor for a
    member without an account."""
    return member.account_id is not None and getattr(user, "is_authenticated", False) and member.account_id == user.pk


@dataclass(frozen=True)
class OwnPage:
    member: Member
    party_age_months: int | None
    residence: ResidenceRegistration | None
    periods: list[MembershipPeriod]
    events: list[MemberEvent]
    corrections: list[CorrectionRequest]

    @property
    def party_age_years(self) -> tuple[int, int] | None:
        if self.party_age_months is None:
            return None
        return divmod(self.party_age_months, 12)

    @property
    def pending_fields(self) -> set[str]:
        return {c.field for c in self.corrections if c.status == CorrectionRequest.Status.PENDING}


def own_page(member: Member) -> OwnPage:
    """Everything the member's own page shows: the record's whole history, not a page of it
    (one member has a handful of periods and events)."""
    return OwnPage(
        member=member,
        party_age_months=rules.party_age_months(full_member_on=member.full_member_on,
                                                correction_months=member.party_age_correction_months,
                                                today=timezone.localdate()),
        residence=ResidenceRegistration.objects.select_related("community", "grid", "building", "zone")
        .filter(member=member).first(),
        periods=list(MembershipPeriod.objects.select_related("organization").filter(member=member)
                     .order_by("-started_on", "-pk")),
        events=list(MemberEvent.objects.filter(member=member).order_by("-on", "-pk")),
        # Pending first, then the decisions, newest first.
        corrections=sorted(CorrectionRequest.objects.filter(member=member).order_by("-requested_at", "-pk"),
                           key=lambda c: c.status != CorrectionRequest.Status.PENDING),
    )


def correction_inbox(user):
    """The pending requests of members the user may manage, oldest first. Scoped on the
    member's current organisation, so that a request follows a member who moved."""
    queryset = CorrectionRequest.objects.select_related("member", "member__home_org").filter(
        status=CorrectionRequest.Status.PENDING).order_by("requested_at", "pk")
    return scope_for(user, Permission.MANAGE_MEMBERS).filter(queryset, "member__org_path")


def correction_for(user, pk: int) -> CorrectionRequest:
    """A request the user may see (any decided or pending), or 404 when outside the scope."""
    queryset = CorrectionRequest.objects.select_related("member", "member__home_org")
    return scope_for(user, Permission.VIEW_MEMBERS).get_or_404(queryset, "member__org_path", pk=pk)

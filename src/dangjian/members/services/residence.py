"""Residence registration (入网进格, 双报到): the grid, building and responsibility zone where a
member lives and serves. A member whose home organisation is in the residence community is
confirmed at once; an employed member from elsewhere waits for the community's confirmation.
Confirmed registrations of current members are counted in the roll-ups (registered members on
the member's home subtree, residents on the community's, residents on the grid)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core.scope import PATH_END, has_permission
from dangjian.members.models import Member, MemberEvent, ResidenceRegistration
from dangjian.members.services.lifecycle import (
    count_registration,
    locked,
    record_event,
    require_manage,
)
from dangjian.orgs.models import Building, Grid, Organization
from dangjian.orgs.rules import Level

Status = ResidenceRegistration.Status


def _inside(path: str, root: str) -> bool:
    return root <= path < root + PATH_END


def _check_place(grid: Grid, building: Building | None, zone: Organization | None) -> None:
    if grid.community.is_dissolved:
        raise ValidationError({"grid": _("The grid's community has been dissolved.")})
    if building is not None and building.grid_id != grid.pk:
        raise ValidationError({"building": _("The building %(building)s is not in the grid %(grid)s.")
                               % {"building": building.name, "grid": grid.name}})
    if zone is not None:
        if zone.level != Level.ZONE:
            raise ValidationError({"zone": _("%(name)s is not a responsibility zone.") % {"name": zone.name}})
        if zone.is_dissolved or not _inside(zone.path, grid.community.path):
            raise ValidationError({"zone": _("The responsibility zone %(zone)s is not in the community %(community)s.")
                                   % {"zone": zone.name, "community": grid.community.name}})


@transaction.atomic
def registration_register(*, actor, member: Member, grid: Grid, building: Building | None = None,
                          zone: Organization | None = None, on: dt.date | None = None,
                          note: str = "") -> ResidenceRegistration:
    """Register ``member`` in ``grid``; a new registration replaces the old one (its history is
    kept). The member's own organisation or the residence community may register them."""
    grid = Grid.objects.select_related("community").get(pk=grid.pk)
    community = grid.community
    if actor is not None and not (has_permission(actor, Permission.MANAGE_MEMBERS, member.org_path)
                                  or has_permission(actor, Permission.MANAGE_MEMBERS, community.path)):
        raise PermissionDenied(_("You may not register this member."))
    member = locked(member)
    if member.left_on is not None:
        raise ValidationError({"member": _("The member has left the register; their record is kept but no longer "
                                           "changes.")})
    _check_place(grid, building, zone)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": 200}})
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("The date %(date)s is in the future.") % {"date": on.isoformat()}})

    registration = ResidenceRegistration.objects.select_for_update().filter(member=member).first()
    if registration is not None and registration.status == Status.CONFIRMED:
        count_registration(registration, member.org_path, -1)
    registration = registration or ResidenceRegistration(member=member)
    employed = not _inside(member.org_path, community.path)
    registration.community, registration.grid, registration.building, registration.zone = community, grid, building, zone
    registration.org_path, registration.employed, registration.registered_on = community.path, employed, on
    registration.note = note
    if employed:
        registration.status, registration.confirmed_by, registration.confirmed_on = Status.PENDING, None, None
    else:
        registration.status, registration.confirmed_on = Status.CONFIRMED, on
        registration.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    registration._change_reason = _("registered")
    registration.save()
    if registration.status == Status.CONFIRMED:
        count_registration(registration, member.org_path, 1)
    record_event(member, MemberEvent.Kind.REGISTERED, on, actor, grid=grid.code, community=community.code,
                 building=building.name if building else "", zone=zone.code if zone else "",
                 status=registration.status)
    return registration


def _pending(actor, registration: ResidenceRegistration) -> ResidenceRegistration:
    require_manage(actor, registration.org_path)
    registration = ResidenceRegistration.objects.select_for_update(of=("self",)).select_related("member", "grid").get(
        pk=registration.pk)
    if registration.status != Status.PENDING:
        raise ValidationError({"registration": _("This registration is not waiting for confirmation.")})
    if registration.member.left_on is not None:
        raise ValidationError({"registration": _("The member has left the register.")})
    return registration


@transaction.atomic
def registration_confirm(*, actor, registration: ResidenceRegistration) -> ResidenceRegistration:
    """The residence community confirms an employed member's registration (双报到)."""
    registration = _pending(actor, registration)
    today = timezone.localdate()
    registration.status, registration.confirmed_on = Status.CONFIRMED, today
    registration.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    registration._change_reason = _("confirmed")
    registration.save()
    count_registration(registration, registration.member.org_path, 1)
    record_event(registration.member, MemberEvent.Kind.REGISTRATION_CONFIRMED, today, actor,
                 grid=registration.grid.code)
    return registration


@transaction.atomic
def registration_reject(*, actor, registration: ResidenceRegistration, reason: str) -> ResidenceRegistration:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the registration is rejected.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": 200}})
    registration = _pending(actor, registration)
    registration.status, registration.note = Status.REJECTED, reason
    registration._change_reason = _("rejected")
    registration.save()
    record_event(registration.member, MemberEvent.Kind.REGISTERED, timezone.localdate(), actor,
                 grid=registration.grid.code, status=Status.REJECTED, reason=reason)
    return registration


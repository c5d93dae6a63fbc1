"""Writes to the organisation tree. Each function checks the actor's permission, applies the
rules, writes, adjusts the roll-up counts and records the audit line in one transaction."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, pinyin
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission
from dangjian.orgs import counts as rollup
from dangjian.orgs import rules
from dangjian.orgs.models import Grid, Organization, OrgCounts


def _require(actor, permission: str, organization: Organization) -> None:
    if actor is not None and not has_permission(actor, permission, organization.path):
        raise PermissionDenied(_("You may not do this for %(name)s.") % {"name": organization.name})


def _snapshot(organization: Organization) -> dict:
    return {
        "name": organization.name,
        "code": organization.code,
        "level": organization.level,
        "kind": organization.kind,
        "has_committee": organization.has_committee,
        "founded_on": organization.founded_on.isoformat() if organization.founded_on else None,
    }


def _lock(*organizations: Organization) -> None:
    """Serialise tree writes that touch these nodes: treebeard's path arithmetic is not safe
    under concurrent writers (treebeard docs, caveats)."""
    list(Organization.objects.select_for_update().filter(pk__in=[o.pk for o in organizations]).values_list("pk"))


def _next_code(parent: Organization) -> str:
    sequence = parent.numchild + 1
    while True:
        code = rules.child_code(parent.code, parent.level, sequence)
        if not Organization.objects.filter(code=code).exists():
            return code
        sequence += 1


def _check_code(code: str) -> None:
    message = rules.code_error(code)
    if message:
        raise ValidationError({"code": message})
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is already used by another organisation.") % {"code": code}})


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("A name has at most 100 characters.")})
    return name


@transaction.atomic
def organization_create(
    *, actor, parent: Organization | None, name: str, level: str, kind: str, code: str = "",
    has_committee: bool = False, founded_on: dt.date | None = None, city_id: int | None = None,
) -> Organization:
    """Create an organisation under ``parent`` (or a new root when ``actor`` is None, as the
    installer and the demo do)."""
    if parent is None and actor is not None:
        raise PermissionDenied(_("Only the installer creates a new top of the tree."))
    if parent is not None:
        _require(actor, Permission.RESTRUCTURE_ORGS, parent)
        _lock(parent)
        parent.refresh_from_db()
        if parent.is_dissolved:
            raise ValidationError({"parent": _("%(name)s has been dissolved.") % {"name": parent.name}})
    name = _check_name(name)
    if level not in rules.Level.values:
        raise ValidationError({"level": _("Choose a level from the list.")})
    if kind not in rules.Kind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    error = rules.placement_error(parent.level if parent else None, parent.kind if parent else None, level, kind)
    if error:
        raise ValidationError({"kind": error})
    code = (code or "").strip()
    if code:
        _check_code(code)
    elif parent is not None:
        code = _next_code(parent)
    else:
        raise ValidationError({"code": _("A top organisation needs a code.")})

    fields = dict(
        code=code, name=name, level=level, kind=kind, has_committee=has_committee, founded_on=founded_on,
        name_pinyin=pinyin.full_pinyin(name), name_initials=pinyin.initials(name),
    )
    if parent is None:
        organization = Organization.objects.add_root(dict(city_id=city_id or 0, **fields))
    else:
        organization = Organization.objects.add_child(parent, dict(city_id=parent.city_id, **fields))
    OrgCounts.objects.create(organization=organization)
    rollup.adjust(organization.path, organizations=1)
    audit.record(AuditAction.CREATE, actor=actor, obj=organization, org_path=organization.path,
                 changes={key: [None, value] for key, value in _snapshot(organization).items()})
    return organization


@transaction.atomic
def organization_update(
    *, actor, organization: Organization, name: str, has_committee: bool, founded_on: dt.date | None,
) -> Organization:
    _require(actor, Permission.EDIT_ORGS, organization)
    if organization.is_dissolved:
        raise ValidationError({"name": _("A dissolved organisation cannot be changed.")})
    before = _snapshot(organization)
    organization.name = _check_name(name)
    organization.name_pinyin = pinyin.full_pinyin(organization.name)
    organization.name_initials = pinyin.initials(organization.name)
    organization.has_committee = has_committee
    organization.founded_on = founded_on
    organization._change_reason = _("edited")
    organization.save()
    changes = audit.diff(before, _snapshot(organization))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=organization, org_path=organization.path, changes=changes)
    return organization


def _path_copies() -> list:
    """Every model that copies an organisation's path for its scope, found by its ``org_path``
    PathField so that a new app's table is never forgotten. The audit trail is left as written:
    it is append-only and records where an event happened."""
    from django.apps import apps

    from dangjian.core.fields import PathField
    from dangjian.core.models import AuditEvent

    return [
        model for model in apps.get_models()
        if model is not AuditEvent
        and any(field.name == "org_path" and isinstance(field, PathField) for field in model._meta.concrete_fields)
    ]


def _rewrite_copied_paths(old_prefix: str, new_prefix: str) -> None:
    """Rewrite the copied paths under ``old_prefix`` in one statement a table, current rows and
    history alike: the old path may be given to a new organisation, which must not inherit them."""
    start = len(old_prefix) + 1
    for model in _path_copies():
        model._base_manager.filter(org_path__gte=old_prefix, org_path__lt=old_prefix + "~").update(
            org_path=Concat(Value(new_prefix), Substr("org_path", start))
        )


@transaction.atomic
def organization_move(*, actor, organization: Organization, new_parent: Organization) -> Organization:
    """Move an organisation and its whole subtree under ``new_parent``. Its code stays."""
    _require(actor, Permission.RESTRUCTURE_ORGS, organization)
    _require(actor, Permission.RESTRUCTURE_ORGS, new_parent)
    old_parent = Organization.objects.get_parent(organization)
    if old_parent is None:
        raise ValidationError({"organization": _("The top of the tree cannot be moved.")})
    _lock(organization, old_parent, new_parent)
    organization.refresh_from_db()
    new_parent.refresh_from_db()
    if new_parent.path.startswith(organization.path):
        raise ValidationError({"new_parent": _("An organisation cannot move under itself or its own subtree.")})
    if new_parent.pk == old_parent.pk:
        raise ValidationError({"new_parent": _("%(name)s is already there.") % {"name": new_parent.name}})
    if new_parent.is_dissolved or organization.is_dissolved:
        raise ValidationError({"new_parent": _("Dissolved organisations cannot be moved or receive others.")})
    error = rules.placement_error(new_parent.level, new_parent.kind, organization.level, organization.kind)
    if error:
        raise ValidationError({"new_parent": error})

    totals = rollup.subtree_totals(organization.pk)
    rollup.adjust(old_parent.path, **{field: -value for field, value in totals.items()})
    old_ancestors = rollup.ancestor_ids(old_parent.path)
    old_path = organization.path
    Organization.objects.move(organization, new_parent, "last-child")
    organization.refresh_from_db()
    # treebeard moves with a bulk UPDATE, which model history does not see; save once so the
    # organisation's history shows the move.
    organization._change_reason = _("moved from %(old)s to %(new)s") % {"old": old_parent.name, "new": new_parent.name}
    organization.save(update_fields=["path"])
    _rewrite_copied_paths(old_path, organization.path)
    rollup.adjust(new_parent.path, **totals)
    rollup.move_monthly(organization.pk, old_ancestors, rollup.ancestor_ids(new_parent.path))
    audit.record(
        AuditAction.MOVE, actor=actor, obj=organization, org_path=organization.path,
        changes={"parent": [old_parent.code, new_parent.code], "path": [old_path, organization.path]},
    )
    return organization


@transaction.atomic
def organization_dissolve(*, actor, organization: Organization, reason: str) -> Organization:
    """Dissolve an organisation: it stays, with its history, marked dissolved. Its members must
    first be transferred and its live sub-organisations dissolved or moved."""
    from dangjian.members.models import Member

    _require(actor, Permission.RESTRUCTURE_ORGS, organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the organisation is dissolved.")})
    _lock(organization)
    organization.refresh_from_db()
    if organization.is_dissolved:
        raise ValidationError({"reason": _("%(name)s is already dissolved.") % {"name": organization.name}})
    if organization.depth == 1:
        raise ValidationError({"reason": _("The top of the tree cannot be dissolved.")})
    live_children = Organization.objects.live().filter(
        depth=organization.depth + 1, path__gt=organization.path, path__lt=organization.path + "~"
    ).count()
    if live_children:
        raise ValidationError({"reason": _("%(count)s sub-organisations are still active: dissolve or move them first.")
                               % {"count": live_children}})
    members = Member.objects.current().filter(org_path=organization.path).count()
    if members:
        raise ValidationError({"reason": _("%(count)s members still belong here: transfer them first.") % {"count": members}})
    organization.dissolved_at = timezone.now()
    organization.dissolution_reason = reason
    organization._change_reason = _("dissolved")
    organization.save(update_fields=["dissolved_at", "dissolution_reason"])
    rollup.adjust(organization.path, organizations=-1)
    for grid in Grid.objects.filter(organization=organization).select_related("community"):
        # The place stays; it falls back to its community until a new branch is built on it.
        rollup.adjust(grid.org_path, grids=-1, grids_with_organization=-1)
        rollup.adjust(grid.community.path, grids=1)
        grid.organization = None
        grid.org_path = grid.community.path
        grid.save(update_fields=["organization", "org_path"])
    audit.record(AuditAction.DISSOLVE, actor=actor, obj=organization, org_path=organization.path,
                 changes={"reason": [None, reason]})
    return organization

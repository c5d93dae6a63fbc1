"""Roles, what each may do, and which roles one account may not combine.

Pure data and functions: the scope module and the services read them, and the tests check them
without a database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation department admin")
    SECRETARY = "secretary", _("Secretary")
    CLERK = "clerk", _("Clerk")
    VIEWER = "viewer", _("Read-only viewer")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Security auditor")


class Permission(models.TextChoices):
    VIEW_ORGS = "view_orgs", _("See the organisation tree")
    VIEW_MEMBERS = "view_members", _("See members")
    MANAGE_MEMBERS = "manage_members", _("Edit members")
    REVEAL_PERSONAL = "reveal_personal", _("Reveal masked ID and phone numbers")
    EDIT_ORGS = "edit_orgs", _("Rename organisations and edit their details")
    RESTRUCTURE_ORGS = "restructure_orgs", _("Create, move and dissolve organisations")
    VIEW_AUDIT = "view_audit", _("Read the audit trail")
    MANAGE_ACCOUNTS = "manage_accounts", _("Create and disable accounts")
    GRANT_ROLES = "grant_roles", _("Grant and revoke roles, unlock accounts")
    GRANT_EXCEPTIONS = "grant_exceptions", _("Record justified exceptions to the recruitment rules")
    VIEW_REQUESTS = "view_requests", _("See residents' requests, receptions and visits")
    HANDLE_REQUESTS = "handle_requests", _("Handle residents' requests; log receptions and visits")
    CONFIGURE_REQUESTS = "configure_requests", _("Set request categories, time limits and reply templates")
    VIEW_SERVICE = "view_service", _("See service teams, activities and volunteer hours")
    MANAGE_SERVICE = "manage_service", _("Run service teams and activities; take check-in rolls")
    VIEW_PROJECTS = "view_projects", _("See micro-projects")
    MANAGE_PROJECTS = "manage_projects", _("Screen, approve, follow and accept micro-projects")
    CONFIGURE_PROJECTS = "configure_projects", _("Set micro-project lists, amount caps and funding sources")


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ORG_ADMIN: frozenset(
        {P.VIEW_ORGS, P.VIEW_MEMBERS, P.MANAGE_MEMBERS, P.REVEAL_PERSONAL, P.EDIT_ORGS, P.RESTRUCTURE_ORGS, P.VIEW_AUDIT,
         P.GRANT_EXCEPTIONS, P.VIEW_REQUESTS, P.HANDLE_REQUESTS, P.CONFIGURE_REQUESTS, P.VIEW_SERVICE,
         P.MANAGE_SERVICE, P.VIEW_PROJECTS, P.MANAGE_PROJECTS, P.CONFIGURE_PROJECTS}
    ),
    Role.SECRETARY: frozenset({P.VIEW_ORGS, P.VIEW_MEMBERS, P.MANAGE_MEMBERS, P.REVEAL_PERSONAL, P.EDIT_ORGS,
                               P.VIEW_REQUESTS, P.HANDLE_REQUESTS, P.VIEW_SERVICE, P.MANAGE_SERVICE, P.VIEW_PROJECTS,
                               P.MANAGE_PROJECTS}),
    Role.CLERK: frozenset({P.VIEW_ORGS, P.VIEW_MEMBERS, P.MANAGE_MEMBERS, P.VIEW_REQUESTS, P.HANDLE_REQUESTS,
                           P.VIEW_SERVICE, P.MANAGE_SERVICE, P.VIEW_PROJECTS, P.MANAGE_PROJECTS}),
    Role.VIEWER: frozenset({P.VIEW_ORGS, P.VIEW_MEMBERS, P.VIEW_REQUESTS, P.VIEW_SERVICE, P.VIEW_PROJECTS}),
    # 三权分立 (等保 8.1.4.2 d): the three administrators see the tree they administer, but
    # not the members in it, and each holds only its own power.
    Role.SYSTEM_ADMIN: frozenset({P.VIEW_ORGS, P.MANAGE_ACCOUNTS}),
    Role.SECURITY_ADMIN: frozenset({P.VIEW_ORGS, P.GRANT_ROLES}),
    Role.AUDITOR: frozenset({P.VIEW_ORGS, P.VIEW_AUDIT}),
}

SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


def permissions_of(roles) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def separation_conflict(held_roles, new_role) -> str | None:
    """The separated role that ``new_role`` would be combined with, if any.

    A system administrator, a security administrator and an auditor must be three different
    people; none of the three may also hold a business role, or the separation is hollow.
    """
    held = set(held_roles) - {new_role}
    if not held:
        return None
    if new_role in SEPARATED_ROLES:
        return sorted(held)[0]
    separated_held = held & SEPARATED_ROLES
    if separated_held:
        return sorted(separated_held)[0]
    return None

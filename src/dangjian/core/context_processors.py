from dangjian.accounts.roles import Permission
from dangjian.core.scope import has_permission


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "orgs": has_permission(user, Permission.VIEW_ORGS),
            "members": has_permission(user, Permission.VIEW_MEMBERS),
            "audit": has_permission(user, Permission.VIEW_AUDIT),
            "accounts": has_permission(user, Permission.MANAGE_ACCOUNTS) or has_permission(user, Permission.GRANT_ROLES),
        }
    }

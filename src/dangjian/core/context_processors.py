from dangjian.accounts.roles import Permission
from dangjian.core.models import Notification
from dangjian.core.scope import has_permission
from dangjian.members.models import Member


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "orgs": has_permission(user, Permission.VIEW_ORGS),
            "members": has_permission(user, Permission.VIEW_MEMBERS),
            "requests": has_permission(user, Permission.VIEW_REQUESTS),
            "service": has_permission(user, Permission.VIEW_SERVICE),
            "projects": has_permission(user, Permission.VIEW_PROJECTS),
            # A member's own work: requests assigned to them, visits, receptions, activities and hours.
            "own_work": Member.objects.filter(account=user, left_on__isnull=True).exists(),
            "audit": has_permission(user, Permission.VIEW_AUDIT),
            "accounts": has_permission(user, Permission.MANAGE_ACCOUNTS) or has_permission(user, Permission.GRANT_ROLES),
        },
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }

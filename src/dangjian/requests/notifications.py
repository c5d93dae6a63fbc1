"""What the requests app notifies of (``core.notifications``)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.notifications import kind

ASSIGNED_TO_ORGANIZATION = kind("requests.assigned_to_organization", _(
    "Request #%(number)s (%(category)s) is assigned to %(org)s."))
ASSIGNED_TO_YOU = kind("requests.assigned_to_you", _("Request #%(number)s (%(category)s) is assigned to you."))
ASSIGNED_TO_TEAM = kind("requests.assigned_to_team", _(
    "Request #%(number)s (%(category)s) is assigned to your service team %(team)s."))
ESCALATED = kind("requests.escalated", _(
    "Request #%(number)s (%(category)s) in %(place)s is overdue since %(due)s and has risen to %(org)s."))

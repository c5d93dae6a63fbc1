"""What the micro-projects app notifies of (``core.notifications``)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.notifications import kind

AWAITING_APPROVAL = kind("projects.awaiting_approval", _(
    "Micro-project #%(number)s (%(title)s) of %(org)s is on public notice until %(until)s: approve it from the "
    "next day."))

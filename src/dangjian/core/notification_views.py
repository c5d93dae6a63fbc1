"""The signed-in user's notifications inside the platform (a request assigned to them, one risen to
their level): newest first, the unread marked, and all of them marked read at once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dangjian.core import services
from dangjian.core.models import Notification

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    own = Notification.objects.filter(recipient=request.user)
    page = Paginator(own, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {
        "page": page, "unread": own.filter(read_at__isnull=True).count()})


@login_required
@require_POST
def notifications_read(request):
    count = services.notifications_read(user=request.user)
    messages.success(request, ngettext("%(count)s notification is marked read.",
                                       "%(count)s notifications are marked read.", count) % {"count": count})
    return redirect("notifications:list")

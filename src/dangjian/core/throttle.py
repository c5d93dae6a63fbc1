"""Rate limits of the public side (the resident's pages and Open311), per client address, with
django-ratelimit over the cache. A request over the limit answers 429: JSON for the APIs, a page
for people."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from dangjian.core.middleware import client_ip


def client_key(group, request) -> str:
    return client_ip(request) or "unknown"


def _read_rate(group, request) -> str:
    return settings.DANGJIAN_PUBLIC_READ_RATE


def _write_rate(group, request) -> str:
    return settings.DANGJIAN_PUBLIC_WRITE_RATE


def public_read(view):
    """Every call counts against the read rate."""
    return ratelimit(key=client_key, rate=_read_rate, method=ratelimit.ALL, block=True)(view)


def public_write(view):
    """POSTs count against the write rate as well (filing, answering by code)."""
    return ratelimit(key=client_key, rate=_write_rate, method=["POST"], block=True)(public_read(view))


def limited(request, exception=None):
    """What django-ratelimit's middleware answers when a limit is passed (``RATELIMIT_VIEW``)."""
    message = _("Too many requests from your address. Wait a while and try again.")
    if request.path.startswith(("/api/", "/open311/")):
        if request.path.endswith(".xml"):
            return HttpResponse(f'<?xml version="1.0" encoding="utf-8"?><errors><error><code>429</code>'
                                f"<description>{escape(message)}</description></error></errors>",
                                status=429, content_type="text/xml; charset=utf-8")
        return JsonResponse([{"code": 429, "description": message}] if request.path.startswith("/open311/")
                            else {"code": "rate_limited", "message": message}, status=429, safe=False)
    return render(request, "core/error.html", {"title": _("Too many requests"), "message": message}, status=429)

"""Session rules of the password policy that Django does not do by itself: an absolute session
lifetime, a forced password change when the password is too old or was issued by someone else,
and a second factor for the roles that require one."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts import services
from dangjian.accounts.signals import LOGIN_AT

RENEWED_AT = "dangjian_renewed_at"

EXEMPT_PREFIXES = ("/static/", "/api/", "/i18n/", "/healthz")


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)

        login_at = request.session.get(LOGIN_AT)
        if login_at is None or time.time() - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
            logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
            return redirect(settings.LOGIN_URL)
        now = time.time()
        if now - request.session.get(RENEWED_AT, 0) > settings.SESSION_RENEW_SECONDS:
            # Saving the session moves its expiry to now + the idle timeout.
            request.session[RENEWED_AT] = now

        # The second factor comes first, so that even a password change needs both factors.
        if request.path in {reverse("accounts:logout"), reverse("accounts:otp_verify"), reverse("accounts:otp_setup")}:
            return self.get_response(request)
        if services.otp_required(user) and not user.is_verified():
            has_device = user.totpdevice_set.filter(confirmed=True).exists()
            return redirect("accounts:otp_verify" if has_device else "accounts:otp_setup")
        if request.path != reverse("accounts:password_change") and services.password_expired(user):
            return redirect("accounts:password_change")
        return self.get_response(request)

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from dangjian.core import request_context


def client_ip(request) -> str | None:
    """The client's address; behind ``PROXY_COUNT`` trusted proxies, taken from X-Forwarded-For."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Binds who-and-where for the audit trail, and sets the headers every page carries: a
    strict Content-Security-Policy, and no caching of anything shown to a signed-in user
    (ASVS 14.3.2: personal data must not stay in shared caches)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = request_context.RequestContext(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:200]
        )
        with request_context.bind(context):
            response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose another language with the switcher.

    Django's own middleware would follow the browser's Accept-Language, so a workstation with an
    English browser would open the platform in English; our users expect the Chinese pages.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


API_ERROR_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "too_large", 429: "too_many_requests",
}


class ApiErrorMiddleware:
    """API clients get JSON for every error, including the ones Django or the API library
    answer before our handlers run (an unsupported method, an unknown path, a server error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            messages = {
                405: _("This method is not allowed here."),
                404: _("Not found, or outside your organisation."),
            }
            json_response = JsonResponse(
                {"code": API_ERROR_CODES.get(status, "server_error" if status >= 500 else "error"),
                 "message": messages.get(status, _("The request could not be processed."))},
                status=status,
            )
            if "Allow" in response:
                json_response["Allow"] = response["Allow"]
            return json_response
        return response

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangjian.members.selectors import own as member_selectors
from dangjian.orgs import selectors as org_selectors


def home(request):
    """Where a signed-in person starts: their own organisation, or their own record."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    tops = list(org_selectors.top_organizations(request.user)[:2])
    own_record = member_selectors.own_record(request.user)
    if not tops and own_record is not None:
        return redirect("members:own")
    if len(tops) == 1 and own_record is None:
        return redirect("orgs:detail", code=tops[0].code)
    return render(request, "core/home.html", {
        "tops": org_selectors.top_organizations(request.user), "own_record": own_record,
    })


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "csrf_failed", "message": _("The request was refused: it lacked a valid form token.")},
                            status=403)
    return render(request, "core/error.html", {
        "title": _("The form has expired"),
        "message": _("The page was open too long or came from elsewhere. Go back, reload the page and try again."),
    }, status=403)


def _error_page(request, status, title, message):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": {404: "not_found", 403: "forbidden", 400: "bad_request"}.get(status, "server_error"),
                             "message": message}, status=status)
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def not_found(request, exception=None):
    return _error_page(request, 404, _("Not found"), _("There is nothing here, or it is outside your organisation."))


def forbidden(request, exception=None):
    return _error_page(request, 403, _("Not allowed"), _("Your role does not allow this."))


def bad_request(request, exception=None):
    return _error_page(request, 400, _("Bad request"), _("The request could not be understood."))


def server_error(request):
    return _error_page(request, 500, _("Something went wrong"),
                       _("The error has been logged. Try again, and tell your administrator if it persists."))

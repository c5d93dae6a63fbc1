"""The resident's pages, without an account: filing a request (the place found by typing part of
its name or address, never a map) and following it by tracking code, with the answer to a
resolved request: fixed, or not. The code never appears in an address; it is posted."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangjian.core.forms import apply_errors
from dangjian.core.throttle import public_write
from dangjian.requests import rules, selectors, services
from dangjian.requests.forms import PlaceSearchForm, RequestForm, ResidentAnswerForm, TrackForm
from dangjian.requests.models import Source


def places_for(data, within=None) -> tuple[PlaceSearchForm, list]:
    """The place search typed so far and the places it matches."""
    search = PlaceSearchForm(data)
    text = search.cleaned_data["place_text"] if search.is_valid() else ""
    return search, selectors.place_matches(text, within=within)


@never_cache
@public_write
def file_request(request):
    search, places = places_for(request.POST if request.method == "POST" else request.GET)
    form = None
    if places:
        form = RequestForm(request.POST if request.method == "POST" and "description" in request.POST else None,
                           request.FILES or None, places=places, categories=selectors.categories())
        if form.is_bound and form.is_valid():
            try:
                filed, code = services.request_file(actor=None, source=Source.PUBLIC_PAGE, **form.service_arguments())
            except ValidationError as error:
                form.apply_errors(error)
            else:
                return render(request, "requests/public_filed.html", {
                    "filed": filed, "code": rules.format_tracking_code(code)})
    return render(request, "requests/public_file.html", {
        "search": search, "form": form, "searched": bool(search.is_bound and search.data.get("place_text")),
    })


def _status(request, found, *, answer_form=None, status=200):
    filed, tracking = found
    return render(request, "requests/public_status.html", {
        "filed": filed, "merged_from": tracking.filed_id if tracking.filed_id != filed.pk else None,
        "timeline": selectors.timeline(filed, public_only=True),
        # A follower of a merged duplicate reads the progress, not another resident's own words.
        "description": rules.redact(filed.description) if tracking.filed_id == filed.pk else None,
        "answers": rules.actions_for(filed.state, {rules.Actor.RESIDENT}),
        "answer_form": answer_form or ResidentAnswerForm(initial={"code": request.POST.get("code", "")}),
        "light": rules.light_of(filed, timezone.localdate()),
    }, status=status)


@never_cache
@public_write
def track(request):
    """GET: the form. POST with a code: the request's status; POST with an answer as well: the
    resident's answer, then the status again."""
    if request.method != "POST":
        return render(request, "requests/public_track.html", {"form": TrackForm()})
    if "action" in request.POST:
        answer = ResidentAnswerForm(request.POST)
        if answer.is_valid():
            try:
                services.resident_answer(code=answer.cleaned_data["code"], action=answer.cleaned_data["action"],
                                         satisfaction=answer.cleaned_data["satisfaction"],
                                         comment=answer.cleaned_data["comment"])
            except ValidationError as error:
                apply_errors(answer, error)
        found = selectors.by_tracking_code(request.POST.get("code", ""))
        if found is None:
            return render(request, "requests/public_track.html", {"form": TrackForm(request.POST)}, status=404)
        if answer.errors:
            return _status(request, found, answer_form=answer, status=422)
        return _status(request, found)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "requests/public_track.html", {"form": form}, status=422)
    found = selectors.by_tracking_code(form.cleaned_data["code"])
    if found is None:
        form.add_error("code", _("No request has this tracking code. Check it and try again."))
        return render(request, "requests/public_track.html", {"form": form}, status=404)
    return _status(request, found)


app_name = "residents"
urlpatterns = [
    path("", file_request, name="file"),
    path("track/", track, name="track"),
]

"""The service pages: teams and volunteers of an organisation, a team with its people and their
availability, activities with their sign-ups, check-in code, roll and the removal of a check-in
recorded by mistake, the statistics of any subtree, a member's own service page and the
phone-sized check-in page that an activity's code opens."""

import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core.forms import MonthRangeForm, apply_errors
from dangjian.core.paging import after, key_page, page_context
from dangjian.members.selectors.own import own_member
from dangjian.orgs import selectors as org_selectors
from dangjian.orgs.models import Organization
from dangjian.service import rules, selectors, services, tally
from dangjian.service.forms import (
    ActivityForm,
    AvailabilityForm,
    PersonForm,
    ReasonForm,
    RollForm,
    TeamForm,
    TeamPersonForm,
    VolunteerForm,
)
from dangjian.service.models import CheckIn
from dangjian.study.rules import TARGETS

app_name = "service"


def _organization(request, code) -> Organization:
    return org_selectors.organization_for(request.user, code, Permission.VIEW_SERVICE)


def _context(request, organization: Organization, **extra) -> dict:
    return {"org": organization, "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
            "may_manage": selectors.may_manage(request.user, organization.path), **extra}


def _require_manage(request, path: str) -> None:
    if not selectors.may_manage(request.user, path):
        raise PermissionDenied


def _refusals_as_messages(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@login_required
@require_GET
def home(request):
    roots = list(Organization.objects.filter(path__in=selectors.service_scope(request.user).paths).order_by("path"))
    if roots:
        return redirect("service:organization", code=roots[0].code)
    if own_member(request.user) is None:
        raise Http404
    return redirect("service:mine")


# --- an organisation's teams, volunteers and activities --------------------------------------------

@login_required
@require_GET
def organization(request, code):
    """The first page of the current teams (the teams page reads on) and the activities, paged."""
    organization = _organization(request, code)
    current, more_teams = key_page(selectors.teams_under(request.user, organization).filter(disbanded_on__isnull=True))
    rows = selectors.activities_under(request.user, organization, after=after(request))
    return render(request, "service/organization.html", _context(
        request, organization, teams=current, more_teams=more_teams, **page_context(request, rows)))


@login_required
@require_GET
def teams(request, code):
    organization = _organization(request, code)
    rows = selectors.teams_under(request.user, organization).filter(disbanded_on__isnull=True)
    if after(request) is not None:
        rows = rows.filter(pk__lt=after(request))
    return render(request, "service/teams.html", _context(request, organization, **page_context(request, rows)))


@login_required
@require_GET
def volunteers(request, code):
    organization = _organization(request, code)
    rows = selectors.volunteers_under(request.user, organization)
    if after(request) is not None:
        rows = rows.filter(pk__lt=after(request))
    return render(request, "service/volunteers.html", _context(request, organization, **page_context(request, rows)))


@login_required
def volunteer_new(request, code):
    organization = _organization(request, code)
    _require_manage(request, organization.path)
    form = VolunteerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = services.volunteer_register(actor=request.user, community=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Volunteer %(name)s registered, number %(number)s.") % {
                "name": volunteer.name, "number": volunteer.pk})
            return redirect("service:volunteers", code=organization.code)
    return render(request, "service/form.html", _context(request, organization, form=form,
                                                         title=_("Register a volunteer")))


@login_required
def team_new(request, code):
    organization = _organization(request, code)
    _require_manage(request, organization.path)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_save(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("service:team", pk=team.pk)
    return render(request, "service/form.html", _context(request, organization, form=form,
                                                         title=_("New service team")))


@login_required
@require_GET
def team(request, pk):
    found = selectors.team_for(request.user, pk)
    return render(request, "service/team.html", _context(
        request, found.organization, team=found, people=selectors.team_people(found), person_form=TeamPersonForm(),
        **page_context(request, selectors.team_activities(found, after=after(request)))))


@login_required
def team_edit(request, pk):
    found = selectors.team_for(request.user, pk)
    _require_manage(request, found.org_path)
    form = TeamForm(request.POST or None, initial={"name": found.name, "kind": found.kind,
                                                   "description": found.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(actor=request.user, team=found, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("service:team", pk=found.pk)
    return render(request, "service/form.html", _context(request, found.organization, form=form,
                                                         title=_("Edit %(name)s") % {"name": found.name}))


@login_required
@require_POST
def team_people(request, pk):
    """Add a person (``action=add``), let one leave (``leave``) or appoint the leader (``leader``)."""
    found = selectors.team_for(request.user, pk)
    _require_manage(request, found.org_path)
    action = request.POST.get("action")
    form = TeamPersonForm(request.POST) if action == "add" else PersonForm({})
    try:
        if action == "add" and form.is_valid():
            services.team_add_person(actor=request.user, team=found, **_person(request, form),
                                     normal=form.cleaned_data["normal"], emergency=form.cleaned_data["emergency"])
        elif action in ("leave", "leader"):
            membership = selectors.membership_of(found, _number(request.POST.get("membership")))
            if action == "leave":
                services.team_remove_person(actor=request.user, membership=membership)
            elif membership.member is None:
                raise ValidationError({"leader": _("The leader is a Party member.")})
            else:
                services.team_appoint_leader(actor=request.user, team=found, member=membership.member)
        elif action == "disband":
            services.team_disband(actor=request.user, team=found)
        elif action != "add":
            raise ValidationError({"action": _("Choose what to do.")})
    except ValidationError as error:
        apply_errors(form, error)
    if form.errors:
        _refusals_as_messages(request, form)
    else:
        messages.success(request, _("Done."))
    return redirect("service:team", pk=found.pk)


@login_required
def team_availability(request, pk, membership):
    """Change when a person in the team serves in normal time and in an emergency."""
    found = selectors.team_for(request.user, pk)
    _require_manage(request, found.org_path)
    person = selectors.membership_of(found, membership)
    form = AvailabilityForm(request.POST or None, initial={"normal": person.normal, "emergency": person.emergency})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_change_availability(actor=request.user, membership=person, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Done."))
            return redirect("service:team", pk=found.pk)
    return render(request, "service/form.html", _context(request, found.organization, form=form, title=_(
        "Availability of %(name)s in %(team)s") % {"name": person.person.name, "team": found.name}))


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _person(request, form) -> dict:
    """The member or volunteer a person form names, among those the reader may put in."""
    data = form.cleaned_data
    member = selectors.member_for(request.user, data.get("member"))
    volunteer = selectors.volunteer_named(request.user, data.get("volunteer"))
    if data.get("member") and member is None:
        raise ValidationError({"member": selectors.no_member(data["member"])})
    if data.get("volunteer") and volunteer is None:
        raise ValidationError({"volunteer": selectors.no_volunteer(data["volunteer"])})
    return {"member": member, "volunteer": volunteer}


# --- activities -----------------------------------------------------------------------------------

@login_required
def activity_new(request, code):
    organization = _organization(request, code)
    _require_manage(request, organization.path)
    team = None
    if request.GET.get("team"):
        team = selectors.teams_under(request.user, organization).filter(pk=_number(request.GET["team"])).first()
        if team is None:
            raise Http404
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_save(actor=request.user, organization=None if team else organization,
                                              team=team, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("service:activity", pk=activity.pk)
    title = _("New activity of %(team)s") % {"team": team.name} if team else _("New activity")
    return render(request, "service/form.html", _context(request, organization, form=form, title=title))


@login_required
def activity_edit(request, pk):
    activity = selectors.activity_for(request.user, pk)
    _require_manage(request, activity.org_path)
    initial = {field: getattr(activity, field) for field in ActivityForm.base_fields}
    for field in ("starts_at", "ends_at", "signup_until"):
        initial[field] = timezone.localtime(initial[field]) if initial[field] else None
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(actor=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("service:activity", pk=activity.pk)
    return render(request, "service/form.html", _context(request, activity.organization, form=form,
                                                         title=_("Edit %(title)s") % {"title": activity.title}))


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
@require_GET
def activity(request, pk):
    found = selectors.activity_for(request.user, pk)
    manage = selectors.may_manage(request.user, found.org_path)
    signups = list(selectors.signups(found))
    check_ins = list(selectors.check_ins(found))
    present_members = {row.member_id for row in check_ins if row.member_id}
    present_volunteers = {row.volunteer_id for row in check_ins if row.volunteer_id}
    extra = {}
    if manage and not found.is_cancelled:
        link = request.build_absolute_uri(reverse("service:check_in", args=[found.check_in_token]))
        opens, closes = rules.check_in_window(found.starts_at, found.ends_at, selectors.check_in_opens_before())
        extra = {"check_in_link": link, "qr_svg": mark_safe(_qr_svg(link)), "opens": opens, "closes": closes,  # noqa: S308
                 "roll_form": RollForm(
                     members=[row.member for row in signups if row.member_id and row.member_id not in present_members],
                     volunteers=[row.volunteer for row in signups
                                 if row.volunteer_id and row.volunteer_id not in present_volunteers]),
                 "person_form": PersonForm(), "cancel_form": ReasonForm()}
    return render(request, "service/activity.html", _context(
        request, found.organization, activity=found, signups=signups, check_ins=check_ins, **extra))


@login_required
@require_POST
def activity_signups(request, pk):
    """Staff sign a member or volunteer up (``action=signup``) or take a sign-up back (``withdraw``)."""
    found = selectors.activity_for(request.user, pk)
    _require_manage(request, found.org_path)
    form = PersonForm(request.POST)
    action = request.POST.get("action")
    try:
        if form.is_valid():
            if action not in ("signup", "withdraw"):
                raise ValidationError({"action": _("Choose what to do.")})
            (services.signup if action == "signup" else services.withdraw)(
                actor=request.user, activity=found, **_person(request, form))
    except ValidationError as error:
        apply_errors(form, error)
    if form.errors:
        _refusals_as_messages(request, form)
    else:
        messages.success(request, _("Done."))
    return redirect("service:activity", pk=found.pk)


@login_required
@require_POST
def activity_cancel(request, pk):
    found = selectors.activity_for(request.user, pk)
    _require_manage(request, found.org_path)
    return _with_reason(request, found, lambda reason: services.activity_cancel(
        actor=request.user, activity=found, reason=reason), _("The activity is cancelled."))


def _with_reason(request, activity, step, done: str):
    """Make ``step`` on ``activity`` with the reason typed in the form; its refusals, or ``done``,
    are told on the activity's page."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            step(form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        _refusals_as_messages(request, form)
    else:
        messages.success(request, done)
    return redirect("service:activity", pk=activity.pk)


@login_required
@require_POST
def activity_roll(request, pk):
    found = selectors.activity_for(request.user, pk)
    _require_manage(request, found.org_path)
    signups = list(selectors.signups(found))
    form = RollForm(request.POST, members=[row.member for row in signups if row.member_id],
                    volunteers=[row.volunteer for row in signups if row.volunteer_id])
    if form.is_valid():
        data = form.cleaned_data
        try:
            members, volunteers = selectors.people_named(
                request.user, members=data.get("members", []), volunteers=data.get("volunteers", []),
                shown=[row.member or row.volunteer for row in signups])
            if data["extra_member"]:
                extra = selectors.member_for(request.user, data["extra_member"])
                if extra is None:
                    raise ValidationError({"extra_member": selectors.no_member(data["extra_member"])})
                members.append(extra)
            recorded = services.roll_record(actor=request.user, activity=found, members=members,
                                            volunteers=volunteers, hours=data["hours"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(count)s checked in on the roll.") % {"count": len(recorded)})
    if form.errors:
        _refusals_as_messages(request, form)
    return redirect("service:activity", pk=found.pk)


@login_required
@require_POST
def check_in_remove(request, pk, check_in):
    """Take back one check-in (someone ticked by mistake), with the reason typed on its row."""
    found = selectors.activity_for(request.user, pk)
    _require_manage(request, found.org_path)
    row = selectors.check_in_for(found, check_in)
    return _with_reason(request, found, lambda reason: services.check_in_remove(
        actor=request.user, check_in=row, reason=reason),
        _("The check-in of %(name)s is removed.") % {"name": (row.member or row.volunteer).name})


# --- statistics -----------------------------------------------------------------------------------

@login_required
@require_GET
def statistics(request, code):
    organization = _organization(request, code)
    form = MonthRangeForm(request.GET or None)
    first, last = form.months()
    return render(request, "service/statistics.html", _context(
        request, organization, form=form, first=first, last=last,
        figures=tally.figures(organization, first, last)))


# --- a member's own service and check-in ----------------------------------------------------------

def _own(request):
    member = own_member(request.user)
    if member is None:
        raise Http404
    return member


@login_required
@require_GET
def mine(request):
    member = _own(request)
    now = timezone.now()
    return render(request, "service/mine.html", {
        "member": member, "year": timezone.localdate().year, "targets": TARGETS,
        **page_context(request, selectors.open_activities(member, now=now, after=after(request))),
        **selectors.own_service(member, year=timezone.localdate().year, now=now)})


@login_required
def mine_activity(request, pk):
    """An activity as a member sees it, where they sign up (``action=signup``) or withdraw."""
    member = _own(request)
    found = selectors.activity_for_member(member, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action not in ("signup", "withdraw"):
                raise ValidationError({"action": _("Choose what to do.")})
            (services.signup if action == "signup" else services.withdraw)(
                actor=request.user, activity=found, member=member)
        except ValidationError as error:
            for messages_ in error.message_dict.values():
                for message in messages_:
                    messages.error(request, message)
        except PermissionDenied as error:
            # Said on the member's own page: an activity no longer open to them, say.
            messages.error(request, str(error))
        else:
            messages.success(request, _("You have signed up.") if action == "signup" else _("Sign-up withdrawn."))
        return redirect("service:mine_activity", pk=found.pk)
    now = timezone.now()
    return render(request, "service/mine_activity.html", {
        "activity": found, "signed_up": selectors.signed_up(found, member),
        "check_in": selectors.check_in_of(found, member),
        "open": now < found.signup_closes_at and not found.is_cancelled,
        "open_to_you": selectors.is_open_to(member, found), "full": found.signed_up >= found.capacity,
        "checking_in": rules.check_in_refusal(now, found.starts_at, found.ends_at, selectors.check_in_opens_before(),
                                              found.is_cancelled) is None})


@login_required
def check_in(request, token):
    """What an activity's code opens on a member's phone: the activity and a button; the POST checks
    them in. A code of a cancelled or ended activity still names it, and says why it no longer works."""
    found = selectors.activity_by_token(token)
    member = own_member(request.user)
    done: CheckIn | None = selectors.check_in_of(found, member) if member else None
    refusal = None
    if request.method == "POST":
        if member is None:
            raise PermissionDenied
        try:
            done = services.check_in(actor=request.user, activity=found)
        except ValidationError as error:
            refusal = " ".join(message for messages_ in error.message_dict.values() for message in messages_)
        else:
            messages.success(request, _("Checked in: %(hours)s volunteer hours.") % {"hours": done.hours})
            return redirect("service:check_in", token=token)
    elif member is not None and done is None:
        refusal = rules.check_in_refusal(timezone.now(), found.starts_at, found.ends_at,
                                         selectors.check_in_opens_before(), found.is_cancelled)
    return render(request, "service/check_in.html", {"activity": found, "member": member, "done": done,
                                                     "refusal": refusal},
                  status=422 if request.method == "POST" and refusal else 200)


urlpatterns = [
    path("", home, name="home"),
    path("org/<str:code>/", organization, name="organization"),
    path("org/<str:code>/teams/", teams, name="teams"),
    path("org/<str:code>/volunteers/", volunteers, name="volunteers"),
    path("org/<str:code>/volunteers/new/", volunteer_new, name="volunteer_new"),
    path("org/<str:code>/teams/new/", team_new, name="team_new"),
    path("org/<str:code>/activities/new/", activity_new, name="activity_new"),
    path("org/<str:code>/statistics/", statistics, name="statistics"),
    path("teams/<int:pk>/", team, name="team"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
    path("teams/<int:pk>/people/", team_people, name="team_people"),
    path("teams/<int:pk>/people/<int:membership>/availability/", team_availability, name="team_availability"),
    path("activities/<int:pk>/", activity, name="activity"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/signups/", activity_signups, name="activity_signups"),
    path("activities/<int:pk>/cancel/", activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/roll/", activity_roll, name="activity_roll"),
    path("activities/<int:pk>/check-ins/<int:check_in>/remove/", check_in_remove, name="check_in_remove"),
    path("mine/", mine, name="mine"),
    path("mine/<int:pk>/", mine_activity, name="mine_activity"),
    path("c/<str:token>/", check_in, name="check_in"),
]

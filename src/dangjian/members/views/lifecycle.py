"""Life-cycle pages: one form page per event of a member, the member's life-cycle page that
links them, the transfer inboxes, the community's pending registrations, and coverage."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.forms import apply_errors
from dangjian.members import rules
from dangjian.members.forms_lifecycle import (
    AbroadForm,
    DateForm,
    LeaveForm,
    LostContactForm,
    MobileOutForm,
    ReasonForm,
    ResidenceForm,
    SuspendForm,
    TransferForm,
)
from dangjian.members.selectors import lifecycle as selectors
from dangjian.members.services import lifecycle as services
from dangjian.members.services import residence
from dangjian.orgs import selectors as org_selectors


@dataclass(frozen=True)
class Action:
    slug: str
    title: Any
    form: type
    service: Any
    done: Any
    danger: bool = False


ACTIONS = {
    "transfer": Action("transfer", gettext_lazy("Transfer the organisational relationship"), TransferForm,
                       services.transfer_send, gettext_lazy("The transfer has been sent.")),
    "mobile_out": Action("mobile-out", gettext_lazy("Away as a mobile member"), MobileOutForm, services.mobile_out,
                         gettext_lazy("Recorded as a mobile member.")),
    "mobile_back": Action("mobile-back", gettext_lazy("Back from being a mobile member"), DateForm,
                          services.mobile_back, gettext_lazy("Recorded as back.")),
    "abroad": Action("abroad", gettext_lazy("Gone abroad"), AbroadForm, services.abroad,
                     gettext_lazy("Recorded as abroad.")),
    "abroad_back": Action("abroad-back", gettext_lazy("Back from abroad"), DateForm, services.abroad_back,
                          gettext_lazy("Recorded as back from abroad.")),
    "retire": Action("retire", gettext_lazy("Retired"), DateForm, services.retire,
                     gettext_lazy("Recorded as retired.")),
    "lost_contact": Action("lost-contact", gettext_lazy("Out of contact"), LostContactForm, services.lost_contact,
                           gettext_lazy("Recorded as out of contact.")),
    "contact_restored": Action("contact-restored", gettext_lazy("Contact restored"), DateForm,
                               services.contact_restored, gettext_lazy("Contact recorded as restored.")),
    "suspend": Action("suspend", gettext_lazy("Suspend standing"), SuspendForm, services.suspend,
                      gettext_lazy("The standing has been suspended."), danger=True),
    "restore": Action("restore", gettext_lazy("Restore standing"), DateForm, services.restore,
                      gettext_lazy("The standing has been restored.")),
    "leave": Action("leave", gettext_lazy("Left the Party"), LeaveForm, services.leave,
                    gettext_lazy("Recorded as having left the Party; the record is kept."), danger=True),
}


def _posted(request):
    """The form data of a POST, even an empty one (every field of some forms is optional)."""
    return request.POST if request.method == "POST" else None


def _managed_member(request, pk):
    """The member if visible (404 otherwise) and manageable by the user (403 otherwise)."""
    member = selectors.member_for(request.user, pk)
    if not selectors.can_manage(request.user, member.org_path):
        raise PermissionDenied
    return member


def _form_page(request, *, form, title, member=None, summary=None, danger=False, back=None):
    return render(request, "members/lifecycle_action.html", {
        "form": form, "title": title, "member": member, "summary": summary, "danger": danger, "back": back,
    })


@login_required
def action(request, pk, name):
    spec = ACTIONS[name]
    member = _managed_member(request, pk)
    form = spec.form(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            spec.service(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, str(spec.done))
            return redirect("members:lifecycle", pk=member.pk)
    return _form_page(request, form=form, title=spec.title, member=member, danger=spec.danger,
                      back=reverse("members:lifecycle", args=[member.pk]))


@login_required
def register_residence(request, pk):
    member = _managed_member(request, pk)
    form = ResidenceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            registration = residence.registration_register(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Registered in the grid.") if registration.status == "confirmed"
                             else _("Registered; waiting for the residence community's confirmation."))
            return redirect("members:lifecycle", pk=member.pk)
    return _form_page(request, form=form, title=_("Register in a residence grid"), member=member,
                      back=reverse("members:lifecycle", args=[member.pk]))


@login_required
@require_GET
def member_lifecycle(request, pk):
    member = selectors.member_for(request.user, pk)
    state = selectors.member_state(member)
    manage = selectors.can_manage(request.user, member.org_path)
    available = [(f"members:{name}", spec.title) for name, spec in ACTIONS.items()
                 if manage and rules.event_fault(name, state) is None]
    if manage and not state.left:
        available.append(("members:residence", _("Register in a residence grid")))
    return render(request, "members/lifecycle_member.html", {
        "member": member, "state": state, "available": available, "residence": selectors.residence_of(member),
        **selectors.history(member),
    })


# --- transfers --------------------------------------------------------------------------------------

def _require_manager(request):
    if not selectors.may_manage_anywhere(request.user):
        raise Http404


@login_required
@require_GET
def transfers_incoming(request):
    _require_manager(request)
    items, total = selectors.incoming_transfers(request.user)
    return render(request, "members/lifecycle_incoming.html", {"items": items, "total": total})


@login_required
@require_GET
def transfers_outgoing(request):
    _require_manager(request)
    return render(request, "members/lifecycle_outgoing.html", {
        "transfers": selectors.outgoing_transfers(request.user)[:selectors.INBOX_LIMIT]})


def _transfer_summary(transfer) -> list[tuple[str, str]]:
    return [(_("Member"), f"{transfer.member.name} {transfer.member.masked_id_number}"),
            (_("From"), transfer.from_org.name), (_("To"), transfer.to_org.name),
            (_("Sent on"), transfer.sent_on.isoformat()), (_("Reason"), transfer.reason)]


@login_required
def transfer_receive(request, pk):
    transfer = selectors.incoming_transfer_for(request.user, pk)
    form = DateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_receive(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s now belongs to %(org)s.")
                             % {"name": transfer.member.name, "org": transfer.to_org.name})
            return redirect("members:transfers_incoming")
    return _form_page(request, form=form, title=_("Receive a transfer"), summary=_transfer_summary(transfer),
                      back=reverse("members:transfers_incoming"))


@login_required
def transfer_refuse(request, pk):
    transfer = selectors.incoming_transfer_for(request.user, pk)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_refuse(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The transfer has been refused."))
            return redirect("members:transfers_incoming")
    return _form_page(request, form=form, title=_("Refuse a transfer"), summary=_transfer_summary(transfer),
                      danger=True, back=reverse("members:transfers_incoming"))


@login_required
@require_POST
def transfer_cancel(request, pk):
    transfer = selectors.outgoing_transfer_for(request.user, pk)
    try:
        services.transfer_cancel(actor=request.user, transfer=transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The transfer has been withdrawn."))
    return redirect("members:transfers_outgoing")


# --- residence registrations ------------------------------------------------------------------------

@login_required
@require_GET
def registrations_pending(request):
    _require_manager(request)
    rows, total = selectors.pending_registrations(request.user)
    return render(request, "members/lifecycle_registrations.html", {"registrations": rows, "total": total})


@login_required
@require_POST
def registration_confirm(request, pk):
    registration = selectors.registration_for(request.user, pk)
    try:
        residence.registration_confirm(actor=request.user, registration=registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The registration of %(name)s has been confirmed.")
                         % {"name": registration.member.name})
    return redirect("members:registrations_pending")


@login_required
def registration_reject(request, pk):
    registration = selectors.registration_for(request.user, pk)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            residence.registration_reject(actor=request.user, registration=registration, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The registration has been rejected."))
            return redirect("members:registrations_pending")
    summary = [(_("Member"), f"{registration.member.name} {registration.member.masked_id_number}"),
               (_("Grid"), registration.grid.name), (_("Registered on"), registration.registered_on.isoformat())]
    return _form_page(request, form=form, title=_("Reject a registration"), summary=summary, danger=True,
                      back=reverse("members:registrations_pending"))


# --- coverage ---------------------------------------------------------------------------------------

@login_required
@require_GET
def coverage(request, code):
    organization = org_selectors.organization_for(request.user, code)
    figures = selectors.coverage(organization)
    return render(request, "members/lifecycle_coverage.html", {
        "org": organization, "coverage": figures,
        "distributions": [(_("Registered resident members per community"), figures["per_community"]),
                          (_("Registered resident members per grid"), figures["per_grid"])],
        "breadcrumbs": org_selectors.breadcrumbs(request.user, organization),
    })


urlpatterns = [
    *(path(f"<int:pk>/{spec.slug}/", action, {"name": name}, name=name) for name, spec in ACTIONS.items()),
    path("<int:pk>/residence/", register_residence, name="residence"),
    path("<int:pk>/lifecycle/", member_lifecycle, name="lifecycle"),
    path("transfers/incoming/", transfers_incoming, name="transfers_incoming"),
    path("transfers/outgoing/", transfers_outgoing, name="transfers_outgoing"),
    path("transfers/<int:pk>/receive/", transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/refuse/", transfer_refuse, name="transfer_refuse"),
    path("transfers/<int:pk>/cancel/", transfer_cancel, name="transfer_cancel"),
    path("registrations/pending/", registrations_pending, name="registrations_pending"),
    path("registrations/<int:pk>/confirm/", registration_confirm, name="registration_confirm"),
    path("registrations/<int:pk>/reject/", registration_reject, name="registration_reject"),
    path("coverage/<str:code>/", coverage, name="coverage"),
]

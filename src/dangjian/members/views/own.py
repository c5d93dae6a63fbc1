"""The member's own page (/members/me/), their correction requests, and the clerk's inbox of
requests (/members/corrections/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core import audit
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission
from dangjian.members.forms_own import CorrectionForm, RejectForm, RevealForm
from dangjian.members.selectors import own as selectors
from dangjian.members.services import corrections


def _record_rows(member, revealed: set[str]) -> list[tuple[str, str, str]]:
    """(field, label, shown value) for every field of the record; ID and phone masked unless revealed."""
    def flag(on, detail=""):
        return (_("Yes") + (f" · {detail}" if detail else "")) if on else _("No")

    def date(value):
        return value.isoformat() if value else ""

    education = member.get_education_display()
    if member.education:
        education += f" ({member.education_statistics_label})"
    return [
        ("name", _("Name"), member.name),
        ("sex", _("Sex"), member.get_sex_display()),
        ("ethnicity", _("Ethnicity"), member.get_ethnicity_display()),
        ("id_number", _("ID number"), member.id_number if "id_number" in revealed else member.masked_id_number),
        ("birth_date", _("Birth date"), date(member.birth_date)),
        ("education", _("Education"), education),
        ("degree", _("Degree"), member.get_degree_display()),
        ("category", _("Category"), member.get_category_display()),
        ("home_org", _("Home organisation"), member.home_org.name),
        ("joined_on", _("Date joined"), date(member.joined_on)),
        ("full_member_on", _("Date made full member"), date(member.full_member_on)),
        ("job_post", _("Job post"), member.get_job_post_display()),
        ("phone", _("Phone"), member.phone if "phone" in revealed else member.masked_phone),
        ("address", _("Home address"), member.address),
        ("registered_residence", _("Registered residence"), member.registered_residence),
        ("current_residence", _("Current residence"), member.current_residence),
        ("standing", _("Standing"), member.get_standing_display()
         + (f" · {member.get_suspension_reason_display()}" if member.suspension_reason else "")),
        ("lost_contact", _("Lost contact"), flag(member.lost_contact, date(member.lost_contact_on))),
        ("mobile", _("Mobile member"), flag(member.mobile, member.mobile_destination)),
        ("abroad", _("Abroad"), flag(member.abroad, member.abroad_destination)),
        ("retired", _("Retired"), flag(member.retired)),
        ("party_age_correction_months", _("Party age correction (months)"), str(member.party_age_correction_months)),
        ("left_on", _("Date left the Party"), date(member.left_on)
         + (f" · {member.get_left_reason_display()}" if member.left_reason else "")),
    ]


def _own_page(request, member, *, revealed=frozenset(), status=200):
    page = selectors.own_page(member)
    return render(request, "members/own_page.html", {
        "page": page,
        "rows": _record_rows(member, revealed),
        "correctable": set(corrections.FIELDS),
        "requests": [(c, corrections.FIELDS.get(c.field, c.field), corrections.display(c.field, corrections.proposed_value(c)))
                     for c in page.corrections],
        "revealed": revealed,
    }, status=status)


def _no_record(request):
    return render(request, "members/own_none.html")


@login_required
@require_GET
def own(request):
    member = selectors.own_record(request.user)
    if member is None:
        return _no_record(request)
    return _own_page(request, member)


@login_required
@require_POST
def own_reveal(request):
    """Show the member their own ID or phone number in full, once, and write it in the audit trail."""
    member = selectors.own_record(request.user)
    if member is None:
        return _no_record(request)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _own_page(request, member, status=400)
    field = form.cleaned_data["field"]
    audit.record(AuditAction.REVEAL, actor=request.user, obj=member, org_path=member.org_path,
                 changes={"field": [None, field], "own_record": [None, True]})
    return _own_page(request, member, revealed={field})


@login_required
def own_correction(request):
    member = selectors.own_record(request.user)
    if member is None:
        return _no_record(request)
    form = CorrectionForm(request.POST or None, initial={"field": request.GET.get("field", "")})
    if request.method == "POST" and form.is_valid():
        try:
            corrections.correction_request(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            messages.success(request, _("Your request has been sent to the clerk of your organisation."))
            return redirect("members:own")
    return render(request, "members/own_correction.html", {"form": form, "member": member})


@login_required
@require_GET
def correction_inbox(request):
    if not has_permission(request.user, Permission.MANAGE_MEMBERS):
        raise PermissionDenied
    pending = list(selectors.correction_inbox(request.user)[: selectors.INBOX_LIMIT + 1])
    items = [(c, corrections.FIELDS.get(c.field, c.field),
              corrections.display(c.field, corrections.current_value(c.member, c.field)),
              corrections.display(c.field, corrections.proposed_value(c))) for c in pending[: selectors.INBOX_LIMIT]]
    return render(request, "members/own_inbox.html", {
        "items": items, "more": len(pending) > selectors.INBOX_LIMIT, "limit": selectors.INBOX_LIMIT,
    })


def _decidable(request, pk):
    """The request, if the user may decide on it: 404 outside the user's sight, 403 for one they
    may see but not manage."""
    correction = selectors.correction_for(request.user, pk)
    if not has_permission(request.user, Permission.MANAGE_MEMBERS, correction.member.org_path):
        raise PermissionDenied
    return correction


@login_required
@require_POST
def correction_approve(request, pk):
    correction = _decidable(request, pk)
    try:
        corrections.correction_approve(actor=request.user, correction=correction)
    except ValidationError as error:
        messages.error(request, _("Not applied, nothing changed: %(reasons)s")
                       % {"reasons": " ".join(m for ms in error.message_dict.values() for m in ms)})
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The correction to %(name)s's record has been applied.")
                         % {"name": correction.member.name})
    return redirect("members:corrections")


@login_required
@require_POST
def correction_reject(request, pk):
    correction = _decidable(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not rejected: say why the request is rejected."))
        return redirect("members:corrections")
    try:
        corrections.correction_reject(actor=request.user, correction=correction, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request from %(name)s has been rejected.") % {"name": correction.member.name})
    return redirect("members:corrections")


urlpatterns = [
    path("me/", own, name="own"),
    path("me/reveal/", own_reveal, name="own_reveal"),
    path("me/corrections/new/", own_correction, name="own_correction"),
    path("corrections/", correction_inbox, name="corrections"),
    path("corrections/<int:pk>/approve/", correction_approve, name="correction_approve"),
    path("corrections/<int:pk>/reject/", correction_reject, name="correction_reject"),
]

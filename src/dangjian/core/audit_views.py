import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import selectors
from dangjian.core.models import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any"))] + AuditAction.choices)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    success = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("Any")), ("1", _("Succeeded")), ("0", _("Failed"))])

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


@login_required
def audit_list(request):
    if selectors.audit_scope(request.user).is_empty:
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tz = timezone.get_current_timezone()
    events = selectors.audit_events(
        request.user,
        actor=filters.get("actor") or None,
        action=filters.get("action") or None,
        since=dt.datetime.combine(filters["since"], dt.time.min, tz) if filters.get("since") else None,
        until=dt.datetime.combine(filters["until"], dt.time.max, tz) if filters.get("until") else None,
        success={"1": True, "0": False}.get(filters.get("success") or ""),
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_list.html", {"form": form, "page": page, "query": query.urlencode()})


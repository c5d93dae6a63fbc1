"""Forms of the life-cycle pages. Field names are the services' argument names, so that a
service's error lands next to the field it names."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.members import codes
from dangjian.members.models import LeavingReason, SuspensionReason
from dangjian.members.selectors import lifecycle as selectors

TODAY_HELP = _("Leave empty for today.")
REASON_LABEL = _("Reason")


def _date(label):
    return forms.DateField(label=label, required=False, help_text=TODAY_HELP,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _reason():
    return forms.CharField(label=REASON_LABEL, max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(forms.Form):
    to_org = forms.CharField(label=_("Code of the receiving organisation"), max_length=32, required=False,
                             help_text=_("For a transfer inside the system. Leave empty for one out of it."))
    outside_destination = forms.CharField(label=_("Destination outside the system"), max_length=200, required=False)
    letter_number = forms.CharField(label=_("Introduction letter number"), max_length=64, required=False,
                                    help_text=_("Required for a transfer out of the system."))
    reason = _reason()
    on = _date(_("Sent on"))

    def clean_to_org(self):
        try:
            return selectors.destination(self.cleaned_data["to_org"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["to_org"]) from None


class DateForm(forms.Form):
    on = _date(_("Date"))


class MobileOutForm(forms.Form):
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    county = forms.CharField(label=_("County or district"), max_length=30, required=False)
    since = _date(_("Away since"))


class AbroadForm(forms.Form):
    destination = forms.CharField(label=_("Country or region"), max_length=100)
    since = _date(_("Abroad since"))


class LostContactForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=list(codes.LOST_CONTACT_REASONS.items()))
    since = _date(_("Out of contact since"))


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("Ground for suspension"), choices=SuspensionReason.choices)
    on = _date(_("Decided on"))


class LeaveForm(forms.Form):
    reason = forms.ChoiceField(label=_("How the member left"), choices=LeavingReason.choices)
    on = _date(_("Date"))
    note = forms.CharField(label=_("Note (decision, document number)"), max_length=200, required=False)


class ResidenceForm(forms.Form):
    grid = forms.CharField(label=_("Grid code"), max_length=32)
    building = forms.CharField(label=_("Building (name, in that grid)"), max_length=100, required=False)
    zone = forms.CharField(label=_("Responsibility zone code"), max_length=32, required=False)
    on = _date(_("Registered on"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if "grid" in data:
            try:
                data.update(selectors.place(grid=data["grid"], building=data.get("building", ""),
                                            zone=data.get("zone", "")))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class ReasonForm(forms.Form):
    reason = _reason()

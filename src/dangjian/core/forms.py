"""What the pages of every app share about forms."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's field errors on the form; unknown fields go to the top of the form."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class MonthRangeForm(forms.Form):
    """The months a statistics page covers; by default this year up to today."""

    first = forms.DateField(label=_("From month"), required=False,
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    last = forms.DateField(label=_("To month"), required=False,
                           widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                           input_formats=["%Y-%m", "%Y-%m-%d"])

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            self.add_error("last", _("The last month comes after the first."))
        return data

    def months(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        first, last = today.replace(month=1, day=1), today
        if self.is_valid():
            first, last = self.cleaned_data["first"] or first, self.cleaned_data["last"] or last
        return first, last

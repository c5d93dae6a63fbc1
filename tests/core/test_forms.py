"""The form helpers every app's pages share: the month range of the statistics pages, and the
fields' template, which shows hidden fields without a label but still shows their errors."""

import datetime as dt

from django import forms
from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.core.forms import MonthRangeForm


class _Step(forms.Form):
    version = forms.IntegerField(label="Version", widget=forms.HiddenInput)
    note = forms.CharField(label="Note")


def test_a_hidden_field_has_no_label_but_its_error_shows():
    form = _Step({"note": "x"})
    assert not form.is_valid()
    page = render_to_string("core/_form_fields.html", {"form": form})
    assert 'type="hidden"' in page and "Version" not in page and 'for="id_version"' not in page
    assert form.errors["version"][0] in page and '<label for="id_note">' in page


def test_the_month_range_defaults_to_this_year_and_refuses_a_range_backwards():
    today = timezone.localdate()
    assert MonthRangeForm(None).months() == (today.replace(month=1, day=1), today)
    assert MonthRangeForm({"first": "2026-02", "last": "2026-04"}).months() == (dt.date(2026, 2, 1),
                                                                               dt.date(2026, 4, 1))
    backwards = MonthRangeForm({"first": "2026-05", "last": "2026-01"})
    assert backwards.months() == (today.replace(month=1, day=1), today) and backwards.errors["last"]

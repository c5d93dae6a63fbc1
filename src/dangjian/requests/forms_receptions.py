"""Forms of the representatives', receptions' and visits' pages. They read and shape what was typed;
the services decide. Problems raised at a reception or found on a visit are rows of a formset
(prefix ``problems``); the services name a row's errors ``problems[N].field``, counted from 1
among the rows filled in."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.forms import apply_errors
from dangjian.requests import rules
from dangjian.requests.forms import CategoryQuestions, place_label, place_value, read_place
from dangjian.requests.models import Category, ReceptionDuty

MAX_PROBLEMS = 30
PROBLEM_ROWS = 3
_ROW_ERROR = re.compile(r"problems\[(\d+)\]\.(.+)")


def _date(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           initial=timezone.localdate)


def _time(label):
    return forms.TimeField(label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a member"), max_length=50, required=False,
                        help_text=_("Part of the name, its pinyin or initials, or the last four digits of the ID "
                                    "number."))


class RepresentativeForm(forms.Form):
    member = forms.IntegerField(label=_("Member number"), min_value=1,
                                help_text=_("A current member of this organisation; find one above."))
    title = forms.CharField(label=pgettext_lazy("representative", "Title"), max_length=100, help_text=_("e.g. 区党代表"))
    since = _date(_("Since"))


class TermEndForm(forms.Form):
    until = _date(_("Term ended on"))


class DutyForm(forms.Form):
    place = forms.CharField(label=_("Place"), max_length=200, help_text=_("e.g. 社区党群服务中心党代表工作室"))
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int,
                                     choices=ReceptionDuty._meta.get_field("weekday").choices)
    starts_at = _time(_("From"))
    ends_at = _time(_("Until"))


class ReceptionForm(forms.Form):
    held_on = _date(_("Held on"))
    duty = forms.ModelChoiceField(label=_("Rota line"), queryset=ReceptionDuty.objects.none(), required=False,
                                  empty_label=_("None: held elsewhere"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False,
                            help_text=_("Leave empty to take the rota line's place."))
    visitors = forms.IntegerField(label=_("Visitors"), min_value=0, max_value=rules.MAX_VISITORS, help_text=_("Everyone who came, named or not."))
    visitor_names = forms.CharField(label=_("Visitors' names"), max_length=500, required=False,
                                    help_text=_("Only of those who agreed to be named."))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                            required=False)

    def __init__(self, *args, duties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty"].queryset = duties
        self.fields["duty"].label_from_instance = lambda duty: (
            f"{duty.get_weekday_display()} {duty.starts_at:%H:%M}–{duty.ends_at:%H:%M} · {duty.place}")


class VisitForm(forms.Form):
    visited_on = _date(_("Visited on"))
    household = forms.CharField(label=_("Household"), max_length=100, help_text=_("Building and door, e.g. 3栋502."))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                            required=False)


class VisitProblemForm(CategoryQuestions, forms.Form):
    """A problem found on a household visit: it becomes a request in the visiting member's grid."""

    category = forms.ModelChoiceField(label=pgettext_lazy("request", "Category"), queryset=Category.objects.none())
    description = forms.CharField(label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=2000)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(pk__in=[category.pk for category in categories])
        self.add_questions(categories)

    def problem(self) -> dict:
        """The problem as the service reads it: the chosen category's answers as its attributes."""
        data = {name: value for name, value in self.cleaned_data.items() if not name.startswith("attribute_")}
        return {**data, "attributes": self.attribute_values()}


class ProblemForm(VisitProblemForm):
    """A problem raised at a reception: it becomes a request in the grid chosen from the
    representative's subtree."""

    grid = forms.ChoiceField(label=_("Grid"))
    address = forms.CharField(label=_("Where exactly"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Resident's phone"), max_length=30, required=False)

    field_order = ["category", "grid", "description", "address", "contact_name", "phone"]

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", "—"), *((place_value(grid), place_label(grid)) for grid in grids)]

    def clean_grid(self):
        return read_place(self.cleaned_data["grid"])[0]


def problem_formset(form, data=None, *, rows: int = PROBLEM_ROWS, **form_kwargs):
    """The problem rows: ``rows`` empty ones to fill in (rows left empty are skipped), each with
    the categories that take new requests, read once for all rows."""
    formset = formset_factory(form, extra=max(1, min(rows, MAX_PROBLEMS)), max_num=MAX_PROBLEMS,
                              validate_max=True)
    categories = list(Category.objects.filter(active=True))
    return formset(data, prefix="problems", form_kwargs={**form_kwargs, "categories": categories})


def filled(formset) -> list:
    """The rows filled in, in order: the problems the service numbers from 1."""
    return [form for form in formset.forms if form.has_changed()]


def apply_problem_errors(form, rows: list, error: ValidationError) -> None:
    """Put a service's errors on the form and on the problem rows they name."""
    own = {}
    for key, messages in error.message_dict.items():
        found = _ROW_ERROR.fullmatch(key)
        if found and 0 < int(found.group(1)) <= len(rows):
            row = rows[int(found.group(1)) - 1]
            field = row.field_named(found.group(2))
            row.add_error(field if field in row.fields else None, messages)
        else:
            own[key] = messages
    if own:
        apply_errors(form, ValidationError(own))

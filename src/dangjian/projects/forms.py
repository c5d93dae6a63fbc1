"""Forms of the micro-project pages. They read and shape what was typed; the services decide."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.paging import MAX_KEY
from dangjian.projects import rules, selectors
from dangjian.projects.models import FundingSource, ListItem, Milestone
from dangjian.projects.rules import Action, Kind, State


def money(label, max_digits=10, **options) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=max_digits, decimal_places=2, min_value=0, **options)


NOTE = _("Note")


def note(label=NOTE, required=False) -> forms.CharField:
    return forms.CharField(label=label, max_length=2000, required=required, widget=forms.Textarea(attrs={"rows": 2}))


def day(label, required=True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class ListFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All states")), *State.choices], required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("All types")), *Kind.choices], required=False)


class ProposalForm(forms.Form):
    """A proposal: by staff (with the requests it answers), a member, or a resident."""

    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("What should be done, and why"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    estimate = money(_("Estimated amount (yuan)"))

    def __init__(self, *args, staff: bool = False, resident: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["requests"] = forms.CharField(
                label=_("Requests it answers"), max_length=500, required=False,
                help_text=_("The numbers of residents' requests, separated by commas, e.g. 12, 15."))
        if staff or resident:
            self.fields["proposer_name"] = forms.CharField(label=_("Proposer's name"), max_length=50,
                                                           required=resident)
            self.fields["phone"] = forms.CharField(label=_("Phone"), max_length=30, required=False,
                                                   help_text=_("Only the community sees it."))

    def clean_requests(self) -> list[int]:
        text = self.cleaned_data.get("requests", "")
        parts = [part for part in re.split(r"[\s,，、#]+", text) if part]
        if any(not part.isdigit() for part in parts):
            raise forms.ValidationError(_("Give request numbers separated by commas."))
        numbers = [int(part) for part in parts]
        if any(number > MAX_KEY for number in numbers):
            raise forms.ValidationError(_("No request has a number above %(max)s.") % {"max": MAX_KEY})
        return numbers


class CommunityChoiceForm(forms.Form):
    community_text = forms.CharField(label=_("Your community"), max_length=50, required=False,
                                     help_text=_("Type part of the community's name."))


class ConfigurationForm(forms.Form):
    notice_working_days = forms.IntegerField(label=_("Public notice (working days)"), min_value=1,
                                             max_value=rules.MAX_NOTICE_DAYS)
    passing_rule = forms.ChoiceField(label=_("Council's passing rule"), choices=rules.PassingRule.choices)
    cap_service = money(_("Cap per service project (yuan)"), required=False)
    cap_goods = money(_("Cap per goods project (yuan)"), required=False)
    cap_works = money(_("Cap per works project (yuan)"), required=False)

    def caps(self) -> dict:
        return {kind: self.cleaned_data.get(f"cap_{kind}") for kind in Kind.values}


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=[(key, preset.name) for key, preset in rules.PRESETS.items()])


class ListItemForm(forms.Form):
    side = forms.ChoiceField(label=_("List"), choices=ListItem.Side.choices)
    text = forms.CharField(label=_("Entry"), max_length=200)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)


class FundingSourceForm(forms.Form):
    organization = forms.CharField(label=_("Whose budget (organisation code)"), max_length=32,
                                   help_text=_("The city, district, street or community whose money it is: it funds "
                                               "projects of that organisation's communities only."))
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=pgettext_lazy("funding source", "Kind"), choices=FundingSource.SourceKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    budget = money(_("Budget for the year (yuan)"), max_digits=12)
    active = forms.BooleanField(label=_("Funds new projects"), required=False, initial=True)


# --- the steps ------------------------------------------------------------------------------------

class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def arguments(self) -> dict:
        """What the service takes from this form."""
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class ScreenForm(StepForm):
    positive_item = forms.ModelChoiceField(label=_("Positive-list entry it fits"), queryset=ListItem.objects.none())
    note = note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["positive_item"].queryset = selectors.list_items(ListItem.Side.POSITIVE)


class ScreenOutForm(StepForm):
    negative_item = forms.ModelChoiceField(label=_("Negative-list entry it falls under"),
                                           queryset=ListItem.objects.none(), required=False)
    reason = forms.CharField(label=_("or the rule it fails"), max_length=300, required=False,
                             help_text=_("e.g. above the cap for its type; outside the positive list."))
    note = note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["negative_item"].queryset = selectors.list_items(ListItem.Side.NEGATIVE)


class CouncilForm(StepForm):
    held_on = day(_("Council held on"))
    present = forms.IntegerField(label=_("Council members present"), min_value=0, max_value=10000, required=False)
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, max_value=10000, required=False)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, max_value=10000, required=False)
    abstaining = forms.IntegerField(label=_("Abstaining"), min_value=0, max_value=10000, required=False)
    minutes = forms.CharField(label=_("Minutes"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    jury_passed = forms.TypedChoiceField(label=_("Jury's decision (instead of a vote)"), required=False,
                                         choices=[("", "—"), ("yes", _("Passed")), ("no", pgettext_lazy("jury", "Rejected"))],
                                         coerce=lambda value: value == "yes", empty_value=None)
    note = note()


class NoteForm(StepForm):
    note = note()


class ObjectionForm(StepForm):
    note = note(_("The objection (without the objector's personal data)"), required=True)


class ApproveForm(StepForm):
    budget = money(_("Budget (yuan)"))
    funding_source = forms.ModelChoiceField(label=_("Funding source"), queryset=FundingSource.objects.none())
    note = note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        field = self.fields["funding_source"]
        field.queryset = selectors.sources_for(self.project, year)
        field.error_messages["invalid_choice"] = _(
            "Choose a source of this community or of an organisation above it, for %(year)s, that funds new "
            "projects.") % {"year": year}


class StartForm(StepForm):
    contractor = forms.CharField(label=_("Contractor"), max_length=200)
    note = note()


class MilestoneForm(StepForm):
    title = forms.CharField(label=_("Milestone"), max_length=100)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=rules.MAX_WEIGHT, initial=1,
                                help_text=_("Its share of the project's progress, relative to the others."))
    due_on = day(_("Due on"), required=False)


class ProgressForm(StepForm):
    milestone = forms.ModelChoiceField(label=_("Milestone"), queryset=Milestone.objects.none())
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.project is not None:
            self.fields["milestone"].queryset = selectors.milestones(self.project)


class SpendForm(StepForm):
    amount = money(_("Amount (yuan)"))
    spent_on = day(_("Paid on"))
    payee = forms.CharField(label=_("Paid to"), max_length=200)
    note = note(_("For"))


class AcceptForm(StepForm):
    accepted_on = day(_("Accepted on"))
    record = forms.CharField(label=_("Acceptance record"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    signatories = forms.CharField(label=_("Signatories"), max_length=300,
                                  help_text=_("At least two names, separated by commas."))
    note = note()


class EvaluateForm(StepForm):
    surveyed = forms.IntegerField(label=_("Residents surveyed"), min_value=0, max_value=10_000_000, required=False)
    satisfied = forms.IntegerField(label=_("Residents satisfied"), min_value=0, max_value=10_000_000, required=False)
    score = forms.DecimalField(label=_("or a score out of 100"), max_digits=5, decimal_places=2, required=False)
    note = note()


class CancelForm(StepForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    note = note()


STEP_FORMS = {Action.SCREEN: ScreenForm, Action.SCREEN_OUT: ScreenOutForm, Action.COUNCIL: CouncilForm,
              Action.NOTICE: NoteForm, Action.OBJECTION: ObjectionForm, Action.APPROVE: ApproveForm,
              Action.START: StartForm, Action.MILESTONE: MilestoneForm, Action.PROGRESS: ProgressForm,
              Action.SPEND: SpendForm, Action.COMPLETE: NoteForm, Action.ACCEPT: AcceptForm,
              Action.EVALUATE: EvaluateForm, Action.CANCEL: CancelForm}


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=30)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

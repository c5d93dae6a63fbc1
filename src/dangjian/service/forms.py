"""Forms of the service pages. They read and shape what was typed; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.service import rules
from dangjian.service.models import EmergencyAvailability, NormalAvailability, TeamKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=pgettext_lazy("service team", "Kind"), choices=TeamKind.choices)
    description = forms.CharField(label=_("What the team does"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class PersonForm(forms.Form):
    """A person for a team, a sign-up or a roll: a member by number or a volunteer by number."""
    member = forms.IntegerField(label=_("Member number"), required=False, min_value=1)
    volunteer = forms.IntegerField(label=_("Volunteer number"), required=False, min_value=1)


class AvailabilityForm(forms.Form):
    normal = forms.ChoiceField(label=_("Available in normal time"), choices=NormalAvailability.choices,
                               initial=NormalAvailability.WEEKENDS)
    emergency = forms.ChoiceField(label=_("Available in an emergency"), choices=EmergencyAvailability.choices,
                                  initial=EmergencyAvailability.SAME_DAY)


class TeamPersonForm(AvailabilityForm, PersonForm):
    """A person to add to a team, then their availability (the fields of the later base come first)."""


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    consent = forms.BooleanField(label=_("The volunteer agrees that their name and phone are kept"), required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("Places"), min_value=1)
    signup_until = forms.DateTimeField(label=_("Sign-up open until"), required=False, widget=DATETIME,
                                       help_text=_("Left empty: until the start."))
    counts_as_study = forms.BooleanField(label=_("Counts as study"), required=False)


class ReasonForm(forms.Form):
    """Why an activity is cancelled or a check-in removed."""
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RollForm(forms.Form):
    members = forms.TypedMultipleChoiceField(label=_("Members present"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    volunteers = forms.TypedMultipleChoiceField(label=_("Volunteers present"), coerce=int, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    extra_member = forms.IntegerField(label=_("Another member present (number)"), required=False, min_value=1)
    hours = forms.DecimalField(label=_("Hours to credit each"), required=False, decimal_places=1, max_digits=5,
                               min_value=rules.MIN_STAFF_HOURS, max_value=rules.MAX_STAFF_HOURS,
                               help_text=_("Left empty: the activity's length."))

    def __init__(self, *args, members=(), volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The lists offer those signed up; with no one signed up, an empty heading would only puzzle.
        for name, people in (("members", members), ("volunteers", volunteers)):
            if people:
                self.fields[name].choices = [(person.pk, person.name) for person in people]
            else:
                del self.fields[name]



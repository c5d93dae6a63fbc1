from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.rules import Kind, Level


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    code = forms.CharField(label=_("Organisation code"), max_length=32, required=False,
                           help_text=_("Leave empty to number it under its parent."))
    has_committee = forms.BooleanField(label=_("Has an elected committee"), required=False)
    founded_on = forms.DateField(label=_("Founded on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class OrganizationEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    has_committee = forms.BooleanField(label=_("Has an elected committee"), required=False)
    founded_on = forms.DateField(label=_("Founded on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MoveForm(forms.Form):
    new_parent = forms.CharField(label=_("Code of the new parent organisation"), max_length=32)


class DissolveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.members.services import corrections


class CorrectionForm(forms.Form):
    """The service checks the value for the chosen field; the form only carries it."""

    field = forms.ChoiceField(label=_("Field to correct"), choices=list(corrections.FIELDS.items()))
    value = forms.CharField(
        label=_("Corrected value"), max_length=200, required=False,
        help_text=_("Dates as YYYY-MM-DD. For ethnicity, education, degree and job post, the name in the national "
                    "list (for example 汉族, 大学本科毕业). Leave empty to clear an optional field."))
    reason = forms.CharField(label=_("Why the record is wrong"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why it is rejected"), max_length=200)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("Phone"))])

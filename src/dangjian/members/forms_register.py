"""Forms of the member list and of entering and correcting a record. They only shape the input;
the rules live in the register service, whose errors the views put next to these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.members import codes
from dangjian.members.models import Category, Sex, Standing
from dangjian.members.selectors.register import AGE_BANDS, EDUCATION_LABELS

ANY = [("", _("Any"))]
YES_NO = ANY + [("yes", _("Yes")), ("no", _("No"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(label):
    return [("", label)]


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, pinyin, or last four digits of ID or phone"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search"}))
    org = forms.CharField(label=_("Organisation code (with its sub-organisations)"), required=False, max_length=32)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=ANY + Category.choices)
    standing = forms.ChoiceField(label=_("Standing"), required=False, choices=ANY + Standing.choices)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=ANY + Sex.choices)
    age_band = forms.ChoiceField(label=_("Age"), required=False,
                                 choices=ANY + [(key, label) for key, (label, _y, _o) in AGE_BANDS.items()])
    education = forms.ChoiceField(label=_("Education"), required=False,
                                  choices=ANY + [(label, label) for label in EDUCATION_LABELS])
    join_year = forms.IntegerField(label=_("Year joined"), required=False, min_value=1921, max_value=2100)
    mobile = forms.ChoiceField(label=_("Mobile member"), required=False, choices=YES_NO)
    abroad = forms.ChoiceField(label=_("Abroad"), required=False, choices=YES_NO)
    retired = forms.ChoiceField(label=_("Retired"), required=False, choices=YES_NO)
    lost_contact = forms.ChoiceField(label=_("Lost contact"), required=False, choices=YES_NO)
    registered = forms.ChoiceField(label=_("Registered in a grid"), required=False, choices=YES_NO)
    status = forms.ChoiceField(label=_("Members"), required=False, choices=[
        ("current", _("Current members")), ("left", _("Those who left")), ("all", _("Both"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("name", _("Name")), ("joined_on", _("Date joined, earliest first")),
        ("-joined_on", _("Date joined, latest first")), ("birth_date", _("Birth date, oldest first")),
        ("-birth_date", _("Birth date, youngest first"))])


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("Citizen ID number"), max_length=30,
                                help_text=_("18 characters; a 15-digit old number is converted."))
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=_blank(_("From the ID number")) + Sex.choices)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE,
                                 help_text=_("Leave empty to take it from the ID number."))
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=list(codes.ETHNICITIES.items()), initial="01")
    education = forms.ChoiceField(label=_("Education"), required=False, choices=_blank(_("Not given")) + [
        (code, f"{label} ({statistics})") for code, (label, statistics) in codes.EDUCATIONS.items()])
    degree = forms.ChoiceField(label=_("Degree"), required=False,
                               choices=_blank(_("None")) + list(codes.DEGREES.items()))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    joined_on = forms.DateField(label=_("Date joined"), widget=DATE)
    full_member_on = forms.DateField(label=_("Date made full member"), required=False, widget=DATE,
                                     help_text=_("Empty for a probationary member."))
    job_post = forms.ChoiceField(label=_("Job post"), required=False,
                                 choices=_blank(_("Not given")) + list(codes.JOB_POSTS.items()))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    address = forms.CharField(label=_("Home address"), required=False, max_length=200)
    registered_residence = forms.CharField(label=_("Registered residence"), required=False, max_length=100)
    current_residence = forms.CharField(label=_("Current residence"), required=False, max_length=200)
    party_age_correction_months = forms.IntegerField(label=_("Party age correction (months)"), initial=0,
                                                     required=False)


class MemberEditForm(MemberForm):
    """The ID and phone numbers are never shown in the form: left empty, they stay as they are."""

    remove_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)

    def __init__(self, *args, masked_id: str, masked_phone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = _("Now %(masked)s. Leave empty to keep it.") % {"masked": masked_id}
        self.fields["phone"].help_text = (_("Now %(masked)s. Leave empty to keep it.") % {"masked": masked_phone}
                                          if masked_phone else _("None recorded."))

"""Forms of the recruitment pages. A step's form asks for the facts its rules read
(``rules.facts_asked``) and no others; field names are the services' argument names and the
facts' names, so that a service's error lands next to the field it names."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.recruitment import cases, standard
from dangjian.recruitment.rules import RuleSet, facts_asked


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _count(label, help_text=""):
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=100_000, help_text=help_text)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Any number of files (checked for size and type by the service that keeps them)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [super(DocumentsField, self).clean(item, initial) for item in items if item]


DOCUMENTS_HELP = _("PDF, JPEG, PNG or Word (.docx); several at once if you like.")

# How each fact is asked for. The rules name them (docs/recruitment.md); these are their labels.
FACT_FIELDS = {
    "decided_by": lambda: forms.ChoiceField(label=_("Decided by"), required=False, choices=[
        ("", "—"), (standard.BRANCH_COMMITTEE, _("the branch committee")),
        (standard.GENERAL_MEETING, _("the branch general meeting (no committee)")), ("other", _("someone else"))]),
    "mentors": lambda: _count(_("Mentors named")),
    "mentors_not_full_members": lambda: _count(_("Of them, not full members")),
    "sponsors": lambda: _count(_("Sponsors named")),
    "sponsors_not_full_members": lambda: _count(_("Of them, not full members")),
    "sponsors_under_discipline": lambda: _count(_("Of them, on probation within the Party (留党察看)")),
    "passed": lambda: forms.ChoiceField(label=_("Conclusion of the review"), required=False, choices=[
        ("", "—"), ("yes", _("passed")), ("no", _("not passed"))]),
    "days": lambda: _count(_("Days of training")),
    "hours": lambda: _count(_("Hours of training")),
    "eligible": lambda: _count(_("Members with a vote who should attend"),
                               _("Full members of the branch, less those who may not vote.")),
    "present": lambda: _count(_("Members with a vote present")),
    "yes": lambda: _count(_("Yes votes of those present")),
    "written_yes": lambda: _count(_("Written yes opinions of absent members"),
                                  _("They count toward the vote, not toward the quorum.")),
    "candidates": lambda: _count(_("People voted on at once"), _("Each person is voted on separately: 1.")),
    "leaving_on": lambda: _date(_("The candidate leaves their unit on"), required=False,
                                help_text=_("Only if they leave within three months.")),
    "reason": lambda: forms.CharField(label=_("Reason for the special case"), required=False, max_length=200,
                                      help_text=_("Needed when the approval comes more than three months after "
                                                  "the vote (at most six).")),
    "approver": lambda: forms.ChoiceField(label=_("Approving committee"), required=False, choices=[
        ("", "—"), ("primary_committee", _("a primary committee with the power to approve")),
        (standard.SUB_COMMITTEE, _("a committee under a street or township committee")),
        (standard.TEMPORARY_COMMITTEE, _("a temporary committee"))]),
    "outcome": lambda: forms.ChoiceField(label=_("Outcome"), required=False, choices=[
        ("", "—"), ("confirm", _("confirmed as a full member")), ("extend", _("probation extended")),
        ("cancel", _("probationary membership cancelled"))]),
    "extension_months": lambda: _count(_("Extended by (months)")),
    "notice_start": lambda: _date(_("Public notice from"), required=False),
    "notice_end": lambda: _date(_("Public notice until"), required=False,
                                help_text=_("At least five working days under the 2026 rules.")),
}


class FileOpenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("Citizen ID number"), max_length=30)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    applied_on = _date(_("Application received on"))
    rules_name = forms.ChoiceField(label=_("Rules"), initial="auto",
                                   help_text=_("auto: each step is judged by the rules in force on its date."))

    def __init__(self, *args, rule_sets: tuple[RuleSet, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules_name"].choices = [("auto", _("auto")),
                                             *((rule_set.name, rule_set.name) for rule_set in rule_sets)]


class StepForm(forms.Form):
    """One step of one file: its date, the facts the rules read from it, a note, documents, and,
    for those who may grant one, the reason for an exception."""

    on = _date(_("Date"))

    def __init__(self, *args, rule_sets: tuple[RuleSet, ...], step: str, may_except: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # A step's date decides which set judges it, and the date is not known yet: ask for
        # what any set reads.
        self.fact_names = list(dict.fromkeys(name for rule_set in rule_sets for name in facts_asked(rule_set, step)))
        for name in self.fact_names:
            self.fields[name] = FACT_FIELDS[name]()
        self.fields["note"] = forms.CharField(label=_("Note"), max_length=500, required=False,
                                              widget=forms.Textarea(attrs={"rows": 2}))
        self.fields["documents"] = DocumentsField(label=_("Documents"), required=False, help_text=DOCUMENTS_HELP)
        if may_except:
            self.fields["exception_reason"] = forms.CharField(
                label=_("Reason for an exception"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Only if the step breaks a rule and the rules allow an exception: it is recorded with "
                            "the step and in the audit trail."))

    def facts(self) -> dict:
        """The facts given, in the form the services read (dates as ISO text)."""
        facts = {}
        for name in self.fact_names:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "passed":
                value = value == "yes"
            facts[name] = value
        return cases.stored_facts(facts)


class EndForm(forms.Form):
    on = _date(_("Ended on"), required=False, help_text=_("Leave empty for today."))
    reason = forms.CharField(label=_("Why it ends"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_on(self):
        return self.cleaned_data["on"] or timezone.localdate()


class DocumentsForm(forms.Form):
    documents = DocumentsField(label=_("Documents"), help_text=DOCUMENTS_HELP)


class FileFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False)

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("all")), *stages]


def describe_facts(facts: dict) -> list[tuple[str, str]]:
    """A recorded step's facts as its form labels and shows them, for the file page and the
    printed record; a fact no form asks for keeps its own name."""
    described = []
    for name, value in facts.items():
        if name not in FACT_FIELDS:
            described.append((name, str(value)))
            continue
        field = FACT_FIELDS[name]()
        if name == "passed":
            value = "yes" if value else "no"
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)
        described.append((str(field.label), str(value)))
    return described

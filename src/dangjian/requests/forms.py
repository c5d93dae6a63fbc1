"""Forms of the request pages. They read and shape what was typed; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.forms import apply_errors
from dangjian.orgs.models import Building, Grid
from dangjian.requests import rules
from dangjian.requests.models import Category


class PlaceSearchForm(forms.Form):
    place_text = forms.CharField(label=_("Where is it?"), max_length=50, required=False,
                                 help_text=_("Type part of the community, grid, building or street address."))


def place_value(place) -> str:
    return f"{'b' if isinstance(place, Building) else 'g'}{place.pk}"


def read_place(value: str) -> tuple[Grid | None, Building | None]:
    """The grid and building a place choice names (``g12`` or ``b34``)."""
    kind, number = (value or " ")[:1], (value or "")[1:]
    if not number.isdigit():
        return None, None
    if kind == "b":
        building = Building.objects.select_related("grid__community", "grid__organization").filter(pk=number).first()
        return (building.grid, building) if building else (None, None)
    if kind == "g":
        return Grid.objects.select_related("community", "organization").filter(pk=number).first(), None
    return None, None


class CategoryQuestions:
    """What each category asks for more (its Open311 attributes), on a form with a ``category``
    field: one field per question, named by the category, since without a script the page cannot
    show only the chosen one's. The service checks the chosen category's required answers."""

    def add_questions(self, categories) -> None:
        self.question_fields: dict[int, dict[str, str]] = {}
        for category in categories:
            for attribute in category.attributes:
                name = f"attribute_{category.pk}_{attribute['code']}"
                self.fields[name] = _attribute_field(category, attribute)
                self.question_fields.setdefault(category.pk, {})[attribute["code"]] = name

    def _chosen_questions(self) -> dict[str, str]:
        return self.question_fields.get(getattr(self.cleaned_data.get("category"), "pk", None), {})

    def attribute_values(self) -> dict[str, list[str]]:
        """The answers given for the chosen category's questions, as the service reads them."""
        values = {}
        for code, name in self._chosen_questions().items():
            value = self.cleaned_data.get(name)
            given = value if isinstance(value, list) else [str(value)] if value not in (None, "") else []
            if given:
                values[code] = given
        return values

    def field_named(self, service_field: str) -> str:
        """The field of this form a service's error names: ``attribute[code]`` is the chosen
        category's question."""
        code = service_field[len("attribute["):-1] if service_field.startswith("attribute[") else None
        return self._chosen_questions().get(code, service_field)


class RequestForm(CategoryQuestions, forms.Form):
    """What a resident tells about a problem; the place comes from a list of matches."""

    place = forms.ChoiceField(label=_("Place"), widget=forms.RadioSelect)
    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=Category.objects.none(),
                                      empty_label=None)
    description = forms.CharField(label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=2000)
    address = forms.CharField(label=_("Where exactly"), max_length=200, required=False,
                              help_text=_("e.g. the entrance of building 3, beside the bicycle shed."))
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            help_text=_("Optional. Only the staff handling the request see it, masked."))
    photo = forms.FileField(label=_("Photo"), required=False, help_text=_("Optional: a JPEG or PNG picture."))
    public = forms.BooleanField(label=_("The description may be shown in public (without name or phone)"),
                                required=False)

    def __init__(self, *args, places=(), categories=None, on_behalf=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(place_value(place), place_label(place)) for place in places]
        categories = categories if categories is not None else Category.objects.filter(active=True)
        self.fields["category"].queryset = categories
        self.add_questions(categories)
        if on_behalf:
            self.fields["contact_name"].label = _("Resident's name")
            self.fields["contact_name"].required = True
            self.fields["phone"].label = _("Resident's phone")
            self.fields["public"].label = _("The resident agrees that the description is shown in public")

    def clean_place(self):
        grid, building = read_place(self.cleaned_data["place"])
        if grid is None:
            raise forms.ValidationError(_("Choose the place from the list."))
        self.cleaned_data["building"] = building
        return grid

    def apply_errors(self, error) -> None:
        """The service's errors on the fields: ``attribute[code]`` on the chosen category's question."""
        apply_errors(self, ValidationError({self.field_named(field): messages
                                            for field, messages in error.message_dict.items()}))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"category": data["category"], "grid": data["place"], "building": data.get("building"),
                "attributes": self.attribute_values(),
                "description": data["description"], "address": data["address"],
                "contact_name": data["contact_name"], "phone": data["phone"], "photo": data.get("photo"),
                "public": data["public"]}


def _attribute_field(category: Category, attribute: dict) -> forms.Field:
    label = f"{category.name}: {attribute['description']}"
    choices = [(value["key"], value["name"]) for value in attribute["values"]]
    datatype = attribute["datatype"]
    if datatype == "singlevaluelist":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(label=label, required=False, choices=choices,
                                         widget=forms.CheckboxSelectMultiple)
    if datatype == "number":
        return forms.DecimalField(label=label, required=False)
    if datatype == "text":
        return forms.CharField(label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    return forms.CharField(label=label, required=False, max_length=200,
                           help_text=_("As 2026-01-31T09:30:00+08:00.") if datatype == "datetime" else "")


def place_label(place, *, with_address: bool = True) -> str:
    """Community, grid and building, as a resident recognises the place; the building's street
    address too unless left out."""
    if isinstance(place, Building):
        return f"{place.grid.community.name} · {place.grid.name} · {place.name}" + (
            f" ({place.address})" if place.address and with_address else "")
    return f"{place.community.name} · {place.name}"


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=30,
                           help_text=_("The code you were given when the request was filed, e.g. K7M2-9QXP-4HAB."))

    def clean_code(self):
        code = rules.normalise_tracking_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A tracking code has 12 letters and digits."))
        return code


class ResidentAnswerForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(action, action) for action in (rules.Action.CONFIRM, rules.Action.REOPEN,
                                                                         rules.Action.WITHDRAW)],
                               widget=forms.HiddenInput)
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
        choices=[(5, _("Very satisfied")), (4, _("Satisfied")), (3, _("Neither")), (2, _("Dissatisfied")),
                 (1, _("Very dissatisfied"))])
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                              required=False)


class ChangeForm(forms.Form):
    """One staff action on a request; the action's own fields are read only when it needs them."""

    action = forms.ChoiceField(label=_("Action"), choices=rules.Action.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(label=_("Version of the request"), widget=forms.HiddenInput)
    public_note = forms.CharField(label=_("Reply to the resident"), widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=1000, required=False)
    internal_note = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}),
                                    max_length=1000, required=False)
    organization = forms.CharField(label=_("Assign to organisation (code)"), max_length=32, required=False)
    member = forms.IntegerField(label=_("Assign to member (number)"), required=False, min_value=1)
    team = forms.IntegerField(label=_("Assign to service team"), required=False, min_value=1)
    original = forms.IntegerField(label=_("Number of the request it repeats"), required=False, min_value=1)
    referred_to = forms.CharField(label=_("Referred to"), max_length=200, required=False)
    public = forms.BooleanField(label=_("The description may be shown in public"), required=False)


class ListFilterForm(forms.Form):
    LISTS = [("overdue", _("Overdue")), ("due_soon", _("Due soon")), ("unassigned", _("Unassigned")),
             ("escalated", _("Risen to this level")), ("all", _("All"))]

    list = forms.ChoiceField(label=_("List"), choices=LISTS, required=False)

    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any")), *rules.State.choices], required=False)
    category = forms.ModelChoiceField(label=pgettext_lazy("request", "Category"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("Any"))

"""The configuration of requests: categories with their time limits and Open311 attributes, and
reply templates, for those whose scope covers a root (categories are the deployment's); and the
Open311 clients' keys, for system administrators. Like every page at a fixed address, these do
not exist (404) for anyone else."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dangjian.accounts.roles import Permission
from dangjian.core.forms import apply_errors
from dangjian.core.scope import has_permission
from dangjian.requests import rules, selectors, services
from dangjian.requests.models import Category, Open311Key, ReplyTemplate

ATTRIBUTES_HELP = gettext_lazy(
    'Open311 attributes, as a JSON list; empty when the category asks nothing more. Each attribute: '
    '{"code": "floor", "datatype": "string", "required": true, "description": "Which floor?"}; a datatype of '
    'singlevaluelist or multivaluelist also needs "values": [{"key": "1", "name": "…"}].')


class CategoryForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=32,
                           help_text=gettext_lazy("The Open311 service_code: letters, digits, hyphens."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)
    group = forms.CharField(label=gettext_lazy("Group"), max_length=100, required=False)
    keywords = forms.CharField(label=gettext_lazy("Keywords"), max_length=200, required=False,
                               help_text=gettext_lazy("Separated by commas."))
    time_limit_days = forms.IntegerField(label=gettext_lazy("Time limit (working days)"), min_value=1, max_value=365)
    active = forms.BooleanField(label=gettext_lazy("Open for new requests"), required=False, initial=True)
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=32767, initial=0)
    attributes = forms.CharField(label=gettext_lazy("Attributes"), required=False, help_text=ATTRIBUTES_HELP,
                                 widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))

    def clean_attributes(self):
        text = self.cleaned_data["attributes"].strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(_("Not JSON (line %(line)s, column %(column)s): %(error)s") % {
                "line": error.lineno, "column": error.colno, "error": error.msg}) from None


class TemplateForm(forms.Form):
    category = forms.ModelChoiceField(label=pgettext_lazy("request", "Category"), queryset=Category.objects.all(),
                                      required=False, empty_label=gettext_lazy("All categories"))
    action = forms.ChoiceField(label=gettext_lazy("For the action"), choices=rules.Action.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    text = forms.CharField(label=gettext_lazy("Text"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}))


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Client"), max_length=100,
                           help_text=gettext_lazy("Who will use the key, e.g. the city's 12345 hotline app."))


def _require_configure(user) -> None:
    if not selectors.may_configure(user):
        raise Http404


def _require_keys(user) -> None:
    if not has_permission(user, Permission.MANAGE_ACCOUNTS):
        raise Http404


def _form_page(request, form, *, title: str, back: str, danger: bool = False, status: int = 200):
    return render(request, "requests/config_form.html", {"form": form, "title": title, "back": back,
                                                          "danger": danger}, status=status)


def _invalid(request, form, **page):
    return _form_page(request, form, status=422 if form.is_bound and form.errors else 200, **page)


# --- categories and reply templates -----------------------------------------------------------------

@login_required
@require_GET
def overview(request):
    _require_configure(request.user)
    return render(request, "requests/config_home.html", {
        "categories": selectors.categories(active_only=False),
        "templates": ReplyTemplate.objects.select_related("category").order_by("category__order", "action", "title"),
    })


def _saving(request, form, save, saved, title: str):
    """A configuration form: on a valid POST the service ``save`` keeps it (its refusals go on the
    form's fields) and the overview says ``saved(what was kept)``; else the form again."""
    if request.method == "POST" and form.is_valid():
        try:
            kept = save(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, saved(kept))
            return redirect("requests:config")
    return _invalid(request, form, title=title, back=reverse("requests:config"))


def _category_page(request, category: Category | None):
    initial = None
    if category is not None:
        initial = {field: getattr(category, field) for field in CategoryForm.base_fields if field != "attributes"}
        initial["attributes"] = json.dumps(category.attributes, ensure_ascii=False, indent=2) if category.attributes \
            else ""
    form = CategoryForm(request.POST or None, initial=initial)
    title = _("New category") if category is None else _("Category %(name)s") % {"name": category.name}
    return _saving(request, form, lambda **data: services.category_save(actor=request.user, category=category, **data),
                   lambda kept: _("Saved the category %(name)s.") % {"name": kept.name}, title)


@login_required
def category_new(request):
    _require_configure(request.user)
    return _category_page(request, None)


@login_required
def category_edit(request, pk):
    _require_configure(request.user)
    return _category_page(request, get_object_or_404(Category, pk=pk))


def _template_page(request, template: ReplyTemplate | None):
    initial = None if template is None else {"category": template.category, "action": template.action,
                                             "title": template.title, "text": template.text}
    form = TemplateForm(request.POST or None, initial=initial)
    title = _("New reply template") if template is None else _("Reply template %(title)s") % {"title": template.title}
    return _saving(request, form,
                   lambda **data: services.reply_template_save(actor=request.user, template=template, **data),
                   lambda kept: _("Saved the reply template %(title)s.") % {"title": kept.title}, title)


@login_required
def template_new(request):
    _require_configure(request.user)
    return _template_page(request, None)


@login_required
def template_edit(request, pk):
    _require_configure(request.user)
    return _template_page(request, get_object_or_404(ReplyTemplate, pk=pk))


@login_required
def template_delete(request, pk):
    _require_configure(request.user)
    template = get_object_or_404(ReplyTemplate, pk=pk)
    if request.method == "POST":
        services.reply_template_delete(actor=request.user, template=template)
        messages.success(request, _("Deleted the reply template %(title)s.") % {"title": template.title})
        return redirect("requests:config")
    return _form_page(request, forms.Form(), danger=True, back=reverse("requests:config"),
                      title=_("Delete the reply template %(title)s?") % {"title": template.title})


# --- Open311 keys -----------------------------------------------------------------------------------------

@login_required
@require_GET
def keys(request):
    _require_keys(request.user)
    return render(request, "requests/config_keys.html", {"keys": selectors.open311_keys()})


@login_required
def key_issue(request):
    _require_keys(request.user)
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.open311_key_issue(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # Shown in this response only: the key is kept as its hash and cannot be shown again.
            return render(request, "requests/config_key_issued.html", {"key": key, "secret": secret})
    return _invalid(request, form, title=_("New Open311 key"), back=reverse("requests:open311_keys"))


@login_required
@require_POST
def key_revoke(request, pk):
    _require_keys(request.user)
    key = services.open311_key_revoke(actor=request.user, key=get_object_or_404(Open311Key, pk=pk))
    messages.success(request, _("Revoked the key of %(name)s.") % {"name": key.name})
    return redirect("requests:open311_keys")


urlpatterns = [
    path("config/", overview, name="config"),
    path("config/categories/new/", category_new, name="config_category_new"),
    path("config/categories/<int:pk>/", category_edit, name="config_category"),
    path("config/templates/new/", template_new, name="config_template_new"),
    path("config/templates/<int:pk>/", template_edit, name="config_template"),
    path("config/templates/<int:pk>/delete/", template_delete, name="config_template_delete"),
    path("open311-keys/", keys, name="open311_keys"),
    path("open311-keys/new/", key_issue, name="open311_key_new"),
    path("open311-keys/<int:pk>/revoke/", key_revoke, name="open311_key_revoke"),
]

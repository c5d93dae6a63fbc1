from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import Role
from dangjian.accounts.selectors import Status


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is wrong. After %(limit)s failures in a row the account is locked."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params={"limit": settings.AXES_FAILURE_LIMIT}
        )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("New password"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=password_validation.password_validators_help_text_html())
    new_password2 = forms.CharField(label=_("New password again"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError(_("The current password is wrong."))
        return old

    def clean(self):
        cleaned = super().clean()
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two new passwords differ."))
        elif new1:
            try:
                password_validation.validate_password(new1, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Six-digit code"), max_length=16,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Username or name"), required=False, max_length=150)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Any")), (Status.ACTIVE, _("Active")), (Status.DISABLED, _("Disabled")), (Status.LOCKED, _("Locked")),
    ])
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any"))] + Role.choices)


class AccountCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters, digits, dots, hyphens or underscores."))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    organization = forms.CharField(label=_("Organisation code"), max_length=32,
                                   help_text=_("The organisation the account belongs to."))


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organization = forms.CharField(label=_("Organisation code"), max_length=32,
                                   help_text=_("The role reaches this organisation and everything under it."))


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(label=_("Active"), choices=[("1", _("Enable")), ("0", _("Disable"))],
                                    coerce=lambda value: value == "1")

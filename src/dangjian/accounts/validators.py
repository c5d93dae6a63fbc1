"""Password validators for the policy profiles (accounts/policy.py)."""

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CHARACTER_CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


def character_classes(password: str) -> int:
    return sum(1 for _name, test in CHARACTER_CLASSES if any(test(c) for c in password))


class CharacterClassValidator:
    """At least ``required_classes`` of: lower-case, upper-case, digits, symbols (等保 complexity)."""

    def __init__(self, required_classes: int = 3):
        self.required_classes = required_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.required_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _("The password must mix at least %(n)s of: lower-case letters, capitals, digits, symbols.") % {
            "n": self.required_classes
        }


class MaximumLengthValidator:
    """A ceiling that still allows long passphrases (ASVS 6.2.9 asks for at least 64)."""

    max_length = 128

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("The password may have at most %(n)s characters.") % {"n": self.max_length}, code="password_too_long"
            )

    def get_help_text(self):
        return _("At most %(n)s characters.") % {"n": self.max_length}


class PasswordHistoryValidator:
    """The new password may not be one of the last ``history`` passwords of the account."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        newest_first = user.password_history.order_by("-created_at", "-pk")
        previous = list(newest_first.values_list("password", flat=True)[: self.history])
        if user.password:
            previous.append(user.password)
        if any(check_password(password, encoded) for encoded in previous):
            raise ValidationError(
                ngettext(
                    "The password must differ from your last password.",
                    "The password must differ from your last %(n)s passwords.",
                    self.history,
                ) % {"n": self.history},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            from dangjian.accounts.models import PasswordHistory

            PasswordHistory.objects.create(user=user, password=user.password)
            stale = user.password_history.order_by("-created_at", "-pk").values_list("pk", flat=True)[self.history:]
            PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("It may not repeat one of your last %(n)s passwords.") % {"n": self.history}

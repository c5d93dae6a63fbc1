"""The two password and session policy profiles (ENGINEERING.md 5.4).

``djb3`` follows 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.1): complexity, periodic change,
lockout and idle timeout. ``asvs`` follows OWASP ASVS 5.0: long passwords, a common-password
check, no composition rules and no forced rotation, with a second factor for every staff role.
This module is imported by the settings, so it must not import Django models.
"""

from dataclasses import dataclass

MANAGER_ROLES = ("org_admin", "system_admin", "security_admin", "auditor")
STAFF_ROLES = MANAGER_ROLES + ("secretary", "clerk", "viewer")


@dataclass(frozen=True)
class PolicyProfile:
    name: str
    min_length: int
    character_classes: int
    max_age_days: int | None
    history: int
    lockout_failures: int
    lockout_minutes: int
    idle_minutes: int
    absolute_hours: int
    otp_required_roles: tuple[str, ...]

    def validators(self) -> list[dict]:
        validators = [
            {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
            {
                "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                "OPTIONS": {"min_length": self.min_length},
            },
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
            {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
            {"NAME": "dangjian.accounts.validators.MaximumLengthValidator"},
        ]
        if self.character_classes:
            validators.append(
                {
                    "NAME": "dangjian.accounts.validators.CharacterClassValidator",
                    "OPTIONS": {"required_classes": self.character_classes},
                }
            )
        if self.history:
            validators.append(
                {"NAME": "dangjian.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"history": self.history}}
            )
        return validators


PROFILES = {
    "djb3": PolicyProfile(
        name="djb3",
        min_length=8,
        character_classes=3,
        max_age_days=90,
        history=5,
        lockout_failures=5,
        lockout_minutes=30,
        idle_minutes=30,
        absolute_hours=12,
        otp_required_roles=MANAGER_ROLES,
    ),
    "asvs": PolicyProfile(
        name="asvs",
        min_length=12,
        character_classes=0,
        max_age_days=None,
        history=0,
        lockout_failures=10,
        lockout_minutes=15,
        idle_minutes=30,
        absolute_hours=12,
        otp_required_roles=STAFF_ROLES,
    ),
}

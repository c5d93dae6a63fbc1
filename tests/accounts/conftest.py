from datetime import timedelta

import pytest

from dangjian.accounts.policy import PROFILES


@pytest.fixture
def use_profile(settings):
    """Switch every setting that settings.py derives from the password policy profile."""

    def use(name: str):
        profile = PROFILES[name]
        settings.PASSWORD_POLICY = name
        settings.POLICY = profile
        settings.AUTH_PASSWORD_VALIDATORS = profile.validators()
        settings.AXES_FAILURE_LIMIT = profile.lockout_failures
        settings.AXES_COOLOFF_TIME = timedelta(minutes=profile.lockout_minutes)
        settings.SESSION_COOKIE_AGE = profile.idle_minutes * 60
        settings.SESSION_ABSOLUTE_HOURS = profile.absolute_hours
        settings.OTP_REQUIRED_ROLES = list(profile.otp_required_roles)
        return profile

    return use


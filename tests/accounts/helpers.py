import time

from django_otp.oath import TOTP

from tests import factories

LOGIN_URL = "/accounts/login/"


def sign_in(client, user, password=factories.PASSWORD, **extra):
    """Sign in through the login form, as a person does (axes and the login signals run)."""
    return client.post(LOGIN_URL, {"username": user.username, "password": password}, **extra)


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``device`` now, or ``steps_ahead`` steps later."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"

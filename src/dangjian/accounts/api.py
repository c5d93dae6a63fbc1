from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django_otp import match_token
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field

from dangjian.accounts import services


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        user = services.token_user(token)
        if user is not None:
            request.user = user
        return user


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(default=None, max_length=16, description="Required for roles with a second factor.")


class TokenOut(Schema):
    token: str
    expires_at: str


class ApiError(Schema):
    code: str
    message: str


router = Router(tags=["auth"])


@router.post("/token", auth=None, response={200: TokenOut, 401: ApiError, 403: ApiError, 429: ApiError},
             summary="Exchange a username and password (and code) for a bearer token")
def token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # Answered here as JSON; left set, axes' middleware would swap in its HTML lockout page.
            request.axes_locked_out = False
            raise HttpError(429, _("Too many failed attempts: the account is locked for a while."))
        raise HttpError(401, _("The username or password is wrong."))
    if services.otp_required(user):
        if not user.totpdevice_set.filter(confirmed=True).exists():
            raise HttpError(403, _("Set up your authenticator in the web pages before using the API."))
        if not payload.otp or match_token(user, "".join(payload.otp.split())) is None:
            raise HttpError(401, _("A valid six-digit code (otp) is required for your role."))
    if services.password_expired(user):
        raise HttpError(403, _("Your password must be changed in the web pages first."))
    issued, key = services.token_issue(user=user)
    return {"token": key, "expires_at": issued.expires_at.isoformat()}

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts import selectors, services
from dangjian.accounts.forms import (
    AccountCreateForm,
    AccountFilterForm,
    ActiveForm,
    LoginForm,
    PasswordChangeForm,
    RoleGrantForm,
    TokenForm,
)
from dangjian.accounts.roles import Permission
from dangjian.core import audit
from dangjian.core.models import AuditAction
from dangjian.core.scope import has_permission
from dangjian.orgs import selectors as org_selectors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def lockout_response(request, credentials, *args, **kwargs):
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    forced = services.password_expired(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: show the key as a QR code, confirm with one code."""
    if request.user.totpdevice_set.filter(confirmed=True).exists() and not request.user.is_verified():
        return redirect("accounts:otp_verify")
    device = request.user.totpdevice_set.filter(confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(AuditAction.OTP_ENROL, actor=request.user, obj=request.user, org_path=request.user.org_path)
            messages.success(request, _("Your authenticator is set up. You will be asked for a code at each sign-in."))
            return redirect("home")
        form.add_error("token", _("That code is not right. Check the time on your phone and try the next code."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/otp_setup.html", {"form": form, "qr": _qr_svg(device.config_url), "secret": secret})


@login_required
def otp_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect("home")
        audit.record(AuditAction.OTP_FAILED, actor=request.user, obj=request.user, success=False,
                     org_path=request.user.org_path)
        form.add_error("token", _("That code is not right."))
    return render(request, "accounts/otp_verify.html", {"form": form})


# --- Account administration (三权分立) -------------------------------------------------------------
# An account outside the administrator's scope is a 404; inside it, an action the administrator's
# role does not hold is a 403, raised by the service (or here, before a form is shown).


def _organization_in_scope(request, form, permission):
    """The organisation whose code the form names, if the actor holds ``permission`` over it."""
    try:
        return org_selectors.organization_for(request.user, form.cleaned_data["organization"].strip(), permission)
    except Http404:
        form.add_error("organization", _("No organisation with this code where you may do this."))
        return None


@login_required
@require_GET
def user_list(request):
    if selectors.admin_scope(request.user).is_empty:
        raise Http404
    form = AccountFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.accounts(request.user, text=filters.get("q", ""), status=filters.get("status", ""),
                               role=filters.get("role", ""))
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    locked = selectors.locked_usernames(account.username for account in page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/user_list.html", {
        "form": form, "page": page, "locked": locked, "query": query.urlencode(),
        "can_create": has_permission(request.user, Permission.MANAGE_ACCOUNTS),
    })


@login_required
def user_create(request):
    # Like every page at a fixed address, the form does not exist for those who cannot use it.
    if not has_permission(request.user, Permission.MANAGE_ACCOUNTS):
        raise Http404
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = _organization_in_scope(request, form, Permission.MANAGE_ACCOUNTS)
        if organization is not None:
            try:
                account, password = services.account_create(
                    actor=request.user, username=form.cleaned_data["username"],
                    full_name=form.cleaned_data["full_name"], organization=organization,
                )
            except ValidationError as error:
                # The service names its fields as this form does.
                form.add_error(None, error)
            else:
                # Shown in this response only: the password is stored nowhere in clear, so a
                # reload or a later visit cannot show it again.
                return render(request, "accounts/user_created.html", {"account": account, "password": password})
    return render(request, "accounts/user_form.html", {"form": form})


def _detail(request, account, grant_form=None):
    actor = request.user
    can_grant = has_permission(actor, Permission.GRANT_ROLES, account.org_path) and actor.pk != account.pk
    return render(request, "accounts/user_detail.html", {
        "account": account,
        "assignments": [
            (assignment, has_permission(actor, Permission.GRANT_ROLES, assignment.organization.path))
            for assignment in account.assignments.all()
        ],
        "locked": selectors.is_locked(account),
        "can_manage": has_permission(actor, Permission.MANAGE_ACCOUNTS, account.org_path) and actor.pk != account.pk,
        "can_grant": can_grant,
        "can_unlock": has_permission(actor, Permission.GRANT_ROLES, account.org_path),
        "grant_form": grant_form or (RoleGrantForm() if can_grant else None),
    })


@login_required
@require_GET
def user_detail(request, pk):
    return _detail(request, selectors.account_for(request.user, pk))


@login_required
@require_POST
def user_set_active(request, pk):
    account = selectors.account_for(request.user, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to enable or disable the account."))
        return redirect("accounts:user_detail", pk=account.pk)
    try:
        services.account_set_active(actor=request.user, user=account, active=form.cleaned_data["active"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done = _("%(name)s is enabled.") if account.is_active else _("%(name)s is disabled.")
        messages.success(request, done % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def role_grant(request, pk):
    account = selectors.account_for(request.user, pk)
    if not has_permission(request.user, Permission.GRANT_ROLES, account.org_path):
        raise PermissionDenied
    form = RoleGrantForm(request.POST)
    if form.is_valid():
        organization = _organization_in_scope(request, form, Permission.GRANT_ROLES)
        if organization is not None:
            try:
                services.role_grant(actor=request.user, user=account, role=form.cleaned_data["role"],
                                    organization=organization)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The role has been granted."))
                return redirect("accounts:user_detail", pk=account.pk)
    return _detail(request, account, grant_form=form)


@login_required
@require_POST
def role_revoke(request, pk, assignment_pk):
    account = selectors.account_for(request.user, pk)
    assignment = get_object_or_404(account.assignments.select_related("organization"), pk=assignment_pk)
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("The role has been revoked."))
    return redirect("accounts:user_detail", pk=account.pk)


@login_required
@require_POST
def user_unlock(request, pk):
    account = selectors.account_for(request.user, pk)
    services.account_unlock(actor=request.user, user=account)
    messages.success(request, _("%(name)s can sign in again.") % {"name": account.username})
    return redirect("accounts:user_detail", pk=account.pk)

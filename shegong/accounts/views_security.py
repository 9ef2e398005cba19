"""The second factor's pages (verify, enrol, recovery codes) and an administrator's resets
of a user's password and second factor."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.core.exceptions import DomainError
from shegong.core.permissions import need_capability
from shegong.core.scoping import get_visible_or_404

from . import second_factor, services
from .forms import CodeForm, PasswordResetForm, RecoveryCodeForm
from .http import AuthedHttpRequest
from .middleware import pending_step, safe_next
from .models import User
from .roles import Cap


def _after_step(request: AuthedHttpRequest) -> HttpResponse:
    """On to the next step still owed, or to where the user was going."""
    target = safe_next(request, reverse("core:home"))
    step = pending_step(request, request.user)
    if step is not None:
        return redirect(f"{reverse(step)}?{urlencode({'next': target})}")
    return redirect(target)


def _verified(request: AuthedHttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check()) if callable(check) else False


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthedHttpRequest) -> HttpResponse:
    if second_factor.confirmed_device(request.user) is None:
        return redirect(f"{reverse('accounts:otp-enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST if "code" in request.POST else None)
    recovery = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    device: TOTPDevice | None = None
    if request.method == "POST":
        try:
            if recovery.is_bound and recovery.is_valid():
                device = second_factor.use_recovery_code(
                    actor=request.user, code=recovery.cleaned_data["recovery_code"]
                )
                left = second_factor.recovery_codes_left(request.user)
                messages.warning(request, f"已使用一个恢复码，还剩 {left} 个")
            elif form.is_bound and form.is_valid():
                device = second_factor.verify(actor=request.user, token=form.cleaned_data["code"])
        except DomainError as exc:
            (recovery if recovery.is_bound else form).add_error(None, exc.message)
        if device is not None:
            otp_login(request, device)
            return _after_step(request)
    return render(
        request,
        "accounts/otp_verify.html",
        {
            "form": form,
            "recovery": recovery,
            "next": safe_next(request, ""),
            "breadcrumbs": [("双因素认证", None)],
        },
        status=422 if (form.errors or recovery.errors) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    current = second_factor.confirmed_device(user)
    context: dict[str, object] = {
        "next": safe_next(request, ""),
        "breadcrumbs": [("双因素认证", None)],
        "required": second_factor.requires_second_factor(user),
    }
    if current is not None:
        if not _verified(request):
            return redirect(f"{reverse('accounts:otp-verify')}?{request.GET.urlencode()}")
        context.update(device=current, codes_left=second_factor.recovery_codes_left(user))
        return render(request, "accounts/otp_status.html", context)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_enrolment(actor=user, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            device = second_factor.confirmed_device(user)
            otp_login(request, device)
            target = safe_next(request, reverse("core:home"))
            context.update(codes=codes, continue_url=target)
            return render(request, "accounts/otp_recovery_codes.html", context)
    device = second_factor.pending_device(actor=user)
    context.update(
        form=form,
        qr_svg=second_factor.qr_svg(device),
        secret=second_factor.secret_text(device),
    )
    return render(request, "accounts/otp_enrol.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def otp_recovery_codes(request: AuthedHttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); shown once."""
    if not _verified(request):
        raise PermissionDenied("请先完成双因素认证")
    try:
        codes = second_factor.regenerate_recovery_codes(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:otp-enrol")
    return render(
        request,
        "accounts/otp_recovery_codes.html",
        {
            "codes": codes,
            "continue_url": reverse("accounts:otp-enrol"),
            "breadcrumbs": [("双因素认证", reverse("accounts:otp-enrol")), ("恢复码", None)],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_password_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ACCOUNTS_MANAGE)
    subject = get_visible_or_404(User, request.user, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                actor=request.user,
                user_id=subject.pk,
                new_password=form.cleaned_data["new_password"],
            )
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", None) or str(exc))
        else:
            messages.success(request, f"已重置 {subject.username} 的密码，对方下次登录时须修改密码")
            return redirect("accounts:user-detail", pk=subject.pk)
    return render(
        request,
        "accounts/user_password_reset.html",
        {
            "form": form,
            "subject": subject,
            "breadcrumbs": [
                ("用户管理", reverse("accounts:user-list")),
                (subject.username, reverse("accounts:user-detail", args=[subject.pk])),
                ("重置密码", None),
            ],
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def user_second_factor_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ACCOUNTS_MANAGE)
    subject = get_visible_or_404(User, request.user, pk=pk)
    try:
        second_factor.reset_second_factor(actor=request.user, user_id=subject.pk)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, "已重置双因素认证，对方下次登录时须重新绑定验证器")
    return redirect("accounts:user-detail", pk=subject.pk)

"""Login (with lockout), the user's own settings, user management, API tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region
from shegong.units.models import Unit

from . import second_factor, services, throttle
from .filters import UserFilterSet
from .forms import LoginForm, PasswordChangeForm, TokenForm, UserCreateForm, UserEditForm
from .http import AuthedHttpRequest, HtmxHttpRequest
from .middleware import FORM_LOGIN, MUST_CHANGE, pending_step, safe_next
from .models import ApiToken, User
from .roles import Cap

# One answer for every failure — wrong name, wrong password, disabled account, throttled —
# with one status, so the page never says which usernames exist.
LOGIN_FAILED = "用户名或密码不正确，或尝试次数过多，请稍后再试。"


@require_http_methods(["GET", "POST"])
def login_view(request: HtmxHttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        address = throttle.client_address(request)
        if services.login_refused(username=username, address=address):
            error = LOGIN_FAILED  # the password is not even checked
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if not isinstance(user, User):  # None: wrong name or password
                services.record_login_failure(username=username, address=address)
                error = LOGIN_FAILED
            else:
                services.record_login_success(user=user, address=address)
                login(request, user)
                request.session[FORM_LOGIN] = True
                if services.password_expired(user):
                    request.session[MUST_CHANGE] = True
                if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    next_url = ""
                target = next_url or reverse("core:home")
                step = pending_step(request, user)
                if step is not None:
                    return redirect(f"{reverse(step)}?{urlencode({'next': target})}")
                return redirect(target)
    lock = settings.SHEGONG_LOGIN_LOCK_SECONDS
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": error,
            "next": next_url,
            "max_failures": settings.SHEGONG_LOGIN_MAX_FAILURES,
            "lock_label": throttle.duration_label(lock),
        },
        status=401 if error else 200,
    )


@require_POST
def logout_view(request: HtmxHttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "已安全退出")
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            user = request.user
            user.refresh_from_db()
            # Keep this session (and its verified second factor) valid after the hash changed.
            update_session_auth_hash(request, user)
            request.session.pop(MUST_CHANGE, None)
            messages.success(request, "密码已修改")
            return redirect(safe_next(request, reverse("core:home")))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "forced": bool(request.session.get(MUST_CHANGE)),
            "next": safe_next(request, ""),
            "breadcrumbs": [("修改密码", None)],
        },
    )


@capability_required(Cap.ACCOUNTS_VIEW)
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = UserFilterSet(
        request.GET, queryset=User.objects.visible_to(request.user).select_related("region", "unit")
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_manage": has_capability(request.user, Cap.ACCOUNTS_MANAGE),
        "breadcrumbs": [("用户管理", None)],
    }
    if request.htmx:
        return render(request, "accounts/partials/_user_table.html", context)
    return render(request, "accounts/user_list.html", context)


@capability_required(Cap.ACCOUNTS_VIEW)
def user_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    subject = get_visible_or_404(User, request.user, pk=pk)
    can_manage = has_capability(request.user, Cap.ACCOUNTS_MANAGE)
    form = UserEditForm(
        initial={
            "full_name": subject.full_name,
            "role": subject.role,
            "region_code": subject.region.code if subject.region is not None else "",
            "unit_code": subject.unit.code if subject.unit is not None else "",
            "is_active": subject.is_active,
        }
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "form": form,
            "can_manage": can_manage,
            "throttled": throttle.account_throttled(username=subject.username),
            "has_second_factor": second_factor.confirmed_device(subject) is not None,
            "needs_second_factor": second_factor.requires_second_factor(subject),
            "breadcrumbs": [("用户管理", reverse("accounts:user-list")), (subject.username, None)],
        },
    )


def _codes_to_ids(request: AuthedHttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    region_code = data.pop("region_code", "")
    unit_code = data.pop("unit_code", "")
    data["region_id"] = data["unit_id"] = None
    if region_code:
        region = Region.objects.visible_to(request.user).filter(code=region_code).first()
        if region is None:
            raise DomainError(f"区划代码 {region_code} 不存在或超出您的管辖范围")
        data["region_id"] = region.pk
    if unit_code:
        unit = Unit.objects.visible_to(request.user).filter(code=unit_code).first()
        if unit is None:
            raise DomainError(f"单位编码 {unit_code} 不存在或超出您的管辖范围")
        data["unit_id"] = unit.pk
    return data


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.ACCOUNTS_MANAGE)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = _codes_to_ids(request, dict(form.cleaned_data))
            user = services.create_user(actor=request.user, **data)
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", None) or str(exc))
        else:
            messages.success(
                request, f"已创建用户 {user.username}，其首次登录时须修改管理员设定的初始密码"
            )
            return redirect("accounts:user-detail", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "breadcrumbs": [("用户管理", reverse("accounts:user-list")), ("新建用户", None)],
        },
    )


@login_required
@require_POST
def user_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ACCOUNTS_MANAGE)
    subject = get_visible_or_404(User, request.user, pk=pk)
    form = UserEditForm(request.POST)
    if form.is_valid():
        try:
            data = _codes_to_ids(request, dict(form.cleaned_data))
            services.update_user(
                actor=request.user,
                user_id=subject.pk,
                clear_region=data["region_id"] is None,
                clear_unit=data["unit_id"] is None,
                **data,
            )
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", None) or str(exc))
        else:
            messages.success(request, "已保存")
    else:
        messages.error(request, "请检查填写的内容")
    return redirect("accounts:user-detail", pk=subject.pk)


@login_required
@require_POST
def user_unlock(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ACCOUNTS_MANAGE)
    subject = get_visible_or_404(User, request.user, pk=pk)
    services.unlock_user(actor=request.user, user_id=subject.pk)
    messages.success(request, "已解除锁定")
    return redirect("accounts:user-detail", pk=subject.pk)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.create_api_token(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "now": timezone.now(),
            "breadcrumbs": [("API 令牌", None)],
        },
    )


@login_required
@require_POST
def token_revoke(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        services.revoke_api_token(actor=request.user, token_id=pk)
    except DomainError as exc:
        if exc.code == "not_found":  # another person's token: out of scope
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, "令牌已吊销")
    return redirect("accounts:token-list")

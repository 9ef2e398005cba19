"""Staff pages of service orders: list, new need, conversion from an appeal, the order
page (suggestions with reasons, assignment, check-in QR, confirmation, reply, close)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.tree import subtree_q
from shegong.lib.text import parse_id
from shegong.regions.models import Region

from .. import services
from ..choices import OPEN_ORDER_STATES, OrderStatus
from ..forms import CheckoutForm, NeedFields, NeedForm, PhotoForm
from ..models import OrderPhoto, ServiceOrder
from ..services.contact import may_reveal_contact, may_see_resident, reveal_contact
from ..services.needs import CANCEL_REASON_MAX, communities_for

UNMET = [OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE]


def _date(value: str | None) -> datetime.date | None:
    """A typed date, or None when it is not one or lies outside 1900–2999 (the calendar's
    ends overflow as a period's bounds)."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None


def filtered(request: AuthedHttpRequest) -> QuerySet[ServiceOrder]:
    qs = ServiceOrder.objects.visible_to(request.user).select_related("community")
    get = request.GET
    status = get.get("status", "")
    if status == "unmet":
        qs = qs.filter(status__in=UNMET)
    elif status in OrderStatus.values:
        qs = qs.filter(status=status)
    if kind := get.get("kind"):
        qs = qs.filter(kind=kind)
    community = parse_id(get.get("community", ""))
    if community is not None:
        qs = qs.filter(community_id=community)
    region = parse_id(get.get("region", ""))
    if region is not None:
        node = Region.objects.visible_to(request.user).filter(pk=region).first()
        qs = qs.filter(subtree_q(node.path, "community__path")) if node else qs.none()
    if get.get("matched") == "1":
        qs = qs.filter(first_claimed_at__isnull=False)
    tz = timezone.get_current_timezone()
    if start := _date(get.get("start")):
        qs = qs.filter(created_at__gte=datetime.datetime.combine(start, datetime.time.min, tz))
    if end := _date(get.get("end")):
        after = end + datetime.timedelta(days=1)
        qs = qs.filter(created_at__lt=datetime.datetime.combine(after, datetime.time.min, tz))
    return qs.order_by("-created_at", "-pk")


@capability_required(Cap.SERVING_VIEW)
def order_list(request: AuthedHttpRequest) -> HttpResponse:
    page = paginate_capped(request, filtered(request), 30)
    return render(
        request,
        "serving/order_list.html",
        {
            "page": page,
            "statuses": OrderStatus.choices,
            "can_manage": has_capability(request.user, Cap.SERVING_MANAGE),
            "breadcrumbs": [("服务订单", None)],
        },
    )


@capability_required(Cap.SERVING_MANAGE)
@require_http_methods(["GET", "POST"])
def order_new(request: AuthedHttpRequest) -> HttpResponse:
    communities = Region.objects.visible_to(request.user)
    form = NeedForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.create_need(
                actor=request.user,
                data=services.NeedData(**form.need_values()),
                kind=form.cleaned_data["kind"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记服务需求 {order.number}")
            return redirect("serving:order", pk=order.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "serving/order_form.html",
        {
            "form": form,
            "page_title": "登记社区需求",
            "breadcrumbs": [("服务订单", reverse("serving:orders")), ("登记社区需求", None)],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def convert(request: AuthedHttpRequest, appeal_pk: int) -> HttpResponse:
    need_capability(request, Cap.SERVING_CONVERT)
    need_capability(request, Cap.APPEALS_VIEW)
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_pk)
    lead = appeal.work_orders.filter(role="lead", status__in=["pending", "signed"]).first()
    communities = communities_for(appeal)
    initial: dict[str, object] = {"title": appeal.title[:120]}
    if appeal.region.level == 4:
        initial["community"] = appeal.region.pk
    if lead is not None and lead.due_at:
        initial["due_at"] = timezone.localtime(lead.due_at).strftime("%Y-%m-%dT%H:%M")
    form = NeedFields(request.POST or None, communities=communities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.convert_appeal(
                actor=request.user,
                appeal_id=appeal.pk,
                data=services.NeedData(**form.need_values()),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已转为服务订单 {order.number}，诉求仍由原承办单位办理")
            return redirect("serving:order", pk=order.pk)
    return render(
        request,
        "serving/convert.html",
        {
            "form": form,
            "appeal": appeal,
            "lead": lead,
            "breadcrumbs": [
                (f"诉求 {appeal.number}", reverse("appeals:detail", args=[appeal.pk])),
                ("转为服务订单", None),
            ],
        },
        status=422 if request.method == "POST" else 200,
    )


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@capability_required(Cap.SERVING_VIEW)
def order_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, get_visible_or_404(ServiceOrder, request.user, pk=pk))


def _detail_page(
    request: AuthedHttpRequest,
    order: ServiceOrder,
    *,
    cancel_error: str = "",
    cancel_reason: str = "",
    checkout: CheckoutForm | None = None,
) -> HttpResponse:
    """The order page; a refused cancel or 补登签退 shows it again (422) with the error and
    the typed values in the open form."""
    user = request.user
    can_manage = has_capability(user, Cap.SERVING_MANAGE)
    suggestions = None
    if order.status in OPEN_ORDER_STATES and order.places_left:
        suggestions = services.rank(order, limit=10)
    qr = None
    if order.status in OPEN_ORDER_STATES or order.status == OrderStatus.DONE:
        url = request.build_absolute_uri(
            reverse("serving:checkin", args=[services.checkin_token(order.pk)])
        )
        qr = {"url": url, "svg": mark_safe(_qr_svg(url))}  # noqa: S308 — our own URL
    return render(
        request,
        "serving/order_detail.html",
        {
            "order": order,
            "claims": order.claims.select_related("volunteer", "report").order_by("pk"),
            "photos": order.photos.all(),
            "suggestions": suggestions,
            "qr": qr,
            "can_manage": can_manage,
            "photo_form": (
                PhotoForm() if can_manage and order.status != OrderStatus.CANCELLED else None
            ),
            "can_reveal_contact": may_reveal_contact(user, order),
            "can_see_resident": may_see_resident(user, order),
            "can_reply": services.may_reply(user, order),
            "can_close": bool(
                order.appeal_replied_at
                and order.appeal
                and order.appeal.status == AppealStatus.REPLIED
                and has_capability(user, Cap.APPEALS_DISPATCH)
            ),
            "cancel_error": cancel_error,
            "cancel_reason": cancel_reason,
            "cancel_reason_max": CANCEL_REASON_MAX,
            "checkout": _checkout_context(checkout),
            "breadcrumbs": [("服务订单", reverse("serving:orders")), (order.number, None)],
        },
        status=422 if cancel_error or checkout is not None else 200,
    )


def _checkout_context(form: CheckoutForm | None) -> dict[str, object]:
    """The refused 补登签退: its claim (whose form opens), typed values and first error."""
    if form is None:
        return {}
    errors = [str(e) for field in form.errors.values() for e in field]
    return {
        "claim": parse_id(str(form.data.get("claim", ""))),
        "at": form.data.get("at", ""),
        "reason": form.data.get("reason", ""),
        "error": errors[0] if errors else "",
    }


@login_required
@require_POST
def order_checkout(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """补登签退: the community records the check-out a volunteer forgot
    (``services.record_checkout``). Refused: the page again (422) with the typed values."""
    need_capability(request, Cap.SERVING_VIEW)
    need_capability(request, Cap.SERVING_MANAGE)
    order = get_visible_or_404(ServiceOrder, request.user, pk=pk)
    form = CheckoutForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if not order.claims.filter(pk=data["claim"]).exists():
            form.add_error("claim", "请选择本订单的志愿者")
        else:
            try:
                claim = services.record_checkout(
                    actor=request.user, claim_id=data["claim"], at=data["at"], reason=data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                note = "，服务时长已记入志愿服务台账" if claim.entry_id else ""
                messages.success(request, f"已补登签退，本次{claim.hours}小时{note}")
                return redirect("serving:order", pk=order.pk)
    return _detail_page(request, order, checkout=form)


ACTION_CAPS = {
    "assign": Cap.SERVING_MANAGE,
    "confirm": Cap.SERVING_MANAGE,
    "cancel": Cap.SERVING_MANAGE,
    "reply": Cap.APPEALS_HANDLE,
    "close": Cap.APPEALS_DISPATCH,
}


@login_required
@require_POST
def order_action(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """assign / confirm / cancel (the community), reply (the appeal's handling unit),
    close (the dispatcher), each through its service."""
    if action not in ACTION_CAPS:
        raise Http404
    need_capability(request, Cap.SERVING_VIEW)
    need_capability(request, ACTION_CAPS[action])
    order = get_visible_or_404(ServiceOrder, request.user, pk=pk)
    user = request.user
    try:
        if action == "assign":
            volunteer = parse_id(request.POST.get("volunteer", ""))
            if volunteer is None:
                raise DomainError("请选择志愿者")
            services.assign(actor=user, order_id=order.pk, volunteer_id=volunteer)
            messages.success(request, "已指派")
        elif action == "confirm":
            services.confirm_by_community(actor=user, order_id=order.pk)
            messages.success(request, "已确认服务完成，服务时长已记入志愿服务台账")
        elif action == "reply":
            services.reply_appeal(actor=user, order_id=order.pk)
            messages.success(request, "已以服务结果答复诉求")
        elif action == "close":
            services.close_with_service(actor=user, order_id=order.pk)
            messages.success(request, "诉求已办结")
        else:
            reason = request.POST.get("reason", "")
            try:
                services.cancel_order(actor=user, order_id=order.pk, reason=reason)
            except DomainError as exc:
                return _detail_page(request, order, cancel_error=exc.message, cancel_reason=reason)
            messages.success(request, "服务订单已取消")
    except DomainError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "您的角色不能执行此操作")
    return redirect("serving:order", pk=order.pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_photo(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Staff add a photo of the service (the community's managers, in scope). On an error
    the form is shown again with the reason in Chinese (422)."""
    need_capability(request, Cap.SERVING_VIEW)
    need_capability(request, Cap.SERVING_MANAGE)
    order = get_visible_or_404(ServiceOrder, request.user, pk=pk)
    posted = request.method == "POST"
    form = PhotoForm(request.POST, request.FILES) if posted else PhotoForm()
    if posted and form.is_valid():
        try:
            services.add_photo(
                volunteer_id=None,
                actor=request.user,
                order_id=order.pk,
                upload=form.cleaned_data["photo"],
            )
        except DomainError as exc:
            form.add_error("photo", exc.message)
        else:
            messages.success(request, "照片已上传")
            return redirect(reverse("serving:order", args=[order.pk]) + "#photos")
    return render(
        request,
        "serving/photo_form.html",
        {
            "order": order,
            "form": form,
            "breadcrumbs": [
                ("服务订单", reverse("serving:orders")),
                (order.number, reverse("serving:order", args=[order.pk])),
                ("上传现场照片", None),
            ],
        },
        status=422 if posted else 200,
    )


@login_required
@require_POST
def order_contact(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """HTMX: the resident's phone in full after a reason is given; audited. Out of scope:
    404; a role that may not see personal data (or this petitioner's identity): 403."""
    need_capability(request, Cap.SERVING_VIEW)
    order = get_visible_or_404(ServiceOrder, request.user, pk=pk)
    try:
        value = reveal_contact(
            actor=request.user, order=order, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return render(
            request, "core/partials/_reveal_error.html", {"message": exc.message}, status=422
        )
    return render(request, "core/partials/_revealed.html", {"value": value})


@login_required
def photo(request: AuthedHttpRequest, token: str) -> FileResponse:
    need_capability(request, Cap.SERVING_VIEW)
    row = OrderPhoto.objects.filter(
        token=token, order__in=ServiceOrder.objects.visible_to(request.user)
    ).first()
    if row is None:
        raise Http404
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response

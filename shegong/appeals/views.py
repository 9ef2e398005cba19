"""Staff pages: workbench queues, search, registration, the appeal page and its actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region

from . import attachments as attachment_service
from . import hooks, region_cascade
from .choices import (
    AppealKind,
    AppealStatus,
    ExtensionStatus,
    RedirectChannel,
    WorkOrderRole,
    WorkOrderStatus,
)
from .clocks_display import clock_state
from .filters import AppealFilterSet
from .forms import RegisterForm
from .models import Appeal, ExtensionRequest, WorkOrder
from .notices import notices_for
from .services import merge as merge_service
from .services import review as review_service
from .services import revisit as revisit_service
from .services import supervision as supervision_service
from .services import workflow as wf
from .services.identity import FIELDS as IDENTITY_FIELDS
from .services.identity import (
    can_see_identity,
    masked_text,
    reveal_appeal_text,
    reveal_identity,
)
from .services.intake import IntakeData, IntakeError, check_submission, submit_appeal

OPEN_ORDERS = [WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]


def _user(request: HttpRequest) -> Any:
    return request.user


# --- workbench ------------------------------------------------------------------------------


def _queues(user: Any, now: Any) -> dict[str, dict[str, Any]]:
    appeals = Appeal.objects.visible_to(user)
    orders = WorkOrder.objects.visible_to(user).filter(status__in=OPEN_ORDERS)
    own_unit = user.scope_unit_path
    mine = orders.filter(unit__path__startswith=own_unit) if own_unit else orders.none()
    queues: dict[str, dict[str, Any]] = {}
    if user.has_capability(Cap.APPEALS_DISPATCH):
        queues["to_accept"] = {
            "label": "待受理",
            "type": "appeals",
            "qs": appeals.filter(status=AppealStatus.REGISTERED).order_by("triage_due_at"),
        }
        queues["to_dispatch"] = {
            "label": "待派单",
            "type": "appeals",
            "qs": appeals.filter(status=AppealStatus.ACCEPTED).order_by("accepted_at"),
        }
        queues["to_close"] = {
            "label": "待办结",
            "type": "appeals",
            "qs": appeals.filter(status=AppealStatus.REPLIED).order_by("replied_at"),
        }
    if user.has_capability(Cap.APPEALS_HANDLE):
        queues["to_sign"] = {
            "label": "待签收",
            "type": "orders",
            "qs": mine.filter(status=WorkOrderStatus.PENDING).order_by("sign_due_at"),
        }
        queues["handling"] = {
            "label": "办理中",
            "type": "orders",
            "qs": mine.filter(status=WorkOrderStatus.SIGNED).order_by("due_at"),
        }
    if own_unit:  # 复查/复核 sent to the user's unit (the body one level above)
        queues["reviews"] = {
            "label": "待复查复核",
            "type": "appeals",
            "qs": appeals.filter(
                reviews__reviewer_unit__path__startswith=own_unit, reviews__decided_at=None
            ).order_by("registered_at"),
        }
    scope_orders = mine if own_unit and not user.has_capability(Cap.APPEALS_DISPATCH) else orders
    queues["due_soon"] = {
        "label": "临期",
        "type": "orders",
        "qs": scope_orders.filter(due_at__gte=now, due_at__lte=now + timedelta(hours=72)).order_by(
            "due_at"
        ),
    }
    queues["overdue"] = {
        "label": "已超期",
        "type": "orders",
        "qs": scope_orders.filter(due_at__lt=now).order_by("due_at"),
    }
    if user.has_capability(Cap.APPEALS_APPROVE_EXTENSION):
        queues["extensions"] = {
            "label": "延期待审批",
            "type": "extensions",
            "qs": ExtensionRequest.objects.filter(
                status=ExtensionStatus.PENDING, work_order__in=WorkOrder.objects.visible_to(user)
            )
            .select_related("work_order__appeal", "work_order__unit")
            .order_by("requested_at"),
        }
    return queues


@capability_required(Cap.APPEALS_VIEW)
def workbench(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    queues = _queues(user, now)
    if not queues:
        raise PermissionDenied
    current = request.GET.get("queue") or (
        "overdue" if "to_accept" not in queues and "to_sign" not in queues else next(iter(queues))
    )
    if current not in queues:
        current = next(iter(queues))
    counts = {key: q["qs"].count() for key, q in queues.items()}
    queue = queues[current]
    rows_qs = queue["qs"]
    if queue["type"] == "appeals":
        rows_qs = rows_qs.select_related("region", "lead_unit", "policy")
        advisor = hooks.dispatch_advisor.get()
        if current in TRIAGE_QUEUES and user.has_capability(Cap.APPEALS_DISPATCH) and advisor:
            rows_qs = rows_qs.select_related(*advisor.queue_related)
    elif queue["type"] == "orders":
        rows_qs = rows_qs.select_related("appeal", "unit", "appeal__policy", "appeal__region")
    page = Paginator(rows_qs, 30).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = []
    for item in page:
        if isinstance(item, Appeal):
            due = item.triage_due_at if item.status == AppealStatus.REGISTERED else None
            rows.append(
                {
                    "appeal": item,
                    "order": None,
                    "clock": clock_state(
                        due, warn_hours=item.policy.warn_hours if due else 24, now=now
                    ),
                    "triage": _queue_triage(item) if current in TRIAGE_QUEUES else None,
                }
            )
        elif isinstance(item, WorkOrder):
            due = (
                item.due_at
                if item.status == WorkOrderStatus.SIGNED
                else (item.sign_due_at or item.due_at)
            )
            rows.append(
                {
                    "appeal": item.appeal,
                    "order": item,
                    "clock": clock_state(due, warn_hours=item.appeal.policy.warn_hours, now=now),
                }
            )
        else:
            rows.append(
                {
                    "appeal": item.work_order.appeal,
                    "order": item.work_order,
                    "extension": item,
                    "clock": None,
                }
            )
    context = {
        "tabs": [{"key": k, "label": q["label"], "count": counts[k]} for k, q in queues.items()],
        "current": current,
        "page": page,
        "rows": rows,
        "query": f"queue={current}",
        "can_dispatch": user.has_capability(Cap.APPEALS_DISPATCH),
        "triage_column": current in TRIAGE_QUEUES
        and user.has_capability(Cap.APPEALS_DISPATCH)
        and hooks.dispatch_advisor.get() is not None,
        "can_register": user.has_capability(Cap.APPEALS_REGISTER),
        "dispatch_units": _dispatch_units()
        if current == "to_dispatch" and user.has_capability(Cap.APPEALS_DISPATCH)
        else [],
        "breadcrumbs": [("群众诉求", None), ("工作台", None)],
    }
    template = "appeals/partials/_queue.html" if request.htmx else "appeals/workbench.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _dispatch_units() -> Any:
    return wf.dispatch_targets()


def _dispatch_choices(triage: dict[str, Any] | None) -> dict[str, list[Any]]:
    """The dispatch pickers' units: the triage suggestions first, in their order, then every
    other unit (each unit once)."""
    units = list(_dispatch_units())
    by_id = {u.pk: u for u in units}
    suggested = []
    for item in (triage or {}).get("suggestions") or []:
        unit = by_id.pop(item.get("unit_id"), None)
        if unit is not None:
            suggested.append(unit)
    return {"suggested": suggested, "others": [u for u in units if u.pk in by_id]}


# Queues whose appeals can still be dispatched: they show the triage suggestion.
TRIAGE_QUEUES = ("to_accept", "to_dispatch")


def _queue_triage(appeal: Appeal) -> dict[str, Any] | None:
    """The to-dispatch queue's triage cell, from the dispatch advisor (the triage app,
    registered in its ``ready()``; see ``appeals.hooks``), or None without one."""
    advisor = hooks.dispatch_advisor.get()
    return advisor.queue_cell(appeal) if advisor is not None else None


def _categories() -> list[tuple[str, list[str]]]:
    """The taxonomy for the category select: (一级, [二级, …])."""
    from shegong.textmining.taxonomy import Taxonomy

    taxonomy = Taxonomy.default()
    return [(l1, taxonomy.level2(l1)) for l1 in taxonomy.level1]


def _category_value(appeal: Appeal, triage: dict[str, Any] | None) -> str:
    """The select's value: the final category if set, else the triage suggestion."""
    if appeal.category_l1:
        return f"{appeal.category_l1}|{appeal.category_l2}"
    result = triage["result"] if triage else None
    if result is not None and result.category_l1:
        return f"{result.category_l1}|{result.category_l2}"
    return ""


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """派单 several accepted appeals to the same lead unit at once."""
    need_capability(request, Cap.APPEALS_DISPATCH)
    ids = [int(i) for i in request.POST.getlist("appeal") if i.isdigit()]
    unit_id = request.POST.get("lead_unit", "")
    if not ids or not unit_id.isdigit():
        messages.error(request, "请勾选诉求并选择主办单位")
        return redirect(f"{reverse('appeals:workbench')}?queue=to_dispatch")
    done, failed = 0, []
    for appeal_id in ids:
        try:
            wf.dispatch_appeal(
                actor=request.user,
                appeal_id=appeal_id,
                lead_unit_id=int(unit_id),
                instructions=request.POST.get("instructions", ""),
            )
            done += 1
        except (DomainError, PermissionDenied) as exc:
            failed.append(getattr(exc, "message", str(exc)))
    if done:
        messages.success(request, f"已派单 {done} 件")
    if failed:
        messages.error(request, f"{len(failed)} 件未派单：{failed[0]}")
    return redirect(f"{reverse('appeals:workbench')}?queue=to_dispatch")


# --- search ---------------------------------------------------------------------------------


@capability_required(Cap.APPEALS_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    base = Appeal.objects.visible_to(user)
    phone = request.GET.get("phone", "").strip()
    phone_error = None
    if phone:
        if user.has_capability(Cap.APPEALS_PERSON_HISTORY):
            base = merge_service.appeals_by_phone(actor=user, phone=phone)
        else:
            phone_error = "您的角色不能按诉求人电话查询"
            base = base.none()
    filterset = AppealFilterSet(
        request.GET, queryset=base.select_related("region", "lead_unit"), request=request
    )
    # Counted up to a cap ("10,000+ 件"), exactly on ?count=exact (core.pagination).
    page = paginate_capped(request, filterset.qs, 30)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "phone": phone,
        "phone_error": phone_error,
        "can_phone": user.has_capability(Cap.APPEALS_PERSON_HISTORY),
        "can_export": user.has_capability(Cap.EXPORT),
        "statuses": AppealStatus.choices,
        "kinds": AppealKind.choices,
        "breadcrumbs": [("群众诉求", None), ("诉求查询", None)],
    }
    template = "appeals/partials/_search_table.html" if request.htmx else "appeals/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


EXPORT_COLUMNS = [
    "登记编号",
    "类别",
    "渠道",
    "标题",
    "发生地",
    "状态",
    "主办单位",
    "登记时间",
    "答复时间",
    "办结时间",
]


@capability_required(Cap.EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    need_capability(request, Cap.APPEALS_VIEW)  # who may not see the list may not export it either
    need_capability(request, Cap.EXPORT)
    filterset = AppealFilterSet(
        request.GET, queryset=Appeal.objects.visible_to(request.user), request=request
    )
    queryset = filterset.qs.select_related("region", "lead_unit")

    def rows() -> Any:
        for a in queryset.iterator(chunk_size=2000):
            yield [
                a.number,
                a.get_kind_display(),
                a.get_channel_display(),
                masked_text(a.title),
                a.region.full_name,
                a.get_status_display(),
                a.lead_unit.name if a.lead_unit else "",
                timezone.localtime(a.registered_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(a.replied_at).strftime("%Y-%m-%d %H:%M") if a.replied_at else "",
                timezone.localtime(a.closed_at).strftime("%Y-%m-%d %H:%M") if a.closed_at else "",
            ]

    return export_response(
        request,
        what="appeals.appeal",
        count=queryset.count(),
        basename="诉求",
        headers=EXPORT_COLUMNS,
        rows=rows(),
    )


# --- registration ---------------------------------------------------------------------------


def _representatives(text: str) -> list[dict[str, str]]:
    reps = []
    for line in text.splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if parts:
            reps.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else ""})
    return reps


def _intake_data(form: RegisterForm, region: Region | None, accused_ids: list[int]) -> IntakeData:
    """The submission as typed: cleaned values where a field is valid, the raw text where it
    is not (so the intake service reports every field's problem at once)."""
    raw = form.data
    clean = form.cleaned_data if hasattr(form, "cleaned_data") else {}

    def text(name: str) -> str:
        value = clean.get(name)
        return str(value) if value is not None else str(raw.get(name, "") or "")

    def flag(name: str) -> bool:
        return bool(clean.get(name)) if name in clean else bool(raw.get(name))

    headcount = clean.get("headcount")
    return IntakeData(
        kind=text("kind"),
        channel=text("channel"),
        urgency=text("urgency"),
        title=text("title"),
        body=text("body"),
        region_id=region.pk if region else 0,
        address=text("address"),
        name=text("name"),
        phone=text("phone"),
        id_number=text("id_number"),
        petitioner_address=text("petitioner_address"),
        identity_confidential=flag("identity_confidential"),
        is_group=flag("is_group"),
        headcount=headcount if isinstance(headcount, int) else 1,
        representatives=_representatives(text("representatives")),
        accused_unit_ids=accused_ids,
        proxy_note=text("proxy_note"),
    )


# Django form field → the intake service's error key (the template shows one message per key).
_FORM_ERROR_KEYS = {"accused_unit_codes": "accused_units"}


@capability_required(Cap.APPEALS_REGISTER)
def register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RegisterForm(request.POST or None)
    errors: dict[str, str] = {}
    region: Region | None = None
    matches: list[Region] = []
    if request.method == "POST":
        picked = request.POST.get("pick_region", "")
        if picked.isdigit():
            region = region_cascade.picked(user, int(picked))
        else:
            region = region_cascade.chosen_region(user, request.POST.getlist("region"))
        if picked or request.POST.get("action") == "regions":
            # Without JavaScript: the cascade's next level, or the search's matches.
            matches = region_cascade.search(user, request.POST.get("region_q", ""))
            return _register_page(request, form, errors, region, matches)
        form.is_valid()
        accused_ids = [int(v) for v in request.POST.getlist("accused_units") if v.isdigit()]
        codes = [
            c.strip()
            for c in (form.data.get("accused_unit_codes") or "").replace("，", ",").split(",")
            if c.strip()
        ]
        if codes:  # the API-era typed codes, still accepted from old bookmarks and scripts
            by_code = wf.unit_ids_by_codes(codes)
            if len(by_code) != len(codes):
                errors["accused_units"] = "被检举控告单位编码有误"
            accused_ids += by_code
        if region is None and any(v.strip() for v in request.POST.getlist("region")):
            errors["region"] = "所选发生地不在您的管辖范围内，请重新选择"
        intake = _intake_data(form, region, accused_ids)
        for key, message in check_submission(actor=user, data=intake).items():
            errors.setdefault(key, message)
        for name, messages_ in form.errors.items():
            errors.setdefault(_FORM_ERROR_KEYS.get(name, name), str(messages_[0]))
        if not errors:
            try:
                appeal, code = submit_appeal(
                    actor=user,
                    data=intake,
                    proxied=bool(form.cleaned_data.get("proxied")),
                    idempotency_key=request.POST.get("submission_id") or None,
                    region=region,
                )
                for upload in request.FILES.getlist("files"):
                    attachment_service.add_attachment(
                        actor=user, appeal=appeal, upload=upload, name=upload.name or "附件"
                    )
            except IntakeError as exc:
                errors.update(exc.errors)
            except DomainError as exc:
                errors["general"] = exc.message
            else:
                if code:
                    messages.success(
                        request, f"已登记 {appeal.number}。请告知群众查询码：{code}（只显示这一次）"
                    )
                return redirect("appeals:detail", pk=appeal.pk)
    return _register_page(request, form, errors, region, matches)


def _register_page(
    request: HttpRequest,
    form: RegisterForm,
    errors: dict[str, str],
    region: Region | None,
    matches: list[Region],
) -> HttpResponse:
    import uuid

    user = _user(request)
    return render(
        request,
        "appeals/register.html",
        {
            "form": form,
            "errors": errors,
            "error_list": [m for k, m in errors.items() if k != "general"],
            "levels": region_cascade.cascade(user, region),
            "chosen": region,
            "matches": matches,
            "query": request.POST.get("region_q", ""),
            "accused_choices": _dispatch_units(),
            "accused_chosen": {
                int(v) for v in request.POST.getlist("accused_units") if v.isdigit()
            },
            "submission_id": request.POST.get("submission_id") or uuid.uuid4().hex,
            "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), ("登记诉求", None)],
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def region_cascade_view(request: HttpRequest) -> HttpResponse:
    """The cascade for the chosen regions (``?region=…`` per select, or a search pick
    ``?pick_region=<id>``): the registration form's HTMX call."""
    need_capability(request, Cap.APPEALS_REGISTER)
    user = _user(request)
    picked = request.GET.get("pick_region", "")
    if picked.isdigit():
        region = region_cascade.picked(user, int(picked))
    else:
        region = region_cascade.chosen_region(user, request.GET.getlist("region"))
    return render(
        request,
        "appeals/partials/_region_cascade.html",
        {"levels": region_cascade.cascade(user, region), "chosen": region},
    )


@login_required
@require_GET
def region_search_view(request: HttpRequest) -> HttpResponse:
    """Regions of the clerk's jurisdiction matching ``?region_q=`` (HTMX, as you type)."""
    need_capability(request, Cap.APPEALS_REGISTER)
    query = request.GET.get("region_q", "")
    return render(
        request,
        "appeals/partials/_region_matches.html",
        {"matches": region_cascade.search(_user(request), query), "query": query.strip()},
    )


# --- the appeal page ------------------------------------------------------------------------


def _detail_context(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    orders = list(appeal.work_orders.select_related("unit").order_by("dispatched_at"))
    warn = appeal.policy.warn_hours
    for order in orders:
        due = (
            order.due_at
            if order.status != WorkOrderStatus.PENDING
            else (order.sign_due_at or order.due_at)
        )
        done = (
            order.replied_at
            if order.status in (WorkOrderStatus.REPLIED, WorkOrderStatus.CLOSED)
            else None
        )
        stopped = order.status in (WorkOrderStatus.CANCELLED, WorkOrderStatus.RETURNED)
        label = "签收" if order.status == WorkOrderStatus.PENDING else "办理"
        order.clock = (  # type: ignore[attr-defined]
            None
            if stopped
            else clock_state(due, warn_hours=warn, now=now, done_at=done, label=label)
        )
        order.mine = wf.acts_for_unit(user, order.unit)  # type: ignore[attr-defined]
        order.pending_extension = order.extension_requests.filter(  # type: ignore[attr-defined]
            status=ExtensionStatus.PENDING
        ).first()  # type: ignore[attr-defined]
    lead = next((o for o in orders if o.role == WorkOrderRole.LEAD and o.is_open), None)
    if appeal.status == AppealStatus.REGISTERED:
        header_clock = clock_state(appeal.triage_due_at, warn_hours=warn, now=now, label="受理")
    elif lead is not None:
        header_clock = lead.clock  # type: ignore[attr-defined]
    else:
        header_clock = None
    identity = can_see_identity(user, appeal)
    can = {
        "dispatch": user.has_capability(Cap.APPEALS_DISPATCH),
        "handle": user.has_capability(Cap.APPEALS_HANDLE),
        "approve": user.has_capability(Cap.APPEALS_APPROVE_EXTENSION),
        "whistle": user.has_capability(Cap.APPEALS_WHISTLE)
        and lead is not None
        and wf.acts_for_unit(user, lead.unit),
        "reveal": identity and user.has_capability(Cap.PII_REVEAL),
        "history": user.has_capability(Cap.APPEALS_PERSON_HISTORY),
    }
    history_count = (
        merge_service.person_history(actor=user, appeal=appeal).count() if can["history"] else 0
    )
    advisor = hooks.dispatch_advisor.get()
    triage = advisor.for_appeal(user, appeal) if advisor is not None else None
    links = hooks.AppealPageLinks(appeal=appeal, user=user, links=[])
    for listener in hooks.appeal_page_links:
        listener(links)
    return {
        "appeal": appeal,
        "triage": triage,
        "advice_template": advisor.panel_template if triage and advisor is not None else "",
        "appeal_links": links.links,
        "categories": _categories() if can["dispatch"] else [],
        "category_value": _category_value(appeal, triage),
        "orders": orders,
        "lead": lead,
        "header_clock": header_clock,
        "events": appeal.events.select_related("work_order__unit").order_by("at", "pk"),
        "attachments": [
            (item, attachment_service.can_open(user, appeal, item))
            for item in appeal.attachments.all()
        ],
        "identity": identity,
        "can": can,
        "identity_fields": IDENTITY_FIELDS,
        "representatives": appeal.representatives.all() if identity else [],
        "history_count": history_count,
        "dispatch_units": _dispatch_units() if can["dispatch"] else [],
        "dispatch_choices": _dispatch_choices(triage) if can["dispatch"] else {},
        "whistle_units": _dispatch_units() if can["whistle"] else [],
        "redirect_channels": RedirectChannel.choices,
        "notices": notices_for(user, appeal),
        "revisits": appeal.revisits.select_related("work_order__unit").order_by("round"),
        "reviews": [
            {
                "item": r,
                "can_decide": r.is_open
                and (
                    user.has_capability(Cap.APPEALS_DISPATCH)
                    or wf.acts_for_unit(user, r.reviewer_unit)
                ),
            }
            for r in appeal.reviews.select_related("reviewer_unit")
        ],
        "supervisions": appeal.supervisions.all(),
        "can_revisit": user.has_capability(Cap.APPEALS_REVISIT)
        and appeal.status == AppealStatus.REPLIED,
        "can_request_review": user.has_capability(Cap.APPEALS_DISPATCH)
        and appeal.stream == "xf"
        and appeal.replied_at is not None
        and appeal.reviews.count() < 2,
        "can_supervise": user.has_capability(Cap.APPEALS_SUPERVISE) and appeal.is_open,
        "merged": appeal.merged_appeals.all(),
        "accused": appeal.accused_units.all() if identity else [],
        "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), (appeal.number, None)],
    }


@capability_required(Cap.APPEALS_VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every button on the appeal page posts here; the service decides."""
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    user = _user(request)
    post = request.POST
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    order_id = int(post["order"]) if post.get("order", "").isdigit() else None
    try:
        if action == "accept":
            wf.accept_appeal(
                actor=user, appeal_id=pk, note=post.get("note", ""), expected_version=version
            )
        elif action == "reject":
            wf.reject_appeal(
                actor=user, appeal_id=pk, reason=post.get("reason", ""), expected_version=version
            )
        elif action == "redirect":
            wf.redirect_appeal(
                actor=user,
                appeal_id=pk,
                channel=post.get("channel", ""),
                reason=post.get("reason", ""),
                expected_version=version,
            )
        elif action == "forward":
            wf.forward_appeal(
                actor=user,
                appeal_id=pk,
                organ=post.get("organ", ""),
                reason=post.get("reason", ""),
                expected_version=version,
            )
        elif action == "dispatch":
            lead = post.get("lead_unit", "")
            if not lead.isdigit():
                raise DomainError("请选择主办单位")
            l1, _, l2 = post.get("category", "").partition("|")
            wf.dispatch_appeal(
                actor=user,
                appeal_id=pk,
                lead_unit_id=int(lead),
                assist_unit_ids=_ids(post.getlist("assist_units")),
                instructions=post.get("instructions", ""),
                expected_version=version,
                category_l1=l1,
                category_l2=l2,
            )
        elif action == "categorize":
            l1, _, l2 = post.get("category", "").partition("|")
            if not l1:
                raise DomainError("请选择诉求类别")
            wf.set_category(
                actor=user,
                appeal_id=pk,
                category_l1=l1,
                category_l2=l2,
                expected_version=version,
            )
        elif action == "reassign":
            lead = post.get("lead_unit", "")
            if not lead.isdigit():
                raise DomainError("请选择新的主办单位")
            wf.reassign_appeal(
                actor=user,
                appeal_id=pk,
                lead_unit_id=int(lead),
                reason=post.get("reason", ""),
                assist_unit_ids=_ids(post.getlist("assist_units")),
                expected_version=version,
            )
        elif action == "close":
            wf.close_appeal(
                actor=user, appeal_id=pk, note=post.get("note", ""), expected_version=version
            )
        elif action == "whistle":
            wf.blow_whistle(
                actor=user,
                appeal_id=pk,
                unit_ids=_ids(post.getlist("units")),
                note=post.get("note", ""),
            )
        elif action == "merge":
            numbers = [
                n.strip().upper()
                for n in post.get("numbers", "").replace("，", ",").split(",")
                if n.strip()
            ]
            dup_ids = list(
                Appeal.objects.visible_to(user)
                .filter(number__in=numbers)
                .values_list("pk", flat=True)
            )
            if len(dup_ids) != len(numbers):
                raise DomainError("部分编号不存在或不在您的管辖范围内")
            merge_service.merge_appeals(
                actor=user, lead_id=pk, duplicate_ids=dup_ids, reason=post.get("reason", "")
            )
        elif action == "split":
            parts = [
                {"title": t, "body": b}
                for t, b in zip(post.getlist("part_title"), post.getlist("part_body"), strict=False)
                if t.strip()
            ]
            children = merge_service.split_appeal(actor=user, appeal_id=pk, parts=parts)
            messages.success(request, "已拆分为：" + "、".join(c.number for c in children))
            return redirect("appeals:detail", pk=pk)
        elif action == "extension_decide":
            request_id = post.get("request", "")
            if not request_id.isdigit():
                raise DomainError("延期申请不存在")
            wf.decide_extension(
                actor=user,
                request_id=int(request_id),
                approve=post.get("approve") == "1",
                note=post.get("note", ""),
            )
        elif action in {"sign", "return", "note", "extend", "reply"}:
            if order_id is None:
                raise DomainError("请选择工单")
            if action == "sign":
                wf.sign_order(actor=user, order_id=order_id, expected_version=version)
            elif action == "return":
                wf.return_order(
                    actor=user,
                    order_id=order_id,
                    reason=post.get("reason", ""),
                    expected_version=version,
                )
            elif action == "note":
                wf.add_handling_note(
                    actor=user,
                    order_id=order_id,
                    note=post.get("note", ""),
                    contacted=post.get("contacted") == "1",
                )
            elif action == "extend":
                days = post.get("days", "")
                if not days.isdigit():
                    raise DomainError("请填写延期天数")
                wf.request_extension(
                    actor=user, order_id=order_id, days=int(days), reason=post.get("reason", "")
                )
            else:
                wf.reply_order(
                    actor=user,
                    order_id=order_id,
                    text=post.get("text", ""),
                    expected_version=version,
                )
        elif action == "revisit":
            revisit_service.record_revisit(
                actor=user,
                appeal_id=pk,
                method=post.get("method", "phone"),
                contacted=post.get("contacted") == "yes",
                resolved=post.get("resolved") == "yes",
                satisfaction=post.get("satisfaction", ""),
                comment=post.get("comment", ""),
            )
        elif action == "review_request":
            review_service.request_review(
                actor=user, appeal_id=pk, level=post.get("level", ""), text=post.get("text", "")
            )
        elif action in {"review_decide", "hearing_start", "hearing_end"}:
            review_id = post.get("review", "")
            if not review_id.isdigit():
                raise DomainError("复查/复核记录不存在")
            if action == "hearing_start":
                review_service.start_hearing(actor=user, review_id=int(review_id))
            elif action == "hearing_end":
                review_service.end_hearing(actor=user, review_id=int(review_id))
            else:
                review_service.decide_review(
                    actor=user,
                    review_id=int(review_id),
                    outcome=post.get("outcome", ""),
                    opinion=post.get("opinion", ""),
                )
        elif action == "supervise":
            try:
                deadline = timezone.make_aware(datetime.fromisoformat(post.get("deadline", "")))
                every = int(post.get("report_every_days", "7"))
            except ValueError as exc:
                raise DomainError("请填写正确的办结期限和报告间隔") from exc
            item = supervision_service.create_supervision(
                actor=user,
                appeal_ids=[pk],
                title=post.get("title", ""),
                instruction=post.get("instruction", ""),
                deadline=deadline,
                report_every_days=every,
            )
            messages.success(request, "已挂牌督办")
            return redirect("appeals:supervision", pk=item.pk)
        elif action == "attach":
            need_capability(request, Cap.APPEALS_VIEW)
            if not (
                user.has_capability(Cap.APPEALS_REGISTER) or user.has_capability(Cap.APPEALS_HANDLE)
            ):
                raise PermissionDenied("您的角色不能上传附件")
            for upload in request.FILES.getlist("files"):
                attachment_service.add_attachment(
                    actor=user,
                    appeal=appeal,
                    upload=upload,
                    name=upload.name or "附件",
                    confidential=bool(post.get("confidential")),
                )
        else:
            raise Http404
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "您的角色不能执行此操作")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "操作成功")
    # The actor may have just handed the appeal out of their own scope (e.g. a return).
    if not Appeal.objects.visible_to(user).filter(pk=pk).exists():
        return redirect("appeals:workbench")
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, petitioner_id: int, field: str) -> HttpResponse:
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    petitioner = (
        appeal.petitioner
        if appeal.petitioner_id == petitioner_id
        else appeal.representatives.filter(pk=petitioner_id).first()
    )
    if petitioner is None:
        raise Http404
    try:
        value = reveal_identity(
            actor=request.user,
            appeal=appeal,
            petitioner=petitioner,
            field=field,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return render(
            request, "core/partials/_reveal_error.html", {"message": exc.message}, status=422
        )
    except PermissionDenied:
        return render(
            request,
            "core/partials/_reveal_error.html",
            {"message": "您的角色不能查看该信息"},
            status=403,
        )
    return render(request, "core/partials/_revealed.html", {"value": value})


@login_required
@require_POST
def reveal_text(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """HTMX: the whole text of a free-text field (identifiers unmasked), with a reason;
    audited. Only for roles that may see the petitioner's identity."""
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    try:
        value = reveal_appeal_text(
            actor=request.user, appeal=appeal, field=field, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return render(
            request, "core/partials/_reveal_error.html", {"message": exc.message}, status=422
        )
    except PermissionDenied:
        return render(
            request,
            "core/partials/_reveal_error.html",
            {"message": "您的角色不能查看该信息"},
            status=403,
        )
    return render(request, "core/partials/_revealed.html", {"value": value})


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, token: str) -> FileResponse:
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    item = appeal.attachments.filter(token=token).first()
    if item is None:
        raise Http404
    if not attachment_service.can_open(request.user, appeal, item):
        raise PermissionDenied("该附件含诉求人身份信息，您的角色不能查看")
    attachment_service.opened(actor=request.user, appeal=appeal, attachment=item)
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=True,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    rows = merge_service.person_history(actor=request.user, appeal=appeal).select_related("region")
    return render(
        request,
        "appeals/history.html",
        {
            "appeal": appeal,
            "rows": rows[:200],
            "breadcrumbs": [
                ("群众诉求", reverse("appeals:workbench")),
                (appeal.number, reverse("appeals:detail", args=[pk])),
                ("诉求人历史", None),
            ],
        },
    )


@capability_required(Cap.APPEALS_POLICY_VIEW)
def policies(request: HttpRequest) -> HttpResponse:
    from .models import AppealPolicy

    rows = (
        AppealPolicy.objects.prefetch_related("clocks")
        .select_related("region")
        .order_by("kind", "-version")
    )
    return render(
        request,
        "appeals/policies.html",
        {"policies": rows, "breadcrumbs": [("群众诉求", None), ("办理规则", None)]},
    )

"""Staff pages around one appeal: search and export, the appeal page and its buttons
(``act``, dispatched through ``actions.ACTIONS``), identity reveals, attachments and the
petitioner's history. The workbench is in ``views_workbench.py``, registration in
``views_register.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import DENIED, capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.units.models import Unit

from . import attachments as attachment_service
from . import hooks
from .actions import ACTIONS, Ctx
from .choices import (
    AppealKind,
    AppealStatus,
    ExtensionStatus,
    RedirectChannel,
    WorkOrderRole,
    WorkOrderStatus,
)
from .clocks_display import clock_state
from .drill_filters import drill_filters
from .filters import AppealFilterSet
from .forms import error_text
from .models import Appeal
from .notices import notices_for
from .services import merge as merge_service
from .services import workflow as wf
from .services.identity import FIELDS as IDENTITY_FIELDS
from .services.identity import (
    can_see_identity,
    masked_text,
    reveal_appeal_text,
    reveal_identity,
)


def _user(request: HttpRequest) -> User:
    """The signed-in user, for ``search`` and ``_detail_context`` (their owners move them to
    ``AuthedHttpRequest``); new views take ``request: AuthedHttpRequest``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


# --- the appeal page's pickers -------------------------------------------------------------


def _dispatch_units() -> QuerySet[Unit]:
    units: QuerySet[Unit] = wf.dispatch_targets()
    return units


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
        "drill_filters": drill_filters(filterset, user),
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


@login_required
@require_POST
def act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Every button on the appeal page posts here: the row of ``actions.ACTIONS`` says who
    may, which form and which service; the service decides. Refusals and invalid forms go
    back to the page with the reason (all of a form's problems at once)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    user = request.user
    try:
        spec.check(user)
        form = spec.form(request.POST, request.FILES)
        if not form.is_valid():
            raise DomainError(error_text(form))
        done = spec.run(Ctx(user=user, appeal=appeal), form)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or DENIED)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if done is not None:
            messages.success(request, done.message)
            return redirect(done.url)
        messages.success(request, "操作成功")
    # The actor may have just handed the appeal out of their own scope (e.g. a return).
    if not Appeal.objects.visible_to(user).filter(pk=pk).exists():
        return redirect("appeals:workbench")
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def reveal(request: AuthedHttpRequest, pk: int, petitioner_id: int, field: str) -> HttpResponse:
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
def reveal_text(request: AuthedHttpRequest, pk: int, field: str) -> HttpResponse:
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
def attachment(request: AuthedHttpRequest, pk: int, token: str) -> FileResponse:
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
def history(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def policies(request: AuthedHttpRequest) -> HttpResponse:
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

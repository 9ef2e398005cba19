"""The staff workbench: the queues a role works from (待受理 … 已超期, 延期待审批) and the
to-dispatch queue's 批量派单."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.units.models import Unit

from . import hooks
from .choices import AppealStatus, WorkOrderStatus
from .clocks_display import clock_state
from .forms import digits
from .models import Appeal, ExtensionRequest, Review, WorkOrder
from .models.orders import OPEN_ORDER_Q
from .services import workflow as wf

# The long texts of an appeal the queue table never shows (``partials/_queue.html``: number,
# title, kind, place, status, clock): a page of 30 rows without them reads a fraction of the
# bytes. Reading one of them on a row would cost a query per row (tests count them).
QUEUE_DEFERRED = ("body", "masked_search_text", "reply_text", "decision_reason")
ORDER_DEFERRED = ("instructions", "return_reason", "reply_text")  # a work order's, likewise
# Each queue by key: its label, its row type ("appeals", "orders", "extensions"), its queryset.
Queues = dict[str, dict[str, Any]]


def own_unit_ids(user: User) -> list[int]:
    """The units of the user's own unit subtree (a handful; one query on the path index).
    The queues filter on these ids, not on a join with the unit paths: with ``unit_id =
    <the one unit>`` the page is read from its partial index in deadline order."""
    path = user.scope_unit_path
    if not path:
        return []
    return list(Unit._base_manager.filter(subtree_q(path)).values_list("pk", flat=True))


def _queues(user: User, now: datetime) -> Queues:
    appeals = Appeal.objects.visible_to(user)
    # Each queue's filter names its statuses once: a condition repeated (``status IN
    # (…) AND status = 'pending'``) counts twice in PostgreSQL's row estimate, which then
    # expects a handful of rows and sorts them instead of reading the queue's index.
    visible_orders = WorkOrder.objects.visible_to(user)
    orders = visible_orders.filter(OPEN_ORDER_Q)
    own_unit = user.scope_unit_path
    units = own_unit_ids(user)
    in_my_units = visible_orders.filter(unit_id__in=units) if own_unit else visible_orders.none()
    mine = in_my_units.filter(OPEN_ORDER_Q)
    queues: Queues = {}
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
            "qs": in_my_units.filter(status=WorkOrderStatus.PENDING).order_by("sign_due_at"),
        }
        queues["handling"] = {
            "label": "办理中",
            "type": "orders",
            "qs": in_my_units.filter(status=WorkOrderStatus.SIGNED).order_by("due_at"),
        }
    if own_unit:  # 复查/复核 sent to the user's unit (the body one level above)
        queues["reviews"] = {
            "label": "待复查复核",
            "type": "appeals",
            "qs": appeals.filter(
                pk__in=Review._base_manager.filter(
                    reviewer_unit_id__in=units, decided_at__isnull=True
                ).values("appeal_id")
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
            "qs": ExtensionRequest.objects.pending_visible_to(user)
            .select_related("work_order__appeal", "work_order__unit")
            .order_by("requested_at"),
        }
    return queues


def queue_rows(
    queues: Queues, current: str, user: User
) -> QuerySet[Appeal] | QuerySet[WorkOrder] | QuerySet[ExtensionRequest]:
    """The rows of queue ``current`` as the table shows them: the relations it prints
    selected, the long texts it never shows deferred."""
    queue = queues[current]
    rows_qs = queue["qs"]
    if queue["type"] == "appeals":
        rows_qs = rows_qs.select_related("region", "lead_unit", "policy").defer(*QUEUE_DEFERRED)
        advisor = hooks.dispatch_advisor.get()
        if current in TRIAGE_QUEUES and user.has_capability(Cap.APPEALS_DISPATCH) and advisor:
            rows_qs = rows_qs.select_related(*advisor.queue_related)
    elif queue["type"] == "orders":
        rows_qs = rows_qs.select_related(
            "appeal", "unit", "appeal__policy", "appeal__region"
        ).defer(*ORDER_DEFERRED, *(f"appeal__{name}" for name in QUEUE_DEFERRED))
    return rows_qs


@capability_required(Cap.APPEALS_VIEW)
def workbench(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
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
    page = Paginator(queue_rows(queues, current, user), 30).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = []
    triage_cells = (
        _queue_triage([item for item in page if isinstance(item, Appeal)])
        if current in TRIAGE_QUEUES
        else {}
    )
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
                    "triage": triage_cells.get(item.pk),
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
        elif isinstance(item, ExtensionRequest):
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
        "dispatch_units": wf.dispatch_targets()
        if current == "to_dispatch" and user.has_capability(Cap.APPEALS_DISPATCH)
        else [],
        "breadcrumbs": [("群众诉求", None), ("工作台", None)],
    }
    template = "appeals/partials/_queue.html" if request.htmx else "appeals/workbench.html"
    return render(request, template, context)


# Queues whose appeals can still be dispatched: they show the triage suggestion.
TRIAGE_QUEUES = ("to_accept", "to_dispatch")


def _queue_triage(appeals: list[Appeal]) -> dict[int, dict[str, Any] | None]:
    """The to-dispatch queue's triage cells by appeal id, from the dispatch advisor (the
    triage app, registered in its ``ready()``; see ``appeals.hooks``), or none without one."""
    advisor = hooks.dispatch_advisor.get()
    if advisor is None or not appeals:
        return {}
    return dict(zip([a.pk for a in appeals], advisor.queue_cells(appeals), strict=True))


@login_required
@require_POST
def bulk_dispatch(request: AuthedHttpRequest) -> HttpResponse:
    """派单 several accepted appeals to the same lead unit at once."""
    need_capability(request, Cap.APPEALS_DISPATCH)
    ids = [n for n in map(digits, request.POST.getlist("appeal")) if n is not None]
    unit_id = digits(request.POST.get("lead_unit", ""))
    if not ids or unit_id is None:
        messages.error(request, "请勾选诉求并选择主办单位")
        return redirect(f"{reverse('appeals:workbench')}?queue=to_dispatch")
    done, failed = 0, []
    for appeal_id in ids:
        try:
            wf.dispatch_appeal(
                actor=request.user,
                appeal_id=appeal_id,
                lead_unit_id=unit_id,
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

"""Foundation pages: home, personal-data reveal, audit trail, calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shegong.lib.masking import mask_identifiers
from shegong.lib.workcalendar import UnknownYearError, period_unit

from .calendar import get_calendar
from .exceptions import DomainError
from .filters import AuditEventFilterSet
from .http import HtmxHttpRequest
from .models import AuditEvent, AuditVerification, CalendarDay, CalendarYear
from .permissions import capability_required, has_capability, need_capability
from .pii import EncryptedField
from .roles import Cap, Role
from .scoping import Scope, ScopedQuerySet, get_visible_or_404
from .services import reveal_personal_data


@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    # The leader's home is the cockpit (issue 17); the department and the streets get its
    # smaller version below their cards (``cockpit:summary``, loaded by HTMX).
    if getattr(user, "role", "") == Role.LEADER and has_capability(user, Cap.COCKPIT_VIEW):
        return redirect("cockpit:cockpit")
    cards: list[dict[str, str | int]] = []
    for label, model_label, url_name in (
        ("辖区区划", "regions.Region", "regions:list"),
        ("单位", "units.Unit", "units:list"),
        ("用户", "accounts.User", "accounts:user-list"),
    ):
        model = apps.get_model(model_label)
        scope: Scope = model.scope
        if scope.capability and not has_capability(user, scope.capability):
            continue
        rows = model._default_manager.all()
        assert isinstance(rows, ScopedQuerySet)  # system check shegong.E002
        cards.append({"label": label, "count": rows.visible_to(user).count(), "url_name": url_name})
    calendar = get_calendar()
    today = timezone.localdate()
    calendar_warning = None
    if not calendar.is_known_year(today.year + 1):
        calendar_warning = (
            f"{today.year + 1}年的法定节假日安排尚未录入。"
            "涉及该年的办理期限将按“周末+固定日期节日”临时计算并标注“暂定”。"
        )
    return render(
        request,
        "core/home.html",
        {
            "cards": cards,
            "calendar_warning": calendar_warning,
            "can_manage_calendar": has_capability(user, Cap.CALENDAR_MANAGE),
            "cockpit_summary": has_capability(user, Cap.COCKPIT_VIEW),
            "today": today,
            "is_workday_today": _safe_is_workday(today),
        },
    )


def _safe_is_workday(day: date) -> bool | None:
    try:
        return get_calendar().is_workday(day)
    except UnknownYearError:
        return None


@login_required
@require_POST
def reveal(request: HtmxHttpRequest, model_label: str, pk: int, field: str) -> HttpResponse:
    """HTMX: show one unmasked value after a reason is given; audited."""
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    if getattr(model, "scope", None) is None:
        raise Http404
    try:
        model_field = model._meta.get_field(field)
    except Exception as exc:
        raise Http404 from exc
    if not isinstance(model_field, EncryptedField):
        raise Http404
    obj = get_visible_or_404(model, request.user, pk=pk)
    try:
        value = reveal_personal_data(
            actor=request.user, obj=obj, field_name=field, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return render(
            request, "core/partials/_reveal_error.html", {"message": exc.message}, status=422
        )
    return render(request, "core/partials/_revealed.html", {"value": value})


@login_required
@require_GET
def audit_list(request: HtmxHttpRequest) -> HttpResponse:
    need_capability(request, Cap.AUDIT_VIEW)
    base = AuditEvent.objects.visible_to(request.user).select_related("actor")
    filterset = AuditEventFilterSet(request.GET, queryset=base)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    _mask_audit_targets(page)
    context = {
        "filter": filterset,
        "page": page,
        "verification": AuditVerification.objects.first(),
        "breadcrumbs": [("审计日志", None)],
        "query": _query_without_page(request),
    }
    template = "core/partials/_audit_table.html" if request.htmx else "core/audit_list.html"
    return render(request, template, context)


def _mask_audit_targets(page: Any) -> None:
    """Older rows quote an appeal's title raw in ``target_repr`` (written before
    ``str(appeal)`` masked it); the hash chain forbids rewriting them, so they are masked on
    the way out. ``shown_target`` is the masked value; ``target_repr`` is replaced in memory
    too (``AuditEvent.save`` refuses updates, nothing is written back), so a template that
    prints either shows the masked text."""
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.shown_target = mask_identifiers(event.target_repr)
        event.target_repr = event.shown_target


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@capability_required(Cap.CALENDAR_VIEW)
def calendar_view(request: HtmxHttpRequest) -> HttpResponse:
    calendar = get_calendar()
    today = timezone.localdate()
    years = []
    for year in range(today.year - 1, today.year + 2):
        record = CalendarYear.objects.filter(year=year).first()
        years.append(
            {
                "year": year,
                "known": calendar.is_known_year(year),
                "complete": bool(record and record.complete),
                "entries": CalendarDay.objects.filter(date__year=year).count(),
            }
        )
    return render(
        request,
        "core/calendar.html",
        {
            "years": years,
            "days": CalendarDay.objects.filter(date__year__gte=today.year - 1),
            "breadcrumbs": [("节假日与期限", None)],
            "can_manage": has_capability(request.user, Cap.CALENDAR_MANAGE),
            "units": [("natural_day", "自然日"), ("working_day", "工作日"), ("hour", "小时")],
        },
    )


@login_required
@require_GET
def deadline_calculator(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: compute a due date the way every workflow clock does."""
    need_capability(request, Cap.CALENDAR_VIEW)
    error = None
    result = None
    try:
        start = datetime.fromisoformat(request.GET.get("start", ""))
        value = int(request.GET.get("value", ""))
        unit = period_unit(request.GET.get("unit", "natural_day"))
        if value < 0 or value > 3650:
            raise ValueError
        aware = timezone.make_aware(start) if timezone.is_naive(start) else start
        result = get_calendar().deadline(aware, value, unit)
    except ValueError:
        error = "请填写正确的起算日期和期限天数（0–3650）"
    return render(request, "core/partials/_deadline.html", {"result": result, "error": error})


@login_required
def notifications(request: HtmxHttpRequest) -> HttpResponse:
    """The user's own notifications (newest first); POST marks them all read."""
    from .models import Notification

    mine = Notification.objects.filter(user_id=int(request.user.pk or 0))
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("core:notifications")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    # ``notify`` masks what it stores, and migration 0005 masked older rows; masked again on
    # the way out for a row written another way. Landlines stay: an office gives its number
    # in a notice (``notify(..., keep=("landline",))``).
    page.object_list = list(page.object_list)
    for item in page.object_list:
        item.title = mask_identifiers(item.title, keep=("landline",))
        item.body = mask_identifiers(item.body, keep=("landline",))
    return render(
        request,
        "core/notifications.html",
        {"page": page, "query": "", "breadcrumbs": [("通知", None)]},
    )


def healthz(request: HtmxHttpRequest) -> JsonResponse:
    """Liveness/readiness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HtmxHttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (settings.CSRF_FAILURE_VIEW): a Chinese page
    in the shell instead of Django's English one. ``reason`` is for the log only."""
    return render(request, "403_csrf.html", status=403)

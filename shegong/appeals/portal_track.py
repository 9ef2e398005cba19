"""The citizen portal's tracking page: number + tracking code (with a brute-force guard),
the public progress of the appeal (:func:`public_view`), the citizen's rating, more
information, and withdrawing the consent to publish (the suggestions app, through
``hooks.portal_publication``). See docs/portal.md."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import HtmxHttpRequest
from shegong.core import ratelimit
from shegong.core.exceptions import DomainError

from . import hooks
from .choices import OPEN_ORDER_STATES, AppealKind, AppealStatus, WorkOrderRole
from .models import Appeal
from .portal_forms import InfoForm, RatingForm, TrackForm
from .services.identity import public_text
from .services.intake import add_citizen_information, find_by_tracking
from .services.revisit import record_revisit

TRACK_SESSION = "portal_track"
TRACK_FAILURES = "SHEGONG_PORTAL_TRACK_MAX_FAILURES"
TRACK_WINDOW = "SHEGONG_PORTAL_TRACK_WINDOW_SECONDS"
GENERIC_TRACK_ERROR = "编号或查询码不正确"


def _fail_key(request: HtmxHttpRequest) -> str:
    return f"portal:track:fail:{request.META.get('REMOTE_ADDR') or 'unknown'}"


def _track_locked(request: HtmxHttpRequest) -> bool:
    return ratelimit.over(_fail_key(request), int(getattr(settings, TRACK_FAILURES, 10)))


def _track_failed(request: HtmxHttpRequest) -> None:
    ratelimit.hit(_fail_key(request), int(getattr(settings, TRACK_WINDOW, 3600)))


def _tracked_appeal(request: HtmxHttpRequest) -> Appeal | None:
    held = request.session.get(TRACK_SESSION)
    if not held:
        return None
    appeal = (
        Appeal.objects.select_related("lead_unit")
        .filter(pk=held.get("id"), tracking_hash=held.get("hash"))
        .first()
    )
    if appeal is None:
        request.session.pop(TRACK_SESSION, None)
    return appeal


def public_view(appeal: Appeal) -> dict[str, Any]:
    """Only what the citizen may read: no staff notes, no staff names, no personal data."""
    lead = (
        appeal.work_orders.filter(role=WorkOrderRole.LEAD, status__in=list(OPEN_ORDER_STATES))
        .order_by("-dispatched_at")
        .only("due_at", "due_provisional")
        .first()
    )
    timeline = [
        {"at": at, "text": public_text(text, staff_written=True)}
        for at, text in appeal.events.filter(public=True)
        .exclude(Q(public_note="") | Q(public_note__isnull=True))
        .order_by("at", "pk")
        .values_list("at", "public_note")
    ]
    answered = appeal.status in (AppealStatus.REPLIED, AppealStatus.CLOSED)
    return {
        "number": appeal.number,
        "kind_label": AppealKind(appeal.kind).label,
        "title": public_text(appeal.title),
        "status": appeal.status,
        "status_label": AppealStatus(appeal.status).label,
        "registered_at": appeal.registered_at,
        "lead_unit": appeal.lead_unit.name if appeal.lead_unit is not None else "",
        "due_at": lead.due_at if lead is not None and appeal.is_open else None,
        "due_provisional": bool(lead and lead.due_provisional),
        "triage_due_at": (
            appeal.triage_due_at if appeal.status == AppealStatus.REGISTERED else None
        ),
        "reply_text": public_text(appeal.reply_text, staff_written=True) if answered else "",
        "replied_at": appeal.replied_at if answered else None,
        "is_open": appeal.is_open,
        "timeline": timeline,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HtmxHttpRequest) -> HttpResponse:
    appeal = _tracked_appeal(request)
    lookup = TrackForm(initial={"number": request.GET.get("number", "")[:32]})
    info = InfoForm()
    bound_rating: RatingForm | None = None
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "lookup")
        if action == "leave":
            request.session.pop(TRACK_SESSION, None)
            return redirect("portal:track")
        if action == "rate":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            rating = RatingForm(request.POST)
            bound_rating = rating
            if rating.is_valid():
                try:
                    record_revisit(
                        actor=None,
                        appeal_id=appeal.pk,
                        by_citizen=True,
                        method="portal",
                        contacted=rating.cleaned_data["contacted"] == "yes",
                        resolved=rating.cleaned_data["resolved"] == "yes",
                        satisfaction=rating.cleaned_data["satisfaction"],
                        comment=rating.cleaned_data["comment"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request, "感谢您的评价。对办理结果不满意或问题未解决的，我们将重新办理。"
                    )
                return redirect("portal:track")
            status = 400
        elif action == "withdraw_publication":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            publication = hooks.portal_publication.get()
            if publication is not None and publication.withdraw(appeal):
                messages.success(request, "已撤回公开同意，本诉求不会在“办理公开”页面显示")
            return redirect("portal:track")
        elif action == "info":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            info = InfoForm(request.POST)
            if info.is_valid():
                try:
                    add_citizen_information(appeal=appeal, text=info.cleaned_data["text"])
                except DomainError as exc:
                    info.add_error("text", exc.message)
                else:
                    messages.success(request, "补充材料已提交，工作人员会一并办理")
                    return redirect("portal:track")
            status = 400
        else:
            lookup = TrackForm(request.POST)
            appeal = None
            if _track_locked(request):
                error = "查询失败次数过多，为保护您的信息，请1小时后再试。如需帮助请拨打12345热线。"
                status = 429
            elif lookup.is_valid():
                found = find_by_tracking(lookup.cleaned_data["number"], lookup.cleaned_data["code"])
                if found is None:
                    _track_failed(request)
                    error = GENERIC_TRACK_ERROR
                    status = 400
                else:
                    request.session[TRACK_SESSION] = {"id": found.pk, "hash": found.tracking_hash}
                    return redirect("portal:track")
            else:
                status = 400
    can_rate = (
        appeal is not None
        and appeal.status == AppealStatus.REPLIED
        and not appeal.revisits.filter(round=appeal.round).exists()
    )
    publication = hooks.portal_publication.get()
    context = {
        "rating": (bound_rating or RatingForm()) if can_rate else None,
        "publication_consent": (
            publication.active_consent(appeal) if appeal and publication is not None else None
        ),
        "page_title": "查询办理进度",
        "lookup": lookup,
        "info": info,
        "error": error,
        "appeal": public_view(appeal) if appeal is not None else None,
    }
    return render(request, "appeals/portal/track.html", context, status=status)

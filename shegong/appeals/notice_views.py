"""Downloads of an appeal's written notices and of its timeline.

Thin views: the appeal comes through ``get_visible_or_404`` (out of scope → 404), the
capability check is ``notices.check_notice_permission`` (missing → 403), and everything
else — availability, privacy, audit — happens in ``appeals.notices``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.services import record_export

from . import notices
from .models import Appeal

CONTENT_TYPES = {
    "docx": notices.DOCX_TYPE,
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def attachment(body: bytes, filename: str, ascii_name: str) -> HttpResponse:
    """A download with an RFC 5987 ``filename*`` (Chinese) and an ASCII fallback."""
    ext = filename.rsplit(".", 1)[-1]
    response = HttpResponse(body, content_type=CONTENT_TYPES[ext])
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def _need_view(request: HttpRequest) -> None:
    """A missing capability is 403 (checked first); an out-of-scope appeal is 404."""
    if not has_capability(request.user, Cap.APPEALS_VIEW):
        raise PermissionDenied


def _detail_url(appeal: Appeal) -> str:
    try:
        return reverse("appeals:detail", kwargs={"pk": appeal.pk})
    except NoReverseMatch:
        return f"/appeals/{appeal.pk}/"


@login_required
@require_GET
def notice_download(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """``GET /appeals/<pk>/notices/<kind>.<docx|pdf>``."""
    _need_view(request)
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    notices.check_notice_permission(request.user, appeal, kind)
    try:
        notice = notices.render_notice(appeal, kind, viewer=request.user, fmt=fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(appeal))
    body = notices.to_docx(notice) if fmt == "docx" else notices.to_pdf(notice)
    return attachment(body, f"{notice.filename_stem}.{fmt}", f"{kind}-{appeal.number}.{fmt}")


@login_required
@require_GET
def timeline_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """``GET /appeals/<pk>/timeline.<xlsx|pdf|csv>`` — every event and work order."""
    _need_view(request)
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    timeline = notices.build_timeline(appeal)
    record_export(
        actor=request.user,
        what="appeals.timeline",
        count=len(timeline.events),
        filters={"appeal": appeal.number},
    )
    if fmt == "xlsx":
        body = notices.timeline_xlsx(timeline)
    elif fmt == "csv":
        body = notices.timeline_csv(timeline)
    else:
        body = notices.timeline_pdf(timeline)
    return attachment(body, f"办理过程-{appeal.number}.{fmt}", f"timeline-{appeal.number}.{fmt}")

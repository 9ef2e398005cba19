"""Publication consent: the list, a consent's page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.appeals.services.identity import search_free_text
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from ..forms import (
    PublicationForm,
)
from ..models import (
    PublicationConsent,
)
from ..services import publication as pub
from .common import error_text


@capability_required(Cap.PUBLICATION_MANAGE)
def publication_list(request: AuthedHttpRequest) -> HttpResponse:
    """Closed appeals in scope (any kind) with their consent state."""
    user = request.user
    qs = (
        Appeal.objects.visible_to(user)
        .filter(status=AppealStatus.CLOSED)
        .select_related("region", "lead_unit", "publication")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = search_free_text(qs, q, user)  # cannot confirm a masked number
    state = request.GET.get("state", "")
    if state == "consented":
        qs = qs.filter(publication__isnull=False, publication__withdrawn_at__isnull=True)
    elif state == "withdrawn":
        qs = qs.filter(publication__withdrawn_at__isnull=False)
    elif state == "none":
        qs = qs.filter(publication__isnull=True)
    page = Paginator(qs.order_by("-closed_at"), 30).get_page(request.GET.get("page"))
    public_ids = set(
        pub.public_consents()
        .filter(appeal_id__in=[a.pk for a in page])
        .values_list("appeal_id", flat=True)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "suggestions/publication_list.html",
        {
            "page": page,
            "public_ids": public_ids,
            "q": q,
            "state": state,
            "query": query.urlencode(),
            "breadcrumbs": [("群众诉求", None), ("公开管理", None)],
        },
    )


@capability_required(Cap.PUBLICATION_MANAGE)
def publication_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    appeal = get_visible_or_404(Appeal, user, pk=pk)
    consent = PublicationConsent.objects.visible_to(user).filter(appeal=appeal).first()
    reasons = pub.exclusion_reasons(appeal)
    if consent is not None and consent.is_active:
        initial = {
            "title": consent.anonymised_title,
            "summary": consent.anonymised_summary,
            "reply": consent.anonymised_reply,
        }
    else:
        proposed = pub.default_texts(appeal)
        initial = {"title": proposed["title"], "summary": proposed["summary"], "reply": ""}
    is_public = pub.public_consents().filter(appeal=appeal).exists()
    return render(
        request,
        "suggestions/publication_detail.html",
        {
            "appeal": appeal,
            "consent": consent,
            "reasons": reasons,
            "blocked": [r for r in reasons if not r.startswith("含附件")],
            "is_public": is_public,
            "form": PublicationForm(initial=initial),
            "preview_reply": pub.default_texts(appeal)["reply"],
            "breadcrumbs": [
                ("公开管理", reverse("suggestions:publication")),
                (appeal.number, None),
            ],
        },
    )


@login_required
@require_POST
def publication_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    need_capability(request, Cap.PUBLICATION_MANAGE)
    user = request.user
    appeal = get_visible_or_404(Appeal, user, pk=pk)
    post = request.POST
    try:
        if action == "grant":
            pub.grant_publication(
                appeal,
                actor=user,
                title=post.get("title", ""),
                summary=post.get("summary", ""),
                reply=post.get("reply", ""),
            )
            messages.success(request, "已记录诉求人同意公开。办结后将以匿名方式在门户公开。")
        elif action == "texts":
            pub.update_publication_texts(
                actor=user,
                appeal_id=pk,
                title=post.get("title", ""),
                summary=post.get("summary", ""),
                reply=post.get("reply", ""),
            )
            messages.success(request, "公开内容已保存（已自动去除个人信息）")
        elif action == "withdraw":
            pub.withdraw_publication(actor=user, appeal_id=pk, reason=post.get("reason", ""))
            messages.success(request, "已撤回公开，门户不再显示")
        else:
            raise Http404
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("suggestions:publication-detail", pk=pk)

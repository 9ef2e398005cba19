"""Solicitation themes: list, create, edit, page and actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from ..choices import Outcome, ThemeStatus
from ..filters import ThemeFilterSet
from ..forms import (
    ThemeForm,
)
from ..models import (
    SolicitationTheme,
    SuggestionEvaluation,
    ThemeSubmission,
)
from ..services import themes as th
from .common import error_text


@capability_required(Cap.SUGGESTIONS_VIEW)
def theme_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    base = SolicitationTheme.objects.visible_to(user).select_related("owner_unit", "region")
    filterset = ThemeFilterSet(request.GET, queryset=base)
    qs = filterset.qs.annotate(submission_count=Count("submissions")).order_by("-start_date", "-pk")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "statuses": ThemeStatus.choices,
        "today": timezone.localdate(),
        "can_manage": user.has_capability(Cap.SUGGESTIONS_MANAGE),
        "breadcrumbs": [("群众诉求", None), ("征集主题", None)],
    }
    template = (
        "suggestions/partials/_theme_table.html" if request.htmx else "suggestions/theme_list.html"
    )
    return render(request, template, context)


def _theme_data(form: ThemeForm) -> th.ThemeData:
    data = form.cleaned_data
    return th.ThemeData(
        title=data["title"],
        description=data["description"],
        background=data["background"],
        channel_note=data["channel_note"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        region_id=data["region"].pk if data["region"] else None,
        owner_unit_id=data["owner_unit"].pk,
    )


@capability_required(Cap.SUGGESTIONS_MANAGE)
def theme_create(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = ThemeForm(request.POST or None, user=user, initial={"owner_unit": user.unit_id})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            theme = th.create_theme(actor=user, data=_theme_data(form))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已保存为草稿。检查无误后请点击“发布”。")
            return redirect("suggestions:theme", pk=theme.pk)
    return render(
        request,
        "suggestions/theme_form.html",
        {
            "form": form,
            "error": error,
            "theme": None,
            "breadcrumbs": [
                ("征集主题", reverse("suggestions:themes")),
                ("发起征集", None),
            ],
        },
        status=422 if (error or form.errors) else 200,
    )


@capability_required(Cap.SUGGESTIONS_MANAGE)
def theme_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    theme = get_visible_or_404(SolicitationTheme, user, pk=pk)
    initial = {
        "title": theme.title,
        "description": theme.description,
        "background": theme.background,
        "channel_note": theme.channel_note,
        "start_date": theme.start_date,
        "end_date": theme.end_date,
        "region": theme.region_id,
        "owner_unit": theme.owner_unit_id,
    }
    form = ThemeForm(request.POST or None, user=user, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            th.update_theme(actor=user, theme_id=pk, data=_theme_data(form))
        except (DomainError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            messages.success(request, "已保存")
            return redirect("suggestions:theme", pk=pk)
    return render(
        request,
        "suggestions/theme_form.html",
        {
            "form": form,
            "error": error,
            "theme": theme,
            "breadcrumbs": [
                ("征集主题", reverse("suggestions:themes")),
                (theme.title, reverse("suggestions:theme", args=[pk])),
                ("修改", None),
            ],
        },
        status=422 if (error or form.errors) else 200,
    )


@capability_required(Cap.SUGGESTIONS_VIEW)
def theme_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    theme = get_visible_or_404(SolicitationTheme, user, pk=pk)
    submissions = (
        ThemeSubmission.objects.visible_to(user)
        .filter(theme=theme)
        .select_related("appeal", "appeal__region", "appeal__evaluation")
        .order_by("-linked_at")
    )
    outcome_counts = dict(
        SuggestionEvaluation.objects.visible_to(user)
        .filter(appeal__theme_link__theme=theme)
        .values_list("outcome")
        .annotate(n=Count("pk"))
    )
    total = submissions.count()
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "suggestions/theme_detail.html",
        {
            "theme": theme,
            "page": page,
            "query": "",
            "total": total,
            "outcome_counts": [
                (label, outcome_counts.get(value, 0)) for value, label in Outcome.choices
            ],
            "today": timezone.localdate(),
            "can_manage": user.has_capability(Cap.SUGGESTIONS_MANAGE),
            "portal_url": reverse("suggestions_portal:theme", args=[theme.pk]),
            "breadcrumbs": [("征集主题", reverse("suggestions:themes")), (theme.title, None)],
        },
    )


@login_required
@require_POST
def theme_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    need_capability(request, Cap.SUGGESTIONS_MANAGE)
    user = request.user
    get_visible_or_404(SolicitationTheme, user, pk=pk)
    try:
        if action == "publish":
            th.publish_theme(actor=user, theme_id=pk)
            messages.success(request, "已发布，群众可在门户“征集主题”中看到并提交建议")
        elif action == "close":
            th.close_theme(actor=user, theme_id=pk)
            messages.success(request, "已结束征集")
        elif action == "conclude":
            th.conclude_theme(actor=user, theme_id=pk, summary=request.POST.get("summary", ""))
            messages.success(request, "征集结果已公布")
        else:
            raise Http404
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("suggestions:theme", pk=pk)

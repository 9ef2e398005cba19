"""Staff pages: the suggestion list and page (evaluation, milestones, rewards, theme link),
themes, and publication consent. Thin: every change is one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.clocks_display import clock_state
from shegong.appeals.models import Appeal
from shegong.appeals.services.common import acts_for_unit
from shegong.appeals.services.identity import masked_text, search_free_text
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .choices import LINKABLE_THEME_STATES, Outcome, RewardKind, ThemeStatus
from .filters import STATE_CHOICES, SuggestionFilterSet, ThemeFilterSet
from .forms import (
    OUTCOME_BADGE,
    EvaluationForm,
    MilestoneForm,
    PublicationForm,
    ThemeForm,
)
from .models import (
    PublicationConsent,
    SolicitationTheme,
    SuggestionEvaluation,
    ThemeSubmission,
)
from .services import evaluation as ev
from .services import publication as pub
from .services import themes as th


def _user(request: HttpRequest) -> Any:
    return request.user


def _suggestions(user: Any) -> QuerySet[Appeal]:
    return Appeal.objects.visible_to(user).filter(kind=AppealKind.PEOPLE_SUGGESTION)


def _error_text(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc) or "您的角色不能执行此操作"


# --- suggestion list and export ----------------------------------------------------------------


def _ordered(qs: QuerySet[Appeal], now: Any) -> QuerySet[Appeal]:
    """Overdue evaluations first, then pending ones by due time, then the newest."""
    return qs.annotate(
        urgency_rank=Case(
            When(evaluation__outcome=Outcome.PENDING, evaluation__due_at__lt=now, then=Value(0)),
            When(evaluation__outcome=Outcome.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("urgency_rank", "evaluation__due_at", "-registered_at")


@capability_required(Cap.SUGGESTIONS_VIEW)
def suggestion_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    base = _suggestions(user)
    filterset = SuggestionFilterSet(
        request.GET,
        queryset=base.select_related(
            "region", "evaluation", "evaluation__unit", "theme_link__theme"
        ),
        request=request,
    )
    page = Paginator(_ordered(filterset.qs, now), 30).get_page(request.GET.get("page"))
    rows = []
    for appeal in page:
        evaluation = getattr(appeal, "evaluation", None)
        rows.append(
            {
                "appeal": appeal,
                "evaluation": evaluation,
                "theme": getattr(getattr(appeal, "theme_link", None), "theme", None),
                "overdue": evaluation is not None and evaluation.is_overdue(now),
                "clock": clock_state(evaluation.due_at, now=now, label="评估")
                if evaluation is not None and not evaluation.is_decided
                else None,
                "badge": OUTCOME_BADGE.get(evaluation.outcome) if evaluation else "",
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    counts = _state_counts(base, now)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "tabs": [("", "全部", counts["all"])]
        + [(key, label, counts[key]) for key, label in STATE_CHOICES],
        "current_state": request.GET.get("state", ""),
        "outcomes": Outcome.choices,
        "themes": SolicitationTheme.objects.visible_to(user).exclude(status=ThemeStatus.DRAFT),
        "can_export": user.has_capability(Cap.EXPORT),
        "breadcrumbs": [("群众诉求", None), ("人民建议", None)],
    }
    template = (
        "suggestions/partials/_suggestion_table.html"
        if request.htmx  # type: ignore[attr-defined]
        else "suggestions/suggestion_list.html"
    )
    return render(request, template, context)


def _state_counts(base: QuerySet[Appeal], now: Any) -> dict[str, int]:
    pending = Outcome.PENDING
    return base.aggregate(
        all=Count("pk"),
        unstarted=Count("pk", filter=Q(evaluation__isnull=True)),
        pending=Count("pk", filter=Q(evaluation__outcome=pending)),
        overdue=Count("pk", filter=Q(evaluation__outcome=pending, evaluation__due_at__lt=now)),
        decided=Count(
            "pk",
            filter=Q(evaluation__isnull=False) & ~Q(evaluation__outcome=pending),
        ),
    )


EXPORT_COLUMNS = [
    "登记编号",
    "标题",
    "发生地",
    "征集主题",
    "诉求状态",
    "评估单位",
    "评估期限",
    "评估结果",
    "转化方式",
    "评估理由",
    "评估时间",
    "评估超期",
    "落实节点（完成/全部）",
    "奖励",
]


def _progress(milestones: list[Any]) -> str:
    if not milestones:
        return ""
    return f"{sum(1 for m in milestones if m.done_at)}/{len(milestones)}"


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@capability_required(Cap.SUGGESTIONS_VIEW, Cap.EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filterset = SuggestionFilterSet(
        request.GET, queryset=_suggestions(request.user), request=request
    )
    queryset = (
        filterset.qs.select_related("region", "evaluation", "evaluation__unit", "theme_link__theme")
        .prefetch_related("evaluation__milestones", "evaluation__rewards")
        .order_by("-registered_at")
    )

    def rows() -> Any:
        for a in queryset.iterator(chunk_size=500):
            e = getattr(a, "evaluation", None)
            link = getattr(a, "theme_link", None)
            milestones = list(e.milestones.all()) if e else []
            rewards = list(e.rewards.all()) if e else []
            yield [
                a.number,
                masked_text(a.title),
                a.region.full_name,
                link.theme.title if link else "",
                a.get_status_display(),
                e.unit.name if e else "",
                _local(e.due_at) if e else "",
                e.get_outcome_display() if e else "未启动评估",
                e.get_conversion_target_display() if e and e.conversion_target else "",
                e.reasons if e else "",
                _local(e.evaluated_at) if e else "",
                "是"
                if e
                and (
                    e.is_overdue(now) or (e.evaluated_at is not None and e.evaluated_at > e.due_at)
                )
                else "",
                _progress(milestones),
                "；".join(
                    r.get_kind_display() + (f" {r.amount}元" if r.amount else "") for r in rewards
                ),
            ]

    return export_response(
        request,
        what="suggestions.suggestion",
        count=queryset.count(),
        basename="人民建议",
        headers=EXPORT_COLUMNS,
        rows=rows(),
    )


# --- the suggestion page ---------------------------------------------------------------------


def _load_suggestion(request: HttpRequest, pk: int) -> Appeal:
    need_capability(request, Cap.SUGGESTIONS_VIEW)
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    if appeal.kind != AppealKind.PEOPLE_SUGGESTION:
        raise Http404
    return appeal


def _panel_context(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    today = timezone.localdate(now)
    evaluation = (
        SuggestionEvaluation.objects.visible_to(user)
        .select_related("unit", "evaluated_by", "started_by")
        .filter(appeal=appeal)
        .first()
    )
    manage = user.has_capability(Cap.SUGGESTIONS_MANAGE)
    evaluator = evaluation is not None and (
        manage
        or (user.has_capability(Cap.SUGGESTIONS_EVALUATE) and acts_for_unit(user, evaluation.unit))
    )
    milestones = list(evaluation.milestones.all()) if evaluation else []
    for m in milestones:
        m.late = m.is_late(today)  # type: ignore[attr-defined]
    units = ev.responsible_units(appeal) if manage else {}
    return {
        "appeal": appeal,
        "evaluation": evaluation,
        "clock": clock_state(
            evaluation.due_at,
            now=now,
            done_at=evaluation.evaluated_at,
            label="评估",
        )
        if evaluation
        else None,
        "badge": OUTCOME_BADGE.get(evaluation.outcome) if evaluation else "",
        "milestones": milestones,
        "rewards": list(evaluation.rewards.select_related("granted_by")) if evaluation else [],
        "responsible_units": list(units.values()),
        "can": {
            "manage": manage,
            "evaluate": evaluator,
            "milestones": evaluator and evaluation is not None and evaluation.is_adopted,
            "reward": manage
            and evaluation is not None
            and evaluation.is_decided
            and evaluation.outcome != Outcome.EXCLUDED,
            "honor": evaluation is not None and evaluation.is_adopted,
        },
        "evaluation_form": EvaluationForm(
            initial={
                "outcome": evaluation.outcome if evaluation and evaluation.is_decided else "",
                "reasons": evaluation.reasons if evaluation else "",
                "conversion_target": evaluation.conversion_target if evaluation else "",
                "feedback_mode": evaluation.feedback_mode if evaluation else "",
                "exclusion_ground": evaluation.exclusion_ground if evaluation else "",
                "reroute_stream": evaluation.reroute_stream if evaluation else "",
            }
        ),
        "reward_kinds": RewardKind.choices,
    }


def _detail_context(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = _user(request)
    link = (
        ThemeSubmission.objects.visible_to(user)
        .select_related("theme", "linked_by")
        .filter(appeal=appeal)
        .first()
    )
    context = _panel_context(request, appeal)
    consent = PublicationConsent.objects.visible_to(user).filter(appeal=appeal).first()
    context.update(
        {
            "link": link,
            "linkable_themes": SolicitationTheme.objects.visible_to(user).filter(
                status__in=LINKABLE_THEME_STATES
            )
            if user.has_capability(Cap.SUGGESTIONS_MANAGE)
            else [],
            "consent": consent,
            "can_publish": user.has_capability(Cap.PUBLICATION_MANAGE),
            "breadcrumbs": [
                ("群众诉求", reverse("appeals:workbench")),
                ("人民建议", reverse("suggestions:list")),
                (appeal.number, None),
            ],
        }
    )
    return context


@login_required
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _load_suggestion(request, pk)
    return render(request, "suggestions/suggestion_detail.html", _detail_context(request, appeal))


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def suggestion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every form on the suggestion page posts here; the service decides. HTMX requests
    get the evaluation panel back (with the message), others a redirect."""
    appeal = _load_suggestion(request, pk)
    user = _user(request)
    post = request.POST
    ok = "操作成功"
    try:
        if action == "start":
            ev.start_evaluation(
                actor=user,
                appeal_id=pk,
                unit_id=_int(post.get("unit")),
                days=_int(post.get("days")),
            )
            ok = "已开始采纳评估"
        elif action == "reassign":
            unit_id = _int(post.get("unit"))
            if unit_id is None:
                raise DomainError("请选择评估单位")
            ev.change_evaluation_unit(
                actor=user, appeal_id=pk, unit_id=unit_id, reason=post.get("reason", "")
            )
        elif action == "evaluate":
            ev.evaluate_suggestion(
                actor=user,
                appeal_id=pk,
                outcome=post.get("outcome", ""),
                reasons=post.get("reasons", ""),
                conversion_target=post.get("conversion_target", ""),
                feedback_mode=post.get("feedback_mode", ""),
                exclusion_ground=post.get("exclusion_ground", ""),
                reroute_stream=post.get("reroute_stream", ""),
                expected_version=_int(post.get("version")),
            )
            ok = "评估结论已保存"
        elif action == "milestone":
            form = MilestoneForm(post)
            if not form.is_valid():
                raise DomainError("请填写落实节点和计划完成日期")
            ev.add_milestone(
                actor=user,
                appeal_id=pk,
                title=form.cleaned_data["title"],
                due_date=form.cleaned_data["due_date"],
            )
            ok = "已添加落实节点"
        elif action == "milestone_done":
            milestone_id = _int(post.get("milestone"))
            if milestone_id is None:
                raise DomainError("落实节点不存在")
            ev.complete_milestone(
                actor=user, milestone_id=milestone_id, evidence=post.get("evidence", "")
            )
            ok = "落实节点已完成"
        elif action == "reward":
            ev.grant_reward(
                actor=user,
                appeal_id=pk,
                kind=post.get("kind", ""),
                amount=post.get("amount") or None,
                note=post.get("note", ""),
            )
            ok = "奖励已记录"
        elif action == "link_theme":
            theme_id = _int(post.get("theme"))
            if theme_id is None:
                raise DomainError("请选择征集主题")
            th.link_appeal_to_theme(actor=user, appeal_id=pk, theme_id=theme_id)
            ok = "已关联征集主题"
        elif action == "unlink_theme":
            th.unlink_appeal_from_theme(actor=user, appeal_id=pk)
            ok = "已取消关联"
        else:
            raise Http404
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    if request.htmx and action not in {"link_theme", "unlink_theme"}:  # type: ignore[attr-defined]
        return render(
            request, "suggestions/partials/_evaluation_panel.html", _panel_context(request, appeal)
        )
    return redirect("suggestions:detail", pk=pk)


# --- themes ---------------------------------------------------------------------------------


@capability_required(Cap.SUGGESTIONS_VIEW)
def theme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
        "suggestions/partials/_theme_table.html"
        if request.htmx  # type: ignore[attr-defined]
        else "suggestions/theme_list.html"
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
def theme_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
            error = _error_text(exc)
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
def theme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
def theme_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    need_capability(request, Cap.SUGGESTIONS_MANAGE)
    user = _user(request)
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
        messages.error(request, _error_text(exc))
    return redirect("suggestions:theme", pk=pk)


# --- publication consent ----------------------------------------------------------------------


@capability_required(Cap.PUBLICATION_MANAGE)
def publication_list(request: HttpRequest) -> HttpResponse:
    """Closed appeals in scope (any kind) with their consent state."""
    user = _user(request)
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
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
def publication_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    need_capability(request, Cap.PUBLICATION_MANAGE)
    user = _user(request)
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
        messages.error(request, _error_text(exc))
    return redirect("suggestions:publication-detail", pk=pk)

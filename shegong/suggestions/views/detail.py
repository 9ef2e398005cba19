"""A suggestion's page (evaluation, milestones, rewards, theme link) and its actions; each
change is one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.choices import AppealKind
from shegong.appeals.clocks_display import clock_state
from shegong.appeals.models import Appeal
from shegong.appeals.services.common import acts_for_unit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id

from ..choices import LINKABLE_THEME_STATES, Outcome, RewardKind
from ..forms import (
    OUTCOME_BADGE,
    EvaluationForm,
    MilestoneForm,
)
from ..models import (
    PublicationConsent,
    SolicitationTheme,
    SuggestionEvaluation,
    ThemeSubmission,
)
from ..services import evaluation as ev
from ..services import themes as th
from .common import error_text


def _load_suggestion(request: AuthedHttpRequest, pk: int) -> Appeal:
    need_capability(request, Cap.SUGGESTIONS_VIEW)
    appeal = get_visible_or_404(Appeal, request.user, pk=pk)
    if appeal.kind != AppealKind.PEOPLE_SUGGESTION:
        raise Http404
    return appeal


def _panel_context(request: AuthedHttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = request.user
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


def _detail_context(request: AuthedHttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = request.user
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
def suggestion_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    appeal = _load_suggestion(request, pk)
    return render(request, "suggestions/suggestion_detail.html", _detail_context(request, appeal))


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return parse_id(value)


@login_required
@require_POST
def suggestion_act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Every form on the suggestion page posts here; the service decides. HTMX requests
    get the evaluation panel back (with the message), others a redirect."""
    appeal = _load_suggestion(request, pk)
    user = request.user
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
        messages.error(request, error_text(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    if request.htmx and action not in {"link_theme", "unlink_theme"}:
        return render(
            request, "suggestions/partials/_evaluation_panel.html", _panel_context(request, appeal)
        )
    return redirect("suggestions:detail", pk=pk)

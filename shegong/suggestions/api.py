from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal
from shegong.appeals.services.identity import masked_text
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .filters import SuggestionFilterSet, ThemeFilterSet
from .models import (
    ImplementationMilestone,
    SolicitationTheme,
    SuggestionEvaluation,
)
from .services import evaluation as ev

router = Router(tags=["人民建议"])


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: date
    done_at: datetime | None
    evidence: str


class RewardOut(Schema):
    id: int
    kind: str
    amount: Decimal | None
    note: str
    granted_at: datetime


class EvaluationOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    started_at: datetime
    due_at: datetime
    due_provisional: bool
    overdue: bool
    outcome: str
    reasons: str
    conversion_target: str
    feedback_mode: str
    exclusion_ground: str
    reroute_stream: str
    evaluated_at: datetime | None
    version: int


class SuggestionOut(Schema):
    id: int
    number: str
    title: str
    status: str
    region_id: int
    lead_unit_id: int | None
    registered_at: datetime
    theme_id: int | None
    evaluation: EvaluationOut | None

    @staticmethod
    def resolve_theme_id(obj: Any) -> int | None:
        if isinstance(obj, dict):
            return obj["theme_id"]  # type: ignore[no-any-return]
        link = getattr(obj, "theme_link", None)
        return link.theme_id if link is not None else None

    @staticmethod
    def resolve_evaluation(obj: Any) -> dict[str, Any] | None:
        if isinstance(obj, dict):
            return obj["evaluation"]  # type: ignore[no-any-return]
        return _evaluation(getattr(obj, "evaluation", None))


class SuggestionDetailOut(SuggestionOut):
    body: str
    reply_text: str
    milestones: list[MilestoneOut]
    rewards: list[RewardOut]


class SuggestionQuery(Schema):
    q: str | None = None
    state: str | None = None
    outcome: str | None = None
    theme: int | None = None
    unit: int | None = None
    region: int | None = None
    since: date | None = None
    until: date | None = None


class StartIn(Schema):
    unit_id: int | None = None
    days: int | None = None


class EvaluateIn(Schema):
    outcome: str
    reasons: str
    conversion_target: str = ""
    feedback_mode: str = ""
    exclusion_ground: str = ""
    reroute_stream: str = ""
    expected_version: int | None = None


class MilestoneIn(Schema):
    title: str
    due_date: date


class EvidenceIn(Schema):
    evidence: str


class RewardIn(Schema):
    kind: str
    amount: Decimal | None = None
    note: str = ""


class ThemeOut(Schema):
    id: int
    title: str
    description: str
    status: str
    start_date: date
    end_date: date
    region_id: int | None
    owner_unit_id: int
    summary: str


class ThemeQuery(Schema):
    q: str | None = None
    status: str | None = None


def _evaluation(evaluation: SuggestionEvaluation | None) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    from django.utils import timezone

    return {
        "id": evaluation.pk,
        "unit_id": evaluation.unit_id,
        "unit_name": evaluation.unit.name,
        "started_at": evaluation.started_at,
        "due_at": evaluation.due_at,
        "due_provisional": evaluation.due_provisional,
        "overdue": evaluation.is_overdue(timezone.now()),
        "outcome": evaluation.outcome,
        "reasons": evaluation.reasons,
        "conversion_target": evaluation.conversion_target,
        "feedback_mode": evaluation.feedback_mode,
        "exclusion_ground": evaluation.exclusion_ground,
        "reroute_stream": evaluation.reroute_stream,
        "evaluated_at": evaluation.evaluated_at,
        "version": evaluation.version,
    }


def _row(appeal: Appeal) -> dict[str, Any]:
    link = getattr(appeal, "theme_link", None)
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "title": masked_text(appeal.title),
        "status": appeal.status,
        "region_id": appeal.region_id,
        "lead_unit_id": appeal.lead_unit_id,
        "registered_at": appeal.registered_at,
        "theme_id": link.theme_id if link is not None else None,
        "evaluation": _evaluation(getattr(appeal, "evaluation", None)),
    }


def _suggestion(request: HttpRequest, appeal_id: int) -> Appeal:
    require_capability(request, Cap.SUGGESTIONS_VIEW)
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_id)
    if appeal.kind != AppealKind.PEOPLE_SUGGESTION:
        raise Http404
    return appeal


def _detail(request: HttpRequest, appeal_id: int) -> dict[str, Any]:
    appeal = _suggestion(request, appeal_id)
    evaluation = (
        SuggestionEvaluation.objects.visible_to(request.user)
        .select_related("unit")
        .filter(appeal=appeal)
        .first()
    )
    data = _row(appeal)
    data.update(
        evaluation=_evaluation(evaluation),
        body=masked_text(appeal.body),  # whole text: POST /api/appeals/{id}/reveal-text
        reply_text=masked_text(appeal.reply_text),
        milestones=list(evaluation.milestones.all()) if evaluation else [],
        rewards=list(evaluation.rewards.all()) if evaluation else [],
    )
    return data


@router.get("/suggestions", response=list[SuggestionOut])
@paginate
def list_suggestions(request: HttpRequest, filters: Query[SuggestionQuery]) -> Any:
    """人民建议 in the caller's scope with their 采纳评估 (filters as on the staff list)."""
    require_capability(request, Cap.SUGGESTIONS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    base = Appeal.objects.visible_to(request.user).filter(kind=AppealKind.PEOPLE_SUGGESTION)
    qs = SuggestionFilterSet(data, queryset=base, request=request).qs.select_related(
        "evaluation", "evaluation__unit", "theme_link"
    )
    return qs.order_by("-registered_at")


@router.get("/suggestions/{appeal_id}", response=SuggestionDetailOut)
def get_suggestion(request: HttpRequest, appeal_id: int) -> Any:
    return _detail(request, appeal_id)


@router.post("/suggestions/{appeal_id}/evaluation/start", response={201: SuggestionDetailOut})
def start(request: AuthedHttpRequest, appeal_id: int, payload: StartIn) -> Any:
    _suggestion(request, appeal_id)
    ev.start_evaluation(
        actor=request.user, appeal_id=appeal_id, unit_id=payload.unit_id, days=payload.days
    )
    return Status(201, _detail(request, appeal_id))


@router.post("/suggestions/{appeal_id}/evaluation", response=SuggestionDetailOut)
def evaluate(request: AuthedHttpRequest, appeal_id: int, payload: EvaluateIn) -> Any:
    """采纳 / 部分采纳 / 不采纳 / 不作为人民建议 (``excluded``), always with reasons."""
    _suggestion(request, appeal_id)
    ev.evaluate_suggestion(actor=request.user, appeal_id=appeal_id, **payload.dict())
    return _detail(request, appeal_id)


@router.post("/suggestions/{appeal_id}/milestones", response={201: MilestoneOut})
def add_milestone(request: AuthedHttpRequest, appeal_id: int, payload: MilestoneIn) -> Any:
    _suggestion(request, appeal_id)
    milestone = ev.add_milestone(
        actor=request.user, appeal_id=appeal_id, title=payload.title, due_date=payload.due_date
    )
    return Status(201, milestone)


@router.post("/suggestion-milestones/{milestone_id}/complete", response=MilestoneOut)
def complete_milestone(request: AuthedHttpRequest, milestone_id: int, payload: EvidenceIn) -> Any:
    require_capability(request, Cap.SUGGESTIONS_VIEW)
    get_visible_or_404(ImplementationMilestone, request.user, pk=milestone_id)
    return ev.complete_milestone(
        actor=request.user, milestone_id=milestone_id, evidence=payload.evidence
    )


@router.post("/suggestions/{appeal_id}/rewards", response={201: RewardOut})
def grant_reward(request: AuthedHttpRequest, appeal_id: int, payload: RewardIn) -> Any:
    _suggestion(request, appeal_id)
    reward = ev.grant_reward(
        actor=request.user,
        appeal_id=appeal_id,
        kind=payload.kind,
        amount=payload.amount,
        note=payload.note,
    )
    return Status(201, reward)


@router.get("/suggestion-themes", response=list[ThemeOut])
@paginate
def list_themes(request: HttpRequest, filters: Query[ThemeQuery]) -> Any:
    require_capability(request, Cap.SUGGESTIONS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return ThemeFilterSet(data, queryset=SolicitationTheme.objects.visible_to(request.user)).qs


@router.get("/suggestion-themes/{theme_id}", response=ThemeOut)
def get_theme(request: HttpRequest, theme_id: int) -> Any:
    require_capability(request, Cap.SUGGESTIONS_VIEW)
    return get_visible_or_404(SolicitationTheme, request.user, pk=theme_id)

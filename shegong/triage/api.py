"""Triage API: an appeal's suggestions (with reasons) and one-click acceptance, scoped like
the appeal pages (out of scope = 404; without ``appeals.dispatch`` = 403)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from shegong.appeals.models import Appeal
from shegong.core.api import require_capability
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .panel import triage_for
from .services import accept_suggestion, routing_accuracy

router = Router(tags=["智能分拣"])


class TriageSuggestionOut(Schema):
    unit_id: int
    unit_name: str
    score: float
    reasons: list[str]


class DuplicateOut(Schema):
    appeal_id: int
    number: str
    similarity: float


class TriageOut(Schema):
    appeal_id: int
    category_l1: str
    category_l2: str
    category_reason: str
    confidence: float
    suggestions: list[TriageSuggestionOut]
    duplicates: list[DuplicateOut]
    same_person: list[int]
    possible_group: bool
    flags: list[str]
    computed_at: datetime
    accepted_unit_id: int | None


class PendingOut(Schema):
    appeal_id: int
    status: str
    detail: str


class AcceptIn(Schema):
    unit_id: int


class AccuracyOut(Schema):
    since: datetime
    appeals: int
    top1: float | None
    top3: float | None
    accepted: float | None


@router.get("/appeals/{appeal_id}/triage", response={200: TriageOut, 202: PendingOut})
def appeal_triage(request: HttpRequest, appeal_id: int) -> Any:
    """Category, top-3 units with reasons, near-duplicates and the same person's other
    appeals — only those the caller may see. Not triaged yet: 202 ``status: pending`` (the
    task is queued; ask again in a few seconds)."""
    require_capability(request, Cap.APPEALS_DISPATCH)
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_id)
    panel = triage_for(request.user, appeal)
    if panel is None:
        raise DomainError("智能分拣暂不可用，请稍后再试")
    if panel.get("failed"):
        raise DomainError("智能分拣暂不可用，请人工分拨", code="triage_failed")
    if panel.get("pending"):
        pending = {"appeal_id": appeal.pk, "status": "pending", "detail": "分拣中，请稍后再试"}
        return Status(202, pending)
    result = panel["result"]
    return {
        "appeal_id": appeal.pk,
        "category_l1": result.category_l1,
        "category_l2": result.category_l2,
        "category_reason": result.category_reason,
        "confidence": result.confidence,
        "suggestions": panel["suggestions"],
        "duplicates": panel["duplicates"],
        "same_person": [a.pk for a in panel["same_person"]],
        "possible_group": panel["is_group"],
        "flags": panel["flags"],
        "computed_at": result.computed_at,
        "accepted_unit_id": result.accepted_unit_id,
    }


@router.post("/appeals/{appeal_id}/triage/accept", response=dict)
def accept(request: HttpRequest, appeal_id: int, payload: AcceptIn) -> Any:
    """采纳并派单: dispatch to one of the suggested units (its category becomes final)."""
    require_capability(request, Cap.APPEALS_DISPATCH)
    get_visible_or_404(Appeal, request.user, pk=appeal_id)
    appeal = accept_suggestion(actor=request.user, appeal_id=appeal_id, unit_id=payload.unit_id)
    return {"appeal_id": appeal.pk, "status": appeal.status, "lead_unit_id": appeal.lead_unit_id}


@router.get("/triage/routing-accuracy", response=AccuracyOut)
def accuracy(request: HttpRequest) -> Any:
    """Top-1/top-3 hit rate of routing suggestions on closed appeals in the caller's scope."""
    require_capability(request, Cap.APPEALS_DISPATCH)
    return routing_accuracy(request.user)

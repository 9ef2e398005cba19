"""The dues API (django-ninja), scoped through ``visible_to`` like the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.partyrules.months import Month
from shegong.lib.text import MAX_ID
from shegong.members.models import Member

from .models import DuesAssessment, DuesPayment
from .services import assessments, payments
from .services.common import parse_month
from .services.status import dues_status

router = Router(tags=["党费"])
MAX_STATUS_IDS = 500


class AssessmentOut(Schema):
    id: int
    member_id: int
    year: int
    category: str
    base: Decimal | None
    computed_amount: Decimal
    hardship_amount: Decimal | None
    monthly_amount: Decimal
    source: str


class AssessmentIn(Schema):
    member_id: int
    year: int
    category: str
    base: Decimal | None = None


class PaymentOut(Schema):
    id: int
    member_id: int
    organization_id: int
    month: date
    amount: Decimal
    kind: str
    method: str
    reverses_id: int | None
    paid_on: date
    note: str


class PaymentIn(Schema):
    member_id: int
    months: list[str]  # "2026-01"
    method: str
    paid_on: date | None = None
    amount_per_month: Decimal | None = None
    confirm_overpay: bool = False
    note: str = ""


class ReversalIn(Schema):
    payment_id: int
    reason: str


class StatusOut(Schema):
    member_id: int
    through: str
    months_owed: int
    months_paid: int
    months_in_arrears: list[str]
    outstanding: Decimal
    longest_unpaid_run: int
    unpaid_run_through_end: int
    lapse_risk: bool


class AssessmentFilter(Schema):
    member_id: int | None = None
    year: int | None = None


class PaymentFilter(Schema):
    member_id: int | None = None


@router.get("/dues/assessments", response=list[AssessmentOut])
def list_assessments(
    request: AuthedHttpRequest, filters: Query[AssessmentFilter]
) -> list[DuesAssessment]:
    require_capability(request, Cap.DUES_VIEW)
    rows = DuesAssessment.objects.visible_to(request.user).order_by("member_id", "year")
    if filters.member_id is not None:
        rows = rows.filter(member_id=filters.member_id)
    if filters.year is not None:
        rows = rows.filter(year=filters.year)
    return list(rows[:1000])


@router.post("/dues/assessments", response={201: AssessmentOut})
def enter_assessment(request: AuthedHttpRequest, payload: AssessmentIn) -> Status[DuesAssessment]:
    require_capability(request, Cap.DUES_MANAGE)
    get_visible_or_404(Member, request.user, pk=payload.member_id)
    return Status(
        201,
        assessments.set_assessment(
            actor=request.user,
            member_id=payload.member_id,
            year=payload.year,
            category=payload.category,
            base=payload.base,
        ),
    )


@router.get("/dues/payments", response=list[PaymentOut])
def list_payments(request: AuthedHttpRequest, filters: Query[PaymentFilter]) -> list[DuesPayment]:
    require_capability(request, Cap.DUES_VIEW)
    rows = DuesPayment.objects.visible_to(request.user).order_by("-month", "-pk")
    if filters.member_id is not None:
        rows = rows.filter(member_id=filters.member_id)
    return list(rows[:1000])


@router.post("/dues/payments", response={201: list[PaymentOut]})
def record_payment(request: AuthedHttpRequest, payload: PaymentIn) -> Status[list[DuesPayment]]:
    require_capability(request, Cap.DUES_MANAGE)
    get_visible_or_404(Member, request.user, pk=payload.member_id)
    return Status(
        201,
        payments.record_payment(
            actor=request.user,
            member_id=payload.member_id,
            months=[parse_month(m) for m in payload.months],
            method=payload.method,
            paid_on=payload.paid_on,
            amount_per_month=payload.amount_per_month,
            confirm_overpay=payload.confirm_overpay,
            note=payload.note,
        ),
    )


@router.post("/dues/reversals", response={201: PaymentOut})
def reverse_payment(request: AuthedHttpRequest, payload: ReversalIn) -> Status[DuesPayment]:
    """冲正: a negative row naming ``payment_id`` (the ledger is never updated)."""
    require_capability(request, Cap.DUES_MANAGE)
    get_visible_or_404(DuesPayment, request.user, pk=payload.payment_id)
    return Status(
        201,
        payments.reverse_payment(
            actor=request.user, payment_id=payload.payment_id, reason=payload.reason
        ),
    )


class StatusFilter(Schema):
    member_id: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = []
    through: str = ""


@router.get("/dues/status", response=list[StatusOut])
def status(request: AuthedHttpRequest, filters: Query[StatusFilter]) -> list[StatusOut]:
    """Arrears of the given members (in scope; others are left out) through a month
    (``2026-03``; default the last complete month — the current one is not over; a later
    month is counted through the current one)."""
    require_capability(request, Cap.DUES_VIEW)
    current = Month.of(timezone.localdate())
    through = min(parse_month(filters.through), current) if filters.through else current.plus(-1)
    ids = list(
        Member.objects.visible_to(request.user)
        .filter(pk__in=filters.member_id[:MAX_STATUS_IDS])
        .values_list("pk", flat=True)
    )
    reports = dues_status(ids, through)
    return [
        StatusOut(
            member_id=pk,
            through=str(through),
            months_owed=r.months_owed,
            months_paid=r.months_paid,
            months_in_arrears=[str(m) for m in r.months_in_arrears],
            outstanding=r.outstanding,
            longest_unpaid_run=r.longest_unpaid_run,
            unpaid_run_through_end=r.unpaid_run_through_end,
            lapse_risk=r.lapse_risk,
        )
        for pk, r in sorted(reports.items())
    ]

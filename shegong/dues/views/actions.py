"""The dues forms: base entry, 沿用上年基数, record payment (phone), reversal, hardship
proposal and decision. Each view translates the form and calls one service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.partyrules.months import Month, months_between
from shegong.lib.text import parse_id
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

from ..choices import HardshipAction, PaymentMethod
from ..models import DuesAssessment, DuesHardship, DuesPayment
from ..services import assessments, hardship, payments
from ..services.common import parse_month
from ..services.payments import OverpayNeedsConfirmation
from ..services.status import dues_status
from .common import BASE_CRUMB, last_complete_month, this_month, today


def _member_url(member_id: int) -> str:
    return f"/dues/members/{member_id}/"


@login_required
@require_POST
def assess(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.DUES_MANAGE)
    member = get_visible_or_404(Member, request.user, pk=pk)
    year = parse_id(request.POST.get("year", "")) or today().year
    try:
        row = assessments.set_assessment(
            actor=request.user,
            member_id=member.pk,
            year=year,
            category=request.POST.get("category", ""),
            base=request.POST.get("base", "").strip() or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{row.year}年度党费已核定：每月 {row.monthly_amount} 元")
    return redirect(_member_url(member.pk))


@login_required
@require_POST
def copy_forward(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.DUES_MANAGE)
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    year = parse_id(request.POST.get("year", "")) or today().year
    try:
        count = assessments.copy_forward(actor=request.user, organization_id=org.pk, year=year)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已沿用 {year - 1} 年基数为 {count} 名党员核定 {year} 年度党费")
    return redirect(f"/dues/orgs/{org.pk}/?year={year}")


def _pay_context(request: AuthedHttpRequest, member: Member) -> dict[str, object]:
    month = this_month()
    report = dues_status([member.pk], last_complete_month())[member.pk]
    owing = set(report.months_in_arrears)
    start = min([*owing, Month(month.year, 1)])
    choices = [(m, m in owing) for m in months_between(start, Month(month.year, 12))]
    selected = (
        set(request.POST.getlist("months")) if request.method == "POST" else {str(m) for m in owing}
    )
    return {
        "selected": selected,
        "member": member,
        "report": report,
        "choices": choices,
        "methods": PaymentMethod.choices,
        "paid_on": request.POST.get("paid_on", "") or today().isoformat(),
        "breadcrumbs": [
            BASE_CRUMB,
            (str(member.name), _member_url(member.pk)),
            ("登记缴费", None),
        ],
    }


@capability_required(Cap.DUES_MANAGE)
@require_http_methods(["GET", "POST"])
def pay(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Record a payment for one or more months (a member usually pays a quarter at once)."""
    member = get_visible_or_404(Member, request.user, pk=pk)
    context = _pay_context(request, member)
    if request.method == "GET":
        return render(request, "dues/pay.html", context)
    raw_months = request.POST.getlist("months")
    context["posted"] = request.POST
    try:
        months = [parse_month(m) for m in raw_months]
        paid_on = request.POST.get("paid_on", "").strip()
        try:
            when = date.fromisoformat(paid_on) if paid_on else None
        except ValueError as exc:
            raise DomainError("缴纳日期格式不正确") from exc
        rows = payments.record_payment(
            actor=request.user,
            member_id=member.pk,
            months=months,
            method=request.POST.get("method", ""),
            paid_on=when,
            amount_per_month=request.POST.get("amount", "").strip() or None,
            confirm_overpay=request.POST.get("confirm_overpay") == "1",
            note=request.POST.get("note", ""),
        )
    except OverpayNeedsConfirmation as exc:
        context["error"] = exc.message
        context["ask_confirm"] = True
        return render(request, "dues/pay.html", context, status=422)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "dues/pay.html", context, status=422)
    total = sum(r.amount for r in rows)
    messages.success(request, f"已登记 {len(rows)} 个月党费，共 {total} 元")
    return redirect(_member_url(member.pk))


@login_required
@require_POST
def reverse(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.DUES_MANAGE)
    payment = get_visible_or_404(DuesPayment, request.user, pk=pk)
    try:
        payments.reverse_payment(
            actor=request.user, payment_id=payment.pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已冲正该笔记录")
    return redirect(_member_url(payment.member_id))


@login_required
@require_POST
def hardship_propose(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.DUES_MANAGE)
    assessment = get_visible_or_404(DuesAssessment, request.user, pk=pk)
    try:
        hardship.propose_hardship(
            actor=request.user,
            assessment_id=assessment.pk,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "减免申请已提交，等待上级党委审批")
    return redirect(_member_url(assessment.member_id))


@login_required
@require_POST
def hardship_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.DUES_APPROVE)
    row = get_visible_or_404(DuesHardship, request.user, pk=pk)
    action = request.POST.get("action", "")
    if action not in HardshipAction.values:
        messages.error(request, "请选择审批结果")
        return redirect("dues:hardships")
    try:
        decided = hardship.decide_hardship(
            actor=request.user, hardship_id=row.pk, action=action, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"减免申请{decided.get_status_display()}")
    return redirect("dues:hardships")

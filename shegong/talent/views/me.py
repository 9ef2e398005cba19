"""「我的」 pages: what a social worker sees of themselves on a phone, signed in with the
platform account linked to their record (``Person.account``). No capability is needed —
every query is of the signed-in account's own person; an account without a linked person
sees a Chinese explanation. Enrol in a class, check in by the class's QR code, see hours
and re-registration status, write the 述职 and ask for a review of a grade."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError

from ..choices import CycleStatus
from ..models import Person
from ..services import credentials, evaluation, training
from ..services.common import TEXT_LIMITS, own_person


def _person(request: AuthedHttpRequest) -> Person | None:
    try:
        return own_person(request.user)
    except DomainError:
        return None


def _page(request: AuthedHttpRequest, **extra: object) -> HttpResponse:
    person = _person(request)
    if person is None:
        return render(request, "talent/me.html", {"person": None})
    today = timezone.localdate()
    enrolled = {
        e.training_id: e
        for e in person.enrolments.select_related("training").order_by("-enrolled_at")[:50]
    }
    evaluations = person.evaluations.select_related("cycle").order_by("-cycle__year")
    return render(
        request,
        "talent/me.html",
        {
            "person": person,
            "statuses": [credentials.status_of(c, today) for c in person.credentials.all()],
            "hours": person.hours.all()[:30],
            "open_classes": training.open_classes(person),
            "enrolled": enrolled,
            "evaluations": evaluations,
            "self_stage": CycleStatus.SELF,
            "review_stage": CycleStatus.REVIEW,
            "publicity_stage": CycleStatus.PUBLICITY,
            "limits": TEXT_LIMITS,
            "breadcrumbs": [("我的培训与证书", None)],
            **extra,
        },
    )


@login_required
def me(request: AuthedHttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def me_enrol(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        training.enrol_self(actor=request.user, class_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "报名成功，培训当天请扫描现场二维码签到")
    return redirect("talent:me")


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedHttpRequest, token: str) -> HttpResponse:
    """The page the class's QR code opens. GET shows the class and a button (a scan alone
    changes nothing); POST checks the signed-in person in."""
    error = ""
    item = None
    try:
        item = training.class_of_token(token)
    except DomainError as exc:
        error = exc.message
    if request.method == "POST" and item is not None:
        try:
            record = training.check_in(actor=request.user, token=token)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"签到成功，已计入{float(record.hours):g}学时")
            return redirect("talent:me")
    return render(
        request,
        "talent/checkin.html",
        {"item": item, "error": error, "token": token, "person": _person(request)},
    )


def _kept_in(request: AuthedHttpRequest, pk: int, appeal: bool) -> str:
    """Where the page shows the refused text: the form it came from if the page still
    shows that form, else a read-only box ("box")."""
    person = _person(request)
    row = person.evaluations.select_related("cycle").filter(pk=pk).first() if person else None
    if row is None:
        return "box"
    status = row.cycle.status
    if not appeal and status in (CycleStatus.SELF, CycleStatus.REVIEW):
        return "report"
    if appeal and status == CycleStatus.PUBLICITY and row.appealed_at is None:
        return "appeal"
    return "box"


@login_required
@require_POST
def me_report(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The 述职 or the request for review; on a refusal the page again with the reason and
    the text typed (in the form, or shown as not saved when the form is gone)."""
    try:
        if request.POST.get("appeal") == "1":
            evaluation.appeal_grade(
                actor=request.user, evaluation_id=pk, text=request.POST.get("text", "")
            )
            done = "已提交复核申请"
        else:
            evaluation.submit_self_report(
                actor=request.user, evaluation_id=pk, text=request.POST.get("text", "")
            )
            done = "已提交述职"
    except DomainError as exc:
        messages.error(request, exc.message)
        appeal = request.POST.get("appeal") == "1"
        return _page(
            request,
            failed=pk,
            kept=request.POST.get("text", ""),
            kept_in=_kept_in(request, pk, appeal),
        )
    messages.success(request, done)
    return redirect("talent:me")

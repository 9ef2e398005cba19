"""发展党员 pages: record a step on a member's page (refused steps re-render the form with
every violation, nothing lost) and the pipeline page with the next deadlines."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from ..choices import PIPELINE_STAGES, Stage
from ..forms import StepForm
from ..models import Member
from ..services import development
from ..services.development import StepInput, StepRefused
from .common import BASE_CRUMB, filter_members, people_ids, query_string
from .roster import detail_context


@capability_required(Cap.MEMBERS_MANAGE)
@require_POST
def record_step(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    form = StepForm(request.POST)
    violations: list[str] = []
    if form.is_valid():
        d = form.cleaned_data
        step = StepInput(
            kind=d["kind"],
            on=d["on"],
            decision_body=d["decision_body"],
            document_ref=d["document_ref"],
            extension_months=d["extension_months"] or 0,
            training_hours=d["training_hours"] or Decimal(0),
            training_days=d["training_days"] or 0,
            volunteer_form_issued_on=d["volunteer_form_issued_on"],
            publicity_first_day=d["publicity_first_day"],
            publicity_last_day=d["publicity_last_day"],
            leaving_unit_on=d["leaving_unit_on"],
            special_case=d["special_case"],
            people_ids=people_ids(request),
            note=d["note"],
        )
        try:
            event = development.record_step(actor=request.user, member_id=member.pk, step=step)
        except StepRefused as exc:
            violations = exc.violations
        except PermissionDenied as exc:
            violations = [str(exc) or "您不能办理该步骤"]
        except DomainError as exc:
            violations = [exc.message]
        else:
            messages.success(request, f"已记录：{event.get_kind_display()}")
            return redirect("members:detail", pk=member.pk)
    member.refresh_from_db()
    context = detail_context(request, member, form)
    context["violations"] = violations
    context["chosen_people"] = set(people_ids(request))
    return render(request, "members/member_detail.html", context, status=422)


@capability_required(Cap.MEMBERS_VIEW)
def pipeline(request: AuthedHttpRequest) -> HttpResponse:
    """发展党员: people on the path in the user's scope, with the next deadlines."""
    visible = Member.objects.visible_to(request.user)
    members, org = filter_members(request, visible)
    if request.GET.get("stage", "") not in PIPELINE_STAGES:
        members = members.filter(stage__in=PIPELINE_STAGES)
    page = paginate_capped(
        request, members.select_related("organization").order_by(*development.PIPELINE_ORDER), 50
    )
    today = timezone.localdate()
    rows = development.pipeline(list(page), today)
    return render(
        request,
        "members/pipeline.html",
        {
            "page": page,
            "rows": rows,
            "org": org,
            "query": query_string(request),
            "stages": [(s.value, s.label) for s in PIPELINE_STAGES],
            "stage": request.GET.get("stage", ""),
            "today": today,
            "breadcrumbs": [BASE_CRUMB, ("发展党员", None)],
            "applicant": Stage.APPLICANT,
        },
    )

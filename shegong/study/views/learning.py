"""Pages of 理论学习: the overview, a branch (progress, plans, sessions), a member's records,
a session's attendance, the department's cadres, and one's own learning."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.members.models import Member
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization

from ..forms import PlanForm, RecordForm, SessionForm
from ..models import StudyPlan, StudyRecord, StudySession
from ..services import plans as plan_services
from ..services import progress as progress_services
from ..services.common import cadres, year_window
from .common import BASE_CRUMB, require_citywide, year_of


def _year(request: AuthedHttpRequest) -> int:
    return year_of(request, timezone.localdate().year)


@capability_required(Cap.STUDY_VIEW)
def home(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    orgs = PartyOrganization.objects.visible_to(user).filter(status=OrgStatus.ACTIVE)
    q = request.GET.get("q", "").strip()
    if q:
        orgs = orgs.filter(name__icontains=q)
    page = Paginator(orgs.select_related("region").order_by("path"), 30).get_page(
        request.GET.get("page")
    )
    context = {
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 3, -1),
        "q": q,
        "page": page,
        "rows": progress_services.branch_rows(request.user, page.object_list, year),
        "mine": progress_services.user_progress(user, year),
        "citywide": user.is_superuser or user.has_citywide_scope,
        "breadcrumbs": [BASE_CRUMB, ("学习进度", None)],
    }
    return render(request, "study/home.html", context)


def _branch_page(
    request: AuthedHttpRequest,
    org: PartyOrganization,
    *,
    plan_form: PlanForm | None = None,
    session_form: SessionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    year = _year(request)
    start, end = year_window(year)
    context = {
        "org": org,
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 3, -1),
        "rows": progress_services.branch_member_progress(request.user, org, year),
        "plans": StudyPlan.objects.visible_to(user).filter(organization=org, year=year),
        "sessions": StudySession.objects.visible_to(user).filter(
            organization=org, held_on__gte=start, held_on__lte=end
        ),
        "plan_form": plan_form or PlanForm(initial={"year": year}),
        "session_form": session_form or SessionForm(initial={"held_on": timezone.localdate()}),
        "can_manage": has_capability(user, Cap.STUDY_MANAGE),
        "plan_action": reverse("study:branch-plan", args=[org.pk]),
        "session_action": reverse("study:branch-session", args=[org.pk]),
        "breadcrumbs": [BASE_CRUMB, (org.name, None)],
    }
    return render(request, "study/branch.html", context, status=status)


@capability_required(Cap.STUDY_VIEW)
def branch(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    return _branch_page(request, org)


def _create_plan(request: AuthedHttpRequest, org_id: int | None) -> PlanForm | HttpResponse:
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.create_plan(
                actor=request.user,
                org_id=org_id,
                year=data["year"],
                title=data["title"],
                content=data["content"],
                planned_hours=data["planned_hours"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            target = "study:branch" if org_id else "study:department"
            return redirect(
                reverse(target, args=[org_id] if org_id else []) + f"?year={data['year']}"
            )
    return form


def _create_session(request: AuthedHttpRequest, org_id: int | None) -> SessionForm | HttpResponse:
    form = SessionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            session = plan_services.create_session(
                actor=request.user,
                org_id=org_id,
                kind=data["kind"],
                topic=data["topic"],
                held_on=data["held_on"],
                hours=data["hours"],
                speaker=data["speaker"],
                materials=data["materials"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("study:session", pk=session.pk)
    return form


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def branch_plan(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    result = _create_plan(request, org.pk)
    if isinstance(result, HttpResponse):
        return result
    return _branch_page(request, org, plan_form=result, status=422)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def branch_session(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    result = _create_session(request, org.pk)
    if isinstance(result, HttpResponse):
        return result
    return _branch_page(request, org, session_form=result, status=422)


def _records_page(
    request: AuthedHttpRequest,
    template: str,
    context: dict[str, object],
    *,
    form: RecordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context.setdefault("form", form or RecordForm(initial={"studied_on": timezone.localdate()}))
    context["can_manage"] = has_capability(request.user, Cap.STUDY_MANAGE)
    return render(request, template, context, status=status)


def _add_record(
    request: AuthedHttpRequest, *, member_id: int | None = None, user_id: int | None = None
) -> RecordForm | None:
    """None when saved; else the bound form with its errors."""
    form = RecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.add_record(
                actor=request.user,
                member_id=member_id,
                user_id=user_id,
                kind=data["kind"],
                title=data["title"],
                studied_on=data["studied_on"],
                hours=Decimal(data["hours"]),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return None
    return form


def _member_context(request: AuthedHttpRequest, member: Member) -> dict[str, object]:
    year = _year(request)
    start, end = year_window(year)
    return {
        "member": member,
        "year": year,
        "progress": progress_services.member_progress(member, year),
        "records": StudyRecord.objects.visible_to(request.user).filter(
            member=member, studied_on__gte=start, studied_on__lte=end
        ),
        "action": reverse("study:member", args=[member.pk]),
        "breadcrumbs": [
            BASE_CRUMB,
            (member.organization.name, reverse("study:branch", args=[member.organization_id])),
            ("个人学习记录", None),
        ],
    }


@capability_required(Cap.STUDY_VIEW)
def member_records(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    if request.method == "POST":
        form = _add_record(request, member_id=member.pk)
        if form is None:
            return redirect("study:member", pk=member.pk)
        return _records_page(
            request, "study/records.html", _member_context(request, member), form=form, status=422
        )
    return _records_page(request, "study/records.html", _member_context(request, member))


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def record_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    record = get_visible_or_404(StudyRecord, request.user, pk=pk)
    target = (
        reverse("study:member", args=[record.member_id])
        if record.member_id
        else reverse("study:cadre", args=[record.user_id])
    )
    try:
        plan_services.delete_record(actor=request.user, record_id=record.pk)
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(target)


def _session_page(
    request: AuthedHttpRequest, session: StudySession, status: int = 200
) -> HttpResponse:
    user = request.user
    if session.organization_id is None:
        people = [(u.pk, u.full_name or u.username) for u in cadres().order_by("username")]
        present = set(session.records.values_list("user_id", flat=True))
        field = "user"
        back = ("部机关干部学习", reverse("study:department"))
    else:
        people = [
            (m.pk, f"{m.name}（编号{m.pk}）")
            for m in Member.objects.visible_to(user)
            .party_members()
            .filter(organization_id=session.organization_id)
            .order_by("pk")
        ]
        present = set(session.records.values_list("member_id", flat=True))
        field = "member"
        org = session.organization
        assert org is not None
        back = (org.name, reverse("study:branch", args=[org.pk]))
    context = {
        "session": session,
        "people": people,
        "present": present,
        "field": field,
        "can_manage": has_capability(user, Cap.STUDY_MANAGE),
        "breadcrumbs": [BASE_CRUMB, back, (session.topic, None)],
    }
    return render(request, "study/session.html", context, status=status)


@capability_required(Cap.STUDY_VIEW)
def session_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    session = get_visible_or_404(StudySession, request.user, pk=pk)
    return _session_page(request, session)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def session_attendance(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    session = get_visible_or_404(StudySession, request.user, pk=pk)
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("person")) if i is not None]
    try:
        plan_services.record_attendance(
            actor=request.user,
            session_id=session.pk,
            member_ids=ids if session.organization_id else [],
            user_ids=[] if session.organization_id else ids,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return _session_page(request, session, status=422)
    messages.success(request, f"已登记出席 {len(ids)} 人，学时已记入个人学习记录")
    return redirect("study:session", pk=session.pk)


def _department_page(
    request: AuthedHttpRequest,
    *,
    plan_form: PlanForm | None = None,
    session_form: SessionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    year = _year(request)
    start, end = year_window(year)
    context = {
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 3, -1),
        "rows": progress_services.cadre_progress(year),
        "plans": StudyPlan.objects.visible_to(user).filter(organization__isnull=True, year=year),
        "sessions": StudySession.objects.visible_to(user).filter(
            organization__isnull=True, held_on__gte=start, held_on__lte=end
        ),
        "plan_form": plan_form or PlanForm(initial={"year": year}),
        "session_form": session_form or SessionForm(initial={"held_on": timezone.localdate()}),
        "can_manage": has_capability(user, Cap.STUDY_MANAGE),
        "plan_action": reverse("study:department-plan"),
        "session_action": reverse("study:department-session"),
        "breadcrumbs": [BASE_CRUMB, ("部机关干部学习", None)],
    }
    return render(request, "study/department.html", context, status=status)


@capability_required(Cap.STUDY_VIEW)
def department(request: AuthedHttpRequest) -> HttpResponse:
    require_citywide(request)
    return _department_page(request)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def department_plan(request: AuthedHttpRequest) -> HttpResponse:
    require_citywide(request)
    result = _create_plan(request, None)
    if isinstance(result, HttpResponse):
        return result
    return _department_page(request, plan_form=result, status=422)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def department_session(request: AuthedHttpRequest) -> HttpResponse:
    require_citywide(request)
    result = _create_session(request, None)
    if isinstance(result, HttpResponse):
        return result
    return _department_page(request, session_form=result, status=422)


def _cadre_context(request: AuthedHttpRequest, pk: int) -> dict[str, object]:
    cadre = cadres().filter(pk=pk).first()
    if cadre is None:
        raise Http404
    year = _year(request)
    start, end = year_window(year)
    return {
        "cadre": cadre,
        "year": year,
        "progress": progress_services.cadre_year(cadre, year),
        "records": StudyRecord.objects.visible_to(request.user).filter(
            user_id=pk, member__isnull=True, studied_on__gte=start, studied_on__lte=end
        ),
        "action": reverse("study:cadre", args=[pk]),
        "breadcrumbs": [
            BASE_CRUMB,
            ("部机关干部学习", reverse("study:department")),
            (cadre.full_name or cadre.username, None),
        ],
    }


@capability_required(Cap.STUDY_VIEW)
def cadre(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_citywide(request)
    if request.method == "POST":
        form = _add_record(request, user_id=pk)
        if form is None:
            return redirect("study:cadre", pk=pk)
        return _records_page(
            request, "study/records.html", _cadre_context(request, pk), form=form, status=422
        )
    return _records_page(request, "study/records.html", _cadre_context(request, pk))


@capability_required(Cap.STUDY_VIEW)
def mine(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    form: RecordForm | None = None
    if request.method == "POST":
        form = _add_record(request, user_id=user.pk)
        if form is None:
            return redirect("study:mine")
    context = {
        "year": year,
        "progress": progress_services.user_progress(user, year),
        "records": progress_services.own_records(user, year),
        "member": progress_services.own_member(user),
        "is_cadre": cadres().filter(pk=user.pk).exists(),
        "action": reverse("study:mine"),
        "breadcrumbs": [BASE_CRUMB, ("我的学习", None)],
    }
    return _records_page(
        request, "study/mine.html", context, form=form, status=422 if form else 200
    )

"""Member pages: the list (filters, capped pagination), export (masked), a new record, a
member's page (masked personal data with the audited reveal path, 党龄, history of
发展党员 steps), editing, and the roster import."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.importing import ImportUploadForm, roster_import_page
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.staging import StagingError, load
from shegong.core.tabular import TableError, read_table
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import Entity, PartyOrganization

from ..choices import EventKind, Stage, Standing, WorkerGroup
from ..forms import MemberForm, StepForm
from ..models import Member
from ..services import development, transfer
from ..services.common import platform_id_by_code
from ..services.people import MemberInput, create_member, update_member
from .common import BASE_CRUMB, filter_members, query_string


@capability_required(Cap.MEMBERS_VIEW)
def member_list(request: AuthedHttpRequest) -> HttpResponse:
    members, org = filter_members(request, Member.objects.visible_to(request.user))
    page = paginate_capped(
        request, members.select_related("organization").order_by("organization__path", "pk"), 50
    )
    context = {
        "page": page,
        "org": org,
        "query": query_string(request),
        "stages": Stage.choices,
        "standings": Standing.choices,
        "groups": [g for g in WorkerGroup.choices if g[0]],
        "today": timezone.localdate(),
        "can_manage": has_capability(request.user, Cap.MEMBERS_MANAGE),
        "can_import": has_capability(request.user, Cap.MEMBERS_IMPORT),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [("党员", None)],
    }
    if request.htmx:
        return render(request, "members/partials/_member_table.html", context)
    return render(request, "members/member_list.html", context)


@capability_required(Cap.MEMBERS_VIEW, Cap.EXPORT)
def member_export(request: AuthedHttpRequest) -> HttpResponse:
    members, _ = filter_members(request, Member.objects.visible_to(request.user))
    members = members.select_related("organization", "platform", "employer").order_by(
        "organization__path", "pk"
    )
    return export_response(
        request,
        what="members.member",
        count=members.count(),
        basename="党员名册",
        headers=transfer.EXPORT_HEADERS,
        rows=transfer.export_rows(members.iterator(chunk_size=2000), timezone.localdate()),
    )


def _entity_id(code: str, *, platform: bool, request: AuthedHttpRequest) -> int | None:
    code = code.strip()
    if not code:
        return None
    found = (
        platform_id_by_code(code)
        if platform
        else Entity.objects.visible_to(request.user)
        .filter(credit_code=code)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise DomainError(
            f"{'所属平台' if platform else '工作单位'}信用代码 {code} 不在两新组织名录中"
            + ("的平台企业" if platform else "或不在您的管辖范围内")
        )
    return found


def _input(request: AuthedHttpRequest, form: MemberForm, org_id: int) -> MemberInput:
    data = form.cleaned_data
    return MemberInput(
        name=data["name"],
        id_number=data["id_number"],
        organization_id=org_id,
        stage=data.get("stage") or Stage.FULL,
        phone=data["phone"],
        ethnicity=data["ethnicity"],
        education=data["education"],
        applied_on=data["applied_on"],
        admitted_on=data["admitted_on"],
        confirmed_on=data["confirmed_on"],
        joined_branch_on=data["joined_branch_on"],
        is_floating=data["is_floating"],
        floating_destination=data["floating_destination"],
        floating_since=data["floating_since"],
        worker_group=data["worker_group"],
        platform_id=_entity_id(data["platform_code"], platform=True, request=request),
        employer_id=_entity_id(data["employer_code"], platform=False, request=request),
        employer_name=data["employer_name"],
        note=data["note"],
    )


@capability_required(Cap.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_new(request: AuthedHttpRequest) -> HttpResponse:
    initial = {}
    if code := request.GET.get("org_code", "").strip():
        initial["organization_code"] = code
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = (
            PartyOrganization.objects.visible_to(request.user)
            .filter(code=data["organization_code"].strip(), status=OrgStatus.ACTIVE)
            .first()
        )
        try:
            if org is None:
                raise DomainError("所在党组织编码不存在、已撤销或不在您的管辖范围内")
            member = create_member(actor=request.user, data=_input(request, form, org.pk))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已建立档案")
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/member_form.html",
        {"form": form, "creating": True, "breadcrumbs": [BASE_CRUMB, ("新增人员", None)]},
        status=422 if request.method == "POST" else 200,
    )


@capability_required(Cap.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    initial = {
        "applied_on": member.applied_on,
        "admitted_on": member.admitted_on,
        "confirmed_on": member.confirmed_on,
        "joined_branch_on": member.joined_branch_on,
        "ethnicity": member.ethnicity,
        "education": member.education,
        "is_floating": member.is_floating,
        "floating_destination": member.floating_destination,
        "floating_since": member.floating_since,
        "worker_group": member.worker_group,
        "platform_code": member.platform.credit_code if member.platform else "",
        "employer_code": member.employer.credit_code if member.employer else "",
        "employer_name": member.employer_name,
        "note": member.note,
    }
    form = MemberForm(request.POST or None, initial=initial)
    for name in ("name", "id_number"):  # blank = unchanged: the page never shows them whole
        form.fields[name].required = False
    if request.method == "POST" and form.is_valid():
        try:
            update_member(
                actor=request.user,
                member_id=member.pk,
                data=_input(request, form, member.organization_id),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/member_form.html",
        {
            "form": form,
            "member": member,
            "creating": False,
            "breadcrumbs": [
                BASE_CRUMB,
                (str(member.name), f"/members/{member.pk}/"),
                ("修改", None),
            ],
        },
        status=422 if request.method == "POST" else 200,
    )


def detail_context(
    request: AuthedHttpRequest, member: Member, step_form: StepForm | None = None
) -> dict[str, object]:
    today = timezone.localdate()
    rows = list(member.development_events.prefetch_related("people").order_by("on", "pk"))
    sponsors = (
        Member.objects.visible_to(request.user)
        .party_members()
        .filter(organization=member.organization, stage=Stage.FULL)
        .exclude(pk=member.pk)
        .order_by("pk")[:200]
    )
    return {
        "m": member,
        "events": rows,
        "deadlines": development.deadlines_of(member, rows, today),
        "party_years": member.party_standing_years(today),
        "today": today,
        "step_form": step_form or StepForm(initial={"on": today}),
        "kinds": EventKind.choices,
        "sponsors": sponsors,
        "can_manage": has_capability(request.user, Cap.MEMBERS_MANAGE),
        "can_reveal": has_capability(request.user, Cap.PII_REVEAL),
        "breadcrumbs": [BASE_CRUMB, (str(member.name), None)],
    }


@capability_required(Cap.MEMBERS_VIEW)
def member_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    return render(request, "members/member_detail.html", detail_context(request, member))


# --- import ---------------------------------------------------------------------------------


@capability_required(Cap.MEMBERS_IMPORT)
def import_template(request: AuthedHttpRequest) -> HttpResponse:
    return file_response(
        "党员名册导入模板",
        transfer.TEMPLATE_COLUMNS,
        transfer.template_example(actor=request.user),
        request.GET.get("format", "xlsx"),
    )


@capability_required(Cap.MEMBERS_IMPORT)
def import_errors(request: AuthedHttpRequest) -> HttpResponse:
    """下载全部错误 (XLSX) of the staged dry run; another account's token is not found."""
    try:
        data, filename = load(request.user, request.GET.get("token", ""))
        table = read_table(io.BytesIO(data), filename, columns=transfer.IMPORT_SPEC)
    except (StagingError, TableError) as exc:
        raise Http404 from exc
    rows = transfer.import_error_rows(actor=request.user, rows=table.rows)
    return file_response("党员名册导入错误", transfer.ERROR_COLUMNS, rows, "xlsx")


@capability_required(Cap.MEMBERS_IMPORT)
@require_http_methods(["GET", "POST"])
def import_view(request: AuthedHttpRequest) -> HttpResponse:
    """Upload → dry run (every bad row, in Chinese) → confirm → all-or-nothing commit."""
    context: dict[str, object] = {
        "form": ImportUploadForm(),
        "columns": transfer.IMPORT_COLUMNS,
        "required": transfer.REQUIRED_COLUMNS,
        "breadcrumbs": [BASE_CRUMB, ("导入党员名册", None)],
    }
    return roster_import_page(
        request,
        columns=transfer.IMPORT_SPEC,
        run=lambda rows, commit: transfer.import_members(
            actor=request.user, rows=rows, commit=commit
        ),
        template="members/import.html",
        context=context,
        done_url="members:list",
    )

"""Pages: coverage dashboard, entity registry (import/export), party organizations, gap
tasks, rule parameters. Thin: every change is a service call; every read starts from
``visible_to(request.user)``."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.models import User
from shegong.accounts.roles import Cap, Role
from shegong.core.exceptions import DomainError
from shegong.core.exporting import file_response
from shegong.core.scoping import get_visible_or_404
from shegong.core.services import record_export
from shegong.core.staging import StagingError, discard, load, stage
from shegong.core.tabular import TableError, read_table
from shegong.regions.models import Region
from shegong.units.models import Unit

from . import forms
from .choices import (
    BRANCH_KINDS,
    CommitteePost,
    CoverageMode,
    EntityKind,
    Industry,
    OrgKind,
    OrgStatus,
    SizeBand,
    WorkerGroup,
)
from .filters import EntityFilterSet, FindingFilterSet, OrgFilterSet
from .models import (
    CommitteeMember,
    CoveragePolicy,
    Entity,
    Finding,
    Instructor,
    PartyOrganization,
    PlatformWorkforce,
)
from .services import coverage as coverage_services
from .services import entities as entity_services
from .services import findings as finding_services
from .services import orgs as org_services
from .services import policy as policy_services
from .services import rules as rule_services

BASE_CRUMB = ("两新覆盖", "/organizations/")
POST_ORDER = [str(p) for p in CommitteePost.values]  # 书记, 副书记, 组织, 宣传, 纪检, 委员


def _need(request: HttpRequest, capability: str) -> None:
    if not request.user.has_capability(capability):  # type: ignore[union-attr]
        raise PermissionDenied


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.has_capability(capability))  # type: ignore[union-attr]


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _root(request: HttpRequest) -> Region | None:
    """The region the coverage page looks at: ?region=…, else the user's own region."""
    user: Any = request.user
    visible = Region.objects.visible_to(user)
    raw = request.GET.get("region", "")
    if raw.isdigit():
        region = visible.filter(pk=int(raw)).first()
        if region is not None:
            return region
    if user.region_id and visible.filter(pk=user.region_id).exists():
        return user.region  # type: ignore[no-any-return]
    return visible.order_by("depth").first()


def _coverage(request: HttpRequest, root: Region | None) -> coverage_services.Breakdown:
    return coverage_services.coverage_for(
        request.user,
        root,
        kind=request.GET.get("kind", "") if request.GET.get("kind") in EntityKind.values else "",
        industry=request.GET.get("industry", "")
        if request.GET.get("industry") in Industry.values
        else "",
        size_band=request.GET.get("size_band", "")
        if request.GET.get("size_band") in SizeBand.values
        else "",
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    root = _root(request)
    data = _coverage(request, root)
    gaps = data.street_gaps[:40]
    trend = coverage_services.trend(request.user, root, kind=request.GET.get("kind", ""))
    ancestors = list(Region.objects.visible_to(request.user).ancestors_of(root)) if root else []
    entity_url = reverse("organizations:entities")
    finding_url = reverse("organizations:findings")
    chart = {
        "trend": {
            "dates": [t["date"] for t in trend],
            "org": [t["org_rate"] for t in trend],
            "work": [t["work_rate"] for t in trend],
        },
        "streets": {
            "names": [f"{g['district']}{g['name']}" for g in gaps],
            "uncovered": [g["uncovered"] for g in gaps],
            "open": [g["open_findings"] for g in gaps],
            "gap_urls": [f"{entity_url}?street={g['street_id']}&coverage=gap" for g in gaps],
            "finding_urls": [f"{finding_url}?street={g['street_id']}&status=active" for g in gaps],
        },
    }
    filters = {k: request.GET.get(k, "") for k in ("kind", "industry", "size_band")}
    context = {
        "root": root,
        "ancestors": ancestors,
        "data": data,
        "region_rows": [
            (region, figures, data.open_findings_by_region.get(region.pk, 0))
            for region, figures in data.by_region
        ],
        "overall": data.overall,
        "gaps": gaps,
        "trend": trend,
        "chart": chart,
        "filters": filters,
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
        "kinds": EntityKind.choices,
        "industries": Industry.choices,
        "sizes": SizeBand.choices,
        "open_findings": sum(data.open_findings_by_region.values())
        if root is None or root.level < 3
        else sum(g["open_findings"] for g in data.street_gaps),
        "can_manage": _can(request, Cap.ORGS_MANAGE),
        "can_export": _can(request, Cap.EXPORT),
        "breadcrumbs": [("两新覆盖", None)],
    }
    return render(request, "organizations/coverage.html", context)


@login_required
def coverage_export(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    _need(request, Cap.EXPORT)
    root = _root(request)
    data = _coverage(request, root)
    rows: list[list[Any]] = []

    def add(dimension: str, label: str, f: coverage_services.Figures) -> None:
        rows.append(
            [
                dimension,
                label,
                f.total,
                f.org_covered,
                f.org_rate if f.org_rate is not None else "",
                f.work_covered,
                f.work_rate if f.work_rate is not None else "",
                f.gaps,
                f.formal_members,
                f.probationary_members,
            ]
        )

    add("合计", root.full_name if root else "全部", data.overall)
    for region, figures in data.by_region:
        add("区划", region.name, figures)
    for _, label, figures in data.by_kind:
        add("类型", label, figures)
    for _, label, figures in data.by_industry:
        add("行业门类", label, figures)
    for _, label, figures in data.by_size:
        add("规模", label, figures)
    record_export(
        actor=request.user,
        what="organizations.coverage",
        count=len(rows),
        filters={k: v for k, v in request.GET.items() if k != "format"},
    )
    headers = [
        "维度",
        "名称",
        "两新组织数",
        "组织覆盖数",
        "组织覆盖率(%)",
        "工作覆盖数",
        "工作覆盖率(%)",
        "两个覆盖空白数",
        "正式党员",
        "预备党员",
    ]
    return file_response("两新覆盖率", headers, rows, request.GET.get("format", "xlsx"))


@login_required
@require_POST
def snapshot_take(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    snap = coverage_services.take_snapshot(actor=request.user)
    messages.success(request, f"已生成 {snap.taken_on:%Y-%m-%d} 的覆盖率快照")
    return redirect(request.POST.get("next") or "organizations:coverage")


# --- entities -------------------------------------------------------------------------------


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    filterset = EntityFilterSet(
        request.GET,
        queryset=Entity.objects.visible_to(request.user).select_related(
            "region", "street", "organization"
        ),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    street = None
    if request.GET.get("street", "").isdigit():
        street = Region.objects.visible_to(request.user).filter(pk=request.GET["street"]).first()
    context = {
        "filter": filterset,
        "page": page,
        "query": _query(request),
        "street": street,
        "can_import": _can(request, Cap.ORGS_IMPORT),
        "can_export": _can(request, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("两新组织", None)],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "organizations/partials/_entity_table.html", context)
    return render(request, "organizations/entity_list.html", context)


@login_required
def entity_export(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    _need(request, Cap.EXPORT)
    filterset = EntityFilterSet(request.GET, queryset=Entity.objects.visible_to(request.user))
    queryset = filterset.qs
    record_export(
        actor=request.user,
        what="organizations.entity",
        count=queryset.count(),
        filters={k: v for k, v in request.GET.items() if k != "format"},
    )
    return file_response(
        "两新组织",
        entity_services.IMPORT_COLUMNS,
        entity_services.export_rows(queryset),
        request.GET.get("format", "xlsx"),
    )


@login_required
def entity_import_template(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_IMPORT)
    return file_response(
        "两新组织导入模板",
        entity_services.IMPORT_COLUMNS,
        entity_services.TEMPLATE_EXAMPLE,
        request.GET.get("format", "xlsx"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entity_import(request: HttpRequest) -> HttpResponse:
    """Step 1: upload → dry run report. Step 2: confirm → commit the very same file."""
    _need(request, Cap.ORGS_IMPORT)
    context: dict[str, Any] = {
        "form": forms.ImportUploadForm(),
        "columns": entity_services.IMPORT_COLUMNS,
        "required": entity_services.REQUIRED_COLUMNS,
        "breadcrumbs": [BASE_CRUMB, ("两新组织", "/organizations/entities/"), ("批量导入", None)],
    }
    if request.method == "POST":
        token = request.POST.get("token", "")
        try:
            if token:
                data, filename = load(request.user, token)
            else:
                form = forms.ImportUploadForm(request.POST, request.FILES)
                if not form.is_valid():
                    context["form"] = form
                    return render(request, "organizations/entity_import.html", context, status=422)
                upload = form.cleaned_data["file"]
                token = stage(request.user, upload, upload.name)
                data, filename = load(request.user, token)
            table = read_table(
                io.BytesIO(data), filename, required=entity_services.REQUIRED_COLUMNS
            )
            commit = request.POST.get("confirm") == "1"
            report = entity_services.import_entities(
                actor=request.user, rows=table.rows, commit=commit
            )
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, "organizations/entity_import.html", context, status=422)
        if report.committed:
            discard(request.user, token)
            messages.success(
                request,
                f"导入完成：新建 {report.created} 个，更新 {report.updated} 个，"
                f"未变化 {report.unchanged} 个。覆盖规则已重新检查。",
            )
            return redirect("organizations:coverage")
        context.update(
            {"report": report, "token": token, "filename": filename, "errors": report.errors[:1000]}
        )
    return render(request, "organizations/entity_import.html", context)


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    context = {
        "entity": entity,
        "instructors": Instructor.objects.visible_to(request.user).filter(entity=entity),
        "workforce": PlatformWorkforce.objects.visible_to(request.user)
        .filter(platform=entity)
        .select_related("region"),
        "findings": Finding.objects.visible_to(request.user).filter(entity=entity)[:50],
        "modes": CoverageMode.choices,
        "kinds": EntityKind.choices,
        "industries": Industry.choices,
        "roles": forms.InstructorForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "groups": WorkerGroup.choices,
        "can_manage": _can(request, Cap.ORGS_MANAGE),
        "breadcrumbs": [BASE_CRUMB, ("两新组织", "/organizations/entities/"), (entity.name, None)],
    }
    return render(request, "organizations/entity_detail.html", context)


def _form_error(request: HttpRequest, form: Any) -> None:
    messages.error(
        request,
        "请检查填写的内容："
        + "；".join(
            f"{form.fields[f].label if f in form.fields else ''}{e[0]}"
            for f, e in form.errors.items()
        ),
    )


@login_required
@require_POST
def entity_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.CoverageForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    org_id = None
    code = form.cleaned_data["organization_code"].strip()
    if code:
        org = PartyOrganization.objects.visible_to(request.user).filter(code=code).first()
        if org is None:
            messages.error(request, f"找不到编码为 {code} 的党组织（或不在您的管辖范围内）")
            return redirect("organizations:entity", pk=entity.pk)
        org_id = org.pk
    try:
        entity_services.set_coverage(
            actor=request.user,
            entity_id=entity.pk,
            mode=form.cleaned_data["mode"],
            organization_id=org_id,
            formal_members=form.cleaned_data["formal_members"],
            probationary_members=form.cleaned_data["probationary_members"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "覆盖情况已保存")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def entity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.EntityEditForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    try:
        entity_services.update_entity(actor=request.user, entity_id=entity.pk, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def instructor_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.InstructorForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    try:
        entity_services.assign_instructor(
            actor=request.user, entity_id=entity.pk, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已选派")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def instructor_end(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    instructor = get_visible_or_404(Instructor, request.user, pk=pk)
    try:
        entity_services.end_instructor(actor=request.user, instructor_id=instructor.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已结束选派")
    return redirect("organizations:entity", pk=instructor.entity_id)


# --- party organizations ------------------------------------------------------------------


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    visible = PartyOrganization.objects.visible_to(request.user)
    params = request.GET.copy()
    browsing = not any(params.get(k) for k in ("q", "kind", "status", "within", "parent"))
    if browsing:
        top = visible.active().order_by("depth").values_list("depth", flat=True).first()
        base = visible.active().filter(depth=top) if top is not None else visible.none()
    else:
        base = visible
    filterset = OrgFilterSet(params, queryset=base.select_related("region", "parent"))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    parent = None
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        parent = visible.filter(pk=int(parent_id)).first()
    context = {
        "filter": filterset,
        "page": page,
        "parent": parent,
        "query": _query(request),
        "kinds": OrgKind.choices,
        "statuses": OrgStatus.choices,
        "policy": CoveragePolicy.current(),
        "can_manage": _can(request, Cap.ORGS_MANAGE),
        "can_export": _can(request, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("党组织", None)],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "organizations/partials/_org_table.html", context)
    return render(request, "organizations/org_list.html", context)


ORG_EXPORT_HEADERS = [
    "组织编码",
    "名称",
    "类别",
    "状态",
    "上级党组织编码",
    "所在区划代码",
    "成立日期",
    "本届任期开始",
    "任期届满",
    "正式党员",
    "预备党员",
    "书记",
]


@login_required
def org_export(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    _need(request, Cap.EXPORT)
    filterset = OrgFilterSet(
        request.GET, queryset=PartyOrganization.objects.visible_to(request.user)
    )
    queryset = filterset.qs.select_related("parent", "region")
    policy = CoveragePolicy.current()
    secretaries = dict(
        CommitteeMember.objects.filter(
            organization__in=queryset.values("pk"),
            post=CommitteePost.SECRETARY,
            ended_on__isnull=True,
        ).values_list("organization_id", "name")
    )
    record_export(
        actor=request.user,
        what="organizations.partyorganization",
        count=queryset.count(),
        filters={k: v for k, v in request.GET.items() if k != "format"},
    )
    rows = (
        [
            o.code,
            o.name,
            o.get_kind_display(),
            o.get_status_display(),
            o.parent.code if o.parent_id else "",
            o.region.code,
            o.founded_on or "",
            o.term_started_on or "",
            o.term_ends_on(policy) or "",
            o.formal_members,
            o.probationary_members,
            secretaries.get(o.pk, ""),
        ]
        for o in queryset.iterator(chunk_size=2000)
    )
    return file_response("党组织", ORG_EXPORT_HEADERS, rows, request.GET.get("format", "xlsx"))


@login_required
@require_POST
def org_create(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    parent_id = request.POST.get("parent", "")
    parent = None
    if parent_id.isdigit():
        parent = get_visible_or_404(PartyOrganization, request.user, pk=int(parent_id))
    back = redirect("organizations:org", pk=parent.pk) if parent else redirect("organizations:orgs")
    form = forms.OrgCreateForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return back
    data = dict(form.cleaned_data)
    region = Region.objects.visible_to(request.user).filter(code=data.pop("region_code")).first()
    if region is None:
        messages.error(request, "所在区划代码不存在或不在您的管辖范围内")
        return back
    try:
        org = org_services.create_organization(
            actor=request.user,
            region_id=region.pk,
            parent_id=parent.pk if parent else None,
            **data,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, f"已成立 {org.name}")
    return redirect("organizations:org", pk=org.pk)


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    visible = PartyOrganization.objects.visible_to(request.user)
    policy = CoveragePolicy.current()
    entities = Entity.objects.visible_to(request.user).filter(organization=org)
    context = {
        "org": org,
        "ancestors": visible.ancestors_of(org),
        "children": visible.filter(parent=org).order_by("status", "name")[:200],
        "committee": sorted(
            org.committee.all(),
            key=lambda m: (m.ended_on is not None, POST_ORDER.index(m.post), m.started_on),
        ),
        "administrators": org.administrators.select_related("user"),
        "history": org.history.select_related("related")[:100],
        "entities": entities.select_related("region")[:100],
        "entities_count": entities.count(),
        "findings": Finding.objects.visible_to(request.user).filter(organization=org)[:50],
        "term_ends_on": org.term_ends_on(policy),
        "kinds": OrgKind.choices,
        "posts": CommitteePost.choices,
        "is_branch": org.kind in BRANCH_KINDS,
        "today": timezone.localdate(),
        "can_manage": _can(request, Cap.ORGS_MANAGE) and org.status == OrgStatus.ACTIVE,
        "breadcrumbs": [BASE_CRUMB, ("党组织", "/organizations/orgs/"), (org.name, None)],
    }
    return render(request, "organizations/org_detail.html", context)


def _org_action(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    try:
        result = action(org)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("organizations:org", pk=org.pk)
    messages.success(request, success)
    target = result.pk if isinstance(result, PartyOrganization) else org.pk
    return redirect("organizations:org", pk=target)


@login_required
@require_POST
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.OrgEditForm(request.POST)

    def act(org: PartyOrganization) -> Any:
        if not form.is_valid():
            raise DomainError(
                "请检查填写的内容：" + "；".join(str(e[0]) for e in form.errors.values())
            )
        return org_services.update_organization(
            actor=request.user, org_id=org.pk, **form.cleaned_data
        )

    return _org_action(request, pk, act, "已保存")


def _org_by_code(request: HttpRequest, field: str) -> PartyOrganization:
    code = request.POST.get(field, "").strip()
    org = PartyOrganization.objects.visible_to(request.user).filter(code=code).first()
    if org is None:
        raise DomainError(f"找不到编码为 {code} 的党组织（或不在您的管辖范围内）")
    return org


@login_required
@require_POST
def org_move(request: HttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        target = _org_by_code(request, "new_parent_code")
        return org_services.move_organization(
            actor=request.user,
            org_id=org.pk,
            new_parent_id=target.pk,
            note=request.POST.get("note", ""),
        )

    return _org_action(request, pk, act, "已调整隶属关系")


@login_required
@require_POST
def org_merge(request: HttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        target = _org_by_code(request, "target_code")
        return org_services.merge_organizations(
            actor=request.user,
            source_id=org.pk,
            target_id=target.pk,
            note=request.POST.get("note", ""),
        )

    return _org_action(request, pk, act, "已合并")


@login_required
@require_POST
def org_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        return org_services.dissolve_organization(
            actor=request.user, org_id=org.pk, note=request.POST.get("note", "")
        )

    return _org_action(request, pk, act, "已撤销")


@login_required
@require_POST
def org_re_election(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.ReElectionForm(request.POST)

    def act(org: PartyOrganization) -> Any:
        if not form.is_valid():
            raise DomainError("；".join(str(e[0]) for e in form.errors.values()))
        return org_services.record_re_election(
            actor=request.user,
            org_id=org.pk,
            on=form.cleaned_data["on"],
            committee=form.cleaned_data["committee"],
            note=form.cleaned_data["note"],
        )

    return _org_action(request, pk, act, "已登记换届")


@login_required
@require_POST
def committee_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        started = request.POST.get("started_on", "")
        try:
            started_on = date.fromisoformat(started) if started else None
        except ValueError as exc:
            raise DomainError("任职日期格式应为 2026-01-31") from exc
        return org_services.add_committee_member(
            actor=request.user,
            org_id=org.pk,
            name=request.POST.get("name", ""),
            post=request.POST.get("post", ""),
            started_on=started_on or timezone.localdate(),
        )

    return _org_action(request, pk, act, "已增补班子成员")


@login_required
@require_POST
def committee_end(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        if not org.committee.filter(pk=member_id).exists():
            raise DomainError("班子成员不存在")
        return org_services.end_committee_member(
            actor=request.user, member_id=member_id, ended_on=timezone.localdate()
        )

    return _org_action(request, pk, act, "已办理离任")


@login_required
@require_POST
def org_admin_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        username = request.POST.get("username", "").strip()
        user = User.objects.visible_to(request.user).filter(username=username).first()
        if user is None:
            raise DomainError(f"找不到账号 {username}（或不在您的管辖范围内）")
        return org_services.set_org_administrator(
            actor=request.user, org_id=org.pk, user_id=user.pk
        )

    return _org_action(request, pk, act, "已设置管理员")


@login_required
@require_POST
def org_admin_remove(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        if not org.administrators.filter(pk=link_id).exists():
            raise DomainError("管理员不存在")
        return org_services.remove_org_administrator(actor=request.user, link_id=link_id)

    return _org_action(request, pk, act, "已取消管理员")


@login_required
@require_POST
def workforce_set(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    region = (
        Region.objects.visible_to(request.user)
        .filter(code=request.POST.get("region_code", "").strip())
        .first()
    )
    numbers = {}
    for key in ("workers", "formal_members", "probationary_members"):
        raw = request.POST.get(key, "0").strip() or "0"
        if not raw.isdigit():
            messages.error(request, "人数应为非负整数")
            return redirect("organizations:entity", pk=entity.pk)
        numbers[key] = int(raw)
    if region is None:
        messages.error(request, "区划代码不存在或不在您的管辖范围内")
        return redirect("organizations:entity", pk=entity.pk)
    try:
        entity_services.set_workforce(
            actor=request.user,
            platform_id=entity.pk,
            region_id=region.pk,
            group=request.POST.get("group", ""),
            **numbers,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存新就业群体人数")
    return redirect("organizations:entity", pk=entity.pk)


# --- findings (gap tasks) -----------------------------------------------------------------


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = "active"
    filterset = FindingFilterSet(
        params,
        queryset=Finding.objects.visible_to(request.user).select_related(
            "street", "assignee", "assignee_unit"
        ),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    street = None
    street_id = request.GET.get("street", "")
    if street_id.isdigit():
        street = Region.objects.visible_to(request.user).filter(pk=int(street_id)).first()
    context = {
        "filter": filterset,
        "page": page,
        "query": params.urlencode() if "page" not in params else _query(request),
        "street": street,
        "status": params["status"],
        "can_run": _can(request, Cap.ORGS_TASKS),
        "can_export": _can(request, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("覆盖问题", None)],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "organizations/partials/_finding_table.html", context)
    return render(request, "organizations/finding_list.html", context)


FINDING_EXPORT_HEADERS = [
    "编号",
    "规则",
    "对象",
    "街道/乡镇",
    "依据事实",
    "依据",
    "责任主体",
    "状态",
    "承办人",
    "承办单位",
    "完成时限",
    "发现时间",
    "关闭时间",
    "办结说明",
]


@login_required
def finding_export(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    _need(request, Cap.EXPORT)
    filterset = FindingFilterSet(request.GET, queryset=Finding.objects.visible_to(request.user))
    queryset = filterset.qs.select_related("street", "assignee", "assignee_unit")
    record_export(
        actor=request.user,
        what="organizations.finding",
        count=queryset.count(),
        filters={k: v for k, v in request.GET.items() if k != "format"},
    )
    rows = (
        [
            f.pk,
            f.get_rule_display(),
            f.subject_name,
            f.street.name if f.street_id else "",
            f.evidence,
            f.legal_basis,
            f.responsible_level,
            f.get_status_display(),
            str(f.assignee) if f.assignee_id else "",
            f.assignee_unit.name if f.assignee_unit_id else "",
            f.due_on or "",
            timezone.localtime(f.opened_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(f.closed_at).strftime("%Y-%m-%d %H:%M") if f.closed_at else "",
            f.close_note,
        ]
        for f in queryset.iterator(chunk_size=2000)
    )
    return file_response(
        "覆盖问题", FINDING_EXPORT_HEADERS, rows, request.GET.get("format", "xlsx")
    )


@login_required
@require_POST
def finding_run(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_TASKS)
    result = rule_services.run_rules(actor=request.user)
    messages.success(
        request,
        f"规则检查完成：新发现 {result.opened} 个，仍存在 {result.refreshed} 个，"
        f"自动消除 {result.auto_resolved} 个",
    )
    return redirect("organizations:findings")


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_VIEW)
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    user: Any = request.user
    candidates: list[Any] = [user]
    if user.has_capability(Cap.ACCOUNTS_VIEW):
        candidates += list(
            User.objects.visible_to(user)
            .filter(
                is_active=True,
                role__in=[Role.STREET_STAFF, Role.BRANCH_SECRETARY, Role.DEPT_ADMIN],
            )
            .exclude(pk=user.pk)
            .order_by("username")[:200]
        )
    units = (
        Unit.objects.visible_to(user).filter(is_active=True).order_by("code")[:200]
        if user.has_capability(Cap.UNITS_VIEW)
        else []
    )
    context = {
        "finding": finding,
        "candidates": candidates,
        "units": units,
        "can_act": _can(request, Cap.ORGS_TASKS) and finding.is_open,
        "breadcrumbs": [
            BASE_CRUMB,
            ("覆盖问题", "/organizations/findings/"),
            (f"#{finding.pk}", None),
        ],
    }
    return render(request, "organizations/finding_detail.html", context)


@login_required
@require_POST
def finding_assign(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_TASKS)
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("organizations:finding", pk=finding.pk)
    try:
        finding_services.assign_finding(
            actor=request.user,
            finding_id=finding.pk,
            assignee_id=form.cleaned_data["assignee"],
            unit_id=form.cleaned_data["unit"],
            due_on=form.cleaned_data["due_on"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已交办")
    return redirect("organizations:finding", pk=finding.pk)


@login_required
@require_POST
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, Cap.ORGS_TASKS)
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    try:
        finding_services.close_finding(
            actor=request.user, finding_id=finding.pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办结")
    return redirect("organizations:finding", pk=finding.pk)


# --- policy -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    _need(request, Cap.ORGS_POLICY)
    current = CoveragePolicy.current()
    if request.method == "POST":
        values: dict[str, Any] = {}
        for name in policy_services.FIELDS:
            raw = request.POST.get(name, "").strip()
            if not raw.isdigit():
                label = CoveragePolicy._meta.get_field(name).verbose_name  # type: ignore[union-attr]
                messages.error(request, f"{label}应为非负整数")
                return redirect("organizations:policy")
            values[name] = int(raw)
        try:
            policy_services.update_policy(actor=request.user, **values)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "规则参数已保存，下次规则检查时生效")
        return redirect("organizations:policy")
    fields = [
        (name, current._meta.get_field(name), getattr(current, name))
        for name in policy_services.FIELDS
    ]
    return render(
        request,
        "organizations/policy.html",
        {"policy": current, "fields": fields, "breadcrumbs": [BASE_CRUMB, ("覆盖规则参数", None)]},
    )

"""Party organization pages: the tree, one organization, 换届, moves, merges, administrators."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.regions.models import Region

from .. import forms
from ..choices import (
    BRANCH_KINDS,
    CommitteePost,
    OrgKind,
    OrgStatus,
)
from ..filters import OrgFilterSet
from ..models import (
    CommitteeMember,
    CoveragePolicy,
    Entity,
    Finding,
    PartyOrganization,
)
from ..services import coverage as coverage_services
from ..services import entities as entity_services
from ..services import orgs as org_services
from .common import (
    BASE_CRUMB,
    POST_ORDER,
    form_error,
    query_string,
)


@capability_required(Cap.ORGS_VIEW)
def org_list(request: AuthedHttpRequest) -> HttpResponse:
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
    counts = coverage_services.member_counts(page.object_list)
    for o in page.object_list:
        o.member_count = counts.get(o.pk)
    parent = None
    parent_id = request.GET.get("parent", "")
    if (parent_pk := parse_id(parent_id)) is not None:
        parent = visible.filter(pk=parent_pk).first()
    context = {
        "filter": filterset,
        "page": page,
        "parent": parent,
        "query": query_string(request),
        "kinds": OrgKind.choices,
        "statuses": OrgStatus.choices,
        "policy": CoveragePolicy.current(),
        "can_manage": has_capability(request.user, Cap.ORGS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("党组织", None)],
    }
    if request.htmx:
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
    "党员数来源",
    "书记",
]


def _chunked(
    queryset: QuerySet[PartyOrganization], size: int = 2000
) -> Iterator[list[PartyOrganization]]:
    chunk: list[PartyOrganization] = []
    for o in queryset.iterator(chunk_size=size):
        chunk.append(o)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _count_cells(count: coverage_services.MemberCount | None) -> list[int | str]:
    if count is None:
        return ["", "", ""]
    return [count.formal, count.probationary, count.source]


@capability_required(Cap.ORGS_VIEW, Cap.EXPORT)
def org_export(request: AuthedHttpRequest) -> HttpResponse:
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
    rows = (
        [
            o.code,
            o.name,
            o.get_kind_display(),
            o.get_status_display(),
            o.parent.code if o.parent is not None else "",
            o.region.code,
            o.founded_on or "",
            o.term_started_on or "",
            o.term_ends_on(policy) or "",
            *_count_cells(counts.get(o.pk)),
            secretaries.get(o.pk, ""),
        ]
        for chunk in _chunked(queryset)
        for counts in [coverage_services.member_counts(chunk)]
        for o in chunk
    )
    return export_response(
        request,
        what="organizations.partyorganization",
        count=queryset.count(),
        basename="党组织",
        headers=ORG_EXPORT_HEADERS,
        rows=rows,
    )


@login_required
@require_POST
def org_create(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    parent_id = request.POST.get("parent", "")
    parent = None
    if (parent_pk := parse_id(parent_id)) is not None:
        parent = get_visible_or_404(PartyOrganization, request.user, pk=parent_pk)
    back = redirect("organizations:org", pk=parent.pk) if parent else redirect("organizations:orgs")
    form = forms.OrgCreateForm(request.POST)
    if not form.is_valid():
        form_error(request, form)
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


@capability_required(Cap.ORGS_VIEW)
def org_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
        "member_count": coverage_services.member_count_of(org),
        "kinds": OrgKind.choices,
        "posts": CommitteePost.choices,
        "is_branch": org.kind in BRANCH_KINDS,
        "today": timezone.localdate(),
        "can_manage": has_capability(request.user, Cap.ORGS_MANAGE)
        and org.status == OrgStatus.ACTIVE,
        # Mirrors services.orgs._check_admin_link_scope (the service is the real guard).
        "can_set_admins": has_capability(request.user, Cap.ORGS_MANAGE)
        and org.status == OrgStatus.ACTIVE
        and (
            request.user.is_superuser
            or getattr(request.user, "has_citywide_scope", False)
            or has_capability(request.user, Cap.ORGS_ADMINS)
        ),
        "breadcrumbs": [BASE_CRUMB, ("党组织", "/organizations/orgs/"), (org.name, None)],
    }
    return render(request, "organizations/org_detail.html", context)


def _org_action(request: AuthedHttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
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
def org_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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


def _org_by_code(request: AuthedHttpRequest, field: str) -> PartyOrganization:
    code = request.POST.get(field, "").strip()
    org = PartyOrganization.objects.visible_to(request.user).filter(code=code).first()
    if org is None:
        raise DomainError(f"找不到编码为 {code} 的党组织（或不在您的管辖范围内）")
    return org


@login_required
@require_POST
def org_move(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def org_merge(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def org_dissolve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        return org_services.dissolve_organization(
            actor=request.user, org_id=org.pk, note=request.POST.get("note", "")
        )

    return _org_action(request, pk, act, "已撤销")


@login_required
@require_POST
def org_re_election(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def committee_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def committee_end(request: AuthedHttpRequest, pk: int, member_id: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        if not org.committee.filter(pk=member_id).exists():
            raise DomainError("班子成员不存在")
        return org_services.end_committee_member(
            actor=request.user, member_id=member_id, ended_on=timezone.localdate()
        )

    return _org_action(request, pk, act, "已办理离任")


@login_required
@require_POST
def org_admin_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
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
def org_admin_remove(request: AuthedHttpRequest, pk: int, link_id: int) -> HttpResponse:
    def act(org: PartyOrganization) -> Any:
        if not org.administrators.filter(pk=link_id).exists():
            raise DomainError("管理员不存在")
        return org_services.remove_org_administrator(actor=request.user, link_id=link_id)

    return _org_action(request, pk, act, "已取消管理员")


@login_required
@require_POST
def workforce_set(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    region = (
        Region.objects.visible_to(request.user)
        .filter(code=request.POST.get("region_code", "").strip())
        .first()
    )
    numbers = {}
    for key in ("workers", "formal_members", "probationary_members"):
        raw = request.POST.get(key, "0").strip() or "0"
        number = parse_id(raw)
        if number is None or number > 10**7:
            messages.error(request, "人数应为非负整数")
            return redirect("organizations:entity", pk=entity.pk)
        numbers[key] = number
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

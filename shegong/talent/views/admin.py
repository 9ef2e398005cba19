"""The figures page (+ XLSX), the parameters page and the roster import."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.importing import ImportUploadForm, roster_import_page
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.regions.choices import RegionLevel

from ..models import PostLadder, TalentPolicy
from ..models.policy import FOUR_POSTS_NAME
from ..services import figures, imports
from ..services.policy import (
    NUMBER_FIELDS,
    adopt_four_posts,
    people_off_ladder,
    update_policy,
    use_ladder,
)
from .common import CRUMB, caps, parse_int


def _figures(request: AuthedHttpRequest) -> dict[str, object]:
    today = timezone.localdate()
    user = request.user
    year, grades = figures.grade_distribution(user)
    return {
        "today": today,
        "overall": figures.certified_overall(user, today),
        "hours": figures.hours_completion(user, today),
        "units": figures.certified_by_unit(user, today),
        "streets": figures.certified_by_region(user, today, RegionLevel.STREET),
        "districts": figures.certified_by_region(user, today, RegionLevel.DISTRICT),
        "grade_year": year,
        "grades": grades,
        "expiring": figures.expiring(user, today),
        "staffing": figures.staffing(user, RegionLevel.STREET),
        "standard": TalentPolicy.current().staffing_per_10k,
    }


def _xlsx_rows(request: AuthedHttpRequest) -> list[list[object]]:
    today = timezone.localdate()
    user = request.user
    rows: list[list[object]] = []
    for scope, items in (
        ("单位", figures.certified_by_unit(user, today)),
        ("街道", figures.certified_by_region(user, today, RegionLevel.STREET)),
        ("区县", figures.certified_by_region(user, today, RegionLevel.DISTRICT)),
    ):
        rows += [["持证率", scope, r.label, r.numerator, r.denominator, r.rate] for r in items]
    hours = figures.hours_completion(user, today)
    rows.append(["学时完成率", "合计", "", hours.numerator, hours.denominator, hours.rate])
    year, grades = figures.grade_distribution(user)
    rows += [
        ["考核等次", f"{year}年度", r.label, r.numerator, r.denominator, r.rate] for r in grades
    ]
    rows += [
        ["社区工作者配备", "街道", r.label, r.numerator, r.denominator, r.rate]
        for r in figures.staffing(user, RegionLevel.STREET)
    ]
    return rows


@capability_required(Cap.TALENT_VIEW)
def figures_page(request: AuthedHttpRequest) -> HttpResponse:
    if request.GET.get("format") in {"xlsx", "csv"}:
        need_capability(request, Cap.EXPORT)  # as every export (the link shows only with it)
        rows = _xlsx_rows(request)
        return export_response(
            request,
            what="talent.figures",
            count=len(rows),
            basename="社会工作人才统计",
            headers=["指标", "范围", "名称", "分子（实有）", "分母（应有）", "比率（%）"],
            rows=rows,
        )
    context = _figures(request)
    context.update({"breadcrumbs": [CRUMB, ("人才统计", None)], **caps(request)})
    return render(request, "talent/figures.html", context)


def _switch_ladder(request: AuthedHttpRequest) -> HttpResponse:
    choice = request.POST.get("use_ladder", "")
    try:
        if choice == "four_posts":
            ladder = adopt_four_posts(actor=request.user)
        else:
            ladder = use_ladder(actor=request.user, ladder_id=parse_int(choice, "岗位等级序列"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("talent:policy")
    messages.success(request, f"已启用岗位等级序列“{ladder.name}”")
    if off := people_off_ladder(request.user, ladder):
        messages.warning(
            request,
            f"{off}名在岗人员的岗位不在该序列中，其等级显示为未定岗；岗位不能在档案中直接修改，"
            "须逐人提出晋升或降级决定，经审批后重新定岗",
        )
    return redirect("talent:policy")


@capability_required(Cap.TALENT_POLICY)
@require_http_methods(["GET", "POST"])
def policy_page(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST" and "use_ladder" in request.POST:
        return _switch_ladder(request)
    current = TalentPolicy.current()
    ladder = PostLadder.current()
    if request.method == "POST":
        try:
            update_policy(actor=request.user, data=request.POST)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存人才工作参数")
            return redirect("talent:policy")
    fields = [
        (
            name,
            TalentPolicy._meta.get_field(name),
            request.POST.get(name) if request.method == "POST" else getattr(current, name),
        )
        for name in NUMBER_FIELDS
    ]
    return render(
        request,
        "talent/policy.html",
        {
            "policy": current,
            "fields": fields,
            "grades": request.POST.get("grades")
            if request.method == "POST"
            else "、".join(current.grade_list),
            "ladder": ladder,
            "ladders": PostLadder.objects.exclude(pk=ladder.pk).order_by("name"),
            "four_posts": FOUR_POSTS_NAME,
            "four_posts_exists": PostLadder.objects.filter(name=FOUR_POSTS_NAME).exists(),
            "ladder_text": request.POST.get("ladder_posts")
            if request.method == "POST"
            else "\n".join(
                f"{post}：{bounds[0]}-{bounds[1]}" for post, bounds in ladder.posts.items()
            ),
            "years_per_step": request.POST.get("years_per_step")
            if request.method == "POST"
            else ladder.years_per_step,
            "breadcrumbs": [CRUMB, ("人才参数", None)],
        },
    )


@capability_required(Cap.TALENT_MANAGE)
def import_template(request: AuthedHttpRequest) -> HttpResponse:
    return file_response(
        "社会工作人才名册导入模板",
        imports.IMPORT_COLUMNS,
        imports.template_rows(),
        request.GET.get("format", "xlsx"),
    )


@capability_required(Cap.TALENT_MANAGE)
@require_http_methods(["GET", "POST"])
def import_view(request: AuthedHttpRequest) -> HttpResponse:
    """Upload → dry run (every bad row, in Chinese) → confirm → all-or-nothing commit."""
    context: dict[str, object] = {
        "form": ImportUploadForm(),
        "columns": imports.IMPORT_COLUMNS,
        "required": imports.REQUIRED_COLUMNS,
        "breadcrumbs": [CRUMB, ("导入人才名册", None)],
    }
    return roster_import_page(
        request,
        columns=imports.IMPORT_SPEC,
        run=lambda rows, commit: imports.import_people(
            actor=request.user, rows=rows, commit=commit
        ),
        template="talent/import.html",
        context=context,
        done_url="talent:people",
    )

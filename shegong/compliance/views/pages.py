"""The secretary's page (one branch, phone-first), the department's table (rolled up by
district, street and sector with drill-down), the findings list and the policy page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.middleware import safe_next
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability
from shegong.core.roles import Cap, Role
from shegong.core.scoping import get_visible_or_404
from shegong.lib.partyrules.meetings import MeetingType
from shegong.lib.text import parse_id
from shegong.organizations.choices import BRANCH_KINDS
from shegong.organizations.models import OrgAdministrator, PartyOrganization

from ..choices import OPEN_STATUSES, FindingStatus, Rule
from ..models import ComplianceFinding, CompliancePolicy
from ..services import actions, overview
from ..services.judge import quarter_bounds, quarter_of

CRUMB = ("组织生活合规", None)


@capability_required(Cap.COMPLIANCE_VIEW)
def home(request: AuthedHttpRequest) -> HttpResponse:
    """A branch secretary lands on their branch; everyone else on the table."""
    if request.user.role == Role.BRANCH_SECRETARY:
        mine = (
            OrgAdministrator.objects.filter(user=request.user, organization__kind__in=BRANCH_KINDS)
            .order_by("organization_id")
            .values_list("organization_id", flat=True)
        )
        first = mine.first()
        if first is not None:
            return redirect("compliance:branch", pk=first)
    return redirect("compliance:table")


def _quarter(request: AuthedHttpRequest) -> int:
    today = timezone.localdate()
    raw = request.GET.get("quarter", "")
    year, _, q = raw.partition("Q")
    y, n = parse_id(year), parse_id(q)
    if y is not None and n is not None and 2000 <= y <= 2100 and 1 <= n <= 4:
        return y * 4 + n - 1
    return quarter_of(today)


_CELL = '<td class="text-end">{}</td>'
_ROW = "<tr>\n<td>{}</td>\n" + _CELL * 9 + "</tr>\n"


def table_body(rows: list[overview.TableRow], by: str, quarter: str) -> SafeString:
    """The table's rows as HTML, built in one pass (escaped by ``format_html``): a metro
    city's table by street has 200 rows × 10 cells, and rendering them cell by cell through
    the template engine was most of the page's server time."""

    def label(r: overview.TableRow) -> SafeString | str:
        if by == "branch":
            return format_html(
                '<a href="{}">{}</a>', reverse("compliance:branch", args=[r["key"]]), r["label"]
            )
        if r["drill"]:
            return format_html(
                '<a href="{}&amp;quarter={}">{}</a>', r["drill"], quarter, r["label"]
            )
        return r["label"]

    shown: dict[int, SafeString] = {}  # the counts repeat: localise and escape each once

    def n(value: int) -> SafeString:
        if value not in shown:  # as ``{{ value }}`` shows it (thousand separators)
            shown[value] = escape(formats.localize(value))
        return shown[value]

    return format_html_join(
        "",
        _ROW,
        (
            (
                label(r),
                n(r["branches"]),
                n(r["two_new"]),
                n(r["compliant"]),
                r["rate"],
                n(r["missing"]),
                n(r["quorum_failed"]),
                n(r["minutes_missing"]),
                n(r["minutes_late"]),
                n(r["lapse_risks"]),
            )
            for r in rows
        ),
    )


@capability_required(Cap.COMPLIANCE_VIEW)
def table(request: AuthedHttpRequest) -> HttpResponse:
    by = request.GET.get("by", "district")
    if by not in overview.GROUPS:
        by = "district"
    quarter = _quarter(request)
    district = parse_id(request.GET.get("district"))
    street = parse_id(request.GET.get("street"))
    two_new = request.GET.get("two_new") == "1"
    rows = overview.city_table(
        request.user, quarter, by, district=district, street=street, two_new_only=two_new
    )
    last = overview.last_run(request.user, quarter)
    current = quarter_of(timezone.localdate())
    quarters = [
        (f"{q // 4}Q{q % 4 + 1}", f"{q // 4}年第{q % 4 + 1}季度")
        for q in range(current, current - 8, -1)
    ]
    return render(
        request,
        "compliance/table.html",
        {
            "rows": rows,
            "body": table_body(rows, by, f"{quarter // 4}Q{quarter % 4 + 1}"),
            "by": by,
            "group_label": overview.GROUPS[by],
            "groups": overview.GROUPS,
            "quarter": f"{quarter // 4}Q{quarter % 4 + 1}",
            "quarter_label": f"{quarter // 4}年第{quarter % 4 + 1}季度",
            "quarters": quarters,
            "two_new": two_new,
            "district": district,
            "street": street,
            "computed_at": last,
            "breadcrumbs": [CRUMB, ("合规总览", None)],
        },
    )


@capability_required(Cap.COMPLIANCE_VIEW)
def branch(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk, kind__in=BRANCH_KINDS)
    today = timezone.localdate()
    judged = overview.live_quarter(org, today)
    kinds = judged.detail.get("kinds", {})
    assert isinstance(kinds, dict)
    quarter = quarter_of(today)
    days_left = (quarter_bounds(quarter)[1] - today).days
    dues = overview.dues_status(request.user, org, today)
    context = {
        "org": org,
        "today": today,
        "quarter_label": f"{quarter // 4}年第{quarter % 4 + 1}季度",
        "days_left": days_left,
        "kinds": [(MeetingType(k).label, v) for k, v in kinds.items()],
        "missing": judged.missing,
        "compliant_now": judged.missing == 0,
        "meetings": overview.next_meetings(request.user, org, today),
        "dues": dues,
        "owing": [d for d in dues if d.months_in_arrears or not d.assessed],
        "lapse": overview.lapse_findings(request.user, org),
        "findings": overview.open_findings(request.user, org).exclude(rule=Rule.LAPSE_RISK)[:20],
        "transfers": overview.transfers_in_progress(request.user, org),
        "can_act": has_capability(request.user, actions.ACT),
        "breadcrumbs": [CRUMB, ("合规总览", reverse("compliance:table")), (org.name, None)],
    }
    return render(request, "compliance/branch.html", context)


@capability_required(Cap.COMPLIANCE_VIEW)
@require_POST
def recheck(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk, kind__in=BRANCH_KINDS)
    try:
        result = actions.recheck(actor=request.user, org_id=org.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已重新检查：新发现 {result.opened} 个问题，自动消除 {result.auto_resolved} 个",
        )
    return redirect("compliance:branch", pk=org.pk)


@capability_required(Cap.COMPLIANCE_VIEW)
def findings(request: AuthedHttpRequest) -> HttpResponse:
    qs = ComplianceFinding.objects.visible_to(request.user).select_related(
        "organization", "member", "escalated_to"
    )
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in FindingStatus.values:
        qs = qs.filter(status=status)
    rule = request.GET.get("rule", "")
    if rule in Rule.values:
        qs = qs.filter(rule=rule)
    org_id = parse_id(request.GET.get("org"))
    if org_id is not None:
        qs = qs.filter(organization_id=org_id)
    # newest first along cf_opened_idx, counted up to the cap: the department's open findings
    # run to hundreds of thousands at metro size (5.7 s a page when sorted and counted whole)
    page = paginate_capped(request, qs.order_by("-opened_at", "-pk"), 50)
    kept = request.GET.copy()
    kept.pop("page", None)
    kept.pop("count", None)
    return render(
        request,
        "compliance/findings.html",
        {
            "page": page,
            "query": kept.urlencode(),
            "status": status,
            "rule": rule,
            "rules": Rule.choices,
            "statuses": FindingStatus.choices,
            "can_act": has_capability(request.user, actions.ACT),
            "breadcrumbs": [CRUMB, ("合规问题", None)],
        },
    )


@capability_required(Cap.COMPLIANCE_VIEW)
@require_POST
def finding_handle(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    finding = get_visible_or_404(ComplianceFinding, request.user, pk=pk)
    try:
        actions.handle_finding(
            actor=request.user, finding_id=finding.pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记为已处理")
    return redirect(
        safe_next(request, reverse("compliance:branch", args=[finding.organization_id]))
    )


@capability_required(Cap.COMPLIANCE_POLICY)
@require_http_methods(["GET", "POST"])
def policy(request: AuthedHttpRequest) -> HttpResponse:
    current = CompliancePolicy.current()
    if request.method == "POST":
        values: dict[str, int] = {}
        error = ""
        for name in actions.INT_FIELDS:
            number = parse_id(request.POST.get(name))
            if number is None:
                label = actions.label_of(name)
                error = f"{label}应为非负整数"
                break
            values[name] = number
        schedules: dict[str, list[int]] = {}
        for kind in MeetingType:
            parts = [parse_id(request.POST.get(f"{kind.value}_{i}")) for i in range(4)]
            if any(p is None for p in parts):
                error = error or f"{kind.label}的周期参数应为非负整数"
                continue
            schedules[kind.value] = [p or 0 for p in parts]
        if not error:
            try:
                actions.update_policy(
                    actor=request.user,
                    values=values,
                    count_partial_join_month=request.POST.get("count_partial_join_month") == "1",
                    schedules=schedules,
                    expected_kinds=request.POST.getlist("expected_kinds"),
                )
            except DomainError as exc:
                error = exc.message
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "合规参数已保存，下次合规检查时生效")
        return redirect("compliance:policy")
    fields = [
        (name, CompliancePolicy._meta.get_field(name), getattr(current, name))
        for name in actions.INT_FIELDS
    ]
    rows = [
        (kind, ([*list(current.schedules.get(kind.value, [])), 0, 0, 0, 0])[:4])
        for kind in MeetingType
    ]
    return render(
        request,
        "compliance/policy.html",
        {
            "policy": current,
            "fields": fields,
            "schedules": rows,
            "expected": {k.value for k in current.kinds()},
            "breadcrumbs": [CRUMB, ("合规参数", None)],
        },
    )

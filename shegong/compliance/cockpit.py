"""The cockpit's 组织生活合规 panel (issue 17, docs/cockpit.md): the share of branches
meeting the rules in the quarter of the period's end, and the open findings by rule — read
from the engine's results (``BranchQuarter``, ``ComplianceFinding``) the 合规 pages show,
``visible_to(user)`` inside ``region_root(query)``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from shegong.core.panels import CockpitQuery, Figure, Point, Series, narrow
from shegong.core.roles import Cap

from .choices import OPEN_STATUSES, Rule
from .models import BranchQuarter, ComplianceFinding
from .services.judge import quarter_of


def branch_rows(query: CockpitQuery) -> QuerySet[BranchQuarter]:
    """The branches judged for the quarter of the period's end, in the query's scope."""
    rows = BranchQuarter.objects.visible_to(query.user).filter(quarter=quarter_of(query.end))
    return rows.filter(narrow(query, "region_path"))


def open_findings(query: CockpitQuery) -> QuerySet[ComplianceFinding]:
    """The findings still open (待处理、已上报上级), any date, in the query's scope."""
    rows = ComplianceFinding.objects.visible_to(query.user).filter(status__in=OPEN_STATUSES)
    return rows.filter(narrow(query, "region_path"))


class CompliancePanel:
    key = "compliance"
    title = "组织生活合规"
    capability = Cap.COMPLIANCE_VIEW
    order = 35

    def figures(self, query: CockpitQuery) -> list[Figure]:
        quarter = quarter_of(query.end)
        year, q = divmod(quarter, 4)
        counts = branch_rows(query).aggregate(
            branches=Count("pk"), compliant=Count("pk", filter=Q(compliant=True))
        )
        branches, compliant = int(counts["branches"]), int(counts["compliant"])
        rate = round(100 * compliant / branches, 1) if branches else 0.0
        table = f"{reverse('compliance:table')}?by=branch&quarter={year}Q{q + 1}"
        kpi = Figure(
            key="compliance.kpi",
            title=f"{year}年第{q + 1}季度 党支部组织生活达标",
            chart="kpi",
            series=(
                Series(
                    "概况",
                    (
                        Point("参评党支部", branches, table),
                        Point("达标党支部", compliant, table),
                        Point("达标率（%）", rate, None),
                    ),
                ),
            ),
            unit="个",
            note=(
                "所选期间末所在季度、所选区划内经合规检查的党支部：达标＝该季度已结束周期的"
                "“三会一课”等会议全部按规定召开；达标率＝达标党支部／参评党支部。"
                "数据取自每日合规检查结果（组织生活合规页同一口径）。"
            ),
        )
        labels = dict(Rule.choices)
        findings = reverse("compliance:findings")
        by_rule = (
            open_findings(query).values_list("rule").annotate(n=Count("pk")).order_by("-n", "rule")
        )
        points = tuple(
            Point(
                str(labels.get(rule, rule)),
                n,
                f"{findings}?{urlencode({'status': 'open', 'rule': rule})}",
            )
            for rule, n in by_rule
        )
        return [
            kpi,
            Figure(
                key="compliance.findings_by_rule",
                title="待处理合规问题（按规则）",
                chart="bar",
                series=(Series("问题数", points),),
                unit="条",
                note=(
                    "所选区划内尚未处理（待处理、已上报上级）的合规问题按规则计数，不限发现日期；"
                    "点击查看问题清单。"
                ),
            ),
        ]

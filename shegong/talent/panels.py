"""The talent panel of the cockpit (``core.panels``): 持证率, hours completion, grade
distribution, expiring credentials, staffing against the standard. Every figure counts rows
``visible_to(query.user)`` through ``services.figures`` (the same functions as the figures
page), limited to ``region_root(query)``: the query's region (``query.region_id``, checked
by the cockpit to lie in the viewer's jurisdiction) or else the viewer's own region —
always intersected with what the viewer may see. Drill-down links carry the region."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from shegong.core.panels import CockpitQuery, Figure, Point, Series, region_root
from shegong.core.roles import Cap
from shegong.regions.choices import RegionLevel

from .models import TalentPolicy
from .services import figures


class TalentPanel:
    key = "talent"
    title = "社会工作人才"
    capability = Cap.TALENT_VIEW
    order = 80

    def figures(self, query: CockpitQuery) -> list[Figure]:
        user = query.user
        today = min(query.end, timezone.localdate())
        root = region_root(query)
        people_url = reverse("talent:people")
        region = f"&{query.region_param()}" if query.region_id else ""
        p = TalentPolicy.current()  # the note states the hours the policy requires
        overall = figures.certified_overall(user, today, root)
        hours = figures.hours_completion(user, today, root)
        year, grades = figures.grade_distribution(user, root)
        expiring = figures.expiring(user, today, root)
        streets = figures.certified_by_region(user, today, RegionLevel.STREET, root)
        staffing = figures.staffing(user, RegionLevel.STREET, root)
        out = [
            Figure(
                "talent.certified",
                "持证率",
                "kpi",
                (
                    Series(
                        "持证率",
                        (Point("持证率", overall.rate, f"{people_url}?certified=1{region}"),),
                    ),
                ),
                unit="%",
                note=f"在岗人员中持有处于登记有效期内职业资格证书的人数（{overall.numerator}）"
                f"÷在岗人员数（{overall.denominator}），按{today}计",
            ),
            Figure(
                "talent.hours",
                "继续教育学时完成率",
                "kpi",
                (Series("完成率", (Point("完成率", hours.rate, reverse("talent:figures")),)),),
                unit="%",
                note=f"本登记周期学时已达要求（助理{p.hours_assistant}学时、社会工作师及高级"
                f"{p.hours_intermediate}学时）的证书÷处于登记有效期内的证书",
            ),
            Figure(
                "talent.by_street",
                "各街道持证率",
                "bar",
                (
                    Series(
                        "持证率",
                        tuple(
                            Point(r.label, r.rate, f"{people_url}?region={r.key}") for r in streets
                        ),
                    ),
                ),
                unit="%",
                note="按人员服务区域所属街道/乡镇汇总",
            ),
            Figure(
                "talent.expiring",
                "即将到期证书",
                "kpi",
                (Series("证书", (Point("即将到期", len(expiring), reverse("talent:figures")),)),),
                unit="本",
                note="登记有效期在提醒天数内届满的证书（在岗人员）",
            ),
            Figure(
                "talent.staffing",
                "社区工作者配备",
                "bar",
                (
                    Series(
                        "实有",
                        tuple(
                            Point(
                                r.label,
                                r.numerator,
                                f"{people_url}?region={r.key}&category=community_worker",
                            )
                            for r in staffing
                        ),
                    ),
                    Series("标准", tuple(Point(r.label, r.denominator) for r in staffing)),
                ),
                unit="人",
                note="实有在岗社区工作者与按每万名常住人口配备标准计算的应配人数（已录入人口的街道）",
            ),
        ]
        if year is not None:
            out.append(
                Figure(
                    "talent.grades",
                    f"{year}年度考核等次分布",
                    "pie",
                    (
                        Series(
                            "人数",
                            tuple(
                                Point(r.label, r.numerator, reverse("talent:cycles"))
                                for r in grades
                            ),
                        ),
                    ),
                    unit="人",
                    note="已评定等次的年度考核记录",
                )
            )
        return out

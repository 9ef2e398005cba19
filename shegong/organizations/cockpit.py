"""The 两新 coverage panel of the cockpit (issue 17, docs/cockpit.md): the coverage page's
own figures (``services.coverage.coverage_for``, read from the pre-aggregated cells),
inside the cockpit's region; every count links to the entity list with the same filters."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from shegong.accounts.models import User
from shegong.core.panels import NOWHERE, CockpitQuery, Figure, Point, Series, region_root
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .services.coverage import Figures, coverage_for

NOTE = (
    "两新组织：存续的非公有制经济组织和社会组织（当前状态，不随所选日期变化）。"
    "组织覆盖率＝已建立或联合、挂靠党组织的组织数／组织总数；工作覆盖率＝（已组织覆盖＋"
    "仅选派党建指导员）／组织总数；两个覆盖空白＝既无党组织也无指导员的组织数。"
)


def entities_url(region_id: int | None, **params: str) -> str:
    args = {"is_active": "true", **params}
    if region_id:
        args["within"] = str(region_id)
    return f"{reverse('organizations:entities')}?{urlencode(args)}"


def _stacks(label: str, fig: Figures, region_id: int | None, **params: str) -> list[Point]:
    return [
        Point(
            label, fig.org_covered, entities_url(region_id, coverage="org", **params), "已组织覆盖"
        ),
        Point(
            label,
            fig.instructor_only,
            entities_url(region_id, coverage="work_only", **params),
            "仅工作覆盖",
        ),
        Point(label, fig.gaps, entities_url(region_id, coverage="gap", **params), "两个覆盖空白"),
    ]


def _series(rows: list[list[Point]]) -> tuple[Series, ...]:
    names = ("已组织覆盖", "仅工作覆盖", "两个覆盖空白")
    return tuple(Series(n, tuple(r[i] for r in rows)) for i, n in enumerate(names))


class CoveragePanel:
    key = "organizations"
    title = "两新组织党建覆盖"
    capability = Cap.ORGS_VIEW
    order = 30

    def figures(self, query: CockpitQuery) -> list[Figure]:
        user = query.user
        root_path = region_root(query)
        if not isinstance(user, User) or root_path == NOWHERE:
            return []
        if not (user.is_superuser or user.has_capability(Cap.ORGS_VIEW)):
            return []
        root = Region.objects.filter(path=root_path).first() if root_path else None
        data = coverage_for(user, root)
        region_id = root.pk if root is not None else None
        overall = data.overall
        kpis = (
            Point("两新组织", overall.total, entities_url(region_id)),
            Point("已组织覆盖", overall.org_covered, entities_url(region_id, coverage="org")),
            Point("组织覆盖率（%）", overall.org_rate or 0.0, None),
            Point("工作覆盖率（%）", overall.work_rate or 0.0, None),
            Point("两个覆盖空白", overall.gaps, entities_url(region_id, coverage="gap")),
        )
        by_region = [_stacks(r.name, f, r.pk) for r, f in data.by_region]
        by_kind = [_stacks(label, f, region_id, kind=k) for k, label, f in data.by_kind]
        by_industry = [
            _stacks(label, f, region_id, industry=k) for k, label, f in data.by_industry if k
        ]
        return [
            Figure("organizations.kpi", "两新覆盖概况", "kpi", (Series("概况", kpis),), "个", NOTE),
            Figure(
                "organizations.by_region",
                "按区划的覆盖情况",
                "stacked_bar",
                _series(by_region),
                "个",
                NOTE,
            ),
            Figure(
                "organizations.by_kind", "按组织类型", "stacked_bar", _series(by_kind), "个", NOTE
            ),
            Figure(
                "organizations.by_industry",
                "按行业门类",
                "stacked_bar",
                _series(by_industry),
                "个",
                NOTE,
            ),
        ]

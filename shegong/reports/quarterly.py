"""The quarterly 两新 coverage report's figures for one region (a district or the city).

Every figure is ``organizations.services.coverage.coverage_for`` — the function the
coverage page uses — read for the whole region: the report of a region holds all of that
region, whoever asks for it (who may *read* the report is decided by the archive's scope,
docs/reports.md). Coverage is a state, not a flow: the figures are those at generation
time, which the schedule places on the first day after the quarter.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from shegong.accounts.models import User
from shegong.organizations.services.coverage import Figures, coverage_for
from shegong.regions.models import Region

from .periods import Period
from .schema import QUARTERLY
from .tables import Cell, ReportContent, Table


def region_reader() -> User:
    """The reader the figures are computed as: an unsaved superuser (sees the whole region;
    never stored, never signs in). The report's region bounds what it contains."""
    return User(username="report-generator", is_superuser=True, is_active=True)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def _cells(figures: Figures) -> dict[str, Cell]:
    return {
        "total": figures.total,
        "org_covered": figures.org_covered,
        "org_rate": _rate(figures.org_rate),
        "work_covered": figures.work_covered,
        "work_rate": _rate(figures.work_rate),
        "gaps": figures.gaps,
    }


def _table(key: str, rows: list[dict[str, Cell]], note: str) -> Table:
    title, cols = QUARTERLY[key]
    return Table(key, title, cols, rows, note)


def build(region: Region, period: Period, *, generated: datetime) -> ReportContent:
    root = None if region.parent_id is None else region
    data = coverage_for(region_reader(), root)
    overall = data.overall
    summary = [
        f"{region.name}在册两新组织 {overall.total} 个，组织覆盖 {overall.org_covered} 个"
        f"（{_rate(overall.org_rate) or '—'}），工作覆盖 {overall.work_covered} 个"
        f"（{_rate(overall.work_rate) or '—'}），尚未覆盖 {overall.gaps} 个。",
        "组织覆盖：已单独建、联合建或挂靠建立党组织；工作覆盖：组织覆盖，或未建组织但已选派党建工作指导员/联络员。",
    ]
    source = "同“两新组织覆盖率”页（organizations.services.coverage.coverage_for），生成时的状态。"
    return ReportContent(
        title=f"{region.name}两新组织党建覆盖季度报告",
        region_name=region.full_name or region.name,
        period_label=period.label,
        generated_label=timezone.localtime(generated).strftime("%Y年%m月%d日 %H:%M"),
        summary=summary,
        tables=[
            _table(
                "regions",
                [{"name": r.name, **_cells(f)} for r, f in data.by_region],
                source,
            ),
            _table("kinds", [{"name": label, **_cells(f)} for _, label, f in data.by_kind], source),
            _table(
                "industries",
                [{"name": label, **_cells(f)} for _, label, f in data.by_industry],
                source,
            ),
            _table(
                "gaps",
                [
                    {
                        "name": str(g["name"]),
                        "district": str(g["district"]),
                        "uncovered": int(g["uncovered"]),
                        "open_findings": int(g["open_findings"]),
                    }
                    for g in data.street_gaps
                ],
                "未覆盖组织数与待整改问题数之和较多的街道在前。" + source,
            ),
        ],
    )

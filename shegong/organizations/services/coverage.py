"""Coverage figures: 组织覆盖率 and 工作覆盖率 by region, industry, kind and size band, the
gap counts by street, and daily snapshots for the trend.

Definitions (docs/organizations.md):
- 组织覆盖: the entity is covered by a party organization (单独建, 联合建 or 挂靠建).
- 工作覆盖: 组织覆盖, or a 党建工作指导员/联络员 is assigned where no organization exists.
- 组织覆盖率 = 组织覆盖 / active entities; 工作覆盖率 = 工作覆盖 / active entities.

Everything is one ``GROUP BY`` over indexed columns of ``Entity`` (street, kind, industry,
size band, coverage mode, instructor flag), rolled up in Python; a district with 50,000
entities is a few thousand groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from shegong.accounts.roles import Cap
from shegong.core import audit
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from ..choices import CoverageMode, EntityKind, Industry, SizeBand
from ..models import CoverageSnapshot, CoverageSnapshotRow, Entity
from .common import require


@dataclass
class Figures:
    total: int = 0
    org_covered: int = 0
    work_covered: int = 0
    instructor_only: int = 0
    formal_members: int = 0
    probationary_members: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)

    @property
    def org_rate(self) -> float | None:
        return round(100 * self.org_covered / self.total, 1) if self.total else None

    @property
    def work_rate(self) -> float | None:
        return round(100 * self.work_covered / self.total, 1) if self.total else None

    @property
    def gaps(self) -> int:
        return self.total - self.work_covered

    def add(self, n: int, mode: str, instructor: bool, formal: int, prob: int) -> None:
        self.total += n
        covered = mode != CoverageMode.NONE
        if covered:
            self.org_covered += n
        if covered or instructor:
            self.work_covered += n
        if instructor and not covered:
            self.instructor_only += n
        self.formal_members += formal
        self.probationary_members += prob
        self.by_mode[mode] = self.by_mode.get(mode, 0) + n

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "org_covered": self.org_covered,
            "work_covered": self.work_covered,
            "instructor_only": self.instructor_only,
            "gaps": self.gaps,
            "org_rate": self.org_rate,
            "work_rate": self.work_rate,
            "formal_members": self.formal_members,
            "probationary_members": self.probationary_members,
            "by_mode": dict(self.by_mode),
        }


@dataclass
class Breakdown:
    overall: Figures
    by_region: list[tuple[Region, Figures]]
    by_kind: list[tuple[str, str, Figures]]
    by_industry: list[tuple[str, str, Figures]]
    by_size: list[tuple[str, str, Figures]]
    open_findings_by_region: dict[int, int]


def _child_level_regions(root: Region | None, street_ids: set[int]) -> dict[int, Region]:
    """street id → the region one level below ``root`` that contains it (the roll-up row)."""
    streets = {r.pk: r for r in Region.objects.filter(pk__in=street_ids)}
    depth = (root.depth + 1) if root is not None else 1
    prefixes: dict[int, str] = {}
    for pk, street in streets.items():
        parts = [p for p in street.path.strip("/").split("/") if p]
        prefixes[pk] = "/" + "/".join(parts[: depth + 1]) + "/"
    by_path = {r.path: r for r in Region.objects.filter(path__in=set(prefixes.values()))}
    return {pk: by_path[prefix] for pk, prefix in prefixes.items() if prefix in by_path}


def breakdown(entities: Any, findings: Any, root: Region | None) -> Breakdown:
    """All figures for the entities in ``entities`` (already scoped and filtered)."""
    rows = (
        entities.filter(is_active=True)
        .values_list(
            "street_id", "kind", "industry", "size_band", "coverage_mode", "has_instructor"
        )
        .annotate(n=Count("id"), formal=Sum("formal_members"), prob=Sum("probationary_members"))
        .order_by()
    )
    overall = Figures()
    by_street: dict[int | None, Figures] = defaultdict(Figures)
    by_kind: dict[str, Figures] = defaultdict(Figures)
    by_industry: dict[str, Figures] = defaultdict(Figures)
    by_size: dict[str, Figures] = defaultdict(Figures)
    for street_id, kind, industry, size, mode, instructor, n, formal, prob in rows:
        args = (n, mode, instructor, formal or 0, prob or 0)
        overall.add(*args)
        by_street[street_id].add(*args)
        by_kind[kind].add(*args)
        by_industry[industry or ""].add(*args)
        by_size[size].add(*args)
    open_by_street = dict(
        findings.open()
        .values_list("street_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("street_id", "n")
    )
    mapping = _child_level_regions(root, {s for s in by_street if s is not None})
    regions: dict[int, tuple[Region, Figures]] = {}
    open_by_region: dict[int, int] = defaultdict(int)
    for street_id, figures in by_street.items():
        region = mapping.get(street_id) if street_id is not None else None
        if region is None:
            continue
        _, agg = regions.setdefault(region.pk, (region, Figures()))
        agg.total += figures.total
        agg.org_covered += figures.org_covered
        agg.work_covered += figures.work_covered
        agg.instructor_only += figures.instructor_only
        agg.formal_members += figures.formal_members
        agg.probationary_members += figures.probationary_members
        for mode, n in figures.by_mode.items():
            agg.by_mode[mode] = agg.by_mode.get(mode, 0) + n
    for street_id, n in open_by_street.items():
        region = mapping.get(street_id) if street_id is not None else None
        if region is not None:
            open_by_region[region.pk] += n
    return Breakdown(
        overall=overall,
        by_region=sorted(regions.values(), key=lambda item: item[0].code),
        by_kind=[(k.value, k.label, by_kind[k.value]) for k in EntityKind if k.value in by_kind],
        by_industry=[
            (i.value, i.label, by_industry[i.value]) for i in Industry if i.value in by_industry
        ]
        + ([("", "未填写", by_industry[""])] if "" in by_industry else []),
        by_size=[(s.value, s.label, by_size[s.value]) for s in SizeBand if s.value in by_size],
        open_findings_by_region=dict(open_by_region),
    )


def take_snapshot(
    *, actor: Any = None, on: date | None = None, now: datetime | None = None
) -> CoverageSnapshot:
    """Store today's city-wide figures per street × kind (replacing an earlier one of the
    same day). The periodic job calls it without an actor; people use the button."""
    if actor is not None:
        require(actor, Cap.ORGS_MANAGE, "您的角色不能生成覆盖率快照")
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    rows = (
        Entity.objects.filter(is_active=True, street__isnull=False)
        .values_list("street_id", "kind", "coverage_mode", "has_instructor")
        .annotate(n=Count("id"), formal=Sum("formal_members"))
        .order_by()
    )
    agg: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for street_id, kind, mode, instructor, n, formal in rows:
        cell = agg[(street_id, kind)]
        cell[0] += n
        if mode != CoverageMode.NONE:
            cell[1] += n
        if mode != CoverageMode.NONE or instructor:
            cell[2] += n
        cell[3] += formal or 0
    paths = dict(Region.objects.filter(pk__in={s for s, _ in agg}).values_list("pk", "path"))
    with transaction.atomic():
        snapshot, created = CoverageSnapshot.objects.update_or_create(
            taken_on=on,
            defaults={
                "taken_at": now,
                "taken_by": actor if getattr(actor, "pk", None) else None,
                "source": "manual" if actor is not None else "periodic",
            },
        )
        if not created:
            snapshot.rows.all().delete()
        CoverageSnapshotRow.objects.bulk_create(
            [
                CoverageSnapshotRow(
                    snapshot=snapshot,
                    region_id=street_id,
                    region_path=paths[street_id],
                    kind=kind,
                    total=v[0],
                    org_covered=v[1],
                    work_covered=v[2],
                    formal_members=v[3],
                )
                for (street_id, kind), v in agg.items()
            ],
            batch_size=2000,
        )
        audit.record(
            "coverage_snapshot_taken",
            actor=actor,
            target_type="organizations.coveragesnapshot",
            target_id=str(snapshot.pk),
            target_repr=f"覆盖率快照 {on:%Y-%m-%d}",
            changes={"rows": len(agg), "replaced": not created},
        )
    return snapshot


def trend(
    user: Any, root: Region | None, *, kind: str = "", limit: int = 60
) -> list[dict[str, Any]]:
    """Per snapshot date, the rates inside ``root`` (and inside the user's jurisdiction)."""
    rows = CoverageSnapshotRow.objects.all()
    if not (user.is_superuser or user.has_citywide_scope):
        if not user.scope_region_path:
            return []
        rows = rows.filter(subtree_q(user.scope_region_path, "region_path"))
    if root is not None:
        rows = rows.filter(subtree_q(root.path, "region_path"))
    if kind:
        rows = rows.filter(kind=kind)
    data = (
        rows.values_list("snapshot__taken_on")
        .annotate(t=Sum("total"), o=Sum("org_covered"), w=Sum("work_covered"))
        .order_by("-snapshot__taken_on")[:limit]
    )
    out = []
    for taken_on, t, o, w in reversed(list(data)):
        out.append(
            {
                "date": taken_on.isoformat(),
                "total": t,
                "org_rate": round(100 * o / t, 1) if t else None,
                "work_rate": round(100 * w / t, 1) if t else None,
            }
        )
    return out


def street_gaps(entities: Any, findings: Any) -> list[dict[str, Any]]:
    """Per street: entities with neither organization nor instructor, and open findings."""
    uncovered = dict(
        entities.filter(is_active=True, coverage_mode=CoverageMode.NONE, has_instructor=False)
        .values_list("street_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("street_id", "n")
    )
    open_findings = dict(
        findings.open()
        .values_list("street_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("street_id", "n")
    )
    ids = {i for i in (set(uncovered) | set(open_findings)) if i is not None}
    streets = Region.objects.filter(pk__in=ids).select_related("parent")
    result = [
        {
            "street_id": s.pk,
            "name": s.name,
            "district": s.parent.name if s.parent else "",
            "uncovered": uncovered.get(s.pk, 0),
            "open_findings": open_findings.get(s.pk, 0),
        }
        for s in streets
    ]
    result.sort(key=lambda r: (-(r["uncovered"] + r["open_findings"]), r["name"]))
    return result

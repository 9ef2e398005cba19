"""Coverage figures: 组织覆盖率 and 工作覆盖率 by region, industry, kind and size band, the
gap counts by street, and daily snapshots for the trend.

Definitions (docs/organizations.md):
- 组织覆盖: the entity is covered by a party organization (单独建, 联合建 or 挂靠建).
- 工作覆盖: 组织覆盖, or a 党建工作指导员/联络员 is assigned where no organization exists.
- 组织覆盖率 = 组织覆盖 / active entities; 工作覆盖率 = 工作覆盖 / active entities.

The figures come from :class:`CoverageCell` (per street × kind × industry × size band,
kept current by the writing services) when the user's jurisdiction is whole streets, and
otherwise from the same ``GROUP BY`` run live over the user's own entities; both give the
same rows, rolled up in Python into every dimension.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from ..choices import CoverageMode, EntityKind, Industry, SizeBand
from ..models import (
    CoverageCell,
    CoverageSnapshot,
    CoverageSnapshotRow,
    Entity,
    Finding,
    PartyOrganization,
    administered_paths,
)

MEASURES = (
    "total",
    "org_covered",
    "work_covered",
    "instructor_only",
    "single",
    "joint",
    "attached",
    "formal_members",
    "probationary_members",
)
_NONE = CoverageMode.NONE


@dataclass
class Figures:
    total: int = 0
    org_covered: int = 0
    work_covered: int = 0
    instructor_only: int = 0
    single: int = 0
    joint: int = 0
    attached: int = 0
    formal_members: int = 0
    probationary_members: int = 0

    @property
    def org_rate(self) -> float | None:
        return round(100 * self.org_covered / self.total, 1) if self.total else None

    @property
    def work_rate(self) -> float | None:
        return round(100 * self.work_covered / self.total, 1) if self.total else None

    @property
    def gaps(self) -> int:
        return self.total - self.work_covered

    @property
    def by_mode(self) -> dict[str, int]:
        return {
            CoverageMode.SINGLE: self.single,
            CoverageMode.JOINT: self.joint,
            CoverageMode.ATTACHED: self.attached,
            _NONE: self.total - self.org_covered,
        }

    def add(self, values: tuple[int, ...]) -> None:
        self.total += values[0]
        self.org_covered += values[1]
        self.work_covered += values[2]
        self.instructor_only += values[3]
        self.single += values[4]
        self.joint += values[5]
        self.attached += values[6]
        self.formal_members += values[7]
        self.probationary_members += values[8]

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
            "by_mode": {str(k): v for k, v in self.by_mode.items()},
        }


@dataclass
class Breakdown:
    overall: Figures
    by_region: list[tuple[Region, Figures]]
    by_kind: list[tuple[str, str, Figures]]
    by_industry: list[tuple[str, str, Figures]]
    by_size: list[tuple[str, str, Figures]]
    open_findings_by_region: dict[int, int]
    street_gaps: list[dict[str, Any]]
    source: str  # "cells" (pre-aggregated), "cells+live" (plus linked entities) or "live"


def live_cells(entities: Any) -> Any:
    """``(street, kind, industry, size_band, *MEASURES)`` rows straight from ``Entity``."""
    covered = ~Q(coverage_mode=_NONE)
    return (
        entities.filter(is_active=True)
        .values_list("street_id", "kind", "industry", "size_band")
        .annotate(
            c_total=Count("id"),
            c_org=Count("id", filter=covered),
            c_work=Count("id", filter=covered | Q(has_instructor=True)),
            c_instr=Count("id", filter=Q(coverage_mode=_NONE, has_instructor=True)),
            c_single=Count("id", filter=Q(coverage_mode=CoverageMode.SINGLE)),
            c_joint=Count("id", filter=Q(coverage_mode=CoverageMode.JOINT)),
            c_attached=Count("id", filter=Q(coverage_mode=CoverageMode.ATTACHED)),
            c_formal=Coalesce(Sum("formal_members"), 0),
            c_prob=Coalesce(Sum("probationary_members"), 0),
        )
        .order_by()
    )


def refresh_cells(street_ids: Iterable[int | None]) -> None:
    """Recompute the pre-aggregated cells of these streets (call inside the writer's
    transaction, after the entity rows are written)."""
    ids = sorted({i for i in street_ids if i is not None})
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        CoverageCell.objects.filter(street_id__in=chunk).delete()
        paths = dict(Region.objects.filter(pk__in=chunk).values_list("pk", "path"))
        CoverageCell.objects.bulk_create(
            [
                CoverageCell(
                    street_id=street_id,
                    street_path=paths[street_id],
                    kind=kind,
                    industry=industry or "",
                    size_band=size,
                    **dict(zip(MEASURES, values, strict=True)),
                )
                for street_id, kind, industry, size, *values in live_cells(
                    Entity.objects.filter(street_id__in=chunk)
                )
            ],
            batch_size=2000,
        )


def rebuild_cells() -> int:
    """Rebuild every cell (the daily job; self-heals after any out-of-band change)."""
    with transaction.atomic():
        CoverageCell.objects.all().delete()
        streets = Entity.objects.filter(street__isnull=False).values_list("street_id", flat=True)
        refresh_cells(set(streets.distinct()))
    return CoverageCell.objects.count()


def _cells_serve(user: User, root: Region | None) -> bool:
    """Street-level cells are exact for the *jurisdiction* part of this user's scope only
    if it is whole streets (region at street level or above) and the root is a street or
    above. Organizations the user administers outside that region are added live by
    :func:`_linked_rows` (they never overlap the cells, so nothing is counted twice)."""
    if root is not None and root.level > RegionLevel.STREET:
        return False
    if user.is_superuser or user.has_citywide_scope:
        return True
    region = getattr(user, "region", None)
    return region is not None and region.level <= RegionLevel.STREET


def _linked_rows(user: User, root: Region | None, filters: dict[str, str]) -> list[Any]:
    """Live cell rows of the entities the user sees only through administered
    organizations, i.e. outside their own region path (usually a handful). Built straight
    from the organization subtrees (indexed path ranges, then the entity FK), not from
    ``visible_to``, whose OR over the whole jurisdiction would scan it again."""
    if user.is_superuser or user.has_citywide_scope:
        return []
    paths = administered_paths(user)
    own = user.scope_region_path
    if not paths or not own or not user.has_capability(Cap.ORGS_VIEW):
        return []
    if root is not None and root.path.startswith(own):
        return []  # the page is inside the jurisdiction: the cells already hold it all
    linked = Q()
    for path in paths:
        linked |= subtree_q(path, "organization__path")
    entities = Entity.objects.filter(linked, **filters).exclude(subtree_q(own, "region_path"))
    if root is not None:
        entities = entities.filter(subtree_q(root.path, "region_path"))
    return list(live_cells(entities))


def coverage_for(
    user: User, root: Region | None, *, kind: str = "", industry: str = "", size_band: str = ""
) -> Breakdown:
    """All coverage figures inside ``root`` that ``user`` may see, with optional filters."""
    filters = {
        k: v for k, v in (("kind", kind), ("industry", industry), ("size_band", size_band)) if v
    }
    findings = Finding.objects.visible_to(user)
    if root is not None:
        findings = findings.filter(subtree_q(root.path, "region_path"))
    if _cells_serve(user, root):
        cells = CoverageCell.objects.visible_to(user).filter(**filters)
        if root is not None:
            cells = cells.filter(subtree_q(root.path, "street_path"))
        rows: Any = list(cells.values_list("street_id", "kind", "industry", "size_band", *MEASURES))
        linked = _linked_rows(user, root, filters)
        rows += linked
        source = "cells+live" if linked else "cells"
    else:
        entities = Entity.objects.visible_to(user).filter(**filters)
        if root is not None:
            entities = entities.filter(subtree_q(root.path, "region_path"))
        rows = live_cells(entities)
        source = "live"
    overall = Figures()
    by_street: dict[int | None, Figures] = defaultdict(Figures)
    by_kind: dict[str, Figures] = defaultdict(Figures)
    by_industry: dict[str, Figures] = defaultdict(Figures)
    by_size: dict[str, Figures] = defaultdict(Figures)
    for street_id, k, ind, size, *values in rows:
        v = tuple(values)
        overall.add(v)
        by_street[street_id].add(v)
        by_kind[k].add(v)
        by_industry[ind or ""].add(v)
        by_size[size].add(v)
    open_by_street: dict[int | None, int] = dict(
        findings.open()
        .values_list("street_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("street_id", "n")
    )
    street_ids = {s for s in set(by_street) | set(open_by_street) if s is not None}
    streets = {r.pk: r for r in Region.objects.filter(pk__in=street_ids).select_related("parent")}
    mapping = _roll_up(root, streets)
    regions: dict[int, tuple[Region, Figures]] = {}
    open_by_region: dict[int, int] = defaultdict(int)
    for street_id, figures in by_street.items():
        region = mapping.get(street_id) if street_id is not None else None
        if region is not None:
            _, agg = regions.setdefault(region.pk, (region, Figures()))
            agg.add(tuple(getattr(figures, m) for m in MEASURES))
    for street_id, n in open_by_street.items():
        region = mapping.get(street_id) if street_id is not None else None
        if region is not None:
            open_by_region[region.pk] += n
    gaps: list[dict[str, Any]] = [
        {
            "street_id": pk,
            "name": street.name,
            "district": street.parent.name if street.parent else "",
            "uncovered": by_street[pk].gaps if pk in by_street else 0,
            "open_findings": open_by_street.get(pk, 0),
        }
        for pk, street in streets.items()
    ]
    gaps = [g for g in gaps if g["uncovered"] or g["open_findings"]]
    gaps.sort(key=lambda g: (-(int(g["uncovered"]) + int(g["open_findings"])), str(g["name"])))
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
        street_gaps=gaps,
        source=source,
    )


def _roll_up(root: Region | None, streets: dict[int, Region]) -> dict[int, Region]:
    """street id → the region one level below ``root`` containing it (the table's rows);
    for a street root, the street itself."""
    depth = (root.depth + 1) if root is not None else 1
    prefixes: dict[int, str] = {}
    for pk, street in streets.items():
        parts = [p for p in street.path.strip("/").split("/") if p]
        prefixes[pk] = "/" + "/".join(parts[: min(depth, len(parts) - 1) + 1]) + "/"
    by_path = {r.path: r for r in Region.objects.filter(path__in=set(prefixes.values()))}
    return {pk: by_path[prefix] for pk, prefix in prefixes.items() if prefix in by_path}


def take_snapshot(
    *, actor: User | None = None, on: date | None = None, now: datetime | None = None
) -> CoverageSnapshot:
    """Store today's city-wide figures per street × kind (replacing an earlier one of the
    same day). The periodic job calls it without an actor; people use the button."""
    if actor is not None:
        require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能生成覆盖率快照")
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
    user: User, root: Region | None, *, kind: str = "", limit: int = 60
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


# --- party-member counts of organizations ------------------------------------------------------
#
# An organization's 正式/预备党员 figures come from its member records (members app) as soon
# as it has at least one record (any stage or standing); until then the imported/entered
# counts on the organization stay in use. The member rows are read through the reverse
# relation ``member_records`` (organizations may not import members: import layers); the
# values below are ``members.choices`` Standing ON_ROLL and Stage FULL / PROBATIONARY.
_ON_ROLL = ("active", "transferring")
_FULL, _PROBATIONARY = "full", "probationary"
SOURCE_RECORDS = "党员名册"
SOURCE_IMPORTED = "导入数"


@dataclass(frozen=True)
class MemberCount:
    formal: int
    probationary: int
    from_records: bool

    @property
    def total(self) -> int:
        return self.formal + self.probationary

    @property
    def source(self) -> str:
        return SOURCE_RECORDS if self.from_records else SOURCE_IMPORTED


CountRow = tuple[int, int, int, int, int, int]


def _count_rows(orgs: QuerySet[PartyOrganization]) -> QuerySet[PartyOrganization, CountRow]:
    roll = Q(member_records__standing__in=_ON_ROLL)
    return (
        orgs.order_by()
        .values("pk")
        .annotate(
            records=Count("member_records"),
            formal=Count("member_records", filter=roll & Q(member_records__stage=_FULL)),
            prob=Count("member_records", filter=roll & Q(member_records__stage=_PROBATIONARY)),
        )
        .values_list("pk", "formal_members", "probationary_members", "records", "formal", "prob")
    )


def member_counts(orgs: Iterable[PartyOrganization]) -> dict[int, MemberCount]:
    """org id → its member figures and their source (one query for the lot)."""
    ids = [o.pk for o in orgs]
    out = {}
    for pk, imported_f, imported_p, records, formal, prob in _count_rows(
        PartyOrganization.objects.filter(pk__in=ids)
    ):
        out[pk] = (
            MemberCount(formal, prob, True)
            if records
            else MemberCount(imported_f, imported_p, False)
        )
    return out


def member_count_of(org: PartyOrganization) -> MemberCount:
    return member_counts([org])[org.pk]


@dataclass
class MemberTotals:
    """Figures of many organizations, each from its own source, with how many used which."""

    formal: int = 0
    probationary: int = 0
    orgs_from_records: int = 0
    orgs_imported: int = 0


def member_totals(orgs: QuerySet[PartyOrganization]) -> MemberTotals:
    """Totals over ``orgs`` (a scoped queryset of organizations)."""
    totals = MemberTotals()
    for _pk, imported_f, imported_p, records, formal, prob in _count_rows(orgs).iterator(
        chunk_size=5000
    ):
        if records:
            totals.formal += formal
            totals.probationary += prob
            totals.orgs_from_records += 1
        else:
            totals.formal += imported_f
            totals.probationary += imported_p
            totals.orgs_imported += 1
    return totals

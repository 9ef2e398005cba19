"""The 两新 registry import: a dry run reporting every bad row, an all-or-nothing commit,
and incremental re-import that updates by 统一社会信用代码 (never a duplicate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tabular import (
    SAMPLE_COLUMN,
    SAMPLE_NOTE,
    Column,
    ImportReport,
    parse_count,
    without_samples,
)
from shegong.lib.validators import ValidationFailure, parse_credit_code
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from ..choices import (
    COVERAGE_MODE_ALIASES,
    ENTITY_KIND_ALIASES,
    CoverageMode,
    EntityKind,
    InstructorRole,
    industry_from_text,
    size_band_of,
)
from ..models import Entity, Instructor, PartyOrganization
from .common import street_code_of
from .coverage import refresh_cells
from .entities import _check_coverage, _check_region, _place, _visible_regions
from .findings import relocate_open_findings

IMPORT_SPEC = (
    Column("统一社会信用代码", required=True, aliases=("社会信用代码", "信用代码")),
    Column("名称", required=True, aliases=("组织名称", "单位名称", "企业名称")),
    Column("类型", required=True, aliases=("组织类型",)),
    Column("行业门类", aliases=("行业",)),
    Column("从业人员数", aliases=("从业人数", "从业人员人数", "职工人数")),
    Column("地址", aliases=("住所", "经营地址")),
    Column("所在区划代码", required=True, aliases=("区划代码",)),
    Column("业务主管单位"),
    Column("覆盖方式", aliases=("党组织覆盖方式",)),
    Column("覆盖党组织编码", aliases=("党组织编码",)),
    Column("正式党员数", aliases=("正式党员人数",)),
    Column("预备党员数", aliases=("预备党员人数",)),
    Column("党建指导员", aliases=("党建指导员姓名",)),
    SAMPLE_COLUMN,  # the template's sample row says 示例 there: never imported
)
IMPORT_COLUMNS = [c.name for c in IMPORT_SPEC if c is not SAMPLE_COLUMN]  # = the export
TEMPLATE_COLUMNS = [c.name for c in IMPORT_SPEC]
REQUIRED_COLUMNS = [c.name for c in IMPORT_SPEC if c.required]
TEMPLATE_EXAMPLE = [
    [
        "91339901MA2H00001Y",
        "示范市某某科技有限公司",
        "企业",
        "I",
        "120",
        "示范市东城区人民路100号",
        "339901001001",
        "",
        "单独建",
        "ORG-339901001-001",
        "5",
        "1",
        "",
        SAMPLE_NOTE,
    ]
]
BATCH = 2000


def template_example(*, actor: User) -> list[list[str]]:
    """The template's sample row (marked 示例 in 备注: the dry run shows it, no import
    writes it), made to pass the actor's own dry run: a community (or street) in the
    actor's scope, a well-formed fictional 统一社会信用代码 of that area, and an
    organization the actor may name for 单独建 (or 未建立 where there is none)."""
    from shegong.organizations.testing import credit_code

    from ..choices import OrgKind, OrgStatus

    row = list(TEMPLATE_EXAMPLE[0])
    region = (
        _visible_regions(actor)
        .filter(level__in=(RegionLevel.COMMUNITY, RegionLevel.STREET))
        .order_by("-level", "code")
        .first()
    )
    if region is None:
        return [row]
    row[6] = region.code
    row[0] = credit_code(1, region=region.code[:6])  # never imported: no need to be unused
    org = (
        PartyOrganization.objects.visible_to(actor)
        .filter(status=OrgStatus.ACTIVE)
        .exclude(kind=OrgKind.JOINT_BRANCH)
        .order_by("path", "code")
        .first()
    )
    if org is None:
        row[8:12] = ["未建立", "", "", ""]
    else:
        row[9] = org.code
    return [row]


YES_NO = frozenset({"是", "否", "有", "无", "Y", "N", "y", "n"})
MERGED_HINT = "（若该格是合并单元格，请取消合并并逐行填写）"
# Realistic caps for the count columns (the dry run says so instead of the commit failing).
MAX_EMPLOYEES = 10_000_000
MAX_MEMBERS = 1_000_000


@dataclass
class _Row:
    number: int
    code: str
    values: dict[str, Any] = field(default_factory=dict)
    region_code: str = ""
    org_code: str = ""
    instructor: str = ""
    # Columns whose cell is already reported bad: the row is never written, but its other
    # cells are still checked against the database, so every bad cell is listed at once.
    bad: set[str] = field(default_factory=set)


def _parse(rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport) -> list[_Row]:
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        report.total += 1
        bad_columns: set[str] = set()

        def bad(column: str, message: str, _n: int = number, _cols: set[str] = bad_columns) -> None:
            report.add(_n, column, message)
            _cols.add(column)

        text = {k: (v or "").strip() for k, v in raw.items()}
        code_text = text.get("统一社会信用代码", "")
        code = ""
        if not code_text:
            bad("统一社会信用代码", "统一社会信用代码不能为空" + MERGED_HINT)
        else:
            try:
                code = parse_credit_code(code_text).code
            except ValidationFailure as exc:
                bad("统一社会信用代码", f"统一社会信用代码“{code_text}”{exc.message}")
        if code and code in seen:
            bad("统一社会信用代码", f"与第 {seen[code]} 行重复（同一统一社会信用代码）")
        row = _Row(number, code)
        name = text.get("名称", "")
        if not name:
            bad("名称", "名称不能为空" + MERGED_HINT)
        elif len(name) > 200:
            bad("名称", "名称超过200字")
        row.values["name"] = name
        kind_text = text.get("类型", "")
        kind = ENTITY_KIND_ALIASES.get(kind_text) or (
            kind_text if kind_text in EntityKind.values else None
        )
        if kind is None:
            bad(
                "类型",
                (f"无法识别的类型“{kind_text}”" if kind_text else "类型不能为空" + MERGED_HINT)
                + "，应为 企业/社会组织/行业协会商会/平台企业",
            )
        row.values["kind"] = kind
        if "行业门类" in raw and text["行业门类"]:
            industry = industry_from_text(text["行业门类"])
            if industry is None:
                bad("行业门类", f"无法识别的行业门类“{text['行业门类']}”，应为 GB/T 4754 门类 A–T")
            row.values["industry"] = industry
        if "从业人员数" in raw and text["从业人员数"]:
            employees, problem = parse_count(
                text["从业人员数"], "从业人员数", max_value=MAX_EMPLOYEES
            )
            if problem:
                bad("从业人员数", problem)
            row.values["employees"] = employees
        for column, key in (("地址", "address"), ("业务主管单位", "supervising_unit")):
            if column in raw and text[column]:
                row.values[key] = text[column][: 255 if key == "address" else 150]
        row.region_code = text.get("所在区划代码", "")
        if not row.region_code:
            bad("所在区划代码", "所在区划代码不能为空" + MERGED_HINT)
        if "覆盖方式" in raw and text["覆盖方式"]:
            mode = COVERAGE_MODE_ALIASES.get(text["覆盖方式"])
            if mode is None:
                bad(
                    "覆盖方式",
                    f"无法识别的覆盖方式“{text['覆盖方式']}”，应为 单独建/联合建/挂靠建/未建立",
                )
            row.values["coverage_mode"] = mode
        row.org_code = text.get("覆盖党组织编码", "")
        for column, key in (
            ("正式党员数", "formal_members"),
            ("预备党员数", "probationary_members"),
        ):
            if column in raw and text[column]:
                value, problem = parse_count(text[column], column, max_value=MAX_MEMBERS)
                if problem:
                    bad(column, problem)
                row.values[key] = value
        # The column holds names (、-separated). Older exports wrote a bare 是 and some
        # registers carry 是/否/有/无 flags: those are no names and are ignored.
        instructor = text.get("党建指导员", "")
        row.instructor = "" if instructor in YES_NO else instructor
        row.bad = bad_columns
        if code and code not in seen:
            seen[code] = number
        parsed.append(row)
    return parsed


def _names(text: str) -> list[str]:
    """Instructor names of one cell: 、，, or ; separated, each at most 50 characters."""
    for sep in ("，", ",", "；", ";"):
        text = text.replace(sep, "、")
    return [n.strip()[:50] for n in text.split("、") if n.strip()]


def _chunks(items: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def import_entities(
    *, actor: User, rows: Iterable[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Create or update entities by 统一社会信用代码 (incremental; never duplicates).

    Columns missing from the file, and blank optional cells, leave the stored value as it
    is, so a market-register extract (no coverage columns) refreshes names, sizes and
    addresses without touching coverage. All-or-nothing: any bad row → nothing written.
    """
    require_capability(actor, Cap.ORGS_IMPORT, "您的角色不能导入两新组织")
    report = ImportReport()
    rows = without_samples(rows, report)
    report.total = len(report.samples)
    parsed = _parse(rows, report)
    region_codes = sorted({r.region_code for r in parsed})
    regions: dict[str, Region] = {}
    visible = _visible_regions(actor)
    for chunk in _chunks(region_codes):
        for region in visible.filter(code__in=chunk).only("pk", "code", "path", "level"):
            regions[region.code] = region
    street_codes = sorted({c for c in (street_code_of(r.path) for r in regions.values()) if c})
    street_ids: dict[str, int] = {}
    for chunk in _chunks(street_codes):
        street_ids.update(Region.objects.filter(code__in=chunk).values_list("code", "pk"))
    org_codes = sorted({r.org_code for r in parsed if r.org_code})
    orgs: dict[str, PartyOrganization] = {}
    visible_orgs = PartyOrganization.objects.visible_to(actor)
    for chunk in _chunks(org_codes):
        for found in visible_orgs.filter(code__in=chunk):
            orgs[found.code] = found
    existing: dict[str, Entity] = {}
    for chunk in _chunks([r.code for r in parsed if r.code]):
        for entity in Entity.objects.filter(credit_code__in=chunk):
            existing[entity.credit_code] = entity
    scope_root = (
        None if (actor.is_superuser or actor.has_citywide_scope) else actor.scope_region_path
    )
    to_create: list[Entity] = []
    to_update: list[Entity] = []
    update_fields: set[str] = set()
    instructors: list[tuple[Entity, str]] = []
    touched_streets: set[int | None] = set()
    moved: list[int] = []
    for row in parsed:
        # Every problem of the row is reported (place, scope, organization, coverage).
        problems: list[tuple[str, str]] = []
        region = regions.get(row.region_code)
        problem = _check_region(region)
        if problem and "所在区划代码" not in row.bad:
            problems.append(
                (
                    "所在区划代码",
                    f"区划代码 {row.region_code} 不存在或不在您的管辖范围内"
                    if region is None
                    else problem,
                )
            )
        current = existing.get(row.code) if row.code else None
        if current is not None and scope_root and not current.region_path.startswith(scope_root):
            problems.append(
                (
                    "统一社会信用代码",
                    "该统一社会信用代码已登记在您管辖范围以外，请联系上级管理员",
                )
            )
        org: PartyOrganization | None = None
        if row.org_code:
            org = orgs.get(row.org_code)
            if org is None:
                problems.append(
                    ("覆盖党组织编码", f"党组织 {row.org_code} 不存在或不在您的管辖范围内")
                )
        values = dict(row.values)
        mode = values.pop("coverage_mode", None)
        if mode is None and row.org_code and "覆盖方式" not in row.bad:
            problems.append(("覆盖方式", "填写了覆盖党组织，请同时填写覆盖方式"))
        if mode is not None and not (row.org_code and org is None):
            problem = _check_coverage(mode, org)
            if problem:
                problems.append(("覆盖方式", problem))
        for column, message in problems:
            report.add(row.number, column, message)
        if problems or row.bad:
            continue
        assert region is not None
        if mode is not None:
            values["coverage_mode"] = mode
            values["organization_id"] = org.pk if org else None
        if current is None:
            entity = Entity(
                credit_code=row.code,
                industry=values.pop("industry", "") or "",
                employees=values.pop("employees", 0) or 0,
                **{k: v for k, v in values.items() if v is not None},
            )
            entity.size_band = size_band_of(entity.employees)
            _place(entity, region, street_ids)
            to_create.append(entity)
            instructors += [(entity, name) for name in _names(row.instructor)]
            continue
        changed = False
        if current.region_id != region.pk:
            touched_streets.add(current.street_id)
            _place(current, region, street_ids)
            update_fields.update({"region", "region_path", "street"})
            moved.append(current.pk)
            changed = True
        for key, value in values.items():
            # organization_id is set only with a 覆盖方式 and then always (None for 未建立:
            # the entity leaves its old organization); other blank cells keep the stored value.
            if (value is not None or key == "organization_id") and getattr(current, key) != value:
                setattr(current, key, value)
                update_fields.add(key)
                changed = True
        if "employees" in values and current.size_band != size_band_of(current.employees):
            current.size_band = size_band_of(current.employees)
            update_fields.add("size_band")
        if row.instructor and not current.has_instructor:
            instructors += [(current, name) for name in _names(row.instructor)]
            changed = True
        if changed:
            to_update.append(current)
        else:
            report.unchanged += 1
    report.errors.sort(key=lambda e: e.row)
    report.created = len(to_create)
    report.updated = len(to_update)
    if not report.ok or not commit:
        return report
    now = timezone.now()
    with transaction.atomic():
        for entity in to_create:
            entity.created_at = entity.updated_at = now
        Entity.objects.bulk_create(to_create, batch_size=BATCH)
        if to_update:
            for entity in to_update:
                entity.updated_at = now
            fields = sorted(update_fields | {"updated_at"})
            Entity.objects.bulk_update(to_update, fields, batch_size=500)
        relocate_open_findings(moved)
        if instructors:
            created = {e.credit_code: e.pk for e in to_create}
            today = timezone.localdate()
            Instructor.objects.bulk_create(
                [
                    Instructor(
                        entity_id=e.pk or created[e.credit_code],
                        name=name,
                        role=InstructorRole.INSTRUCTOR,
                        phone="",
                        assigned_on=today,
                    )
                    for e, name in instructors
                ],
                batch_size=BATCH,
            )
            ids = [e.pk or created[e.credit_code] for e, _ in instructors]
            for chunk in _chunks(ids):
                Entity.objects.filter(pk__in=chunk).update(has_instructor=True)
        touched_streets.update(e.street_id for e in to_create)
        touched_streets.update(e.street_id for e in to_update)
        refresh_cells(touched_streets)
        audit.record(
            "entities_imported",
            actor=actor,
            target_type="organizations.entity",
            target_repr=f"导入 {len(to_create)} 新建 / {len(to_update)} 更新",
            changes={
                "created": len(to_create),
                "updated": len(to_update),
                "unchanged": report.unchanged,
                "instructors": len(instructors),
                "created_sample": [e.credit_code for e in to_create[:50]],
                "updated_sample": [e.credit_code for e in to_update[:50]],
            },
        )
        from ..tasks import run_coverage_rules

        transaction.on_commit(lambda: run_coverage_rules.enqueue())
    report.committed = True
    return report


ERROR_COLUMNS = ["行号", "列", "填写的内容", "问题"]


def import_error_rows(*, actor: User, rows: list[tuple[int, dict[str, str]]]) -> list[list[Any]]:
    """Every bad row of a dry run of ``rows`` (row number, column, the value as written,
    message), for the 下载全部错误 file: the page shows the first 1,000 only. Runs the same
    dry run as the page (same scope, nothing written) and audits the download."""
    report = import_entities(actor=actor, rows=rows, commit=False)
    raw = dict(rows)
    out = [
        [e.row, e.column, (raw.get(e.row, {}).get(e.column) or "").strip(), e.message]
        for e in report.errors
    ]
    audit.record(
        "entities_import_errors_downloaded",
        actor=actor,
        target_type="organizations.entity",
        target_repr=f"导入检查错误 {len(out)} 处",
        changes={"rows": report.total, "errors": len(out)},
    )
    return out


def export_rows(queryset: Any) -> Iterable[list[Any]]:
    """Rows in the import format, so an export can be corrected and re-imported."""
    current = Instructor.objects.filter(ended_on__isnull=True).order_by("assigned_on", "pk")
    rows = (
        queryset.select_related("region", "organization")
        .prefetch_related(Prefetch("instructors", queryset=current, to_attr="current"))
        .order_by("credit_code")
    )
    for e in rows.iterator(chunk_size=BATCH):
        yield [
            e.credit_code,
            e.name,
            EntityKind(e.kind).label,
            e.industry,
            e.employees,
            e.address,
            e.region.code,
            e.supervising_unit,
            CoverageMode(e.coverage_mode).label,
            e.organization.code if e.organization_id else "",
            e.formal_members,
            e.probationary_members,
            "、".join(i.name for i in e.current),
        ]

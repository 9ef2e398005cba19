"""The XLSX/CSV roster import: dry run (every bad row, in Chinese), then an all-or-nothing
commit through ``create_person`` (so each row is validated and audited as a typed entry)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.tabular import SAMPLE_COLUMN, SAMPLE_NOTE, Column, ImportReport, is_sample_row
from shegong.lib.validators import ValidationFailure, validate_id_number
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..choices import Category, Degree
from ..models import Person
from .people import PersonInput, create_person

IMPORT_SPEC = [
    Column("人员类别", required=True, aliases=("类别",)),
    Column("姓名", required=True),
    Column("身份证号", required=True, aliases=("身份证号码", "公民身份号码")),
    Column("手机号码", aliases=("手机", "联系电话")),
    Column("单位编码", required=True),
    Column("服务区域代码", required=True, aliases=("区划代码",)),
    Column("岗位"),
    Column("从事社区工作起始日期", aliases=("参加社区工作日期",)),
    Column("最高学位", aliases=("学位",)),
    SAMPLE_COLUMN,
]
IMPORT_COLUMNS = [c.name for c in IMPORT_SPEC]
REQUIRED_COLUMNS = [c.name for c in IMPORT_SPEC if c.required]
CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}
DEGREE_BY_LABEL = {str(label): value for value, label in Degree.choices if value}


def template_rows() -> list[list[str]]:
    return [
        [
            "社区工作者",
            "张三",
            "110101199003071234",
            "13800000000",
            "U-SN",
            "339901001001",
            "其他社区工作者",
            "2019-07-01",
            "学士",
            SAMPLE_NOTE,
        ]
    ]


def _row_input(raw: dict[str, str], actor: User) -> PersonInput:
    category = CATEGORY_BY_LABEL.get(raw.get("人员类别", "").strip())
    if category is None:
        raise DomainError("人员类别应为：" + "、".join(CATEGORY_BY_LABEL))
    unit = Unit.objects.visible_to(actor).filter(code=raw.get("单位编码", "").strip()).first()
    if unit is None:
        raise DomainError("单位编码不存在或不在您的管辖范围内")
    region = (
        Region.objects.visible_to(actor).filter(code=raw.get("服务区域代码", "").strip()).first()
    )
    if region is None:
        raise DomainError("服务区域代码不存在或不在您的管辖范围内")
    degree_text = raw.get("最高学位", "").strip()
    if degree_text and degree_text not in DEGREE_BY_LABEL:
        raise DomainError("最高学位应为：学士、硕士、博士，或留空")
    started = raw.get("从事社区工作起始日期", "").strip()
    try:
        started_on = date.fromisoformat(started) if started else None
    except ValueError:
        raise DomainError("从事社区工作起始日期格式应为 年-月-日") from None
    return PersonInput(
        category=category,
        name=raw.get("姓名", ""),
        id_number=raw.get("身份证号", ""),
        unit_id=unit.pk,
        region_id=region.pk,
        phone=raw.get("手机号码", ""),
        post=raw.get("岗位", "").strip(),
        started_on=started_on,
        degree=DEGREE_BY_LABEL.get(degree_text, ""),
    )


class _Rollback(Exception):
    pass


def import_people(
    *, actor: User, rows: list[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能导入人才名册")
    report = ImportReport()
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            for number, raw in rows:
                if is_sample_row(raw):
                    report.samples.append(number)
                    continue
                report.total += 1
                try:
                    key = blind_index("id_number", validate_id_number(raw.get("身份证号", "")))
                except ValidationFailure as exc:
                    report.add(number, "身份证号", exc.message)
                    continue
                if key in seen:
                    report.add(number, "身份证号", f"与第 {seen[key]} 行重复")
                    continue
                seen[key] = number
                if Person.objects.filter(id_number_bidx=key).exists():
                    report.add(number, "身份证号", "该身份证号已有人才档案")
                    continue
                try:
                    data = _row_input(raw, actor)
                    with transaction.atomic():
                        create_person(actor=actor, data=data)
                except DomainError as exc:
                    report.add(number, "", exc.message)
                    continue
                report.created += 1
            if not commit or not report.ok:
                raise _Rollback
            audit.record(
                "talent_import",
                actor=actor,
                target_type="talent.person",
                target_repr="社会工作人才名册",
                changes={"people": [None, report.created]},
            )
            report.committed = True
    except _Rollback:
        pass
    return report

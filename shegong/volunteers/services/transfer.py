"""Bulk import (XLSX/CSV, dry run with every bad row, all-or-nothing commit) and exports.

Volunteers: the same checks as ``registry.register_volunteer`` (ID, phone, age, guardian
consent, duplicates in the file and in the database, region in the actor's scope), then a
batched ``bulk_create``. Hours: one row per service record; rows go through
``ledger.append_entries`` in batches (the path the benchmark uses for millions of rows).
Training records (记录办法 第八条): one row per training attended, checked field by field
like ``records.add_training``, inserted in one transaction. One audit event per committed
import.

This module holds what the imports and exports share: the column specs, the templates, the
export rows and the row helpers. The imports themselves are in ``transfer_volunteers``,
``transfer_hours`` and ``transfer_training``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.tabular import SAMPLE_COLUMN, SAMPLE_NOTE, Column

from ..choices import (
    EntryKind,
    ServiceCategory,
)
from ..models import Volunteer

VOLUNTEER_SPEC = (
    Column("姓名", required=True),
    Column("身份证号", required=True, aliases=("身份证号码", "公民身份号码")),
    Column("手机号码", required=True, aliases=("手机号", "手机")),
    Column("居住区域代码", required=True, aliases=("居住社区代码",)),
    Column("专业技能", aliases=("技能",)),
    Column("服务类别", aliases=("服务类型",)),
    Column("监护人姓名"),
    Column("监护人电话", aliases=("监护人手机号码", "监护人手机号")),
    Column("监护人已同意", aliases=("监护人同意",)),
    SAMPLE_COLUMN,  # a template's sample row says 示例 there: never imported
)
HOURS_SPEC = (
    Column("志愿者编号", required=True, aliases=("志愿者统一编号",)),
    Column("服务日期", required=True),
    Column("活动名称", required=True),
    Column("服务内容"),
    Column("服务时长", required=True, aliases=("服务时长（小时）", "服务时长(小时)")),
    Column("服务地点区域代码", required=True),
    Column("活动组织单位", aliases=("组织单位",)),
    Column("类型"),
    Column("来源编号"),
    SAMPLE_COLUMN,
)
TRAINING_SPEC = (
    Column("志愿者编号", required=True, aliases=("志愿者统一编号",)),
    Column("培训名称", required=True),
    Column("主要内容", required=True, aliases=("培训内容",)),
    Column("学习时长", required=True, aliases=("学习时长（小时）", "培训时长")),
    Column("举办单位", required=True, aliases=("主办单位",)),
    Column("培训日期", required=True),
    SAMPLE_COLUMN,
)
VOLUNTEER_COLUMNS = [c.name for c in VOLUNTEER_SPEC if c is not SAMPLE_COLUMN]
VOLUNTEER_REQUIRED = [c.name for c in VOLUNTEER_SPEC if c.required]
HOURS_COLUMNS = [c.name for c in HOURS_SPEC if c is not SAMPLE_COLUMN]
HOURS_REQUIRED = [c.name for c in HOURS_SPEC if c.required]
TRAINING_COLUMNS = [c.name for c in TRAINING_SPEC if c is not SAMPLE_COLUMN]
TRAINING_REQUIRED = [c.name for c in TRAINING_SPEC if c.required]
# check_volunteer_input names fields as the registration form does; the import's columns.
FORM_TO_COLUMN = {"监护人同意": "监护人已同意", "居住区域": "居住区域代码"}
KIND_NAMES = {"": EntryKind.IMPORT, "补录": EntryKind.IMPORT, "双报到": EntryKind.DUAL_REPORT}
YES = {"是", "同意", "已同意", "1", "y", "yes", "true"}
CATEGORY_BY_LABEL = {label: value for value, label in ServiceCategory.choices}
BATCH = 2000


TEMPLATE_EXAMPLES: dict[str, list[Any]] = {
    "volunteers": [
        "张三",
        "33990119900101123X",
        "13800001111",
        "339901001001",
        "急救,摄影",
        "社区服务",
        "",
        "",
        "",
        SAMPLE_NOTE,
    ],
    "hours": [
        "ZY2600000001",
        "2026-11-01",
        "敬老院探访",
        "陪伴聊天",
        "3",
        "339901001001",
        "北一社区志愿服务队",
        "补录",
        "",
        SAMPLE_NOTE,
    ],
    "trainings": [
        "ZY2600000001",
        "应急救护培训",
        "心肺复苏、AED使用",
        "4",
        "市红十字会",
        "2026-11-01",
        SAMPLE_NOTE,
    ],
}


def template_example(kind: str, *, actor: User) -> list[list[Any]]:
    """The sample row of the ``kind`` template. It is marked 示例 in 备注, so the dry run
    lists it as a sample and no import writes it (a confirmed, unchanged template must not
    register a fictional person or put a fake entry in the append-only hours ledger); its
    values are fixed, never looked up (no query per candidate ID or phone), except a
    community in the actor's scope and a date before today, to show the format."""
    from datetime import timedelta

    from shegong.regions.choices import RegionLevel
    from shegong.regions.models import Region

    row = list(TEMPLATE_EXAMPLES[kind])
    region = (
        Region.objects.visible_to(actor)
        .filter(level__in=(RegionLevel.COMMUNITY, RegionLevel.STREET))
        .order_by("-level", "code")
        .first()
    )
    day = (timezone.localdate() - timedelta(days=7)).isoformat()
    if kind == "volunteers":
        if region is not None:
            row[3] = region.code
    elif kind == "hours":
        row[1] = day
        if region is not None:
            row[5] = region.code
    else:
        row[5] = day
    return [row]


def parse_date(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    if " " in text:
        text = text.split(" ")[0]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def lock_volunteers(ids: Iterable[int]) -> None:
    """Row-lock a file's volunteers in pk order (as ``append_entries`` does) before an
    import compares its rows with what is recorded; joins the caller's transaction."""
    vids = sorted(ids)
    for start in range(0, len(vids), BATCH):
        list(
            Volunteer.objects.select_for_update()
            .filter(pk__in=vids[start : start + BATCH])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def roster_rows(volunteers: Iterable[Volunteer]) -> Iterator[list[Any]]:
    """Export rows; personal data masked (``str(Sensitive)``)."""
    for v in volunteers:
        yield [
            v.number,
            str(v.name),
            v.get_gender_display(),
            v.birth_date.year,
            str(v.id_number),
            str(v.phone),
            v.region.full_name,
            "、".join(s.name for s in v.skills.all()),
            "、".join(
                ServiceCategory(c).label
                for c in v.service_categories
                if c in ServiceCategory.values
            ),
            float(v.total_hours),
            v.star_label,
            v.get_status_display(),
        ]


ROSTER_HEADERS = [
    "志愿者编号",
    "姓名",
    "性别",
    "出生年份",
    "身份证号",
    "手机号码",
    "居住区域",
    "专业技能",
    "服务类别",
    "累计时长（小时）",
    "星级",
    "状态",
]
HOURS_EXPORT_HEADERS = [
    "志愿者编号",
    "序号",
    "类型",
    "服务日期",
    "活动名称",
    "服务内容",
    "服务时长",
    "服务地点",
    "活动组织单位",
    "确认人",
    "记录时间",
    "冲正原因",
]


def hours_rows(entries: Iterable[Any]) -> Iterator[list[Any]]:
    for e in entries:
        yield [
            e.volunteer.number,
            e.seq,
            e.get_kind_display(),
            e.service_date.isoformat(),
            e.title,
            e.content,
            float(e.hours),
            e.region.full_name,
            e.organizer,
            e.confirmer_repr,
            timezone.localtime(e.recorded_at).strftime("%Y-%m-%d %H:%M"),
            e.reason,
        ]

"""Bulk import (XLSX/CSV, dry run with every bad row, all-or-nothing commit) and exports.

Volunteers: the same checks as ``registry.register_volunteer`` (ID, phone, age, guardian
consent, duplicates in the file and in the database, region in the actor's scope), then a
batched ``bulk_create``. Hours: one row per service record; rows go through
``ledger.append_entries`` in batches (the path the benchmark uses for millions of rows).
Training records (记录办法 第八条): one row per training attended, checked field by field
like ``records.add_training``, inserted in one transaction. One audit event per committed
import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.tabular import SAMPLE_COLUMN, SAMPLE_NOTE, Column, ImportReport, without_samples

from ..choices import (
    EntryKind,
    GuardianConsent,
    RecordKind,
    RecordStatus,
    RegistrationSource,
    ServiceCategory,
)
from ..models import HoursEntry, Skill, TrainingRecord, Volunteer
from .common import fmt_hours, get_policy
from .ledger import EntryDraft, append_entries
from .registry import check_volunteer_input

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
_FORM_TO_COLUMN = {"监护人同意": "监护人已同意", "居住区域": "居住区域代码"}
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


def template_example(kind: str, *, actor: Any) -> list[list[Any]]:
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


def _split(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "|"):
        text = text.replace(sep, ",")
    return [t.strip() for t in text.split(",") if t.strip()]


def import_volunteers(
    *, actor: Any, rows: Sequence[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Register volunteers from rows ``(row number, {column: text})``."""
    from shegong.regions.models import Region

    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能导入志愿者")
    report = ImportReport(total=len(rows))
    rows = without_samples(rows, report)
    policy = get_policy()
    today = timezone.localdate()
    regions = {r.code: r.pk for r in Region.objects.visible_to(actor).only("pk", "code")}
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    # Every row whose ID or phone reads well is checked against the register too, so a row
    # with another bad cell still shows a registered ID or phone (every bad cell at once).
    checked: list[tuple[int, dict[str, Any]]] = []
    for number, row in rows:
        code = row.get("居住区域代码", "").strip()
        problems, cleaned = check_volunteer_input(
            name=row.get("姓名", ""),
            id_number=row.get("身份证号", ""),
            phone=row.get("手机号码", ""),
            region_id=regions.get(code),
            guardian_name=row.get("监护人姓名", ""),
            guardian_phone=row.get("监护人电话", ""),
            guardian_consent=row.get("监护人已同意", "").strip().lower() in YES,
            today=today,
            policy=policy,
        )
        if code and code not in regions:
            problems = [p for p in problems if p[0] != "居住区域"]
            problems.append(("居住区域代码", f"区划代码 {code} 不存在或不在您的管辖范围内"))
        elif not code:
            problems = [p for p in problems if p[0] != "居住区域"]
            problems.append(("居住区域代码", "请填写居住区域代码"))
        cats = []
        for label in _split(row.get("服务类别", "")):
            if label in CATEGORY_BY_LABEL:
                cats.append(CATEGORY_BY_LABEL[label])
            else:
                problems.append(("服务类别", f"服务类别“{label}”不在可选范围内"))
        if "id_number" in cleaned:
            first = seen_ids.setdefault(cleaned["id_number"], number)
            if first != number:
                problems.append(("身份证号", f"与第{first}行重复"))
        if "phone" in cleaned:
            first = seen_phones.setdefault(cleaned["phone"], number)
            if first != number:
                problems.append(("手机号码", f"与第{first}行重复"))
        for column, message in problems:
            report.add(number, _FORM_TO_COLUMN.get(column, column), message)
        checked.append((number, cleaned))
        if not problems:
            cleaned.update(
                region_id=regions[code],
                skills=_split(row.get("专业技能", "")),
                categories=cats,
                guardian_name=row.get("监护人姓名", "").strip(),
                minor=cleaned["age"] < policy.adult_age,
            )
            valid.append((number, cleaned))
    # Duplicates against the database, in batches of blind indexes.
    for start in range(0, len(checked), BATCH):
        chunk = checked[start : start + BATCH]
        id_index: dict[str, int] = {}
        phone_index: dict[str, int] = {}
        for n, c in chunk:  # the first row of an in-file duplicate carries the message
            if "id_number" in c:
                id_index.setdefault(blind_index("id_number", c["id_number"]), n)
            if "phone" in c:
                phone_index.setdefault(blind_index("phone", c["phone"]), n)
        for bidx in Volunteer.objects.filter(id_number_bidx__in=list(id_index)).values_list(
            "id_number_bidx", flat=True
        ):
            report.add(id_index[bidx], "身份证号", "该身份证号已注册为志愿者")
        for bidx in Volunteer.objects.filter(phone_bidx__in=list(phone_index)).values_list(
            "phone_bidx", flat=True
        ):
            report.add(phone_index[bidx], "手机号码", "该手机号码已被其他志愿者使用")
    report.errors.sort(key=lambda e: e.row)
    report.created = len(valid) if report.ok else 0
    if not commit or not report.ok:
        return report
    bulk_create_volunteers(actor=actor, rows=[c for _, c in valid])
    audit.record(
        "volunteers_imported",
        actor=actor,
        target_type="volunteers.volunteer",
        target_repr=f"导入志愿者 {len(valid)} 人",
        changes={"created": len(valid)},
    )
    report.committed = True
    return report


def _numbers(count: int) -> Iterator[str]:
    """Fresh 志愿者统一编号 for a batch (random, checked against the table)."""
    import secrets

    year = f"{timezone.localdate():%y}"
    made: set[str] = set()
    while len(made) < count:
        want = count - len(made)
        candidates = {f"ZY{year}{secrets.randbelow(10**8):08d}" for _ in range(want * 2)}
        candidates -= made
        taken = set(
            Volunteer.objects.filter(number__in=list(candidates)).values_list("number", flat=True)
        )
        for c in candidates - taken:
            if len(made) < count:
                made.add(c)
    return iter(sorted(made))


def bulk_create_volunteers(
    *, actor: Any, rows: Sequence[dict[str, Any]], now: datetime | None = None
) -> int:
    """Insert validated rows (see ``import_volunteers``) in batches, in one transaction."""
    now = now or timezone.now()
    skills_cache: dict[str, Skill] = {}
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            numbers = _numbers(len(chunk))
            objs = [
                Volunteer(
                    number=next(numbers),
                    name=c["name"],
                    gender=c["gender"],
                    birth_date=c["birth_date"],
                    id_number=c["id_number"],
                    phone=c["phone"],
                    region_id=c["region_id"],
                    service_categories=c.get("categories", []),
                    guardian_name=c.get("guardian_name", "") if c.get("minor") else "",
                    guardian_phone=c.get("guardian_phone", "") if c.get("minor") else "",
                    guardian_consent_at=now if c.get("minor") else None,
                    guardian_consent_method=GuardianConsent.IMPORT if c.get("minor") else "",
                    consent_at=now,
                    source=RegistrationSource.IMPORT,
                    registered_by=actor,
                )
                for c in chunk
            ]
            for obj, c in zip(
                objs, chunk, strict=True
            ):  # explicit: the import path computes the index once
                obj.id_number_bidx = blind_index("id_number", c["id_number"])
                obj.phone_bidx = blind_index("phone", c["phone"])
            Volunteer.objects.bulk_create(objs)
            links = []
            through = Volunteer.skills.through
            for obj, c in zip(objs, chunk, strict=True):
                for name in c.get("skills", []):
                    skill = skills_cache.get(name)
                    if skill is None:
                        skill = skills_cache[name] = Skill.objects.get_or_create(name=name[:50])[0]
                    links.append(through(volunteer_id=obj.pk, skill_id=skill.pk))
            if links:
                through.objects.bulk_create(links, ignore_conflicts=True)
    return len(rows)


def _parse_date(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    if " " in text:
        text = text.split(" ")[0]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def import_hours(
    *,
    actor: Any,
    rows: Sequence[tuple[int, dict[str, str]]],
    commit: bool,
    now: datetime | None = None,
) -> ImportReport:
    """补录/双报到 hours from rows; every row must name a registered volunteer and a
    service place in the actor's scope. One audit event per committed file."""
    from shegong.regions.models import Region

    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能导入服务时长")
    report = ImportReport(total=len(rows))
    rows = without_samples(rows, report)
    policy = get_policy()
    today = timezone.localdate()
    regions = {r.code: r.pk for r in Region.objects.visible_to(actor).only("pk", "code")}
    numbers = {row.get("志愿者编号", "").strip() for _, row in rows}
    volunteers: dict[str, int] = {}
    wanted = sorted(numbers)
    for start in range(0, len(wanted), BATCH):
        volunteers.update(
            Volunteer.objects.visible_to(actor)
            .filter(number__in=wanted[start : start + BATCH])
            .values_list("number", "pk")
        )
    candidates: list[tuple[int, EntryDraft]] = []
    for number, row in rows:
        problems: list[tuple[str, str]] = []
        vnum = row.get("志愿者编号", "").strip()
        vid = volunteers.get(vnum)
        if vid is None:
            # Same message whether missing or out of scope: no existence leak.
            problems.append(
                ("志愿者编号", f"志愿者编号 {vnum or '（空）'} 不存在或不在您的管辖范围")
            )
        day = _parse_date(row.get("服务日期", ""))
        if day is None:
            problems.append(("服务日期", "日期格式应为 2026-11-28"))
        elif day > today:
            problems.append(("服务日期", "服务日期不能晚于今天"))
        try:
            hours = Decimal(row.get("服务时长", "").strip())
            if hours.is_finite() and hours < 0:
                problems.append(("服务时长", "服务时长不能为负数"))
            elif not hours.is_finite() or hours <= 0 or hours > policy.max_hours_per_day:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(
                ("服务时长", f"服务时长应为大于0且不超过{policy.max_hours_per_day}的小时数")
            )
            hours = Decimal("0")
        code = row.get("服务地点区域代码", "").strip()
        if code not in regions:
            problems.append(
                ("服务地点区域代码", f"区划代码 {code or '（空）'} 不存在或不在您的管辖范围内")
            )
        title = row.get("活动名称", "").strip()
        if not title:
            problems.append(("活动名称", "请填写活动名称"))
        kind_text = row.get("类型", "").strip()
        if kind_text not in KIND_NAMES:
            problems.append(("类型", "类型应为“补录”或“双报到”"))
        for column, message in problems:
            report.add(number, column, message)
        if not problems and vid is not None and day is not None:
            candidates.append(
                (
                    number,
                    EntryDraft(
                        volunteer_id=vid,
                        kind=KIND_NAMES[kind_text],
                        hours=hours.quantize(Decimal("0.01")),
                        service_date=day,
                        region_id=regions[code],
                        title=title,
                        organizer=row.get("活动组织单位", "").strip() or "—",
                        content=row.get("服务内容", "").strip(),
                        source_ref=row.get("来源编号", "").strip(),
                    ),
                )
            )
    cap = policy.max_hours_per_day
    if not commit or not report.ok:
        for problem in _ledger_conflicts(candidates, cap):
            report.add(*problem)
        report.created = len(candidates) if report.ok else 0
        return report
    drafts = [draft for _, draft in candidates]
    with transaction.atomic():
        # The same file committed twice at once waits here, then sees the first commit's
        # rows and is refused.
        _lock_volunteers({d.volunteer_id for d in drafts})
        for problem in _ledger_conflicts(candidates, cap):
            report.add(*problem)
        if not report.ok:
            return report
        append_hours_batched(drafts, confirmer=actor, now=now)
        audit.record(
            "volunteer_hours_imported",
            actor=actor,
            target_type="volunteers.hoursentry",
            target_repr=f"导入服务时长 {len(drafts)} 条",
            changes={"entries": len(drafts), "hours": str(sum(d.hours for d in drafts))},
        )
    report.created = len(drafts)
    report.committed = True
    return report


def import_trainings(
    *, actor: Any, rows: Sequence[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """培训记录 from rows: every volunteer in the actor's scope (an unknown or out-of-scope
    number reads the same), every field checked as ``records.add_training`` does; a row
    repeating a valid recorded training or an earlier row (same volunteer, 培训名称 and
    培训日期) is refused; nothing is written unless every row is good. The recording unit
    is the actor's unit (``recorder_unit``); each record gets its own audit event, plus one
    summary event for the import."""
    from shegong.core.exceptions import DomainError

    from .records import EDITABLE, _day, _recorder, _recorder_unit, _study_hours, _text

    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能导入培训记录")
    report = ImportReport(total=len(rows))
    rows = without_samples(rows, report)
    wanted = sorted({row.get("志愿者编号", "").strip() for _, row in rows})
    volunteers: dict[str, Volunteer] = {}
    for start in range(0, len(wanted), BATCH):
        volunteers.update(
            (v.number, v)
            for v in Volunteer.objects.visible_to(actor)
            .filter(number__in=wanted[start : start + BATCH])
            .select_related("region")
            .only("pk", "number", "region__path")
        )

    def study_hours(value: Any) -> Any:
        try:
            negative = Decimal(str(value or "").strip()) < 0
        except InvalidOperation:
            negative = False
        if negative:
            raise DomainError("学习时长不能为负数")
        return _study_hours(value)

    checks: list[tuple[str, str, Any]] = [
        ("title", "培训名称", lambda v: _text(v, "培训名称", 120)),
        ("content", "主要内容", lambda v: _text(v, "主要内容", 255)),
        ("hours", "学习时长", study_hours),
        ("organizer", "举办单位", lambda v: _text(v, "举办单位", 100)),
        ("held_on", "培训日期", lambda v: _day(_parse_date(v) or v, "培训日期")),
    ]
    candidates: list[tuple[int, dict[str, Any]]] = []
    for number, row in rows:
        problems: list[tuple[str, str]] = []
        vnum = row.get("志愿者编号", "").strip()
        volunteer = volunteers.get(vnum)
        if volunteer is None:
            problems.append(
                ("志愿者编号", f"志愿者编号 {vnum or '（空）'} 不存在或不在您的管辖范围")
            )
        cleaned: dict[str, Any] = {"volunteer": volunteer}
        for name, column, check in checks:
            try:
                cleaned[name] = check(row.get(column, ""))
            except DomainError as exc:
                problems.append((column, exc.message))
        for column, message in problems:
            report.add(number, column, message)
        if not problems:
            candidates.append((number, cleaned))
    if not commit or not report.ok:
        for problem in _training_duplicates(candidates):
            report.add(*problem)
        report.errors.sort(key=lambda e: e.row)
        report.created = len(candidates) if report.ok else 0
        return report
    now = timezone.now()
    recorder = _recorder(actor, None)
    recorder_unit = _recorder_unit(actor, None)
    with transaction.atomic():
        # The same file committed twice at once waits here, then is refused.
        _lock_volunteers({c["volunteer"].pk for _, c in candidates})
        for problem in _training_duplicates(candidates):
            report.add(*problem)
        if not report.ok:
            report.errors.sort(key=lambda e: e.row)
            return report
        records = TrainingRecord.objects.bulk_create(
            [
                TrainingRecord(
                    recorder_name=recorder,
                    recorder_unit=recorder_unit,
                    recorded_at=now,
                    recorded_by=actor,
                    **c,
                )
                for _, c in candidates
            ],
            batch_size=BATCH,
        )
        audit.record_many(
            [
                audit.Entry(
                    "volunteer_training_recorded",
                    actor=actor,
                    target=record,
                    changes={
                        "volunteer": record.volunteer_id,
                        **audit.snapshot(record, EDITABLE[RecordKind.TRAINING]),
                    },
                    note="导入",
                    at=now,
                )
                for record in records
            ]
            + [
                audit.Entry(
                    "volunteer_trainings_imported",
                    actor=actor,
                    target_type="volunteers.trainingrecord",
                    target_repr=f"导入培训记录 {len(records)} 条",
                    changes={"created": len(records)},
                    at=now,
                )
            ]
        )
    report.created = len(records)
    report.committed = True
    return report


def _training_duplicates(
    candidates: Sequence[tuple[int, dict[str, Any]]],
) -> Iterator[tuple[int, str, str]]:
    """Rows repeating a valid recorded training or an earlier row of the file (same
    volunteer, 培训名称, 培训日期), in file order (记录办法 第三条: 真实、准确)."""
    if not candidates:
        return
    vids = sorted({c["volunteer"].pk for _, c in candidates})
    recorded: set[tuple[int, str, date]] = set()
    for start in range(0, len(vids), BATCH):
        recorded.update(
            TrainingRecord.objects.filter(
                volunteer_id__in=vids[start : start + BATCH], status=RecordStatus.VALID
            )
            .order_by()
            .values_list("volunteer_id", "title", "held_on")
        )
    first_row: dict[tuple[int, str, date], int] = {}
    for number, c in candidates:
        key = (c["volunteer"].pk, c["title"], c["held_on"])
        if key in recorded:
            yield (
                number,
                "培训名称",
                f"该志愿者{c['held_on']:%Y-%m-%d}“{c['title']}”培训已记录，请勿重复导入",
            )
        elif key in first_row:
            yield (
                number,
                "培训名称",
                f"与第{first_row[key]}行重复（同一志愿者、培训名称和培训日期）",
            )
        else:
            first_row[key] = number


def _lock_volunteers(ids: Iterable[int]) -> None:
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


def _ledger_conflicts(
    candidates: Sequence[tuple[int, EntryDraft]], cap: Decimal
) -> Iterator[tuple[int, str, str]]:
    """Checks that need the whole file and the ledger, in file order.

    * 每日上限 is a volunteer's whole day: the file's rows for that day plus the hours
      already recorded (reversals count negative), as ``confirm_hours`` does.
    * A row equal to a recorded, unreversed entry (same volunteer, date, activity name,
      hours) or to an earlier row of the file is refused: importing the same 补录 file twice
      must not double anyone's hours (记录办法 第三条: 真实、准确).
    """
    if not candidates:
        return
    vids = sorted({d.volunteer_id for _, d in candidates})
    days = sorted({d.service_date for _, d in candidates})
    on_days = (
        Q(service_date__in=days) if len(days) <= 500 else Q(service_date__range=(days[0], days[-1]))
    )
    recorded: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    entries: set[tuple[int, date, str, Decimal]] = set()
    for start in range(0, len(vids), BATCH):
        ledger = HoursEntry.objects.filter(on_days, volunteer_id__in=vids[start : start + BATCH])
        for vid, day, total in (
            ledger.order_by()
            .values("volunteer_id", "service_date")
            .annotate(total=Sum("hours"))
            .values_list("volunteer_id", "service_date", "total")
        ):
            recorded[(vid, day)] = total
        entries.update(
            ledger.exclude(kind=EntryKind.REVERSAL)
            .filter(reversed_by__isnull=True)
            .order_by()
            .values_list("volunteer_id", "service_date", "title", "hours")
        )
    in_file: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    first_row: dict[tuple[int, date, str, Decimal], int] = {}
    for number, d in candidates:
        key = (d.volunteer_id, d.service_date, d.title, d.hours)
        if key in entries:
            yield (
                number,
                "活动名称",
                f"该志愿者{d.service_date:%Y-%m-%d}“{d.title}”{fmt_hours(d.hours)}小时已记录，请勿重复导入",
            )
            continue
        if key in first_row:
            yield (
                number,
                "活动名称",
                f"与第{first_row[key]}行重复（同一志愿者、日期、活动名称和时长）；"
                "如确为同日两次服务，请合并为一行或在活动名称中区分",
            )
            continue
        first_row[key] = number
        day_key = (d.volunteer_id, d.service_date)
        in_file[day_key] += d.hours
        total = recorded[day_key] + in_file[day_key]
        if total > cap:
            yield (
                number,
                "服务时长",
                f"该志愿者{d.service_date:%Y-%m-%d}当日累计{fmt_hours(total)}小时"
                f"（已记录{fmt_hours(recorded[day_key])}小时），"
                f"超过每日{fmt_hours(cap)}小时上限",
            )
            in_file[day_key] -= d.hours


def append_hours_batched(
    drafts: Sequence[EntryDraft], *, confirmer: Any, now: datetime | None = None, batch: int = 5000
) -> int:
    """``append_entries`` in batches (each volunteer's rows stay in file order)."""
    for start in range(0, len(drafts), batch):
        append_entries(
            drafts[start : start + batch],
            confirmer=confirmer,
            now=now,
            cause="volunteer_hours_imported",
        )
    return len(drafts)


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

"""Import of training records (记录办法 第八条): checked field by field like
``records.add_training``, inserted in one transaction (columns in ``transfer``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tabular import ImportReport, without_samples

from ..choices import (
    RecordKind,
    RecordStatus,
)
from ..models import TrainingRecord, Volunteer
from .transfer import BATCH, lock_volunteers, parse_date


def import_trainings(
    *, actor: User, rows: Sequence[tuple[int, dict[str, str]]], commit: bool
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
        ("held_on", "培训日期", lambda v: _day(parse_date(v) or v, "培训日期")),
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
        lock_volunteers({c["volunteer"].pk for _, c in candidates})
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

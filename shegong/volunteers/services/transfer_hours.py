"""Import of service hours: one row per service record, appended to the ledger in batches
(the path the benchmark uses for millions of rows; columns in ``transfer``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tabular import ImportReport, without_samples

from ..choices import (
    EntryKind,
)
from ..models import HoursEntry, Volunteer
from .common import fmt_hours, get_policy
from .ledger import EntryDraft, append_entries
from .transfer import BATCH, KIND_NAMES, lock_volunteers, parse_date


def import_hours(
    *,
    actor: User,
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
        day = parse_date(row.get("服务日期", ""))
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
        lock_volunteers({d.volunteer_id for d in drafts})
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

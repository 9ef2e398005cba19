"""Import of volunteers: the checks of ``registry.register_volunteer`` row by row, then a
batched ``bulk_create`` (columns in ``transfer``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.tabular import ImportReport, without_samples

from ..choices import (
    GuardianConsent,
    RegistrationSource,
)
from ..models import Skill, Volunteer
from .common import get_policy
from .registry import check_volunteer_input
from .transfer import BATCH, CATEGORY_BY_LABEL, FORM_TO_COLUMN, YES


def _split(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "|"):
        text = text.replace(sep, ",")
    return [t.strip() for t in text.split(",") if t.strip()]


def import_volunteers(
    *, actor: User, rows: Sequence[tuple[int, dict[str, str]]], commit: bool
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
            report.add(number, FORM_TO_COLUMN.get(column, column), message)
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
    *, actor: User, rows: Sequence[dict[str, Any]], now: datetime | None = None
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

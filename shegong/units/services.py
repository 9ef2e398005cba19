"""The only writers of units (scoped load, rule check, write + audit, one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from shegong.accounts.roles import Cap
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.tree import assign_path
from shegong.lib.validators import ValidationFailure, validate_credit_code, validate_mobile
from shegong.regions.models import Region

from .choices import UnitKind
from .models import Unit

EDITABLE = (
    "name",
    "short_name",
    "kind",
    "is_handling_unit",
    "contact_person",
    "contact_phone",
    "office_phone",
    "address",
    "credit_code",
    "is_active",
)
EXPORT_COLUMNS = [
    "单位编码",
    "单位名称",
    "简称",
    "类别",
    "所属区划代码",
    "上级单位编码",
    "统一社会信用代码",
    "承办单位",
    "联系人",
    "联系人手机",
    "办公电话",
    "地址",
]


def _require(actor: Any) -> None:
    if not actor.has_capability(Cap.UNITS_MANAGE):
        raise PermissionDenied("您的角色不能维护单位")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if cleaned.get("credit_code"):
        try:
            cleaned["credit_code"] = validate_credit_code(cleaned["credit_code"])
        except ValidationFailure as exc:
            raise DomainError(f"统一社会信用代码{exc.message}") from exc
    if cleaned.get("contact_phone"):
        try:
            cleaned["contact_phone"] = validate_mobile(str(cleaned["contact_phone"]))
        except ValidationFailure as exc:
            raise DomainError(exc.message) from exc
    if "kind" in cleaned and cleaned["kind"] not in UnitKind.values:
        raise DomainError("单位类别无效")
    return cleaned


def create_unit(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    region_id: int,
    parent_id: int | None = None,
    **values: Any,
) -> Unit:
    _require(actor)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}")
    values = _clean({"kind": kind, **values})
    with transaction.atomic():
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("所属区划不存在或不在您的管辖范围内")
        parent = None
        if parent_id is not None:
            parent = Unit.objects.visible_to(actor).filter(pk=parent_id).first()
            if parent is None:
                raise DomainError("上级单位不存在或不在您的管辖范围内")
        if not code.strip() or not name.strip():
            raise DomainError("单位编码和名称不能为空")
        if Unit.objects.filter(code=code.strip()).exists():
            raise DomainError(f"单位编码 {code} 已存在")
        unit = Unit.objects.create(
            code=code.strip(), name=name.strip(), region=region, parent=parent, **values
        )
        assign_path(unit)
        audit.record(
            "unit_created", actor=actor, target=unit, changes=audit.diff({}, audit.snapshot(unit))
        )
    return unit


def update_unit(*, actor: Any, unit_id: int, **values: Any) -> Unit:
    _require(actor)
    unknown = set(values) - set(EDITABLE) - {"region_id"}
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}")
    values = _clean(values)
    with transaction.atomic():
        unit = Unit.objects.visible_to(actor).select_for_update().filter(pk=unit_id).first()
        if unit is None:
            raise DomainError("单位不存在或不在您的管辖范围内")
        before = audit.snapshot(unit)
        if "region_id" in values:
            region = Region.objects.visible_to(actor).filter(pk=values.pop("region_id")).first()
            if region is None:
                raise DomainError("所属区划不存在或不在您的管辖范围内")
            unit.region = region
        for key, value in values.items():
            if key == "contact_phone" and not value:
                continue  # blank means "keep" for encrypted fields
            setattr(unit, key, value)
        unit.save()
        # An edit must not move the unit out of the actor's own scope.
        if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
            raise DomainError("修改后该单位将不在您的管辖范围内，已取消")
        audit.record(
            "unit_changed",
            actor=actor,
            target=unit,
            changes=audit.diff(before, audit.snapshot(unit)),
        )
    return unit


def export_rows(queryset: Any, *, unmasked: bool = False) -> Iterable[list[Any]]:
    for unit in queryset.select_related("region", "parent").iterator(chunk_size=2000):
        phone = unit.contact_phone
        yield [
            unit.code,
            unit.name,
            unit.short_name,
            unit.get_kind_display(),
            unit.region.code,
            unit.parent.code if unit.parent_id else "",
            unit.credit_code,
            "是" if unit.is_handling_unit else "否",
            unit.contact_person,
            (phone.reveal() if unmasked and phone else str(phone)),
            unit.office_phone,
            unit.address,
        ]

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
    "上级行政机关编码",
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


def _superior(unit: Unit | None, superior_id: int | None) -> Unit | None:
    """Check a 上级行政机关: an existing active unit, not the unit itself, not below it in the
    unit tree and not reached again by following superiors up (no cycle). It may lie outside
    the actor's scope (a district's units answer to the city government)."""
    if superior_id is None:
        return None
    superior = Unit.objects.filter(pk=superior_id).first()
    if superior is None:
        raise DomainError("上级行政机关不存在")
    if not superior.is_active:
        raise DomainError(f"上级行政机关“{superior.name}”已停用")
    if unit is None:
        return superior
    if superior.pk == unit.pk:
        raise DomainError("上级行政机关不能是本单位")
    if unit.path and superior.path.startswith(unit.path):
        raise DomainError(f"上级行政机关不能是本单位的下级单位（{superior.name}）")
    seen = {unit.pk}
    current: Unit | None = superior
    while current is not None:
        if current.pk in seen:
            raise DomainError(f"上级行政机关“{superior.name}”的上级链又回到本单位，请检查设置")
        seen.add(current.pk)
        current = current.superior_body if current.superior_body_id else None
    return superior


def superior_id_for_code(code: str) -> int | None:
    """The id of the 上级行政机关 named by its unit code ("" → None). Any unit, not only the
    actor's: see :func:`_superior`."""
    code = (code or "").strip()
    if not code:
        return None
    pk = Unit.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise DomainError(f"上级行政机关编码“{code}”不存在")
    return int(pk)


def create_unit(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    region_id: int,
    parent_id: int | None = None,
    superior_body_id: int | None = None,
    **values: Any,
) -> Unit:
    """``superior_body_id``: the 上级行政机关 (see :meth:`Unit.administrative_superior`)."""
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
        superior = _superior(None, superior_body_id)
        unit = Unit.objects.create(
            code=code.strip(),
            name=name.strip(),
            region=region,
            parent=parent,
            superior_body=superior,
            **values,
        )
        assign_path(unit)
        audit.record(
            "unit_created", actor=actor, target=unit, changes=audit.diff({}, audit.snapshot(unit))
        )
    return unit


def update_unit(*, actor: Any, unit_id: int, **values: Any) -> Unit:
    """Edit a unit in the actor's scope. ``superior_body_id=None`` clears the 上级行政机关
    (reviews then go to the tree parent); leaving the key out keeps it."""
    _require(actor)
    unknown = set(values) - set(EDITABLE) - {"region_id", "superior_body_id"}
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
        if "superior_body_id" in values:
            unit.superior_body = _superior(unit, values.pop("superior_body_id"))
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
    for unit in queryset.select_related("region", "parent", "superior_body").iterator(
        chunk_size=2000
    ):
        phone = unit.contact_phone
        yield [
            unit.code,
            unit.name,
            unit.short_name,
            unit.get_kind_display(),
            unit.region.code,
            unit.parent.code if unit.parent_id else "",
            unit.superior_body.code if unit.superior_body_id else "",
            unit.credit_code,
            "是" if unit.is_handling_unit else "否",
            unit.contact_person,
            (phone.reveal() if unmasked and phone else str(phone)),
            unit.office_phone,
            unit.address,
        ]

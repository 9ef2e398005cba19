from __future__ import annotations

from typing import Any

from django import template

from shegong.core.roles import Cap

register = template.Library()


@register.inclusion_tag("core/partials/_pii.html", takes_context=True)
def pii(context: dict[str, Any], obj: Any, field: str) -> dict[str, Any]:
    """Masked value plus, for roles that may, a reveal-with-reason control (audited)."""
    user = context["request"].user
    value = getattr(obj, field)
    return {
        "masked": str(value) if value else "",
        "can_reveal": bool(value) and user.has_capability(Cap.PII_REVEAL),
        "model_label": obj._meta.label,
        "pk": obj.pk,
        "field": field,
        "dom_id": f"pii-{obj._meta.model_name}-{obj.pk}-{field}",
    }


@register.filter
def attr_or_blank(obj: Any, name: str) -> Any:
    """``{{ obj|attr_or_blank:"field" }}`` — for loops over field names."""
    return getattr(obj, name, "") or ""


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


@register.filter
def audit_action(action: str) -> str:
    """``{{ event.action|audit_action }}`` — the action's Chinese name (core.audit_display)."""
    from shegong.core.audit_display import action_label

    return action_label(action)


@register.filter
def audit_changes(event: Any) -> list[str]:
    """``{% for line in event|audit_changes %}`` — "字段：旧 → 新" lines."""
    from shegong.core.audit_display import change_lines

    return change_lines(event.changes, event.target_type)


@register.filter
def audit_target_type(target_type: str) -> str:
    from shegong.core.audit_display import model_label

    return model_label(target_type)


@register.inclusion_tag("core/partials/_file_input.html")
def file_input(
    name: str,
    input_id: str,
    accept: str = "",
    multiple: bool = False,
    required: bool = False,
    small: bool = False,
    describedby: str = "",
    extra_class: str = "",
) -> dict[str, Any]:
    """``{% file_input "file" "id_file" accept=".xlsx,.csv" required=True %}`` — a file
    input labelled in Chinese ("选择文件" and the chosen names), whatever the browser's
    language; every upload form uses it."""
    return {
        "name": name,
        "id": input_id,
        "accept": accept,
        "multiple": multiple,
        "required": required,
        "small": small,
        "describedby": describedby,
        "extra_class": extra_class,
    }


@register.filter
def legacy_changes(text: str, target_type: str) -> str:
    """``{{ h.detail|legacy_changes:"organizations.partyorganization" }}`` — a history line
    stored before field labels existed ("formal_members: 7 → 9") read in Chinese."""
    from shegong.core.audit_display import legacy_change_text

    return legacy_change_text(text or "", target_type)

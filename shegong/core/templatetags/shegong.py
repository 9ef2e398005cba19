from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("core/partials/_pii.html", takes_context=True)
def pii(context: dict[str, Any], obj: Any, field: str) -> dict[str, Any]:
    """Masked value plus, for roles that may, a reveal-with-reason control (audited)."""
    user = context["request"].user
    value = getattr(obj, field)
    return {
        "masked": str(value) if value else "",
        "can_reveal": bool(value) and user.has_capability("pii.reveal"),
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

"""Free text of an appeal on staff pages: identifiers masked, audited reveal where allowed.

``{% appeal_text appeal "body" %}`` prints a field (``services.identity.TEXT_FIELDS``);
``{% appeal_note appeal event %}`` prints a timeline note; ``{{ text|masked_text }}`` masks
any other free text (titles in lists, order replies, reasons). Templates never print an
appeal's free text raw.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..services.identity import EVENT_FIELD_PREFIX, appeal_text_for
from ..services.identity import masked_text as _masked_text

register = template.Library()


def _context(context: dict[str, Any], appeal: Any, field: str, value: str | None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    item = appeal_text_for(user, appeal, field, value)
    return {
        "item": item,
        "appeal": appeal,
        "dom_id": f"text-{appeal.pk}-{field}",
    }


@register.inclusion_tag("appeals/partials/_free_text.html", takes_context=True)
def appeal_text(context: dict[str, Any], appeal: Any, field: str) -> dict[str, Any]:
    return _context(context, appeal, field, None)


@register.inclusion_tag("appeals/partials/_free_text.html", takes_context=True)
def appeal_note(context: dict[str, Any], appeal: Any, event: Any) -> dict[str, Any]:
    return _context(context, appeal, f"{EVENT_FIELD_PREFIX}{event.pk}", event.note or "")


@register.filter
def masked_text(value: Any) -> str:
    """Identifiers in ``value`` masked (``138****5678``); for text with no reveal control."""
    return _masked_text(str(value) if value is not None else "")

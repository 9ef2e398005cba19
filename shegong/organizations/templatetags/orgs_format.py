"""Number formatting for the organizations pages.

Django's zh-hans locale has no thousands separator (``THOUSAND_SEPARATOR = ""``), so
``intcomma`` prints 52000; the UI style asks for 52,000.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def thousands(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)

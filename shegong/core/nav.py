"""Navigation built from what the user's role may do.

Apps register their entries in ``AppConfig.ready()``; the sidebar shows an entry only if
the user holds its capability, so menus and permissions cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse

from .scoping import ScopedUser


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    capability: str | None
    order: int = 100
    icon: str = "•"
    # A further condition beyond the capability (e.g. a citywide scope), checked per user.
    when: Callable[[ScopedUser], bool] | None = None


SECTIONS = ["工作台", "群众诉求", "党建", "志愿服务", "人才", "基础数据", "系统"]
_items: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def nav_for(user: ScopedUser | AnonymousUser | None) -> list[dict[str, Any]]:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return []
    sections: dict[str, list[dict[str, str]]] = {}
    for item in sorted(_items, key=lambda i: i.order):
        if item.capability and not (user.is_superuser or user.has_capability(item.capability)):
            continue
        if item.when is not None and not item.when(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name}
        )
    ordered = [s for s in SECTIONS if s in sections] + [s for s in sections if s not in SECTIONS]
    return [{"section": name, "items": sections[name]} for name in ordered]

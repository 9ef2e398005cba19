"""Helpers shared by the organizations services (not services themselves)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from shegong.regions.models import Region


def require(actor: Any, capability: str, message: str) -> None:
    if actor is None or not actor.has_capability(capability):
        raise PermissionDenied(message)


def street_code_of(path: str) -> str | None:
    """The 街道/乡镇 segment of a region path (``/city/district/street/…``), if deep enough."""
    parts = [p for p in path.strip("/").split("/") if p]
    return parts[2] if len(parts) >= 3 else None


def street_of(region: Region) -> Region | None:
    code = street_code_of(region.path)
    if code is None:
        return None
    if code == region.code:
        return region
    return Region.objects.filter(code=code).first()

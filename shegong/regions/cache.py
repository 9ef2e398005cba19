"""Per-process cache of active regions by code, for the public intake path.

Every public submission names its region by code (Open311 ``attribute[region_code]``); a
city has up to a few hundred thousand regions and they change a few times a year. Entries
live ``SHEGONG_REGION_CACHE_SECONDS`` (default 10 s), so a deactivated region stops
accepting submissions on every server within that time; 0 turns the cache off.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction

from .models import Region

_MAX_ENTRIES = 50_000
_cache: dict[str, tuple[float, Region | None]] = {}


def active_region_by_code(code: str) -> Region | None:
    ttl = float(getattr(settings, "SHEGONG_REGION_CACHE_SECONDS", 10))
    now = time.monotonic()
    hit = _cache.get(code)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    region = Region.objects.filter(code=code, is_active=True).first()
    if ttl > 0 and not transaction.get_connection().in_atomic_block:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[code] = (now, region)
    return region


def clear() -> None:
    from . import locate

    _cache.clear()
    locate.clear()

"""Hotspots: category × street bursts of the last 7 days (``compute_hotspots``), the
10-minute job that recomputes them only when something changed (``refresh_hotspots``), and
the dispatchers' notice of a new one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.appeals.filters import counted_q
from shegong.appeals.models import Appeal
from shegong.core.roles import Cap

from .indexes import _text
from .models import TriageResult
from .routing import street_code


def compute_hotspots(*, now: datetime | None = None, notify_top: int = 3) -> int:
    """Category × street bursts of the last 7 days over their 3-week baseline (the appeals
    of the last 30 days are read); replaces the ``Hotspot`` rows.

    Reads the appeals the cockpit counts (``counted_q``, docs/cockpit.md): a 检举控告 is
    never read (信访工作条例 第三十条: its words must not surface in a hotspot's keywords
    or samples) and an appeal merged into another is counted once, in that one. Each hotspot
    keeps the ids it counts (``appeal_ids``), the list its number links to."""
    from shegong.regions.models import Region
    from shegong.textmining import HotspotRecord, detect_hotspots

    from .models import Hotspot

    now = now or timezone.now()
    rows = (
        Appeal.objects.filter(counted_q(), registered_at__gte=now - timedelta(days=30))
        .select_related("region", "triage")
        .order_by("pk")
    )
    records = []
    for a in rows.iterator(chunk_size=500):
        tri = getattr(a, "triage", None)
        category = tri.category_l1 if tri is not None and tri.category_l1 else None
        if category is None:
            continue
        records.append(
            HotspotRecord(
                id=str(a.pk),
                time=a.registered_at,
                place=street_code(a.region),
                text=_text(a),
                category=category,
            )
        )
    found = detect_hotspots(
        records,
        now=now,
        window=timedelta(days=7),
        baseline_windows=3,
        topic="category",
        by_place=True,
        limit=20,
        tokenizer=hotspot_tokenizer(),
    )
    previous = set(Hotspot.objects.values_list("label", "place"))
    regions = {r.code: r for r in Region.objects.filter(code__in={h.place for h in found})}
    with transaction.atomic():
        Hotspot.objects.all().delete()
        new = []
        for rank, h in enumerate(found, start=1):
            region = regions.get(h.place)
            new.append(
                Hotspot(
                    rank=rank,
                    label=h.topic,
                    place=region.name if region else (h.place or "未知地点"),
                    region=region,
                    count=h.count,
                    baseline=round(h.expected, 3),
                    z=round(h.z, 3),
                    keywords=list(h.keywords),
                    sample_appeal_ids=[int(i) for i in (h.representative_ids or h.ids)[:3]],
                    appeal_ids=sorted(int(i) for i in h.ids),
                    computed_at=now,
                )
            )
        Hotspot.objects.bulk_create(new)
    fresh = [h for h in new[:notify_top] if (h.label, h.place) not in previous]
    if fresh:
        _notify_dispatchers(fresh)
    return len(new)


HOTSPOTS_STAMP = "triage.hotspots.computed_at"

# Tokens of the texts the hotspot job has cut, kept in the worker process between its
# 10-minute runs: a run cuts only the appeals that are new (or edited) since the last one.
# Keyed by a digest of the text; cleared whole when it reaches the limit (a month of a big
# city's appeals fits).
_HOTSPOT_TOKENS: dict[bytes, tuple[str, ...]] = {}
HOTSPOT_TOKENS_MAX = 200_000


def hotspot_tokenizer() -> Any:
    """The default segmenter's ``tokens``, remembering each text's tokens in this process."""
    import hashlib
    import sys

    from shegong.textmining.segment import default_segmenter

    segmenter = default_segmenter()

    def tokens(text: str) -> list[str]:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        hit = _HOTSPOT_TOKENS.get(key)
        if hit is None:
            if len(_HOTSPOT_TOKENS) >= HOTSPOT_TOKENS_MAX:
                _HOTSPOT_TOKENS.clear()
            hit = tuple(sys.intern(t) for t in segmenter.tokens(text))
            _HOTSPOT_TOKENS[key] = hit
        return list(hit)

    return tokens


def refresh_hotspots(*, now: datetime | None = None) -> int | None:
    """The periodic hotspot job (every 10 minutes, so a burst shows within 15 minutes of its
    appeals being triaged — triage runs on intake and in a 5-minute safety net).

    Cheap when nothing changed: it recomputes only if an appeal was triaged since the last
    computation, or the last computation was on another day (the 7-day window and its
    baseline slide with the date). Returns the number of hotspots, or None when skipped.
    The stamp lives in the cache; a cold cache falls back to the rows' ``computed_at`` and,
    with neither, computes — so a lost stamp costs one computation, never a stale list."""
    from django.core.cache import cache
    from django.db.models import Max

    from .models import Hotspot

    now = now or timezone.now()
    last = cache.get(HOTSPOTS_STAMP) or Hotspot.objects.aggregate(m=Max("computed_at"))["m"]
    if (
        last is not None
        and last <= now
        and timezone.localdate(last) == timezone.localdate(now)
        and not TriageResult.objects.filter(computed_at__gt=last).exists()
    ):
        return None
    count = compute_hotspots(now=now)
    cache.set(HOTSPOTS_STAMP, now, timeout=2 * 24 * 3600)
    return count


def _notify_dispatchers(hotspots: list[Any]) -> None:
    from shegong.accounts.models import User
    from shegong.core.notify import notify
    from shegong.core.roles import ROLE_CAPABILITIES

    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Cap.APPEALS_DISPATCH in caps]
    users = User.objects.filter(role__in=roles, is_active=True).select_related("region")
    for h in hotspots:
        # Only users whose region contains the hotspot's street (or the whole city).
        audience = [
            u
            for u in users
            if u.region is not None
            and (h.region is None or h.region.path.startswith(u.region.path))
        ]
        notify(
            audience,
            f"新热点：{h.place}·{h.label}",
            body=f"近 7 天 {h.count} 件（基线 {h.baseline:.1f}，z={h.z:.1f}）",
            url="/triage/hotspots/",
            level="warning",
        )

"""Find the region a citizen means: from the words of an address, or from a point.

Most Open311 clients send only ``address_string`` (and perhaps ``lat``/``long``), never a
region code. :func:`resolve_address` reads the city's own region names in the address and
answers the one region they name — or says precisely why it cannot (no name of this city, only
the city itself, a name shared by several regions, names that do not nest).
:func:`region_at` places a point in the smallest region whose loaded boundary contains it.

Matching rules (documented in docs/open311.md):

- a region's full name (``北一社区``) anywhere in the address; also its name without the
  level suffix (``城关镇`` → ``城关``) when at least two characters remain and the next
  character does not make it a road or house name (``北一路``, ``北一号``);
- a match inside a longer match is ignored (``东城`` inside ``东城区``);
- the answer is the most specific region that every named region is part of or equal to:
  ``东城区北街道北一社区`` → 北一社区; a bare ``北一社区`` that exists in two streets is
  ambiguous until the address names the street or district too.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from shegong.lib import geo

from .choices import RegionLevel
from .models import Region, RegionBoundary

# Longest first: the name without its level suffix is an accepted short form.
SUFFIXES = (
    "社区居委会",
    "社区居民委员会",
    "街道办事处",
    "村民委员会",
    "居委会",
    "村委会",
    "街道",
    "社区",
    "自治县",
    "区",
    "县",
    "镇",
    "乡",
    "村",
    "市",
)
# A short form followed by one of these is part of a road or house name, not the region.
ROAD_CHARS = frozenset("路街巷弄道号桥里胡同大")
MIN_SHORT = 2
INDEX_SECONDS = 60


@dataclass(frozen=True)
class Place:
    pk: int
    code: str
    name: str
    full_name: str
    level: int
    path: str

    def within(self, other: Place) -> bool:
        """Whether this place is ``other`` or lies inside it."""
        return self.path.startswith(other.path)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str
    places: tuple[Place, ...]
    short: bool  # matched by the short form (name without its level suffix)


@dataclass
class Resolution:
    region: Region | None
    problem: str = ""


@dataclass
class _Index:
    built: float
    names: dict[str, list[Place]]
    short_names: dict[str, list[Place]]
    lengths: list[int]


_index: _Index | None = None


def clear() -> None:
    global _index
    _index = None


def short_form(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT:
            return name[: -len(suffix)]
    return ""


def _build() -> _Index:
    names: dict[str, list[Place]] = defaultdict(list)
    short_names: dict[str, list[Place]] = defaultdict(list)
    # Grids are left out: their names ("第1网格") repeat in every community and citizens do
    # not write them; an appeal belongs to a community or above.
    rows = (
        Region.objects.filter(is_active=True)
        .exclude(level=RegionLevel.GRID)
        .values_list("pk", "code", "name", "full_name", "level", "path")
    )
    for pk, code, name, full_name, level, path in rows.iterator(chunk_size=5000):
        place = Place(pk, code, name, full_name or name, level, path)
        names[name].append(place)
        short = short_form(name)
        if short:
            short_names[short].append(place)
    lengths = sorted({len(key) for key in (*names, *short_names)}, reverse=True)
    return _Index(time.monotonic(), dict(names), dict(short_names), lengths)


def _get_index() -> _Index:
    """All active region names, rebuilt at most every minute (regions change a few times a
    year; a region found here is re-checked active before use)."""
    global _index
    ttl = min(INDEX_SECONDS, float(getattr(settings, "SHEGONG_REGION_CACHE_SECONDS", 10)) * 6)
    if _index is not None and time.monotonic() - _index.built < ttl:
        return _index
    index = _build()
    if ttl > 0 and not transaction.get_connection().in_atomic_block:
        _index = index
    return index


def find_names(address: str) -> list[Match]:
    """Every region name (or short form) in the address, minus matches inside longer ones."""
    index = _get_index()
    found: list[Match] = []
    for start in range(len(address)):
        for length in index.lengths:
            end = start + length
            if end > len(address):
                continue
            text = address[start:end]
            if text in index.names:
                found.append(Match(start, end, text, tuple(index.names[text]), short=False))
            elif text in index.short_names and address[end : end + 1] not in ROAD_CHARS:
                found.append(Match(start, end, text, tuple(index.short_names[text]), short=True))
    kept = [
        m
        for m in found
        if not any(
            o is not m and o.start <= m.start and m.end <= o.end and (o.end - o.start) > len(m.text)
            for o in found
        )
    ]
    unique: dict[tuple[int, int], Match] = {}
    for match in kept:
        unique.setdefault((match.start, match.end), match)
    return list(unique.values())


def _candidates(matches: list[Match]) -> list[Place]:
    """The most specific places that every match contains (or is)."""
    places = {p for m in matches for p in m.places}
    fitting = [p for p in places if all(any(p.within(q) for q in m.places) for m in matches)]
    if not fitting:
        return []
    deepest = max(p.level for p in fitting)
    return sorted((p for p in fitting if p.level == deepest), key=lambda p: p.code)


def _names(matches: list[Match]) -> str:
    return "”与“".join(dict.fromkeys(m.text for m in matches))


def example_address() -> str:
    """A place written the way the address should name it, from this city's own regions
    (its first community: "东城区湖滨街道翠苑社区"), for the error messages."""
    community = (
        Region.objects.filter(level=RegionLevel.COMMUNITY, is_active=True)
        .select_related("parent__parent")
        .order_by("code")
        .first()
    )
    if community is None:
        return "某区某街道某社区"
    street = community.parent
    district = street.parent if street is not None else None
    return "".join(r.name for r in (district, street, community) if r is not None)


def resolve_address(address: str, *, hint: str = "") -> Resolution:
    """The one region the address names, or a precise Chinese reason why there is none.

    ``hint`` is appended to every problem (what else the caller could send instead).
    """
    found = find_names(address)
    matches = [m for m in found if any(p.level != RegionLevel.CITY for p in m.places)]
    city_named = len(found) > len(matches)
    shown = address if len(address) <= 40 else address[:40] + "…"
    if not matches:
        if city_named:
            problem = (
                f"地址（address_string）“{shown}”只写到了市，无法确定所属区划：请写明区县、"
                "街道（乡镇）或社区（村）名称"
            )
        else:
            problem = (
                f"无法从地址（address_string）“{shown}”识别所属区划：其中没有本市的区县、"
                f"街道（乡镇）或社区（村）名称，请写明社区或街道名称（例如“{example_address()}”）"
            )
        return Resolution(None, problem + hint)
    candidates = _candidates(matches)
    if not candidates and any(m.short for m in matches):
        exact = [m for m in matches if not m.short]
        if exact:
            matches = exact
            candidates = _candidates(matches)
    if not candidates:
        places = "；".join(
            f"“{m.text}”位于{'、'.join(p.full_name for p in m.places[:3])}" for m in matches
        )
        problem = (
            f"地址（address_string）中的“{_names(matches)}”不属于同一区划（{places}），请核对地址"
        )
        return Resolution(None, problem + hint)
    if len(candidates) > 1:
        deepest = max(p.level for p in candidates)
        named = [m for m in matches if any(p.level == deepest for p in m.places)]
        listed = "、".join(p.full_name for p in candidates[:5])
        more = f"等{len(candidates)}个区划" if len(candidates) > 5 else ""
        problem = (
            f"地址（address_string）中的“{_names(named)}”对应多个区划：{listed}{more}，"
            f"请在地址中写明所在的区县或街道（例如“{example_address()}”）"
        )
        return Resolution(None, problem + hint)
    region = Region.objects.filter(pk=candidates[0].pk, is_active=True).first()
    if region is None:  # deactivated since the index was built
        return Resolution(None, f"地址（address_string）对应的区划已停用{hint}")
    return Resolution(region)


# --- points ----------------------------------------------------------------------------------


def boundaries_loaded() -> bool:
    return RegionBoundary.objects.exists()


def region_at(lon: float, lat: float) -> Region | None:
    """The smallest active region whose loaded boundary contains the point: the deepest
    level, then the smallest area. Only boundaries whose bounding box holds the point are
    read."""
    rows = RegionBoundary.objects.filter(
        min_lon__lte=lon,
        max_lon__gte=lon,
        min_lat__lte=lat,
        max_lat__gte=lat,
        region__is_active=True,
    ).select_related("region")
    best: RegionBoundary | None = None
    for row in rows:
        if not geo.contains(geo.polygons(row.geometry), lon, lat):
            continue
        if best is None or (-row.region.level, row.area) < (-best.region.level, best.area):
            best = row
    return best.region if best is not None else None

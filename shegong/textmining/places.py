"""Place extraction: find the city's own regions named in an appeal's text or address.

Pure Python, no Django. The caller passes its regions table (code, name, parent code); the
matcher finds every region name (and automatic short forms: 东城区 → 东城, 北一社区 → 北一)
with one Aho-Corasick pass (pyahocorasick; a plain dict-trie fallback when it is missing),
and :meth:`PlaceMatcher.locate` picks the most specific region whose ancestors are
consistent with the other names found. ``cpca`` (province/city/district of all of China) is
used only when installed and asked for (:func:`cpca_place`).

Invariants: matches never overlap (longest match wins, then leftmost); a short form is only
used when it is at least 2 characters and not also the full name of another region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from shegong.textmining.normalize import normalize

__all__ = ["PlaceMatch", "PlaceMatcher", "Region", "cpca_place"]

_SUFFIXES: Final = (
    "居民委员会",
    "村民委员会",
    "街道办事处",
    "居委会",
    "村委会",
    "自治县",
    "街道",
    "社区",
    "新区",
    "区",
    "县",
    "市",
    "镇",
    "乡",
    "村",
)


@dataclass(frozen=True, slots=True)
class Region:
    """One row of the caller's regions table. ``code`` prefixes express the hierarchy."""

    code: str
    name: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """A region named in the text: region ``code`` and ``name``, matched span ``[start, end)``
    of the normalised text, and the matched string."""

    code: str
    name: str
    start: int
    end: int
    matched: str


def _as_region(item: Region | Mapping[str, Any] | tuple[str, ...]) -> Region:
    if isinstance(item, Region):
        return item
    if isinstance(item, Mapping):
        return Region(
            str(item["code"]),
            str(item["name"]),
            str(item.get("parent") or "") or None,
            tuple(item.get("aliases") or ()),
        )
    code, name, *rest = item
    return Region(str(code), str(name), (str(rest[0]) or None) if rest else None)


def _short_form(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class _Trie:
    """Fallback multi-pattern matcher: dict trie, O(len(text) · longest pattern)."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}
        self.longest = 0

    def add(self, word: str, value: Any) -> None:
        node = self.root
        for ch in word:
            node = node.setdefault(ch, {})
        node["\x00"] = value
        self.longest = max(self.longest, len(word))

    def iter(self, text: str) -> Iterable[tuple[int, Any]]:
        for i in range(len(text)):
            node: dict[str, Any] | None = self.root
            for j in range(i, min(len(text), i + self.longest)):
                node = node.get(text[j]) if node is not None else None
                if node is None:
                    break
                if "\x00" in node:
                    yield j, node["\x00"]


class PlaceMatcher:
    """Find region names in text. Build once per regions table; matching is thread-safe."""

    def __init__(
        self,
        regions: Iterable[Region | Mapping[str, Any] | tuple[str, ...]],
        *,
        short_forms: bool = True,
    ) -> None:
        self.regions: dict[str, Region] = {}
        patterns: dict[str, list[str]] = {}
        full_names: set[str] = set()
        for item in regions:
            reg = _as_region(item)
            self.regions[reg.code] = reg
            name = normalize(reg.name).replace(" ", "")
            full_names.add(name)
            for word in (name, *(normalize(a).replace(" ", "") for a in reg.aliases)):
                if len(word) >= 2:
                    patterns.setdefault(word, []).append(reg.code)
        if short_forms:
            for reg in self.regions.values():
                short = _short_form(normalize(reg.name).replace(" ", ""))
                if short and short not in full_names:
                    patterns.setdefault(short, []).append(reg.code)
        self._patterns = {w: tuple(dict.fromkeys(c)) for w, c in patterns.items()}
        self._matcher: Any
        try:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word, codes in self._patterns.items():
                automaton.add_word(word, (word, codes))
            if self._patterns:
                automaton.make_automaton()
            self._matcher = automaton
            self.backend = "pyahocorasick"
        except ImportError:  # pragma: no cover - pyahocorasick is a dependency
            trie = _Trie()
            for word, codes in self._patterns.items():
                trie.add(word, (word, codes))
            self._matcher = trie
            self.backend = "trie"

    def depth(self, code: str) -> int:
        """Number of ancestors of ``code`` known to this matcher."""
        d = 0
        seen = set()
        reg = self.regions.get(code)
        while reg is not None and reg.parent and reg.parent not in seen:
            seen.add(reg.parent)
            d += 1
            reg = self.regions.get(reg.parent)
        return d

    def ancestors(self, code: str) -> list[str]:
        """Codes of the ancestors of ``code``, nearest first."""
        out: list[str] = []
        reg = self.regions.get(code)
        while reg is not None and reg.parent and reg.parent not in out:
            out.append(reg.parent)
            reg = self.regions.get(reg.parent)
        return out

    def find(self, text: str | None, *, normalized: bool = False) -> list[PlaceMatch]:
        """All region mentions, non-overlapping (longest, then leftmost, wins), in text order.

        A name shared by several regions yields one match per region (same span).
        """
        norm = (text or "") if normalized else normalize(text)
        if not norm or not self._patterns:
            return []
        raw = []
        for end, (word, codes) in self._matcher.iter(norm):
            raw.append((end - len(word) + 1, end + 1, word, codes))
        raw.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        taken: list[tuple[int, int]] = []
        out: list[PlaceMatch] = []
        for start, end, word, codes in raw:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            for code in codes:
                out.append(PlaceMatch(code, self.regions[code].name, start, end, word))
        out.sort(key=lambda m: (m.start, m.code))
        return out

    def locate(self, text: str | None, address: str | None = None) -> PlaceMatch | None:
        """The single most specific region the text (and address, which counts double) is
        about, or None.

        Each candidate scores +1 per mention (+2 in ``address``) and +1 for every ancestor of
        it also mentioned; ties go to the deeper region, then the earlier mention.
        """
        matches = self.find(address) + self.find(text) if address else self.find(text)
        if not matches:
            return None
        addr_codes = {m.code for m in self.find(address)} if address else set()
        mentioned = {m.code for m in matches}
        best: tuple[float, int, int, PlaceMatch] | None = None
        for i, m in enumerate(matches):
            score = 1.0 + (1.0 if m.code in addr_codes else 0.0)
            score += sum(1 for a in self.ancestors(m.code) if a in mentioned)
            key = (score, self.depth(m.code), -i, m)
            if best is None or key[:3] > best[:3]:
                best = key
        return best[3] if best else None


def cpca_place(text: str | None) -> dict[str, str] | None:
    """Province, city, district and adcode found by ``cpca`` (None when cpca is not
    installed or finds nothing). cpca loads pandas and its own tables on first use (~0.5 s)."""
    if not text:
        return None
    try:
        import cpca
    except ImportError:
        return None
    try:
        frame = cpca.transform([text])
    except Exception:  # cpca is third-party heuristics; never let it break intake
        return None
    row = frame.iloc[0]
    out = {
        "province": row.get("省"),
        "city": row.get("市"),
        "district": row.get("区"),
        "adcode": row.get("adcode"),
    }
    clean = {k: str(v) for k, v in out.items() if isinstance(v, str) and v}
    return clean or None

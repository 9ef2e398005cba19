"""The official 3-level appeal taxonomy and level-2 guessing by name similarity.

Pure Python, no Django. The training data has level-1 labels only, so level 2 is *not*
learned from examples by default: :meth:`Taxonomy.guess_l2` scores each level-2 class under
the predicted level-1 class by how much of its own name and its level-3 names occur in the
text. It is a transparent keyword heuristic with no measured accuracy (there are no level-2
labels to measure it on); a deployment that retrains with level-2 labels gets a learned
level-2 model instead (see :mod:`shegong.textmining.classify`).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from shegong.textmining.normalize import normalize

__all__ = ["L2Guess", "Taxonomy"]

# Parts of class names that say nothing about the topic.
_GENERIC: Final = frozenset(
    {"其他", "管理", "问题", "工作", "服务", "相关", "综合", "一般", "事务", "有关", "建设"}
)


@dataclass(frozen=True, slots=True)
class L2Guess:
    """A level-2 class and its share of the keyword score among its siblings (0..1)."""

    category_l2: str
    score: float
    matched: tuple[str, ...]


def _name_terms(name: str) -> set[str]:
    """Terms of a class name: the name, its parts split at 、/和/与 and its 2-char windows."""
    norm = normalize(name).replace(" ", "")
    terms = {norm}
    for part in norm.replace("和", "、").replace("与", "、").replace("及", "、").split("、"):
        part = part.strip("()（）")
        if len(part) >= 2:
            terms.add(part)
            terms.update(part[i : i + 2] for i in range(len(part) - 1))
    return {t for t in terms if len(t) >= 2 and t not in _GENERIC}


@dataclass
class Taxonomy:
    """``{l1: {l2: [l3, ...]}}`` with level-2 keyword profiles built on first use.

    Invariant: every level-2 name belongs to exactly one level-1 class here (the official
    taxonomy repeats some l2 names under different l1s; they are kept apart by l1).
    """

    tree: dict[str, dict[str, list[str]]]
    _profiles: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> Taxonomy:
        """Build from rows with ``category_l1, category_l2, category_l3`` (l3 may be empty)."""
        tree: dict[str, dict[str, list[str]]] = {}
        for row in rows:
            l1 = (row.get("category_l1") or "").strip()
            l2 = (row.get("category_l2") or "").strip()
            l3 = (row.get("category_l3") or "").strip()
            if not l1:
                continue
            level2 = tree.setdefault(l1, {})
            if l2:
                level3 = level2.setdefault(l2, [])
                if l3 and l3 not in level3:
                    level3.append(l3)
        return cls(tree)

    @classmethod
    def from_csv(cls, path: str | Path) -> Taxonomy:
        """Read ``taxonomy.csv`` (UTF-8, header ``category_l1,category_l2,category_l3``)."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return cls.from_rows(csv.DictReader(fh))

    @classmethod
    def from_json(cls, data: Mapping[str, Mapping[str, list[str]]]) -> Taxonomy:
        return cls({l1: {l2: list(l3s) for l2, l3s in sub.items()} for l1, sub in data.items()})

    @classmethod
    def default(cls) -> Taxonomy:
        """The official taxonomy shipped in ``models/taxonomy.json``."""
        return _default_taxonomy()

    def to_json(self) -> dict[str, dict[str, list[str]]]:
        return self.tree

    @property
    def level1(self) -> list[str]:
        return list(self.tree)

    def level2(self, l1: str) -> list[str]:
        return list(self.tree.get(l1, {}))

    def _profile(self, l1: str) -> dict[str, dict[str, float]]:
        """``{l2: {term: weight}}``; a term shared by many siblings weighs less."""
        if l1 in self._profiles:
            return self._profiles[l1]
        raw: dict[str, set[str]] = {}
        for l2, l3s in self.tree.get(l1, {}).items():
            terms = _name_terms(l2)
            for l3 in l3s:
                terms |= _name_terms(l3)
            raw[l2] = terms
        df: dict[str, int] = {}
        for terms in raw.values():
            for t in terms:
                df[t] = df.get(t, 0) + 1
        n = max(len(raw), 1)
        # Terms in sorted order, not a set's: a set of strings iterates in an order that
        # changes with PYTHONHASHSEED, and so would the float sums and the ties below, i.e.
        # two processes could guess different classes for one text.
        prof = {
            l2: {t: len(t) * math.log(1 + n / df[t]) for t in sorted(terms)}
            for l2, terms in raw.items()
        }
        self._profiles[l1] = prof
        return prof

    def guess_l2(self, l1: str, text: str, *, normalized: bool = False) -> L2Guess | None:
        """The level-2 class under ``l1`` whose names best occur in ``text`` (None: no clue).

        Score of a class = Σ weight of its terms found in the text; the returned ``score`` is
        the winner's share of the total over siblings. Ties go to the first class listed.
        """
        norm = text if normalized else normalize(text)
        best: tuple[float, str, tuple[str, ...]] | None = None
        total = 0.0
        for l2, terms in self._profile(l1).items():
            found = [t for t in terms if t in norm]
            score = sum(terms[t] for t in found)
            total += score
            if score > 0 and (best is None or score > best[0]):
                best = (score, l2, tuple(sorted(found, key=len, reverse=True)[:5]))
        if best is None:
            return None
        return L2Guess(best[1], round(best[0] / total, 4), best[2])


@cache
def _default_taxonomy() -> Taxonomy:
    data = resources.files(__package__).joinpath("models/taxonomy.json").read_text("utf-8")
    return Taxonomy.from_json(json.loads(data)["tree"])

"""The small pieces of the near-duplicate index (``duplicates``): LSH band parameters, the
person hash, time stamps as epoch seconds, the result records and a union-find for batch
grouping. Pure Python + numpy, no Django."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import numpy as np

NO_TIME: Final = np.iinfo(np.int64).min
BAND_MUL: Final = np.uint64(0x100000001B3)


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """One earlier appeal similar to the query: its key and estimated Jaccard similarity."""

    key: str
    similarity: float


@dataclass(frozen=True, slots=True)
class GroupSignal:
    """Online group-appeal signal: ``people`` distinct persons raised near this matter."""

    people: int
    keys: tuple[str, ...]
    since: datetime


@dataclass(frozen=True, slots=True)
class GroupAppeal:
    """A batch-detected group appeal: near-same texts from ``people`` distinct persons."""

    keys: tuple[str, ...]
    people: int
    first: datetime
    last: datetime
    representative: str


def person_hash(person_key: str | None) -> int:
    """64-bit hash of a caller-supplied person key (0 means "no person")."""
    if not person_key:
        return 0
    digest = hashlib.blake2b(person_key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1


def _p_candidate(j: float, bands: int, rows: int) -> float:
    return 1.0 - (1.0 - j**rows) ** bands


def lsh_parameters(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` for a similarity ``threshold``.

    Chosen so that a pair at the threshold becomes a candidate with probability ≥ 0.99 while
    the candidate probability of a pair at ``threshold / 3`` is as small as possible (fewer
    signature checks per query). Recall is what banding can lose; precision is restored by
    the signature check.
    """
    best: tuple[float, int, int] | None = None
    for rows in range(1, 9):
        bands = num_perm // rows
        if bands < 1:
            break
        if _p_candidate(threshold, bands, rows) < 0.99:
            continue
        cost = _p_candidate(threshold / 3, bands, rows)
        if best is None or cost < best[0]:
            best = (cost, bands, rows)
    if best is None:  # threshold too low for this many permutations: maximise recall
        return num_perm, 1
    return best[1], best[2]


def to_epoch(value: datetime | float | int | None) -> int:
    if value is None:
        return int(NO_TIME)
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


# -- batch group detection ------------------------------------------------------------------


@dataclass
class UnionFind:
    parent: list[int] = field(default_factory=list)

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

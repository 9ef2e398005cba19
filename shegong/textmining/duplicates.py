"""Repeat and near-duplicate detection: MinHash LSH over character shingles.

Pure Python + numpy, no Django. Three questions, one index:

* **Near-duplicate** — is this text (almost) the same as an earlier appeal? Character
  3-shingles of :func:`~shegong.textmining.normalize.match_key` (punctuation and spacing
  removed, so changed punctuation is invisible), MinHash (datasketch's ``affine32`` scheme)
  and banded LSH, then a check of every candidate against its stored signature.
* **Repeat** — has the *same person* raised this matter before? Candidates are all earlier
  appeals of the caller-supplied person key (an opaque blind-index string: the index only
  keeps a 64-bit hash of it), compared by signature, so recall does not depend on banding.
* **Group appeal** — are many *distinct* people raising near the same matter within a time
  window? :meth:`NearDuplicateIndex.group_check` online, :func:`detect_groups` in batch.

Why not ``datasketch.MinHashLSH`` directly: its in-memory storage is a dict of sets per band,
about 400 bytes per (appeal, band); at 1,000,000 appeals and 32+ bands that is >10 GB. Here
the band tables are :class:`~shegong.textmining.multimap.SortedMultiMap` runs (12 bytes per
entry) and signatures are kept as 16-bit values (b-bit MinHash: two different 32-bit values
collide in their low 16 bits with probability 2**-16, so the similarity estimate is unchanged
for our purposes). Query time is O(bands · log n + candidates): sub-linear in the index size.

Invariants: keys are unique (adding an existing key replaces it); a removed key is never
returned; ``similarity`` is the MinHash estimate of the Jaccard similarity of the two
shingle sets, in [0, 1].

The result records, the band parameters and the small helpers are in ``lsh`` (re-exported
here).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from shegong.textmining.features import MinHasher, shingle_hashes, unique_sorted
from shegong.textmining.lsh import (
    BAND_MUL,
    NO_TIME,
    DuplicateMatch,
    GroupAppeal,
    GroupSignal,
    UnionFind,
    lsh_parameters,
    person_hash,
    to_epoch,
)
from shegong.textmining.multimap import SortedMultiMap
from shegong.textmining.normalize import match_key

__all__ = [
    "DuplicateMatch",
    "GroupAppeal",
    "GroupSignal",
    "NearDuplicateIndex",
    "detect_groups",
    "lsh_parameters",
    "person_hash",
]

FORMAT_VERSION: Final = 1


class NearDuplicateIndex:
    """MinHash LSH index of appeal texts with add / query / remove and save / load.

    ``threshold`` is the default minimum estimated Jaccard similarity of character
    ``shingle``-grams for :meth:`query`; the LSH banding is tuned for it (:func:`lsh_parameters`)
    and fixed at construction, so queries at a lower threshold lose recall.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        num_perm: int = 128,
        shingle: int = 3,
        seed: int = 1,
        bands: int | None = None,
        rows: int | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.seed = seed
        if bands is None or rows is None:
            bands, rows = lsh_parameters(threshold, num_perm)
        if bands * rows > num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        self.bands = bands
        self.rows = rows
        self._hasher = MinHasher(num_perm, seed)
        self._keys: list[str] = []
        self._pos: dict[str, int] = {}
        cap = 1024
        self._sig = np.zeros((cap, num_perm), dtype=np.uint16)
        self._alive = np.zeros(cap, dtype=bool)
        self._person = np.zeros(cap, dtype=np.uint64)
        self._time = np.full(cap, NO_TIME, dtype=np.int64)
        self._band_map = SortedMultiMap()
        self._person_map = SortedMultiMap()
        self._removed = 0

    # -- size and membership ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys) - self._removed

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._pos

    def keys(self) -> Iterator[str]:
        """Keys currently in the index, in insertion order."""
        for i, k in enumerate(self._keys):
            if self._alive[i]:
                yield k

    @property
    def nbytes(self) -> int:
        """Approximate bytes held by the numpy arrays (excludes the key strings)."""
        n = len(self._keys)
        return (
            self._sig[:n].nbytes
            + self._alive[:n].nbytes
            + self._person[:n].nbytes
            + self._time[:n].nbytes
            + self._band_map.nbytes
            + self._person_map.nbytes
        )

    # -- signatures ------------------------------------------------------------------------

    def signature(self, text: str, *, key: str | None = None) -> npt.NDArray[np.uint32]:
        """The MinHash signature of a raw text (normalised here; ``key``: its ``match_key``,
        when the caller has it)."""
        key = match_key(text) if key is None else key
        return self._hasher.signature(shingle_hashes(key, self.shingle))

    def _band_keys(self, sigs: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
        """``(n, bands)`` band hashes; band number is mixed in so bands share one table."""
        n = sigs.shape[0]
        used = sigs[:, : self.bands * self.rows].astype(np.uint64)
        grid = used.reshape(n, self.bands, self.rows)
        with np.errstate(over="ignore"):
            h = np.broadcast_to(
                np.arange(1, self.bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15),
                (n, self.bands),
            ).copy()
            for j in range(self.rows):
                h = (h ^ grid[:, :, j]) * BAND_MUL
                h ^= h >> np.uint64(29)
        return h

    # -- writing ---------------------------------------------------------------------------

    def _grow(self, need: int) -> None:
        cap = self._sig.shape[0]
        if need <= cap:
            return
        new_cap = max(need, cap * 2)
        sig = np.zeros((new_cap, self.num_perm), dtype=np.uint16)
        sig[:cap] = self._sig
        self._sig = sig
        self._alive = np.concatenate((self._alive, np.zeros(new_cap - cap, dtype=bool)))
        self._person = np.concatenate((self._person, np.zeros(new_cap - cap, dtype=np.uint64)))
        self._time = np.concatenate((self._time, np.full(new_cap - cap, NO_TIME, np.int64)))

    def add(
        self,
        key: Hashable,
        text: str,
        *,
        person_key: str | None = None,
        time: datetime | float | None = None,
    ) -> None:
        """Index one appeal. An existing ``key`` is replaced."""
        self.add_signatures(
            [str(key)],
            self.signature(text)[np.newaxis, :],
            person_keys=[person_key],
            times=[time],
        )

    def add_many(
        self,
        items: Iterable[tuple[Hashable, str]],
        *,
        person_keys: Sequence[str | None] | None = None,
        times: Sequence[datetime | float | None] | None = None,
        batch: int = 50_000,
    ) -> int:
        """Index many ``(key, text)`` pairs; returns how many were added."""
        added = 0
        keys: list[str] = []
        sigs: list[npt.NDArray[np.uint32]] = []

        def flush(start: int) -> None:
            n = len(keys)
            self.add_signatures(
                keys,
                np.vstack(sigs) if sigs else np.empty((0, self.num_perm), np.uint32),
                person_keys=None if person_keys is None else person_keys[start : start + n],
                times=None if times is None else times[start : start + n],
            )

        start = 0
        for key, text in items:
            keys.append(str(key))
            sigs.append(self.signature(text))
            if len(keys) >= batch:
                flush(start)
                start += len(keys)
                added += len(keys)
                keys, sigs = [], []
        if keys:
            flush(start)
            added += len(keys)
        return added

    def add_signatures(
        self,
        keys: Sequence[str],
        signatures: npt.NDArray[np.uint32],
        *,
        person_keys: Sequence[str | None] | None = None,
        times: Sequence[datetime | float | None] | None = None,
    ) -> None:
        """Index precomputed signatures (from :meth:`signature`), e.g. built in parallel."""
        n = len(keys)
        if signatures.shape != (n, self.num_perm):
            raise ValueError("signatures must have shape (len(keys), num_perm)")
        for key in keys:
            if "\n" in key:
                raise ValueError("keys must not contain newlines")
            if key in self._pos:
                self.remove(key)
        start = len(self._keys)
        self._grow(start + n)
        idx = np.arange(start, start + n, dtype=np.uint32)
        self._keys.extend(keys)
        for i, key in enumerate(keys):
            if key in self._pos:  # duplicate key inside this batch: last one wins
                self._alive[self._pos[key]] = False
                self._removed += 1
            self._pos[key] = start + i
        self._sig[start : start + n] = signatures.astype(np.uint16)  # keep the low 16 bits
        self._alive[start : start + n] = True
        last = {k: i for i, k in enumerate(keys)}
        if len(last) != n:
            for i, key in enumerate(keys):
                if last[key] != i:
                    self._alive[start + i] = False
        if person_keys is not None:
            self._person[start : start + n] = [person_hash(p) for p in person_keys]
            has_person = self._person[start : start + n] != 0
            self._person_map.add(self._person[start : start + n][has_person], idx[has_person])
        if times is not None:
            self._time[start : start + n] = [to_epoch(t) for t in times]
        band_keys = self._band_keys(signatures)
        self._band_map.add(band_keys.ravel(), np.repeat(idx, self.bands))

    def remove(self, key: Hashable) -> bool:
        """Forget an appeal (it is never returned again). False if it was not there."""
        pos = self._pos.pop(str(key), None)
        if pos is None:
            return False
        self._alive[pos] = False
        self._removed += 1
        return True

    # -- reading ---------------------------------------------------------------------------

    def _similarities(
        self, sig: npt.NDArray[np.uint32], idx: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float64]:
        q = sig.astype(np.uint16)
        eq = (self._sig[idx] == q).mean(axis=1)
        c = 1.0 / 65536.0  # chance agreement of two different values in 16 bits
        return np.clip((eq - c) / (1.0 - c), 0.0, 1.0)

    def _candidates(self, sig: npt.NDArray[np.uint32]) -> npt.NDArray[np.intp]:
        values, _ = self._band_map.lookup(self._band_keys(sig[np.newaxis, :]).ravel())
        if values.size == 0:
            return np.empty(0, dtype=np.intp)
        cand = unique_sorted(values).astype(np.intp)
        return cand[self._alive[cand]]

    def _rank(
        self,
        sig: npt.NDArray[np.uint32],
        cand: npt.NDArray[np.intp],
        threshold: float,
        limit: int | None,
        exclude: str | None,
    ) -> list[DuplicateMatch]:
        if cand.size == 0:
            return []
        sims = self._similarities(sig, cand)
        keep = sims >= threshold
        cand, sims = cand[keep], sims[keep]
        order = np.argsort(-sims, kind="stable")
        out: list[DuplicateMatch] = []
        for j in order:
            key = self._keys[int(cand[j])]
            if key == exclude:
                continue
            out.append(DuplicateMatch(key, round(float(sims[j]), 4)))
            if limit is not None and len(out) >= limit:
                break
        return out

    def query(
        self,
        text: str,
        *,
        threshold: float | None = None,
        limit: int | None = 10,
        exclude: Hashable | None = None,
    ) -> list[DuplicateMatch]:
        """Earlier appeals whose estimated similarity to ``text`` is ≥ ``threshold``.

        Best first, at most ``limit`` (None: all). ``exclude`` drops one key (the appeal
        itself, when it is already indexed).
        """
        return self.query_signature(
            self.signature(text), threshold=threshold, limit=limit, exclude=exclude
        )

    def query_signature(
        self,
        sig: npt.NDArray[np.uint32],
        *,
        threshold: float | None = None,
        limit: int | None = 10,
        exclude: Hashable | None = None,
    ) -> list[DuplicateMatch]:
        """:meth:`query` for a precomputed signature."""
        t = self.threshold if threshold is None else threshold
        ex = None if exclude is None else str(exclude)
        return self._rank(sig, self._candidates(sig), t, limit, ex)

    def repeats(
        self,
        text: str,
        person_key: str,
        *,
        threshold: float = 0.3,
        since: datetime | float | None = None,
        exclude: Hashable | None = None,
        limit: int | None = 10,
    ) -> list[DuplicateMatch]:
        """Earlier appeals of the same person on near the same matter.

        Every earlier appeal of ``person_key`` (optionally only those at or after ``since``)
        is compared with ``text``; banding is not involved, so a lower threshold than
        :meth:`query` is fine (a person restating a matter rewrites more than a copier).
        """
        h = person_hash(person_key)
        if h == 0:
            return []
        values, _ = self._person_map.lookup(np.array([h], dtype=np.uint64))
        cand = unique_sorted(values).astype(np.intp)
        cand = cand[self._alive[cand]]
        if since is not None:
            cand = cand[self._time[cand] >= to_epoch(since)]
        ex = None if exclude is None else str(exclude)
        return self._rank(self.signature(text), cand, threshold, limit, ex)

    def group_check(
        self,
        text: str,
        *,
        time: datetime,
        window: timedelta = timedelta(days=7),
        person_key: str | None = None,
        threshold: float | None = None,
        min_people: int = 5,
    ) -> GroupSignal | None:
        """A :class:`GroupSignal` when ≥ ``min_people`` distinct persons (counting the caller's
        ``person_key``) raised near the same text within ``window`` before ``time``."""
        sig = self.signature(text)
        return self._group(
            sig, self._candidates(sig), time, window, person_key, threshold, min_people
        )

    def check(
        self,
        text: str,
        *,
        time: datetime,
        window: timedelta = timedelta(days=7),
        person_key: str | None = None,
        min_people: int = 5,
        limit: int | None = 10,
        exclude: Hashable | None = None,
    ) -> tuple[list[DuplicateMatch], GroupSignal | None]:
        """:meth:`query` and :meth:`group_check` of one text together (the same results),
        its signature and band candidates computed once instead of twice."""
        return self.check_signature(
            self.signature(text),
            time=time,
            window=window,
            person_key=person_key,
            min_people=min_people,
            limit=limit,
            exclude=exclude,
        )

    def check_signature(
        self,
        sig: npt.NDArray[np.uint32],
        *,
        time: datetime,
        window: timedelta = timedelta(days=7),
        person_key: str | None = None,
        min_people: int = 5,
        limit: int | None = 10,
        exclude: Hashable | None = None,
    ) -> tuple[list[DuplicateMatch], GroupSignal | None]:
        """:meth:`check` for a precomputed signature (from :meth:`signature`)."""
        cand = self._candidates(sig)
        ex = None if exclude is None else str(exclude)
        matches = self._rank(sig, cand, self.threshold, limit, ex)
        return matches, self._group(sig, cand, time, window, person_key, None, min_people)

    def _group(
        self,
        sig: npt.NDArray[np.uint32],
        cand: npt.NDArray[np.intp],
        time: datetime,
        window: timedelta,
        person_key: str | None,
        threshold: float | None,
        min_people: int,
    ) -> GroupSignal | None:
        if cand.size == 0:
            return None
        t0 = to_epoch(time - window)
        t1 = to_epoch(time)
        times = self._time[cand]
        cand = cand[(times >= t0) & (times <= t1)]
        if cand.size == 0:
            return None
        t = self.threshold if threshold is None else threshold
        sims = self._similarities(sig, cand)
        cand = cand[sims >= t]
        persons = {int(p) for p in self._person[cand] if p}
        if person_key:
            persons.add(person_hash(person_key))
        if len(persons) < min_people:
            return None
        keys = tuple(self._keys[int(i)] for i in cand)
        return GroupSignal(people=len(persons), keys=keys, since=time - window)

    # -- persistence -----------------------------------------------------------------------

    def compact(self) -> None:
        """Merge the band tables into one sorted run each (faster queries after bulk loads)."""
        self._band_map.compact()
        self._person_map.compact()

    def save(self, path: str | Path) -> None:
        """Write the index to a directory (``meta.json`` + ``arrays.npz`` + ``keys.txt``).

        Removed appeals are dropped: the saved index is compact.
        """
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        n = len(self._keys)
        alive = np.nonzero(self._alive[:n])[0]
        old_to_new = np.full(max(n, 1), -1, dtype=np.int64)
        old_to_new[alive] = np.arange(alive.size)

        def remap(mm: SortedMultiMap) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
            k, v = mm.to_arrays()
            if alive.size == n:
                return k, v
            new_v = old_to_new[v]
            keep = new_v >= 0
            return k[keep], new_v[keep].astype(np.uint32)  # still sorted by key

        band_k, band_v = remap(self._band_map)
        pers_k, pers_v = remap(self._person_map)
        m = int(alive.size)
        keys = [self._keys[i] for i in alive]
        np.savez(
            out / "arrays.npz",
            sig=self._sig[alive],
            person=self._person[alive],
            time=self._time[alive],
            band_k=band_k,
            band_v=band_v,
            pers_k=pers_k,
            pers_v=pers_v,
        )
        (out / "keys.txt").write_text("\n".join(keys) + ("\n" if m else ""), "utf-8")
        meta = {
            "format": "shegong.textmining.NearDuplicateIndex",
            "version": FORMAT_VERSION,
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "shingle": self.shingle,
            "seed": self.seed,
            "bands": self.bands,
            "rows": self.rows,
            "size": m,
        }
        (out / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")

    @classmethod
    def load(cls, path: str | Path) -> NearDuplicateIndex:
        """Read an index written by :meth:`save`."""
        src = Path(path)
        meta: dict[str, Any] = json.loads((src / "meta.json").read_text("utf-8"))
        if meta.get("format") != "shegong.textmining.NearDuplicateIndex":
            raise ValueError(f"{src} is not a near-duplicate index")
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported index format version {meta.get('version')}")
        idx = cls(
            threshold=meta["threshold"],
            num_perm=meta["num_perm"],
            shingle=meta["shingle"],
            seed=meta["seed"],
            bands=meta["bands"],
            rows=meta["rows"],
        )
        with np.load(src / "arrays.npz") as arr:
            idx._sig = arr["sig"]
            idx._person = arr["person"]
            idx._time = arr["time"]
            idx._band_map = SortedMultiMap.from_arrays(arr["band_k"], arr["band_v"])
            idx._person_map = SortedMultiMap.from_arrays(arr["pers_k"], arr["pers_v"])
        text = (src / "keys.txt").read_text("utf-8")
        idx._keys = text.split("\n")[:-1] if text else []
        if len(idx._keys) != meta["size"] or idx._sig.shape[0] != meta["size"]:
            raise ValueError(f"{src}: index files are inconsistent")
        idx._pos = {k: i for i, k in enumerate(idx._keys)}
        idx._alive = np.ones(len(idx._keys), dtype=bool)
        return idx


def detect_groups(
    records: Iterable[tuple[Hashable, datetime, str | None, str]],
    *,
    window: timedelta = timedelta(days=7),
    threshold: float = 0.5,
    min_people: int = 3,
) -> list[GroupAppeal]:
    """Group appeals in a batch of ``(key, time, person_key, text)`` records.

    Two records are linked when their texts are near-duplicates (estimated Jaccard ≥
    ``threshold``) and their times are at most ``window`` apart; linked components with at
    least ``min_people`` distinct person keys are returned, largest first. A record without a
    person key counts as its own person (unknown people are assumed distinct).
    """
    rows = list(records)
    index = NearDuplicateIndex(threshold=threshold)
    keys = [f"{i}" for i in range(len(rows))]
    sigs = np.vstack([index.signature(r[3]) for r in rows]) if rows else None
    if sigs is None:
        return []
    index.add_signatures(keys, sigs, times=[r[1] for r in rows])
    uf = UnionFind(list(range(len(rows))))
    span = window.total_seconds()
    for i in range(len(rows)):
        for m in index.query_signature(sigs[i], limit=None, exclude=keys[i]):
            j = int(m.key)
            if j > i and abs((rows[j][1] - rows[i][1]).total_seconds()) <= span:
                uf.union(i, j)
    comps: dict[int, list[int]] = {}
    for i in range(len(rows)):
        comps.setdefault(uf.find(i), []).append(i)
    out: list[GroupAppeal] = []
    for members in comps.values():
        if len(members) < min_people:
            continue
        people = {rows[i][2] or f"\x00anon-{i}" for i in members}
        if len(people) < min_people:
            continue
        members.sort(key=lambda i: rows[i][1])
        out.append(
            GroupAppeal(
                keys=tuple(str(rows[i][0]) for i in members),
                people=len(people),
                first=rows[members[0]][1],
                last=rows[members[-1]][1],
                representative=str(rows[members[0]][0]),
            )
        )
    out.sort(key=lambda g: (-g.people, g.first))
    return out

"""A compact append-only multimap ``uint64 key -> uint32 value`` on sorted numpy runs.

Used for the LSH band tables, the person-key table and the routing postings. A Python
``dict`` of sets costs ~400 bytes per entry; these runs cost 12 bytes, which is what lets a
1,000,000-appeal index fit in well under 2 GB.

Layout: a list of *runs*, each a pair of arrays (keys sorted ascending, values in the same
order). :meth:`add` appends a new sorted run and then merges neighbouring runs while the
newer is at least half the size of the older (a binary-counter / log-structured merge), so
there are at most ~log2(n) runs and each entry is re-sorted O(log n) times. Merging uses a
stable sort of two concatenated sorted runs, which numpy's timsort does in linear time.

Invariants: every run's keys are sorted; entries are never removed here (deletion is the
owner's job, by filtering values against a tombstone mask); ``len(self)`` is the number of
entries added.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["SortedMultiMap"]

_EMPTY_K: Final = np.empty(0, dtype=np.uint64)
_EMPTY_V: Final = np.empty(0, dtype=np.uint32)


def _ranges(starts: npt.NDArray[np.intp], counts: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`` without the
    Python loop (one ``arange`` per key was most of a lookup's cost)."""
    ends = np.cumsum(counts)
    return np.repeat(starts - (ends - counts), counts) + np.arange(
        int(ends[-1]) if ends.size else 0
    )


class SortedMultiMap:
    """Multimap from uint64 keys to uint32 values with vectorised batch lookup."""

    def __init__(self) -> None:
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def runs(self) -> int:
        """Number of sorted runs (for tests and diagnostics)."""
        return len(self._runs)

    @property
    def nbytes(self) -> int:
        """Bytes held by the key and value arrays."""
        return sum(k.nbytes + v.nbytes for k, v in self._runs)

    def add(self, keys: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Add ``keys[i] -> values[i]`` for every ``i`` (equal lengths)."""
        k = np.asarray(keys, dtype=np.uint64).ravel()
        v = np.asarray(values, dtype=np.uint32).ravel()
        if k.shape != v.shape:
            raise ValueError("keys and values must have the same length")
        if k.size == 0:
            return
        order = np.argsort(k, kind="stable")
        self._runs.append((k[order], v[order]))
        self._size += k.size
        while len(self._runs) >= 2 and self._runs[-1][0].size * 2 >= self._runs[-2][0].size:
            self._merge_last_two()

    def _merge_last_two(self) -> None:
        """Merge the two newest runs in linear time and ~2× their size of memory.

        The newer run's entries go after equal keys of the older one, so within a key values
        stay in insertion order (``lookup_recent`` relies on it).
        """
        new_k, new_v = self._runs.pop()
        old_k, old_v = self._runs.pop()
        total = old_k.size + new_k.size
        dest = np.searchsorted(old_k, new_k, side="right")
        dest += np.arange(new_k.size, dtype=dest.dtype)  # final positions of the new entries
        is_new = np.zeros(total, dtype=bool)
        is_new[dest] = True
        out_k = np.empty(total, dtype=np.uint64)
        out_k[dest] = new_k
        out_k[~is_new] = old_k
        del old_k, new_k
        out_v = np.empty(total, dtype=np.uint32)
        out_v[dest] = new_v
        out_v[~is_new] = old_v
        self._runs.append((out_k, out_v))

    def compact(self) -> None:
        """Merge all runs into one (after a bulk load, before saving)."""
        while len(self._runs) > 1:
            self._merge_last_two()

    def lookup(self, keys: npt.ArrayLike) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
        """All values stored under any of ``keys``.

        Returns ``(values, which)`` where ``which[j]`` is the position in ``keys`` of the key
        that produced ``values[j]``. Cost: O(runs · len(keys) · log n + matches).
        """
        q = np.asarray(keys, dtype=np.uint64).ravel()
        out_v: list[npt.NDArray[np.uint32]] = []
        out_w: list[npt.NDArray[np.intp]] = []
        for run_k, run_v in self._runs:
            lo = np.searchsorted(run_k, q, side="left")
            hi = np.searchsorted(run_k, q, side="right")
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            hit = np.nonzero(counts)[0]
            if total == hit.size:  # the common case: at most one entry per key
                out_v.append(run_v[lo[hit]])
                out_w.append(hit)
                continue
            idx = _ranges(lo[hit], counts[hit])
            out_v.append(run_v[idx])
            out_w.append(np.repeat(hit, counts[hit]))
        if not out_v:
            return _EMPTY_V, np.empty(0, dtype=np.intp)
        return np.concatenate(out_v), np.concatenate(out_w)

    def lookup_recent(
        self, keys: npt.ArrayLike, per_key: int
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
        """Like :meth:`lookup`, but at most ``per_key`` entries per key: the most recently
        added ones (within a run one key's values are in insertion order, and later runs
        hold later entries, so runs are read newest first). Bounds the cost of common keys."""
        q = np.asarray(keys, dtype=np.uint64).ravel()
        out_v: list[npt.NDArray[np.uint32]] = []
        out_w: list[npt.NDArray[np.intp]] = []
        budget = np.full(q.shape[0], per_key, dtype=np.int64)
        for run_k, run_v in reversed(self._runs):
            if not budget.any():
                break
            hi = np.searchsorted(run_k, q, side="right")
            lo = np.maximum(np.searchsorted(run_k, q, side="left"), hi - budget)
            counts = hi - lo
            budget -= counts
            hit = np.nonzero(counts)[0]
            if hit.size == 0:
                continue
            idx = _ranges(lo[hit], counts[hit])
            out_v.append(run_v[idx])
            out_w.append(np.repeat(hit, counts[hit]))
        if not out_v:
            return _EMPTY_V, np.empty(0, dtype=np.intp)
        return np.concatenate(out_v), np.concatenate(out_w)

    def counts(self, keys: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """How many entries each of ``keys`` has (posting-list lengths)."""
        q = np.asarray(keys, dtype=np.uint64).ravel()
        total = np.zeros(q.shape[0], dtype=np.int64)
        for run_k, _ in self._runs:
            total += np.searchsorted(run_k, q, side="right") - np.searchsorted(run_k, q, "left")
        return total

    def to_arrays(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
        """One sorted ``(keys, values)`` pair holding everything (compacts first)."""
        self.compact()
        if not self._runs:
            return _EMPTY_K, _EMPTY_V
        return self._runs[0]

    @classmethod
    def from_arrays(
        cls, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.uint32]
    ) -> SortedMultiMap:
        """Rebuild from :meth:`to_arrays` output (keys must be sorted)."""
        mm = cls()
        if keys.size:
            if keys.size > 1 and bool(np.any(keys[1:] < keys[:-1])):
                raise ValueError("keys are not sorted")
            mm._runs = [(np.asarray(keys, np.uint64), np.asarray(values, np.uint32))]
            mm._size = int(keys.size)
        return mm

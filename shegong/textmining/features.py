"""Vectorised text features: character shingle hashes and MinHash signatures.

Pure numpy; no Python loop over characters. A text (already passed through
:func:`~shegong.textmining.normalize.match_key`) is read as an array of code points; a
``k``-character shingle is packed exactly into one 64-bit integer (21 bits per code point,
``k <= 3``) and mixed into a 32-bit hash. Hashes are stable across processes and machines
(no use of Python's salted ``hash``), so persisted indexes stay valid.

MinHash uses datasketch's ``affine32`` permutation scheme with datasketch's own ``a``/``b``
for a given ``seed``, so a signature computed here equals
``datasketch.MinHash(num_perm, seed, scheme="affine32", hashfunc=lambda h: h)`` fed the
same shingle hashes (a test checks this). The loop over shingles that datasketch runs in
Python is done here as one ``(shingles × permutations)`` numpy operation.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "EMPTY_SIGNATURE_VALUE",
    "MinHasher",
    "bigram_hashes",
    "shingle_hashes",
    "unique_counts",
    "unique_inverse",
    "unique_sorted",
]

_MIX1: Final = np.uint64(0x9E3779B97F4A7C15)
_MIX2: Final = np.uint64(0xBF58476D1CE4E5B9)
EMPTY_SIGNATURE_VALUE: Final = (1 << 32) - 1

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


def unique_sorted(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values of a 1-d integer array.

    ``np.unique`` in numpy 2.x takes a hash-based path for integers that is 10-60× slower
    than sorting on these arrays; every hot path here uses this instead.
    """
    if a.size <= 1:
        return a.copy()
    s = np.sort(a)
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def unique_counts(a: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """``(distinct sorted values, how often each occurs)`` of a 1-d integer array."""
    if a.size == 0:
        return a.copy(), np.empty(0, dtype=np.intp)
    s = np.sort(a)
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    starts = np.flatnonzero(keep)
    return s[starts], np.diff(np.append(starts, s.size))


def unique_inverse(a: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """``(distinct sorted values, index of each element's value among them)``."""
    if a.size == 0:
        return a.copy(), np.empty(0, dtype=np.intp)
    order = np.argsort(a, kind="stable")
    s = a[order]
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    inverse = np.empty(a.size, dtype=np.intp)
    inverse[order] = np.cumsum(keep) - 1
    return s[keep], inverse


def _codepoints(text: str) -> U64:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _mix32(x: U64) -> U64:
    """A stateless 64→32-bit mixer (splitmix64 finaliser, top 32 bits)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _MIX2
        x = (x ^ (x >> np.uint64(27))) * _MIX1
        x = x ^ (x >> np.uint64(31))
    return x >> np.uint64(32)


def shingle_hashes(key: str, k: int = 3) -> U32:
    """32-bit hashes of the distinct ``k``-character shingles of ``key``.

    A text shorter than ``k`` gives one shingle made of the whole text; an empty text gives
    an empty array. ``1 <= k <= 3``.
    """
    if not 1 <= k <= 3:
        raise ValueError("k must be 1, 2 or 3")
    cp = _codepoints(key)
    n = cp.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    if n < k:
        packed = np.zeros(1, dtype=np.uint64)
        for i in range(n):
            packed = (packed << np.uint64(21)) | cp[i : i + 1]
        packed |= np.uint64(1) << np.uint64(63)  # keep short texts apart from full shingles
    else:
        packed = cp[: n - k + 1].copy()
        for j in range(1, k):
            packed = (packed << np.uint64(21)) | cp[j : n - k + 1 + j]
    return unique_sorted(_mix32(packed + np.uint64(k)).astype(np.uint32))


def bigram_hashes(key: str, buckets: int = 1 << 20) -> npt.NDArray[np.int64]:
    """Hashed character bigrams of ``key`` (with repeats), as bucket numbers in ``[0, buckets)``.

    Used as retrieval terms for routing history: bigram indexing is the classic
    segmentation-free baseline for Chinese retrieval and costs no jieba call.
    """
    cp = _codepoints(key)
    if cp.shape[0] < 2:
        return np.empty(0, dtype=np.int64)
    packed = (cp[:-1] << np.uint64(21)) | cp[1:]
    return (_mix32(packed) % np.uint64(buckets)).astype(np.int64)


@cache
def _permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's ``(a, b)`` for ``MinHash(num_perm, seed, scheme="affine32")``."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(h: U32) -> U32:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix for the affine32 scheme)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


class MinHasher:
    """Compute ``num_perm``-value MinHash signatures of shingle-hash sets.

    Same values as ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` after
    ``update_batch`` with the shingle hashes (identity hash function): datasketch supplies the
    permutations; the arithmetic (MurmurHash3 pre-mix, ``a·h + b mod 2**32``, column minimum)
    runs here as one vectorised step instead of a Python loop per shingle.

    Invariant: for two sets A and B, the fraction of equal positions in their signatures
    estimates the Jaccard similarity |A∩B| / |A∪B|. The empty set gets the
    all-``EMPTY_SIGNATURE_VALUE`` signature.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        self.num_perm = num_perm
        self.seed = seed
        a, b = _permutations(num_perm, seed)
        self._a = a[np.newaxis, :]
        self._b = b[np.newaxis, :]

    def signature(self, hashes: U32) -> U32:
        """The signature (uint32, length ``num_perm``) of one set of shingle hashes."""
        if hashes.shape[0] == 0:
            return np.full(self.num_perm, EMPTY_SIGNATURE_VALUE, dtype=np.uint32)
        hv = _fmix32(hashes.astype(np.uint32, copy=False))[:, np.newaxis]
        return (hv * self._a + self._b).min(axis=0)

    def signatures(self, hash_sets: list[U32]) -> U32:
        """Signatures of many sets, as a ``(len(hash_sets), num_perm)`` uint32 matrix."""
        out = np.empty((len(hash_sets), self.num_perm), dtype=np.uint32)
        for i, hs in enumerate(hash_sets):
            out[i] = self.signature(hs)
        return out

"""Shingles, MinHash (datasketch-compatible) and the sorted multimap."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

from shegong.textmining.features import MinHasher, bigram_hashes, shingle_hashes
from shegong.textmining.multimap import SortedMultiMap
from shegong.textmining.normalize import match_key


def test_signature_equals_datasketch() -> None:
    hashes = shingle_hashes(match_key("东城区幸福小区夜间施工噪音扰民，请求查处"))
    ours = MinHasher(num_perm=64, seed=3).signature(hashes)
    ref = MinHash(num_perm=64, seed=3, scheme="affine32", hashfunc=lambda h: h)
    ref.update_batch([int(h) for h in hashes])
    assert np.array_equal(ours, ref.hashvalues)


def test_shingles_are_stable_and_distinct() -> None:
    a = shingle_hashes("小区噪音扰民")
    assert a.dtype == np.uint32
    assert len(a) == 4
    assert np.array_equal(a, shingle_hashes("小区噪音扰民"))
    assert len(shingle_hashes("")) == 0
    assert len(shingle_hashes("小")) == 1
    assert len(bigram_hashes("小区噪音")) == 3


def test_minhash_estimates_jaccard() -> None:
    mh = MinHasher(256)
    a = np.arange(0, 1000, dtype=np.uint32)
    b = np.arange(500, 1500, dtype=np.uint32)  # Jaccard 1/3
    est = float(np.mean(mh.signature(a) == mh.signature(b)))
    assert abs(est - 1 / 3) < 0.08


def test_multimap_lookup_merge_and_roundtrip() -> None:
    mm = SortedMultiMap()
    for i in range(100):
        mm.add([i % 7, 1000 + i], [i, i])
    assert len(mm) == 200
    assert mm.runs <= 8
    values, which = mm.lookup([3, 1050, 99999])
    got = sorted(values[which == 0].tolist())
    assert got == [i for i in range(100) if i % 7 == 3]
    assert values[which == 1].tolist() == [50]
    recent, _ = mm.lookup_recent([3], per_key=2)
    assert sorted(recent.tolist())[-1] == 94
    k, v = mm.to_arrays()
    again = SortedMultiMap.from_arrays(k, v)
    assert sorted(again.lookup([3])[0].tolist()) == got
    assert mm.counts([3, 4, 5555]).tolist() == [14, 14, 0]


def test_multimap_reads_every_entry_of_several_keys_in_order() -> None:
    mm = SortedMultiMap()
    mm.add([5, 5, 5, 9, 9, 2], [10, 11, 12, 20, 21, 30])
    values, which = mm.lookup([9, 4, 5, 2])
    assert list(zip(which.tolist(), values.tolist(), strict=True)) == [
        (0, 20),
        (0, 21),
        (2, 10),
        (2, 11),
        (2, 12),
        (3, 30),
    ]


def test_multimap_reads_the_most_recent_entries_of_several_keys() -> None:
    mm = SortedMultiMap()
    mm.add([5, 5, 5, 9, 9], [10, 11, 12, 20, 21])
    mm.add([5, 9], [13, 22])
    values, which = mm.lookup_recent([5, 9], per_key=2)
    pairs = sorted(zip(which.tolist(), values.tolist(), strict=True))
    assert pairs == [(0, 12), (0, 13), (1, 21), (1, 22)]

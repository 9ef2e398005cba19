"""Hotspots: topic × place groups whose recent rate rises above their own baseline.

Pure Python + numpy/scipy/scikit-learn, no Django. Input is plain records
(:class:`HotspotRecord`: id, time, place, text, optional category); output a ranked list of
:class:`Hotspot` with counts, expected count, z-score, Poisson tail probability, trend,
keywords, representative messages and places.

Method. Time is cut into windows of length ``window`` ending at ``now`` (window 0 is
``(now - window, now]``). For every group (topic × place) the current count ``c`` is compared
with its baseline rate ``λ`` over the previous ``baseline_windows`` windows (mean, or EWMA
with ``alpha``, floored at ``min_rate`` so that a group never seen before needs a real burst):
``z = (c - λ) / sqrt(λ)`` and ``p = P[Poisson(λ) ≥ c]``. Groups with ``c ≥ min_count`` and
``z ≥ z_threshold`` are hotspots, ranked by z. Topics are the record's category
(``topic="category"``) or keyword clusters (``topic="keywords"``: single-linkage over
jieba-word TF-IDF cosine ≥ ``cluster_threshold`` among the records of the analysed span).

Invariants: pure functions of their inputs (no clock reads: ``now`` defaults to the latest
record time); every hotspot's ``ids`` are records of the current window; ``trend`` has
``baseline_windows + 1`` counts, oldest first, the last being ``count``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

__all__ = ["Hotspot", "HotspotRecord", "detect_hotspots", "keyword_clusters", "keywords"]

UNKNOWN_PLACE = "未知"


@dataclass(frozen=True, slots=True)
class HotspotRecord:
    id: str
    time: datetime
    place: str | None
    text: str
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Hotspot:
    topic: str
    place: str
    count: int
    expected: float
    z: float
    p_value: float
    trend: tuple[int, ...]
    keywords: tuple[str, ...]
    representative_ids: tuple[str, ...]
    places: tuple[tuple[str, int], ...]
    ids: tuple[str, ...]
    first: datetime
    last: datetime


def _tokenizer() -> Callable[[str], list[str]]:
    from shegong.textmining.segment import default_segmenter

    seg = default_segmenter()
    return seg.tokens


def keywords(
    texts: Sequence[str],
    background: Sequence[str] = (),
    *,
    k: int = 8,
    tokenizer: Callable[[str], list[str]] | None = None,
) -> tuple[str, ...]:
    """The ``k`` words most characteristic of ``texts`` against ``background``: squared share
    of ``texts`` containing the word (consistency across the group matters more than rarity)
    × log inverse document frequency over all texts × min(len, 4)."""
    tok = tokenizer or _tokenizer()
    docs = [set(tok(t)) for t in texts]
    df: Counter[str] = Counter()
    for d in docs + [set(tok(t)) for t in background]:
        df.update(d)
    return _keywords(docs, df, len(texts) + len(background), k)


def _keywords(docs: Sequence[set[str]], df: Counter[str], n_all: int, k: int) -> tuple[str, ...]:
    tf: Counter[str] = Counter()
    for d in docs:
        tf.update(d)
    scored = [
        (
            (tf[w] / max(len(docs), 1)) ** 2
            * math.log((n_all + 1) / (df[w] + 1) + 1)
            * min(len(w), 4),
            w,
        )
        for w in tf
        if len(w) >= 2
    ]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return tuple(w for _, w in scored[:k])


def keyword_clusters(
    texts: Sequence[str],
    *,
    threshold: float = 0.45,
    tokenizer: Callable[[str], list[str]] | None = None,
    chunk: int = 2000,
    token_lists: Sequence[list[str]] | None = None,
) -> list[int]:
    """Cluster labels (0..m-1) by single linkage over TF-IDF word vectors at cosine
    ≥ ``threshold``. O(n²) sparse products in chunks: meant for up to ~50,000 texts.
    ``token_lists`` (one per text) skips tokenisation when the caller already has it."""
    if not texts:
        return []
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    tok = tokenizer or _tokenizer()
    lists = list(token_lists) if token_lists is not None else [tok(t) for t in texts]
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1, dtype=np.float32)
    try:
        x = vec.fit_transform(lists)
    except ValueError:  # no words at all
        return list(range(len(texts)))
    import scipy.sparse as sp

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, x.shape[0], chunk):
        sim = (x[start : start + chunk] @ x.T).tocoo()
        keep = sim.data >= threshold
        rows.append(sim.row[keep] + start)
        cols.append(sim.col[keep])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = sp.coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(x.shape[0],) * 2)
    _, labels = connected_components(graph, directed=False)
    return [int(v) for v in labels]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _window_index(t: datetime, now: datetime, window: timedelta) -> int:
    """0 for ``(now - window, now]``, 1 for the window before, ...; -1 after ``now``."""
    if t > now:
        return -1
    return int((now - t) // window)


def detect_hotspots(
    records: Iterable[HotspotRecord],
    *,
    now: datetime | None = None,
    window: timedelta = timedelta(days=7),
    baseline_windows: int = 8,
    topic: Literal["category", "keywords"] = "category",
    by_place: bool = True,
    place_of: Callable[[str | None], str | None] | None = None,
    baseline: Literal["mean", "ewma"] = "mean",
    alpha: float = 0.3,
    min_rate: float = 0.5,
    min_count: int = 3,
    z_threshold: float = 3.0,
    cluster_threshold: float = 0.45,
    tokenizer: Callable[[str], list[str]] | None = None,
    limit: int = 20,
) -> list[Hotspot]:
    """Ranked hotspots of ``records`` at ``now`` (see the module docstring for the method).

    ``place_of`` maps a record's place to the grouping level (e.g. a region code to its
    district prefix); ``by_place=False`` groups by topic only.
    """
    from scipy.stats import poisson

    recs = sorted(records, key=lambda r: r.time)
    if not recs:
        return []
    at = now or recs[-1].time
    span_start = at - window * (baseline_windows + 1)
    recs = [r for r in recs if span_start < r.time <= at]
    if not recs:
        return []
    tok = tokenizer or _tokenizer()
    texts = [r.text for r in recs]
    token_lists = [tok(t) for t in texts]  # once: clustering, keywords, representatives
    token_sets = [set(t) for t in token_lists]
    df: Counter[str] = Counter()
    for s in token_sets:
        df.update(s)
    if topic == "keywords":
        labels = keyword_clusters(
            texts, threshold=cluster_threshold, tokenizer=tok, token_lists=token_lists
        )
        topics = [f"#{lab}" for lab in labels]
    else:
        topics = [r.category or "未分类" for r in recs]
    places = [(place_of(r.place) if place_of else r.place) or UNKNOWN_PLACE for r in recs]
    groups: dict[tuple[str, str], list[int]] = {}
    for i in range(len(recs)):
        key = (topics[i], places[i] if by_place else "*")
        groups.setdefault(key, []).append(i)
    found: list[tuple[float, Hotspot]] = []
    for (top, place), members in groups.items():
        counts = [0] * (baseline_windows + 1)
        current: list[int] = []
        for i in members:
            w = _window_index(recs[i].time, at, window)
            if 0 <= w <= baseline_windows:
                counts[w] += 1
                if w == 0:
                    current.append(i)
        c = counts[0]
        if c < min_count:
            continue
        past = counts[1:][::-1]  # oldest first
        if baseline == "ewma" and past:
            lam = float(past[0])
            for v in past[1:]:
                lam = alpha * v + (1 - alpha) * lam
        else:
            lam = sum(past) / max(len(past), 1)
        lam = max(lam, min_rate)
        z = (c - lam) / math.sqrt(lam)
        if z < z_threshold:
            continue
        p = float(poisson.sf(c - 1, lam))
        found.append(
            (z, _describe(recs, current, top, place, c, lam, z, p, counts, token_lists, df))
        )
    found.sort(key=lambda x: (-x[0], -x[1].count, x[1].topic, x[1].place))
    out = [h for _, h in found[:limit]]
    if topic == "keywords":  # name keyword topics by their words
        out = [_rename(h) for h in out]
    return out


def _rename(h: Hotspot) -> Hotspot:
    from dataclasses import replace

    return replace(h, topic="、".join(h.keywords[:3]) or h.topic)


def _describe(
    recs: Sequence[HotspotRecord],
    current: list[int],
    topic: str,
    place: str,
    count: int,
    lam: float,
    z: float,
    p: float,
    counts: list[int],
    token_lists: Sequence[list[str]],
    df: Counter[str],
) -> Hotspot:
    kws = _keywords([set(token_lists[i]) for i in current], df, len(recs), 8)
    reps = _representatives([token_lists[i] for i in current])
    place_counts = Counter(recs[i].place or UNKNOWN_PLACE for i in current)
    times = [recs[i].time for i in current]
    return Hotspot(
        topic=topic,
        place=place,
        count=count,
        expected=round(lam, 3),
        z=round(z, 3),
        p_value=float(f"{p:.3g}"),
        trend=tuple(counts[::-1]),
        keywords=kws,
        representative_ids=tuple(recs[current[j]].id for j in reps),
        places=tuple(place_counts.most_common(5)),
        ids=tuple(recs[i].id for i in current),
        first=min(times),
        last=max(times),
    )


def _representatives(token_lists: Sequence[list[str]], k: int = 3) -> list[int]:
    """Indices of the texts closest to the group's word centroid (most typical first)."""
    if len(token_lists) <= 1:
        return list(range(len(token_lists)))
    sets = [Counter(t) for t in token_lists]
    centroid: Counter[str] = Counter()
    for s in sets:
        centroid.update(dict.fromkeys(s, 1))
    scores: list[tuple[float, int]] = []
    for i, s in enumerate(sets):
        if not s:
            scores.append((0.0, i))
            continue
        overlap = sum(centroid[w] for w in s)
        scores.append((overlap / math.sqrt(len(s)), i))
    scores.sort(key=lambda x: (-x[0], x[1]))
    return [i for _, i in scores[:k]]

"""Evaluation helpers: an edit generator for near-duplicate tests and its scoring.

Pure Python, no Django. :func:`edit_text` makes a *lightly edited copy* of a message, the
way people re-post an appeal: sentences reordered, a phrase inserted, a span deleted,
punctuation and spacing changed, a few characters replaced. :func:`evaluate_near_duplicates`
indexes originals (plus distractors), queries one edited copy per original and scores the
answers, counting natural near-duplicates among the originals as correct (they are).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from shegong.textmining.duplicates import NearDuplicateIndex
from shegong.textmining.features import shingle_hashes
from shegong.textmining.normalize import match_key

__all__ = [
    "EDIT_OPERATIONS",
    "DuplicateEvaluation",
    "edit_text",
    "evaluate_near_duplicates",
    "split_sentences",
]

_SENT_RE: Final = re.compile(r"(?<=[。！？!?；;\n])")
_PUNCT_SWAP: Final = {
    "，": ",",
    ",": "，",
    "。": ".",
    "！": "!",
    "!": "！",
    "？": "?",
    "?": "？",
    "：": ":",
    ":": "：",
    "；": ";",
    "、": ",",
}
_FILLERS: Final = (
    "请有关部门尽快处理",
    "谢谢",
    "希望领导重视",
    "此事已经反映多次",
    "恳请尽快给予答复",
    "急",
    "再次反映",
    "望回复",
    "麻烦了",
    "我们等了很久",
)
EDIT_OPERATIONS: Final = ("reorder", "insert", "delete", "punctuation", "substitute")


def split_sentences(text: str) -> list[str]:
    """Split at Chinese/ASCII sentence ends, keeping the punctuation with its sentence."""
    return [s for s in _SENT_RE.split(text) if s]


def _reorder(text: str, rng: random.Random) -> str:
    sents = split_sentences(text)
    if len(sents) < 2:
        parts = text.split("，")
        if len(parts) < 2:
            return text
        i, j = rng.sample(range(len(parts)), 2)
        parts[i], parts[j] = parts[j], parts[i]
        return "，".join(parts)
    i, j = rng.sample(range(len(sents)), 2)
    sents[i], sents[j] = sents[j], sents[i]
    return "".join(sents)


def _insert(text: str, rng: random.Random) -> str:
    phrase = rng.choice(_FILLERS) + rng.choice(("，", "。", "！", ""))
    pos = rng.randrange(len(text) + 1)
    return text[:pos] + phrase + text[pos:]


def _delete(text: str, rng: random.Random) -> str:
    if len(text) < 20:
        return text
    span = rng.randint(2, max(2, min(15, len(text) // 10)))
    pos = rng.randrange(len(text) - span)
    return text[:pos] + text[pos + span :]


def _punctuation(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        if ch in _PUNCT_SWAP and rng.random() < 0.6:
            out.append(_PUNCT_SWAP[ch])
        elif ch in "，。" and rng.random() < 0.1:
            out.append(ch + " ")
        else:
            out.append(ch)
    return "".join(out)


def _substitute(text: str, rng: random.Random) -> str:
    if not text:
        return text
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        chars[rng.randrange(len(chars))] = rng.choice("的了在是和有我这个们")
    return "".join(chars)


_OPS: Final = {
    "reorder": _reorder,
    "insert": _insert,
    "delete": _delete,
    "punctuation": _punctuation,
    "substitute": _substitute,
}


def edit_text(
    text: str, rng: random.Random, *, operations: int | None = None
) -> tuple[str, tuple[str, ...]]:
    """A lightly edited copy of ``text`` and the names of the edits applied.

    One to three distinct edits (``operations`` to fix the count), drawn from
    :data:`EDIT_OPERATIONS`. Deterministic for a given ``rng`` state.
    """
    count = operations if operations is not None else rng.choice((1, 1, 2, 2, 3))
    ops = tuple(rng.sample(EDIT_OPERATIONS, count))
    out = text
    for op in ops:
        out = _OPS[op](out, rng)
    return out, ops


@dataclass
class DuplicateEvaluation:
    """Scores of :func:`evaluate_near_duplicates` (all rates in [0, 1])."""

    queries: int
    recall: float
    precision: float
    reported_pairs: int
    true_pairs: int
    natural_duplicates: int
    indexed: int
    median_query_ms: float
    recall_by_operation: dict[str, float] = field(default_factory=dict)
    recall_by_length: dict[str, float] = field(default_factory=dict)
    misses: list[tuple[str, str]] = field(default_factory=list)


def _length_bucket(n: int) -> str:
    if n < 60:
        return "<60"
    if n < 150:
        return "60-149"
    if n < 400:
        return "150-399"
    return ">=400"


def evaluate_near_duplicates(
    originals: Sequence[tuple[str, str]],
    *,
    distractors: Sequence[tuple[str, str]] = (),
    index: NearDuplicateIndex | None = None,
    seed: int = 20240601,
    operations: int | None = None,
) -> DuplicateEvaluation:
    """Recall and precision of near-duplicate queries on edited copies of ``originals``.

    ``originals`` and ``distractors`` are ``(key, text)`` pairs; all are indexed. For each
    original one edited copy is queried. A reported key is correct when it is the copy's
    source or a genuine near-duplicate of the source: an indexed text whose *exact* shingle
    Jaccard similarity to the source is at least the index threshold (the data set has people
    posting the same message twice; finding those is right, not a false positive). Recall =
    queries whose source was reported; precision = correct reported keys / reported keys.
    """
    idx = index if index is not None else NearDuplicateIndex()
    rng = random.Random(seed)
    everything = list(originals) + list(distractors)
    text_of = dict(everything)
    idx.add_many(everything)
    shingles: dict[str, set[int]] = {}

    def exact(a: str, b: str) -> float:
        for k in (a, b):
            if k not in shingles:
                shingles[k] = set(shingle_hashes(match_key(text_of[k]), idx.shingle).tolist())
        sa, sb = shingles[a], shingles[b]
        return len(sa & sb) / len(sa | sb) if sa or sb else 1.0

    # natural near-duplicates among the indexed texts (people post the same thing twice)
    natural = 0
    for key, text in originals:
        if any(exact(key, m.key) >= idx.threshold for m in idx.query(text, exclude=key)):
            natural += 1
    hits = 0
    reported = 0
    correct = 0
    by_op: dict[str, list[int]] = {}
    by_len: dict[str, list[int]] = {}
    misses: list[tuple[str, str]] = []
    times: list[float] = []
    for key, text in originals:
        copy, ops = edit_text(text, rng, operations=operations)
        t0 = time.perf_counter()
        found = idx.query(copy, limit=None)
        times.append(time.perf_counter() - t0)
        keys = {m.key for m in found}
        ok = key in keys
        hits += ok
        reported += len(keys)
        correct += sum(1 for k in keys if k == key or exact(key, k) >= idx.threshold)
        for op in ops:
            by_op.setdefault(op, []).append(int(ok))
        by_len.setdefault(_length_bucket(len(text)), []).append(int(ok))
        if not ok and len(misses) < 20:
            misses.append((key, copy))
    times.sort()
    n = len(originals)
    return DuplicateEvaluation(
        queries=n,
        recall=hits / n if n else 0.0,
        precision=correct / reported if reported else 1.0,
        reported_pairs=reported,
        true_pairs=correct,
        natural_duplicates=natural,
        indexed=len(idx),
        median_query_ms=1000 * times[len(times) // 2] if times else 0.0,
        recall_by_operation={k: sum(v) / len(v) for k, v in sorted(by_op.items())},
        recall_by_length={k: sum(v) / len(v) for k, v in sorted(by_len.items())},
        misses=misses,
    )

"""Routing suggestions: which handling unit should get this appeal, and why.

Pure Python + numpy, no Django. Two sources of evidence, combined into a ranked top-k:

* **Admin rules** (:class:`RoutingRule`): ``category [+ region prefix] -> unit``. A rule
  matches when its category equals the predicted level-1 or level-2 category (or is empty)
  and the appeal's region code starts with its prefix. More specific rules (longer prefix,
  a category) score higher; ``priority`` breaks ties.
* **Dispatcher history** (:class:`RoutingHistory`): earlier appeals with the unit that
  finally handled them. The most similar past appeals vote for their units, weighted by
  similarity; past appeals of the same region weigh more.

Similarity of texts = idf-weighted cosine over hashed character bigrams (the classic
segmentation-free representation for Chinese retrieval; it needs no jieba call per stored
appeal, which keeps a 1,000,000-appeal history cheap to build). Each stored appeal keeps its
``terms_per_doc`` most specific bigrams; a query reads at most ``postings_per_term`` most
recent postings per term, so query cost is bounded however large the history grows, and
recent decisions win (units are re-organised; old routes go stale).

Invariants: suggestions are sorted by score, at most ``k``, scores in (0, 1]; every
suggestion has at least one reason; reasons are Chinese text for dispatchers plus
structured fields (rule id, similar appeal ids, matched words) for the UI.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from shegong.textmining.features import bigram_hashes, unique_inverse, unique_sorted
from shegong.textmining.multimap import SortedMultiMap
from shegong.textmining.normalize import match_key

__all__ = [
    "HistoryRecord",
    "Reason",
    "Router",
    "RoutingEvaluation",
    "RoutingHistory",
    "RoutingRule",
    "SimilarAppeal",
    "UnitSuggestion",
    "evaluate_routing",
    "rules_from_rows",
]

BUCKETS: Final = 1 << 20
FORMAT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """An admin routing rule. Empty ``category`` matches any category; empty
    ``region_prefix`` matches any place."""

    rule_id: str
    unit: str
    category: str = ""
    region_prefix: str = ""
    priority: int = 0

    def matches(self, categories: Iterable[str], region_code: str | None) -> bool:
        if self.category and self.category not in set(categories):
            return False
        if self.region_prefix:
            return bool(region_code) and str(region_code).startswith(self.region_prefix)
        return True

    def specificity(self) -> float:
        """0..1: a category counts 0.5, the region prefix up to 0.5 (12-digit codes)."""
        return 0.5 * bool(self.category) + 0.5 * min(len(self.region_prefix), 12) / 12


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """A closed appeal: its text and the unit that finally handled it."""

    appeal_id: str
    text: str
    unit: str
    category: str | None = None
    region_code: str | None = None


@dataclass(frozen=True, slots=True)
class SimilarAppeal:
    """A recorded appeal similar to the query; ``terms`` are the shared bigram buckets."""

    appeal_id: str
    unit: str
    similarity: float
    region_code: str | None
    category: str | None
    terms: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a unit is suggested. ``kind`` is ``"rule"`` or ``"history"``; ``message`` is for
    people (Chinese); the other fields are for links and highlighting."""

    kind: str
    message: str
    rule_id: str | None = None
    appeal_ids: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitSuggestion:
    unit: str
    score: float
    reasons: tuple[Reason, ...]


class RoutingHistory:
    """Append-only store of dispatcher decisions with bounded-cost similarity search."""

    def __init__(self, *, terms_per_doc: int = 32, postings_per_term: int = 1000) -> None:
        self.terms_per_doc = terms_per_doc
        self.postings_per_term = postings_per_term
        self._df = np.zeros(BUCKETS, dtype=np.int32)
        self._n = 0
        self._ids: list[str] = []
        self._units: list[int] = []  # index into _unit_names
        self._unit_names: list[str] = []
        self._unit_pos: dict[str, int] = {}
        self._regions: list[str | None] = []
        self._cats: list[str | None] = []
        self._norm = np.zeros(1024, dtype=np.float32)
        self._postings = SortedMultiMap()
        self._strings: dict[str, str] = {}

    def __len__(self) -> int:
        return self._n

    def _shared(self, value: str | None) -> str | None:
        """One string object per distinct region code / category (saves ~60 B per row)."""
        if not value:
            return None
        return self._strings.setdefault(value, value)

    @property
    def units(self) -> list[str]:
        return list(self._unit_names)

    def _idf(self, terms: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        n = max(self._n, 1)
        return np.log((n + 1) / (self._df[terms] + 1)).astype(np.float32) + np.float32(1.0)

    def _terms(self, text: str, key: str | None = None) -> npt.NDArray[np.int64]:
        return unique_sorted(bigram_hashes(match_key(text) if key is None else key, BUCKETS))

    def _select(self, terms: npt.NDArray[np.int64], limit: int) -> npt.NDArray[np.int64]:
        if terms.size <= limit:
            return terms
        idf = self._idf(terms)
        keep = np.argpartition(-idf, limit - 1)[:limit]
        return terms[keep]

    def add(self, record: HistoryRecord) -> None:
        """Record one decision (its terms update the document frequencies first)."""
        self.add_many([record])

    def add_many(self, records: Iterable[HistoryRecord]) -> int:
        """Record many decisions, vectorised over the batch.

        The batch's document frequencies are counted first and each appeal then keeps its
        ``terms_per_doc`` highest-idf bigrams under those frequencies (ties: lower bucket).
        """
        batch = list(records)
        if not batch:
            return 0
        n = len(batch)
        keys_text = [match_key(r.text) for r in batch]
        lens = np.fromiter((len(t) for t in keys_text), dtype=np.int64, count=n)
        codes = bigram_hashes("\x00".join(keys_text), BUCKETS)
        counts = np.maximum(lens - 1, 0)  # bigrams per text
        starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1]))  # text offsets in the join
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))  # bigram offsets per text
        doc = np.repeat(np.arange(n, dtype=np.int64), counts)
        pos = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - offsets, counts)
        pairs = unique_sorted((doc << 20) | codes[pos])  # distinct (text, bigram), sorted by text
        doc = pairs >> 20
        term = pairs & (BUCKETS - 1)
        self._df += np.bincount(term, minlength=BUCKETS).astype(np.int32)
        self._n += n
        idf = self._idf(term)
        order = np.lexsort((term, -idf, doc))
        doc, term, idf = doc[order], term[order], idf[order]
        first = np.searchsorted(doc, np.arange(n))
        rank = np.arange(doc.size) - first[doc]
        keep = rank < self.terms_per_doc
        doc, term, idf = doc[keep], term[keep], idf[keep]
        norms = np.sqrt(np.bincount(doc, weights=idf.astype(np.float64) ** 2, minlength=n))
        start = len(self._ids)
        need = start + n
        if need > self._norm.shape[0]:
            grown = np.zeros(max(need, 2 * self._norm.shape[0]), dtype=np.float32)
            grown[:start] = self._norm[:start]
            self._norm = grown
        self._norm[start:need] = np.where(norms > 0, norms, 1.0)
        for rec in batch:
            self._ids.append(str(rec.appeal_id))
            pos_unit = self._unit_pos.get(rec.unit)
            if pos_unit is None:
                pos_unit = self._unit_pos[rec.unit] = len(self._unit_names)
                self._unit_names.append(rec.unit)
            self._units.append(pos_unit)
            self._regions.append(self._shared(rec.region_code))
            self._cats.append(self._shared(rec.category))
        if term.size:
            self._postings.add(term.astype(np.uint64), (doc + start).astype(np.uint32))
        return n

    def similar(
        self,
        text: str,
        *,
        k: int = 20,
        min_similarity: float = 0.05,
        exclude: Iterable[str] = (),
        key: str | None = None,
    ) -> list[SimilarAppeal]:
        """The ``k`` most similar recorded appeals, most similar first; ``exclude``: appeal
        ids to leave out (the appeal being routed, when it is itself recorded); ``key``: the
        text's ``match_key``, when the caller has it."""
        skip = set(exclude)
        if skip:
            found = self.similar(text, k=k + len(skip), min_similarity=min_similarity, key=key)
            return [s for s in found if s.appeal_id not in skip][:k]
        if self._n == 0:
            return []
        terms = self._select(self._terms(text, key), self.terms_per_doc)
        if terms.size == 0:
            return []
        idf = self._idf(terms)
        values, which = self._postings.lookup_recent(
            terms.astype(np.uint64), self.postings_per_term
        )
        if values.size == 0:
            return []
        docs, inverse = unique_inverse(values)
        w = idf[which] ** 2
        scores = np.bincount(inverse, weights=w).astype(np.float32)
        qnorm = float(np.sqrt(np.sum(idf * idf))) or 1.0
        scores /= self._norm[docs] * qnorm
        top = np.argpartition(-scores, k - 1)[:k] if docs.size > k else np.arange(docs.size)
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] >= min_similarity]
        # the query terms each top document shares: the postings of the top documents,
        # grouped by document (one sort, then a slice per document)
        mark = np.zeros(docs.size, dtype=bool)
        mark[top] = True
        sel = np.flatnonzero(mark[inverse])
        owner = inverse[sel]
        order = np.argsort(owner, kind="stable")
        owner, shared_terms = owner[order], terms[which[sel[order]]]
        lo = np.searchsorted(owner, top, side="left").tolist()
        hi = np.searchsorted(owner, top, side="right").tolist()
        out: list[SimilarAppeal] = []
        rows = zip(docs[top].tolist(), scores[top].tolist(), lo, hi, strict=True)
        for d, score, a, b in rows:
            out.append(
                SimilarAppeal(
                    self._ids[d],
                    self._unit_names[self._units[d]],
                    round(min(score, 1.0), 4),
                    self._regions[d],
                    self._cats[d],
                    frozenset(shared_terms[a:b].tolist()),
                )
            )
        return out

    def token_terms(self, tokens: Sequence[str]) -> list[tuple[str, set[int], float]]:
        """``(token, its bigram buckets, its highest idf)`` for each distinct token of two or
        more characters, computed with one vectorised hashing call."""
        uniq = [t for t in dict.fromkeys(match_key(t) for t in tokens) if len(t) >= 2]
        if not uniq:
            return []
        joined = "\x00".join(uniq)
        codes = bigram_hashes(joined, BUCKETS)
        idf = self._idf(codes)
        out = []
        pos = 0
        for tok in uniq:
            span = slice(pos, pos + len(tok) - 1)
            out.append((tok, set(codes[span].tolist()), float(idf[span].max())))
            pos += len(tok) + 1
        return out

    @staticmethod
    def words_matching(
        token_terms: Sequence[tuple[str, set[int], float]], terms: set[int], limit: int = 5
    ) -> list[str]:
        """Query words (from :meth:`token_terms`) containing a bigram in ``terms``, most
        specific (highest idf) first — the words a match actually rests on."""
        hits = [(idf, tok) for tok, t, idf in token_terms if t & terms]
        hits.sort(key=lambda x: (-x[0], x[1]))
        return [w for _, w in hits[:limit]]

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write to a directory (``meta.json``, ``arrays.npz``, ``rows.jsonl``)."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        pk, pv = self._postings.to_arrays()
        np.savez(out / "arrays.npz", df=self._df, norm=self._norm[: self._n], pk=pk, pv=pv)
        with open(out / "rows.jsonl", "w", encoding="utf-8") as fh:
            for i in range(self._n):
                row = [self._ids[i], self._units[i], self._regions[i], self._cats[i]]
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        meta = {
            "format": "shegong.textmining.RoutingHistory",
            "version": FORMAT_VERSION,
            "terms_per_doc": self.terms_per_doc,
            "postings_per_term": self.postings_per_term,
            "size": self._n,
            "units": self._unit_names,
        }
        (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def load(cls, path: str | Path) -> RoutingHistory:
        src = Path(path)
        meta = json.loads((src / "meta.json").read_text("utf-8"))
        if meta.get("format") != "shegong.textmining.RoutingHistory":
            raise ValueError(f"{src} is not a routing history")
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported routing history version {meta.get('version')}")
        hist = cls(terms_per_doc=meta["terms_per_doc"], postings_per_term=meta["postings_per_term"])
        with np.load(src / "arrays.npz", allow_pickle=False) as arr:
            hist._df = arr["df"].astype(np.int32)
            hist._norm = arr["norm"].astype(np.float32)
            hist._postings = SortedMultiMap.from_arrays(arr["pk"], arr["pv"])
        hist._unit_names = list(meta["units"])
        hist._unit_pos = {u: i for i, u in enumerate(hist._unit_names)}
        with open(src / "rows.jsonl", encoding="utf-8") as fh:
            for line in fh:
                appeal_id, unit, region, cat = json.loads(line)
                hist._ids.append(appeal_id)
                hist._units.append(int(unit))
                hist._regions.append(hist._shared(region))
                hist._cats.append(hist._shared(cat))
        hist._n = len(hist._ids)
        if hist._n != meta["size"]:
            raise ValueError(f"{src}: routing history files are inconsistent")
        return hist


class Router:
    """Combine rules and history into unit suggestions.

    Score of a unit = ``rule_weight`` × best matching rule (0.6 + 0.4 × specificity)
    + ``history_weight`` × its share of the similarity-weighted vote of the ``neighbours``
    most similar past appeals (same-region appeals count ``region_boost`` times), divided by
    ``rule_weight + history_weight``.
    """

    def __init__(
        self,
        rules: Iterable[RoutingRule] = (),
        history: RoutingHistory | None = None,
        *,
        tokenizer: Callable[[str], list[str]] | None = None,
        rule_weight: float = 1.0,
        history_weight: float = 1.0,
        neighbours: int = 20,
        region_boost: float = 1.5,
    ) -> None:
        self.rules = list(rules)
        self.history = history or RoutingHistory()
        self._tokenizer = tokenizer
        self.rule_weight = rule_weight
        self.history_weight = history_weight
        self.neighbours = neighbours
        self.region_boost = region_boost

    def _tokens(self, text: str) -> list[str]:
        if self._tokenizer is not None:
            return self._tokenizer(text)
        from shegong.textmining.segment import default_segmenter

        return default_segmenter().tokens(text)

    def suggest(
        self,
        text: str,
        *,
        category_l1: str | None = None,
        category_l2: str | None = None,
        region_code: str | None = None,
        k: int = 3,
        explain: bool = True,
        exclude: Iterable[str] = (),
        key: str | None = None,
    ) -> list[UnitSuggestion]:
        """Top-``k`` unit suggestions for one appeal, best first (may be fewer or empty).
        ``exclude``: recorded appeal ids that must not vote (the appeal itself); ``key``: the
        text's ``match_key``, when the caller has it."""
        cats = [c for c in (category_l1, category_l2) if c]
        scores: dict[str, float] = {}
        reasons: dict[str, list[Reason]] = {}
        best_rule: dict[str, tuple[float, RoutingRule]] = {}
        for rule in self.rules:
            if rule.matches(cats, region_code):
                rs = 0.6 + 0.4 * rule.specificity() + 0.001 * rule.priority
                if rule.unit not in best_rule or rs > best_rule[rule.unit][0]:
                    best_rule[rule.unit] = (rs, rule)
        total_w = self.rule_weight + self.history_weight
        for unit, (rs, rule) in best_rule.items():
            scores[unit] = scores.get(unit, 0.0) + self.rule_weight * min(rs, 1.0)
            where = f"区划 {rule.region_prefix}* " if rule.region_prefix else ""
            what = f"类别“{rule.category}” " if rule.category else "任意类别 "
            reasons.setdefault(unit, []).append(
                Reason(
                    "rule",
                    f"规则 {rule.rule_id}：{what}{where}→ {unit}",
                    rule_id=rule.rule_id,
                )
            )
        similar = (
            self.history.similar(text, k=self.neighbours, exclude=exclude, key=key)
            if len(self.history)
            else []
        )
        by_unit: dict[str, list[SimilarAppeal]] = {}
        if similar:
            votes: dict[str, float] = {}
            for s in similar:
                w = s.similarity
                if region_code and s.region_code and _same_area(region_code, s.region_code):
                    w *= self.region_boost
                if cats and s.category and s.category in cats:
                    w *= 1.2
                votes[s.unit] = votes.get(s.unit, 0.0) + w
                by_unit.setdefault(s.unit, []).append(s)
            total = sum(votes.values()) or 1.0
            for unit, v in votes.items():
                scores[unit] = scores.get(unit, 0.0) + self.history_weight * v / total
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        if similar:  # explain only what is shown
            tok_terms = self.history.token_terms(self._tokens(text)) if explain else []
            for unit, _ in ranked:
                if unit not in by_unit:
                    continue
                ids = tuple(s.appeal_id for s in by_unit[unit][:5])
                words: tuple[str, ...] = ()
                if tok_terms:
                    shared = set().union(*(s.terms for s in by_unit[unit]))
                    words = tuple(self.history.words_matching(tok_terms, shared))
                n = len(by_unit[unit])
                msg = f"{n} 件相似历史诉求由 {unit} 办理（如 {', '.join(ids[:3])}）"
                if words:
                    msg += f"；共同关键词：{'、'.join(words)}"
                reasons.setdefault(unit, []).append(
                    Reason("history", msg, appeal_ids=ids, words=words)
                )
        return [
            UnitSuggestion(unit, round(min(s / total_w, 1.0), 4), tuple(reasons[unit]))
            for unit, s in ranked
            if s > 0
        ]


def _same_area(a: str, b: str, digits: int = 6) -> bool:
    """Same district (first 6 digits of a region code) — or same code when shorter."""
    n = min(digits, len(a), len(b))
    return a[:n] == b[:n]


@dataclass
class RoutingEvaluation:
    """Top-1 / top-3 accuracy of suggestions against the final unit on a held-out slice."""

    train: int
    test: int
    top1: float
    top3: float
    no_suggestion: float
    per_unit_top1: dict[str, float] = field(default_factory=dict)


def evaluate_routing(
    records: Sequence[HistoryRecord],
    *,
    rules: Iterable[RoutingRule] = (),
    holdout: float = 0.2,
    chronological: bool = True,
    seed: int = 0,
    category_of: Callable[[HistoryRecord], tuple[str | None, str | None]] | None = None,
) -> RoutingEvaluation:
    """Build a router from the first ``1 - holdout`` of ``records`` (in the given order when
    ``chronological``, else a seeded shuffle) and measure it on the rest.

    ``category_of`` returns ``(l1, l2)`` for a record (e.g. from the classifier); by default
    the record's own ``category`` is used as level 1.
    """
    rows = list(records)
    if not chronological:
        random.Random(seed).shuffle(rows)
    cut = int(len(rows) * (1 - holdout))
    train, test = rows[:cut], rows[cut:]
    history = RoutingHistory()
    history.add_many(train)
    router = Router(rules, history, tokenizer=lambda _t: [])
    top1 = top3 = none = 0
    per_unit: dict[str, list[int]] = {}
    for rec in test:
        l1, l2 = category_of(rec) if category_of else (rec.category, None)
        sug = router.suggest(
            rec.text, category_l1=l1, category_l2=l2, region_code=rec.region_code, explain=False
        )
        units = [s.unit for s in sug]
        ok1 = bool(units) and units[0] == rec.unit
        top1 += ok1
        top3 += rec.unit in units
        none += not units
        per_unit.setdefault(rec.unit, []).append(int(ok1))
    n = max(len(test), 1)
    return RoutingEvaluation(
        train=len(train),
        test=len(test),
        top1=round(top1 / n, 4),
        top3=round(top3 / n, 4),
        no_suggestion=round(none / n, 4),
        per_unit_top1={u: round(sum(v) / len(v), 4) for u, v in sorted(per_unit.items())},
    )


def rules_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[RoutingRule]:
    """Rules from mappings with ``rule_id, unit, category, region_prefix, priority``."""
    out = []
    for i, r in enumerate(rows, start=1):
        unit = str(r.get("unit") or "").strip()
        if not unit:
            continue
        out.append(
            RoutingRule(
                rule_id=str(r.get("rule_id") or f"R{i}"),
                unit=unit,
                category=str(r.get("category") or "").strip(),
                region_prefix=str(r.get("region_prefix") or "").strip(),
                priority=int(r.get("priority") or 0),
            )
        )
    return out

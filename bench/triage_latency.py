"""Benchmark: per-appeal triage latency with N earlier appeals indexed (default 1,000,000).

Prints one JSON object. Earlier appeals are synthetic but realistic: each recombines a real
title and 2-7 real sentences from the shared TipDM messages (``../shared/data/appeals``),
with a place code from 12 districts and a person key drawn so that some people write more
than once. Each gets a handling unit derived from the shipped classifier's category of its
main source message and its district, so the routing history has learnable structure.

Indexed: the near-duplicate index (MinHash LSH, signatures computed in ``--workers``
processes) and the routing history (hashed bigram postings). Then ``--queries`` new appeals
(half fresh recombinations, a quarter lightly edited copies of indexed appeals, a quarter
fresh real messages) are triaged one at a time on one core through
``TriageEngine.triage`` — classify (l1 + l2), route (admin rules + history top-3 with
reasons), near-duplicate query, same-person repeat check and group check — and the
per-appeal wall time is measured.

    .venv/bin/python bench/triage_latency.py                  # N = 1,000,000
    .venv/bin/python bench/triage_latency.py --n 100000 --queries 500
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import multiprocessing as mp
import random
import re
import resource
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "appeals"
SENT_RE = re.compile(r"(?<=[。！？!?；;])")
DISTRICTS = [f"3399{d:02d}" for d in range(1, 13)]
T0 = datetime(2024, 1, 1)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_sources() -> list[tuple[str, list[str], str]]:
    """(title, sentences, body) of every shared message with a usable body."""
    out = []
    for name in ("messages-public.csv", "messages-with-replies.csv", "messages-train.csv"):
        with open(DATA / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                body = row["body"]
                sents = [s for s in SENT_RE.split(body) if len(s) >= 6]
                if sents:
                    out.append((row["title"], sents, body))
    return out


_SOURCES: list[tuple[str, list[str], str]] = []


def _init_worker() -> None:
    global _SOURCES
    _SOURCES = load_sources()


def synth(rng: random.Random, sources: list[tuple[str, list[str], str]]) -> tuple[int, str, str]:
    """(main source index, title, body): a title and sentences mostly from one message."""
    main = rng.randrange(len(sources))
    title, sents, _ = sources[main]
    k = rng.randint(2, 7)
    own = rng.sample(sents, min(len(sents), rng.randint(1, k)))
    others = [rng.choice(sources[rng.randrange(len(sources))][1]) for _ in range(k - len(own))]
    parts = own + others
    rng.shuffle(parts)
    return main, title, "".join(parts)


def chunk_texts(chunk: int, size: int, sources: list) -> list[tuple[int, str, str]]:
    rng = random.Random(1_000_003 * chunk + 17)
    return [synth(rng, sources) for _ in range(size)]


def _signatures(args: tuple[int, int]) -> tuple[int, np.ndarray]:
    from shegong.textmining.duplicates import NearDuplicateIndex

    chunk, size = args
    idx = NearDuplicateIndex()
    rows = chunk_texts(chunk, size, _SOURCES)
    sig = np.vstack([idx.signature(f"{t}\n{b}") for _, t, b in rows])
    return chunk, sig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    from shegong.textmining.classify import load_model
    from shegong.textmining.duplicates import NearDuplicateIndex
    from shegong.textmining.evaluation import edit_text
    from shegong.textmining.routing import HistoryRecord, Router, RoutingHistory, RoutingRule
    from shegong.textmining.segment import default_segmenter
    from shegong.textmining.triage import AppealInput, TriageEngine

    t_start = time.perf_counter()
    rss0 = rss_mb()
    sources = load_sources()
    model = load_model()
    preds = model.predict([(t, b) for t, _, b in sources])
    src_cat = [p.category_l1 for p in preds]
    default_segmenter()  # load jieba before measuring
    rss_loaded = rss_mb()

    dup = NearDuplicateIndex()
    hist = RoutingHistory()
    chunks = [
        (c, min(args.chunk, args.n - c * args.chunk)) for c in range(-(-args.n // args.chunk))
    ]
    t_sig = 0.0
    t_hist = 0.0
    t_build = time.perf_counter()
    rng_person = random.Random(5)
    with mp.get_context("fork").Pool(args.workers, initializer=_init_worker) as pool:
        for chunk, sig in pool.imap(_signatures, chunks):
            size = sig.shape[0]
            base = chunk * args.chunk
            rows = chunk_texts(chunk, size, sources)
            keys = [f"h{base + i}" for i in range(size)]
            persons = [f"p{rng_person.randrange(args.n // 2 or 1)}" for _ in range(size)]
            times = [T0 + timedelta(minutes=(base + i) // 2) for i in range(size)]
            t1 = time.perf_counter()
            dup.add_signatures(keys, sig, person_keys=persons, times=times)
            t2 = time.perf_counter()
            hist.add_many(
                HistoryRecord(
                    keys[i],
                    f"{t}\n{b}",
                    f"{DISTRICTS[(base + i) % 12]}-{src_cat[m]}",
                    src_cat[m],
                    DISTRICTS[(base + i) % 12] + "001",
                )
                for i, (m, t, b) in enumerate(rows)
            )
            t_sig += t2 - t1
            t_hist += time.perf_counter() - t2
            del rows
    build_s = time.perf_counter() - t_build
    dup.compact()
    gc.collect()
    rss_built = rss_mb()

    rules = [
        RoutingRule(f"R{i}", f"市{cat}主管部门", category=cat) for i, cat in enumerate(model.labels)
    ] + [
        RoutingRule(f"D{j}", f"{d}-城乡建设", category="城乡建设", region_prefix=d)
        for j, d in enumerate(DISTRICTS)
    ]
    engine = TriageEngine(model=model, router=Router(rules, hist), duplicates=dup)

    qrng = random.Random(99)
    queries: list[AppealInput] = []
    now = T0 + timedelta(minutes=args.n // 2)
    for q in range(args.queries):
        kind = q % 4
        if kind in (0, 1):
            _, t, b = synth(qrng, sources)
        elif kind == 2:
            c = qrng.randrange(len(chunks))  # the first appeal of a chunk: cheap to rebuild
            _, t, b = synth(random.Random(1_000_003 * c + 17), sources)
            b, _ = edit_text(b, qrng)
        else:
            t, _, b = sources[qrng.randrange(len(sources))]
        queries.append(
            AppealInput(
                f"q{q}",
                t,
                b,
                region_code=qrng.choice(DISTRICTS) + "001",
                person_key=f"p{qrng.randrange(args.n // 2 or 1)}",
                time=now,
            )
        )
    for a in queries[:20]:  # warm-up (first-call allocations)
        engine.triage(a)
    lat: list[float] = []
    parts: dict[str, list[float]] = {"classify": [], "route": [], "duplicates": []}
    found_dup = 0
    for a in queries:
        t1 = time.perf_counter()
        res = engine.triage(a)
        lat.append((time.perf_counter() - t1) * 1000)
        for k in parts:
            parts[k].append(res.timings_ms[k])
        found_dup += bool(res.duplicates)
    lat.sort()

    def pct(xs: list[float], p: float) -> float:
        ys = sorted(xs)
        return round(ys[min(len(ys) - 1, int(p * len(ys)))], 3)

    print(
        json.dumps(
            {
                "benchmark": "triage_latency",
                "indexed_appeals": len(dup),
                "history_appeals": len(hist),
                "queries": len(queries),
                "median_ms": round(statistics.median(lat), 3),
                "p90_ms": pct(lat, 0.90),
                "p99_ms": pct(lat, 0.99),
                "max_ms": round(lat[-1], 3),
                "median_ms_by_step": {k: round(statistics.median(v), 3) for k, v in parts.items()},
                "p99_ms_by_step": {k: pct(v, 0.99) for k, v in parts.items()},
                "queries_with_duplicates": found_dup,
                "lsh": {"num_perm": dup.num_perm, "bands": dup.bands, "rows": dup.rows},
                "build_seconds": round(build_s, 1),
                "build_seconds_index_insert": round(t_sig, 1),
                "build_seconds_history": round(t_hist, 1),
                "signature_workers": args.workers,
                "rss_mb_start": round(rss0, 1),
                "rss_mb_model_loaded": round(rss_loaded, 1),
                "rss_mb_indexes_built": round(rss_built, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "dup_index_array_mb": round(dup.nbytes / 2**20, 1),
                "total_seconds": round(time.perf_counter() - t_start, 1),
                "python": sys.version.split()[0],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

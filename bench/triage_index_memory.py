"""Benchmark: memory of the triage indexes for N appeals (default 1,000,000).

Prints one JSON object. Builds the near-duplicate index (MinHash LSH, 128 permutations,
person keys and times included) for N synthetic appeals (the same generator as
``triage_latency.py``; signatures in worker processes, so the measuring process holds only
the index), reports the process RSS before and after, the peak RSS, the index's own array
bytes and its size on disk; then loads the saved index in a fresh process and reports that
process's RSS (what a server that loads the index at start pays). ``--with-history`` adds the
routing history to the same process, and reports its build time, and the size, load time and
fresh-process RSS of its snapshot (what a worker that starts from
``SHEGONG_DATA_DIR/triage/routing-history/`` pays instead of building it: issue 13).

    .venv/bin/python bench/triage_index_memory.py
    .venv/bin/python bench/triage_index_memory.py --n 200000 --with-history
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import triage_latency as tl  # noqa: E402  (same generator as the latency benchmark)

LOAD_PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
import numpy
from shegong.textmining.duplicates import NearDuplicateIndex
before = rss()
t = time.perf_counter()
idx = NearDuplicateIndex.load({path!r})
secs = time.perf_counter() - t
idx.query('小区夜间施工噪音扰民')
print(json.dumps({{"rss_mb_before": before, "rss_mb_after": rss(), "load_seconds": secs,
                  "size": len(idx)}}))
"""

HISTORY_PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
import numpy
from shegong.textmining.routing import RoutingHistory
before = rss()
t = time.perf_counter()
hist = RoutingHistory.load({path!r})
secs = time.perf_counter() - t
hist.similar('小区夜间施工噪音扰民', k=5)
print(json.dumps({{"rss_mb_before": before, "rss_mb_after": rss(), "load_seconds": secs,
                  "size": len(hist)}}))
"""


def _probe(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--with-history", action="store_true")
    args = ap.parse_args()

    from shegong.textmining.duplicates import NearDuplicateIndex
    from shegong.textmining.routing import HistoryRecord, RoutingHistory

    t_start = time.perf_counter()
    sources = tl.load_sources()
    gc.collect()
    rss0 = tl.rss_mb()
    idx = NearDuplicateIndex()
    hist = RoutingHistory() if args.with_history else None
    chunks = [
        (c, min(args.chunk, args.n - c * args.chunk)) for c in range(-(-args.n // args.chunk))
    ]
    rng = random.Random(5)
    history_build_s = 0.0
    with mp.get_context("fork").Pool(args.workers, initializer=tl._init_worker) as pool:
        for chunk, sig in pool.imap(tl._signatures, chunks):
            size = sig.shape[0]
            base = chunk * args.chunk
            keys = [f"h{base + i}" for i in range(size)]
            persons = [f"p{rng.randrange(args.n // 2 or 1)}" for _ in range(size)]
            times = [tl.T0 + timedelta(minutes=(base + i) // 2) for i in range(size)]
            idx.add_signatures(keys, sig, person_keys=persons, times=times)
            if hist is not None:
                rows = tl.chunk_texts(chunk, size, sources)
                t_hist = time.perf_counter()
                hist.add_many(
                    HistoryRecord(keys[i], f"{t}\n{b}", "unit", None, None)
                    for i, (_, t, b) in enumerate(rows)
                )
                history_build_s += time.perf_counter() - t_hist
            del sig
    idx.compact()
    gc.collect()
    rss_built = tl.rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dup"
        idx.save(path)
        disk = sum(f.stat().st_size for f in path.iterdir())
        probe = subprocess.run(
            [sys.executable, "-c", LOAD_PROBE.format(root=str(ROOT), path=str(path))],
            capture_output=True,
            text=True,
            check=True,
        )
        loaded = json.loads(probe.stdout)
        history: dict = {}
        if hist is not None:
            hpath = Path(tmp) / "history"
            hist.save(hpath)
            hloaded = _probe(HISTORY_PROBE.format(root=str(ROOT), path=str(hpath)))
            history = {
                "history_build_seconds": round(history_build_s, 1),
                "history_snapshot_disk_mb": round(
                    sum(f.stat().st_size for f in hpath.iterdir()) / 2**20, 1
                ),
                "history_snapshot_load_seconds": round(hloaded["load_seconds"], 2),
                "history_fresh_process_rss_mb_after_load": round(hloaded["rss_mb_after"], 1),
                "history_fresh_process_rss_mb_delta": round(
                    hloaded["rss_mb_after"] - hloaded["rss_mb_before"], 1
                ),
            }
    print(
        json.dumps(
            {
                "benchmark": "triage_index_memory",
                "appeals": len(idx),
                "with_history": bool(hist),
                "lsh": {"num_perm": idx.num_perm, "bands": idx.bands, "rows": idx.rows},
                "rss_mb_before_index": round(rss0, 1),
                "rss_mb_after_build": round(rss_built, 1),
                "index_rss_mb": round(rss_built - rss0, 1),
                "peak_rss_mb_during_build": round(peak, 1),
                "index_array_mb": round(idx.nbytes / 2**20, 1),
                "disk_mb": round(disk / 2**20, 1),
                "fresh_process_rss_mb_after_load": round(loaded["rss_mb_after"], 1),
                "fresh_process_index_rss_mb": round(
                    loaded["rss_mb_after"] - loaded["rss_mb_before"], 1
                ),
                "load_seconds": round(loaded["load_seconds"], 2),
                **history,
                "total_seconds": round(time.perf_counter() - t_start, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

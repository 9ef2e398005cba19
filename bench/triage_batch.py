"""Benchmark: batch classification throughput (messages per second, one core).

Prints one JSON object. All messages of the shared TipDM files (public, with-replies,
train: ~9,300) are classified with the shipped model (level 1 + level 2), in batches of
``--batch``, ``--repeat`` times; the best and median pass are reported. Includes text
composition and normalisation; excludes reading the CSV files.

    .venv/bin/python bench/triage_batch.py
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "appeals"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import os

    from threadpoolctl import threadpool_limits

    from shegong.textmining.classify import load_model

    items = []
    for name in ("messages-public.csv", "messages-with-replies.csv", "messages-train.csv"):
        with open(DATA / name, encoding="utf-8") as fh:
            items += [(r["title"], r["body"]) for r in csv.DictReader(fh)]
    t0 = time.perf_counter()
    model = load_model()
    load_s = time.perf_counter() - t0
    chars = sum(len(t) + len(b) for t, b in items)
    rates = []
    with threadpool_limits(1):
        model.predict(items[:100])  # warm-up
        for _ in range(args.repeat):
            t1 = time.perf_counter()
            for i in range(0, len(items), args.batch):
                model.predict(items[i : i + args.batch])
            rates.append(len(items) / (time.perf_counter() - t1))
    print(
        json.dumps(
            {
                "benchmark": "triage_batch",
                "messages": len(items),
                "mean_chars_per_message": round(chars / len(items), 1),
                "batch": args.batch,
                "messages_per_second_best": round(max(rates), 1),
                "messages_per_second_median": round(statistics.median(rates), 1),
                "model_load_seconds": round(load_s, 2),
                "model": model.card.get("candidate"),
                "cores": 1,
                "cpu_count": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

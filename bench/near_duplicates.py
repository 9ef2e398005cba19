"""Benchmark: near-duplicate recall and precision on lightly edited copies of real messages.

Prints one JSON object. Originals: every message of ``messages-public.csv`` (title + body);
distractors: every message of ``messages-with-replies.csv`` (many are the same citizen
messages — genuine duplicates, which count as correct answers, see
``shegong.textmining.evaluation``). For each original one edited copy is made by
``edit_text`` (1-3 of: sentence reorder, phrase insertion, span deletion, punctuation
change, character substitution) and queried; a second run applies all of 3 edits to every
copy ("heavy").

    .venv/bin/python bench/near_duplicates.py
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "appeals"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()

    from shegong.textmining.duplicates import NearDuplicateIndex
    from shegong.textmining.evaluation import evaluate_near_duplicates

    def load(name: str, prefix: str) -> list[tuple[str, str]]:
        with open(DATA / name, encoding="utf-8") as fh:
            return [
                (f"{prefix}{r['id']}", f"{r['title']}\n{r['body']}") for r in csv.DictReader(fh)
            ]

    originals = load("messages-public.csv", "p")
    distractors = load("messages-with-replies.csv", "r")
    out: dict[str, object] = {"benchmark": "near_duplicates", "threshold": args.threshold}
    for label, ops in (("light", None), ("heavy", 3)):
        t0 = time.perf_counter()
        idx = NearDuplicateIndex(threshold=args.threshold)
        ev = evaluate_near_duplicates(
            originals, distractors=distractors, index=idx, seed=args.seed, operations=ops
        )
        out[label] = {
            "queries": ev.queries,
            "indexed": ev.indexed,
            "recall": round(ev.recall, 4),
            "precision": round(ev.precision, 4),
            "reported_pairs": ev.reported_pairs,
            "correct_pairs": ev.true_pairs,
            "originals_with_natural_duplicates": ev.natural_duplicates,
            "recall_by_operation": {k: round(v, 4) for k, v in ev.recall_by_operation.items()},
            "recall_by_length": {k: round(v, 4) for k, v in ev.recall_by_length.items()},
            "median_query_ms": round(ev.median_query_ms, 3),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        out["lsh"] = {"num_perm": idx.num_perm, "bands": idx.bands, "rows": idx.rows}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

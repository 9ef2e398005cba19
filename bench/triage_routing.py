"""Benchmark: how often triage's top unit suggestion is the unit that finally handled the
appeal, on a demo city whose appeals went through the real services.

Prints one JSON object. A fresh SQLite demo city (``--size small`` regions and units) gets
``--appeals`` appeals (default 3,000) through the demo simulation — intake, dispatch by the
demo's dispatchers (department by topic and place, with 退单/改派), handling, closure — with
``SHEGONG_TRIAGE_ON_INTAKE`` on and tasks run inline, so every appeal is triaged **at its
intake**, seeing only the appeals closed before it, exactly as in production. The demo's
dispatchers do not look at the suggestions, so the hit rate is not circular.

Reported:

* ``in_product``: ``triage.services.routing_accuracy`` over the closed appeals — the figure
  the 诉求热点 page shows (top-1, top-3 against the final 主办 unit);
* ``by_arrival``: the same split into the first and second half of the closed appeals (the
  router learns as history grows);
* ``baseline_street_office``: how often "the street office where it happened" (属地兜底,
  the rule a dispatcher without triage falls back to) was the final unit.

Caveat: the demo's dispatch practice is synthetic (a fixed topic → department table with
noise); real cities route less regularly. The figure shows the mechanism learns; a city's
own figure comes from ``shegong triage evaluate-routing`` on its data.

    .venv/bin/python bench/triage_routing.py [--appeals 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="shegong-bench-routing-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    os.environ["SHEGONG_TRIAGE_ON_INTAKE"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from shegong.demo import appeals as demo_appeals
    from shegong.demo.generator import generate

    # The demo's appeal count for this size is the benchmark's parameter.
    demo_appeals.APPEAL_COUNTS["small"] = args.appeals
    started = time.monotonic()
    generate("small", seed=args.seed, log=lambda m: print(m, file=sys.stderr))
    seconds = time.monotonic() - started

    from shegong.appeals.choices import AppealStatus
    from shegong.appeals.models import Appeal
    from shegong.triage.models import TriageResult
    from shegong.triage.services import routing_accuracy, street_code
    from shegong.units.models import Unit

    since = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True)[0]
    overall = routing_accuracy(None, since=since)
    rows = list(
        TriageResult.objects.filter(
            appeal__status=AppealStatus.CLOSED, appeal__lead_unit__isnull=False
        )
        .exclude(suggestions=[])
        .order_by("appeal__registered_at")
        .values_list("suggestions", "appeal__lead_unit_id")
    )
    half = len(rows) // 2

    def rate(part: list[tuple[list[dict[str, int]], int]]) -> dict[str, float | int]:
        n = len(part) or 1
        return {
            "appeals": len(part),
            "top1": round(sum(bool(s) and s[0]["unit_id"] == u for s, u in part) / n, 4),
            "top3": round(sum(u in [x["unit_id"] for x in s[:3]] for s, u in part) / n, 4),
        }

    offices = {
        u.region.code: u.pk
        for u in Unit.objects.filter(kind="street").select_related("region").order_by("-pk")
    }
    closed = Appeal.objects.filter(status=AppealStatus.CLOSED, lead_unit__isnull=False)
    office_hits = sum(
        offices.get(street_code(a.region) or "") == a.lead_unit_id
        for a in closed.select_related("region")
    )
    result = {
        "benchmark": "triage_routing",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()},
        "appeals": Appeal.objects.count(),
        "closed_with_suggestions": len(rows),
        "generation_seconds": round(seconds, 1),
        "in_product": {k: v for k, v in overall.items() if k != "since"},
        "by_arrival": {"first_half": rate(rows[:half]), "second_half": rate(rows[half:])},
        "baseline_street_office": round(office_hits / max(closed.count(), 1), 4),
        "seed": args.seed,
        "data_dir": data_dir,
    }
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

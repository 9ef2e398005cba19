"""Benchmark: generate the `metro` demo city and time scoped queries on it.

Prints one JSON object: wall time and peak RSS of `shegong demo --size metro` (run in a fresh
data directory, SQLite by default or DATABASE_URL), row counts, and p50/p95 of
`visible_to(user)` on the 168k-row region tree for a street user and a city user, against a
bare `path LIKE 'prefix%'` query over the same rows as the baseline.

    .venv/bin/python bench/demo_metro.py [--size metro] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn, runs: int = 50) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(percentile(samples, 0.5), 3),
        "p95_ms": round(percentile(samples, 0.95), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="metro")
    parser.add_argument("--keep", default="")
    args = parser.parse_args()
    data_dir = args.keep or tempfile.mkdtemp(prefix="shegong-bench-")
    env = {**os.environ, "SHEGONG_DATA_DIR": data_dir}
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "shegong.cli", "demo", "--size", args.size],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    generate_seconds = time.monotonic() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from shegong.accounts.models import User
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    street_user = User.objects.get(username="street")
    city_user = User.objects.get(username="dept_admin")
    prefix = street_user.region.path
    result = {
        "benchmark": "demo_metro",
        "size": args.size,
        "database": django.db.connection.vendor,
        "generate_seconds": round(generate_seconds, 1),
        "generate_peak_rss_mb": round(peak_rss_mb, 1),
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "street_scope_count": {
            **timed(lambda: Region.objects.visible_to(street_user).count()),
            "rows": Region.objects.visible_to(street_user).count(),
        },
        "street_scope_count_baseline_like": timed(
            lambda: Region.objects.filter(path__startswith=prefix).count()
        ),
        "street_scope_first_page": timed(
            lambda: list(Region.objects.visible_to(street_user).order_by("code")[:50])
        ),
        "city_scope_first_page": timed(
            lambda: list(Region.objects.visible_to(city_user).order_by("code")[:50])
        ),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

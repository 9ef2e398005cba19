"""Benchmark: triage jobs per second and queue drain time on both task backends.

Prints one JSON object (progress on stderr). A fresh SQLite demo city (``--size small``
regions and units) gets ``--history`` appeals through the demo simulation with triage off
(so they are untriaged; most are closed and form the routing history). Then, per backend:

* ``database``: the embedded default, ``shegong worker`` on the django-tasks-db queue — the
  **baseline**;
* ``redis``: ``SHEGONG_TASKS=redis`` and ``shegong worker`` (RQ's non-forking SimpleWorker,
  model and indexes preloaded once);
* ``redis_fork``: the same with ``--fork`` (RQ's default fork-per-job worker, children
  forked from the preloaded parent), on ``--fork-n`` jobs;
* ``redis_fork_cold``: ``--fork --no-preload``, the worker as it was before issue 13 (every
  child loads the model and builds the indexes), on ``--cold-n`` jobs (it is slow).

Each phase deletes all triage results, enqueues ``triage_appeals_task([id])`` for ``--n``
appeals (one job per appeal: what an appeal page queues), runs ``shegong worker --batch
--no-scheduler`` until the queue is empty and times it. With ``--batch K`` (default 50) two
more phases, ``database_batched`` and ``redis_batched``, queue K appeals per job, as intake
does (one job per group-commit batch). ``ms_per_appeal`` and ``appeals_per_second`` are
the steady drain rate: the time from the first to the last stored result
(``computed_at``) over the appeals between them, so the worker's start-up is not in it;
``worker_start_seconds`` is the same command on an empty queue (Django start, model load,
index build) and ``drain_seconds`` the wall time from start to empty queue.
``ratio_ms_per_appeal`` is against the database worker of the same run.
``cpu_ms_per_appeal`` is the worker's own CPU (sampled from ``/proc/<pid>/stat``) over the
same span and appeals: what the appeals cost it, whatever else the machine runs.
``--phases`` runs only the named phases.
``web_first_view`` opens the appeal page of an untriaged appeal in a fresh process
(Django test client, as a dispatcher), then another one: their times (the first request
of a process pays Django's own start-up) and the process's RSS after, which no longer
include a classifier or a routing history.

Redis: ``--redis-url`` (default ``redis://127.0.0.1:6379/14``; that database's RQ queue is
emptied first).

    .venv/bin/python bench/tasks.py --n 600 --fork-n 60 --cold-n 20 --batch 50
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(mode: str, arg: str) -> None:
    """Helper modes, run in a subprocess with the phase's environment."""
    _setup_django()
    out: dict[str, Any] = {}
    if mode == "generate":
        from django.core.management import call_command

        from shegong.demo import appeals as demo_appeals
        from shegong.demo.generator import generate

        call_command("migrate", verbosity=0)
        demo_appeals.APPEAL_COUNTS["small"] = int(arg)
        generate("small", seed=20261206, log=log)
    if mode in ("generate", "world"):
        from shegong.appeals.models import Appeal

        out = {
            "appeals": Appeal.objects.count(),
            "closed": Appeal.objects.filter(status="closed").count(),
        }
    if mode == "enqueue":
        from shegong.appeals.models import Appeal
        from shegong.triage.models import TriageResult
        from shegong.triage.tasks import triage_appeals_task

        TriageResult.objects.all().delete()
        if os.environ["SHEGONG_TASKS"] == "redis":
            import django_rq

            django_rq.get_queue("default").empty()
        else:
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.all().delete()
        count, _, batch = arg.partition(":")
        size = int(batch or 1)
        ids = list(Appeal.objects.order_by("-pk").values_list("pk", flat=True)[: int(count)])
        t = time.perf_counter()
        for i in range(0, len(ids), size):
            triage_appeals_task.enqueue(ids[i : i + size])
        out = {"enqueued": len(ids), "enqueue_seconds": round(time.perf_counter() - t, 3)}
    elif mode == "count":
        from django.db.models import Count, Max, Min

        from shegong.triage.models import TriageResult

        agg = TriageResult.objects.aggregate(
            n=Count("pk"), first=Min("computed_at"), last=Max("computed_at")
        )
        span = (agg["last"] - agg["first"]).total_seconds() if agg["n"] else 0.0
        # A batch's results share its start time: the span from the first to the last
        # start covers every appeal but those of the last batch.
        last = TriageResult.objects.filter(computed_at=agg["last"]).count() if agg["n"] else 0
        out = {
            "triaged": agg["n"],
            "span_seconds": span,
            "in_span": agg["n"] - last,
            "first": agg["first"].timestamp() if agg["n"] else None,
            "last": agg["last"].timestamp() if agg["n"] else None,
        }
    elif mode == "profile":
        out = _profile(int(arg))
    elif mode == "page":
        from django.test import Client, override_settings

        from shegong.accounts.models import User
        from shegong.appeals.models import Appeal
        from shegong.core.roles import ROLE_CAPABILITIES, Cap
        from shegong.triage.models import TriageResult

        roles = [r for r, caps in ROLE_CAPABILITIES.items() if Cap.APPEALS_DISPATCH in caps]
        user = (
            User.objects.filter(role__in=roles, is_active=True, region__parent__isnull=True)
            .order_by("pk")
            .first()
        ) or User.objects.filter(role__in=roles, is_active=True).order_by("pk").first()
        # With --reuse every appeal may carry a result from the last run: the newest two
        # lose theirs (every phase triages them again).
        TriageResult.objects.filter(
            appeal__in=Appeal.objects.order_by("-pk").values("pk")[:2]
        ).delete()
        untriaged = list(Appeal.objects.filter(triage__isnull=True).order_by("-pk")[:2])
        appeal = untriaged[0] if untriaged else None
        if user is None or appeal is None:
            raise SystemExit("no dispatcher or no untriaged appeal in the demo city")
        c = Client()
        c.force_login(user)
        # A signed-in dispatcher: force_login skips the login steps (password, second
        # factor), which the production settings otherwise demand of the session.
        trusted = override_settings(SHEGONG_TRUST_FORCED_LOGIN=True)
        trusted.enable()
        before = _rss_mb()
        t = time.perf_counter()
        resp = c.get(f"/appeals/{appeal.pk}/", HTTP_HOST="127.0.0.1")
        ms = (time.perf_counter() - t) * 1000
        html = resp.content.decode()
        t = time.perf_counter()
        again = c.get(f"/appeals/{untriaged[-1].pk}/", HTTP_HOST="127.0.0.1")
        ms_warm = (time.perf_counter() - t) * 1000
        out = {
            "status": resp.status_code,
            "ms_first_request_of_process": round(ms, 1),
            "ms_another_untriaged_appeal": round(ms_warm, 1),
            "status_another": again.status_code,
            "rss_mb_before": round(before, 1),
            "rss_mb_after": round(_rss_mb(), 1),
            "shows_pending": "分拣中" in html,
            "triaged_in_request": TriageResult.objects.filter(appeal=appeal).exists(),
        }
    print(json.dumps(out))


def _profile(size: int) -> dict[str, Any]:
    """``triage_many`` on batches of ``size`` of the newest appeals in a warm process: one
    warm-up batch, one timed, one under cProfile with its queries captured. The profile's
    top entries go to stderr."""
    import cProfile
    import io
    import pstats
    import re
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.appeals.models import Appeal
    from shegong.triage import services
    from shegong.triage.models import TriageResult

    ids = list(Appeal.objects.order_by("-pk").values_list("pk", flat=True)[: 3 * size])
    TriageResult.objects.filter(appeal_id__in=ids).delete()
    services.preload()
    services.triage_many(ids[2 * size :])  # warm-up
    load = os.getloadavg()
    t, cpu = time.perf_counter(), time.process_time()
    services.triage_many(ids[size : 2 * size])
    timed, cpu = time.perf_counter() - t, time.process_time() - cpu
    prof = cProfile.Profile()
    with CaptureQueriesContext(connection) as ctx:
        prof.enable()
        services.triage_many(ids[:size])
        prof.disable()
    kinds: Counter[str] = Counter()
    for q in ctx.captured_queries:
        sql = q["sql"]
        match = re.match(
            r'\s*(SELECT .*? FROM "?(\w+)"?|INSERT INTO "?(\w+)"?|UPDATE "?(\w+)"?|\w+)', sql
        )
        kinds[
            next((g for g in match.groups()[1:] if g), match.group(0)) if match else sql[:30]
        ] += 1
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("cumulative").print_stats(r"shegong|jieba|numpy|sklearn", 40)
    log(text.getvalue())
    return {
        "batch": size,
        "ms_per_appeal": round(timed * 1000 / size, 2),
        "cpu_ms_per_appeal": round(cpu * 1000 / size, 2),
        "loadavg": [round(x, 2) for x in load],
        "queries": len(ctx.captured_queries),
        "queries_by_table": dict(kinds.most_common()),
    }


def run_child(mode: str, arg: str, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, arg],
        env=env,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process so far (``/proc/<pid>/stat``)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_worker(env: dict[str, str], *extra: str) -> dict[str, Any]:
    """``shegong worker --batch`` until the queue is empty: wall seconds, CPU seconds (user
    + system), peak RSS, and the worker's CPU seconds so far sampled every 20 ms as
    ``(wall time, CPU seconds)`` pairs (``cpu_between``)."""
    cmd = [sys.executable, "-m", "shegong.cli", "worker", "--batch", "--no-scheduler", *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    samples: list[tuple[float, float]] = []
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        cpu = _cpu_seconds(proc.pid)
        if cpu is not None:
            samples.append((time.time(), cpu))
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    seconds = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"worker failed: {cmd} status {status}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "samples": samples,
    }


def cpu_between(samples: list[tuple[float, float]], start: float, end: float) -> float:
    """The worker's CPU seconds from wall time ``start`` to ``end`` (the samples around
    each, the later one at the start and the earlier at the end: a slight undercount)."""
    at_start = next((cpu for t, cpu in samples if t >= start), samples[-1][1])
    at_end = next((cpu for t, cpu in reversed(samples) if t <= end), samples[0][1])
    return max(at_end - at_start, 0.0)


def phase(name: str, env: dict[str, str], n: int, *extra: str, batch: int = 1) -> dict[str, Any]:
    log(f"{name}: fixed cost (empty queue)")
    run_child("enqueue", "0", env)
    idle = run_worker(env, *extra)
    log(f"{name}: {n} appeals, {batch} per job")
    queued = run_child("enqueue", f"{n}:{batch}", env)
    busy = run_worker(env, *extra)
    done = run_child("count", "", env)
    # first to last result stored: the steady drain rate, without the worker's start-up
    per_job = done["span_seconds"] / max(done["in_span"], 1)
    # CPU the appeals cost the worker, whatever else the machine runs: its CPU from the
    # first to the last stored batch start, over the same appeals as ms_per_appeal.
    cpu_ms = None
    if done["in_span"] and busy["samples"]:
        cpu = cpu_between(busy["samples"], done["first"], done["last"])
        cpu_ms = cpu * 1000 / done["in_span"]
    return {
        "appeals": n,
        "appeals_per_job": batch,
        "triaged": done["triaged"],
        "enqueue_seconds": queued["enqueue_seconds"],
        "worker_start_seconds": round(idle["seconds"], 2),
        "drain_seconds": round(busy["seconds"], 2),
        "ms_per_appeal": round(per_job * 1000, 1),
        "appeals_per_second": round(1 / per_job, 1) if per_job else None,
        "worker_cpu_seconds": round(busy["cpu_seconds"], 2),
        "worker_start_cpu_seconds": round(idle["cpu_seconds"], 2),
        "cpu_ms_per_appeal": round(cpu_ms, 2) if cpu_ms is not None else None,
        "worker_peak_rss_mb": round(busy["peak_rss_mb"], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500, help="jobs per backend")
    ap.add_argument("--fork-n", type=int, default=50, help="jobs for RQ's forking worker")
    ap.add_argument("--batch", type=int, default=50, help="appeals per job, batched phases")
    ap.add_argument("--cold-n", type=int, default=20, help="jobs for the pre-issue-13 worker")
    ap.add_argument("--history", type=int, default=600, help="demo appeals (history)")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--reuse", help="the data directory of an earlier run (skips the demo)")
    ap.add_argument(
        "--profile",
        type=int,
        metavar="K",
        help="only profile triage_many on batches of K (cProfile on stderr, queries)",
    )
    ap.add_argument(
        "--phases",
        help="comma-separated phases to run (page, database, redis, redis_fork, "
        "redis_fork_cold, database_batched, redis_batched; default all)",
    )
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    data_dir = args.reuse or tempfile.mkdtemp(prefix="shegong-bench-tasks-")
    base = {
        **os.environ,
        "SHEGONG_DATA_DIR": data_dir,
        "DATABASE_URL": f"sqlite:///{data_dir}/bench.sqlite3",
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
        "SHEGONG_TRIAGE_ON_INTAKE": "false",
        "PYTHONPATH": str(ROOT),
    }
    base.pop("REDIS_URL", None)
    if args.reuse:
        world = run_child("world", "", {**base, "SHEGONG_TASKS": "immediate"})
    else:
        log(f"generating the demo city with {args.history} appeals in {data_dir}")
        t = time.perf_counter()
        world = run_child("generate", str(args.history), {**base, "SHEGONG_TASKS": "immediate"})
        world["generate_seconds"] = round(time.perf_counter() - t, 1)
    if args.profile:
        profile = run_child("profile", str(args.profile), {**base, "SHEGONG_TASKS": "immediate"})
        print(json.dumps({"benchmark": "tasks_profile", "world": world, **profile}))
        return
    load_before = os.getloadavg()
    n = min(args.n, world["appeals"])
    fork_n = min(args.fork_n, n)
    db_env = {**base, "SHEGONG_TASKS": "database"}
    redis_env = {**base, "SHEGONG_TASKS": "redis", "REDIS_URL": args.redis_url}
    wanted = set(args.phases.split(",")) if args.phases else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    page = run_child("page", "", db_env) if want("page") else None
    results: dict[str, dict[str, Any]] = {}
    if want("database"):
        results["database"] = phase("database", db_env, n)
    if want("redis"):
        results["redis"] = phase("redis", redis_env, n)
    if want("redis_fork"):
        results["redis_fork"] = phase("redis_fork", redis_env, fork_n, "--fork")
    cold_n = min(args.cold_n, n)
    if want("redis_fork_cold"):
        results["redis_fork_cold"] = phase(
            "redis_fork_cold", redis_env, cold_n, "--fork", "--no-preload"
        )
    if args.batch > 1 and want("database_batched"):
        results["database_batched"] = phase("database_batched", db_env, n, batch=args.batch)
    if args.batch > 1 and want("redis_batched"):
        results["redis_batched"] = phase("redis_batched", redis_env, n, batch=args.batch)
    baseline = results["database"]["ms_per_appeal"] if "database" in results else None
    for row in results.values():
        if baseline:
            row["ratio_ms_per_appeal"] = round(row["ms_per_appeal"] / baseline, 2)
    print(
        json.dumps(
            {
                "benchmark": "tasks",
                "database": "sqlite",
                "world": world,
                "web_first_view": page,
                "baseline": "database" if baseline else None,
                **results,
                "cpu_count": os.cpu_count(),
                "loadavg_before": load_before,
                "loadavg_after": os.getloadavg(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

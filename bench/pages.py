"""Benchmark: the staff pages people work from, at growing table sizes, over real HTTP.

Prints one JSON object. For each ``--sizes`` entry: a fresh SHEGONG_DATA_DIR (SQLite) or a
scratch PostgreSQL database, the demo city (``--size small``: regions, units, accounts, 300
appeals handled through the services, triage results, 两新 organisations, volunteers), then
N history appeals pre-loaded the way ``appeals_intake.py --history N`` does (one timeline
event each, 99.5 % finished, spread over every community of the city), plus one closed
主办 work order per finished history appeal (its lead unit), then ``ANALYZE``. A real server
(``shegong serve --no-worker``) runs on a free 127.0.0.1 port; each persona (dispatcher,
handler, street, leader) logs in through the login form and every page of the persona is
requested ``--repeat`` times one after the other (after ``--warmup`` requests).

Per page: p50/p95 of the **client-observed latency on loopback** (the app emits no
``Server-Timing`` header; one client, requests in sequence, so the figure is the server's
time plus a loopback round trip), HTTP status, response size; queries per page counted
in a separate process with the Django test client and ``CaptureQueriesContext`` (same
database, same user, second request so per-process caches are warm); peak RSS of the
server process (``VmHWM``). Baseline in the same run: direct indexed SQL on the same
tables (the newest 30 appeals of one status; one appeal by primary key), p50/p95.
``growth`` = p95 at the largest size ÷ p95 at the smallest, per page.

    .venv/bin/python bench/pages.py --sizes 100000
    .venv/bin/python bench/pages.py --sizes 100000,1000000 --postgres
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appeals_intake import (  # the bench's shared helpers
    PG_DEFAULT,
    add_closed_work_orders,
    free_port,
    percentile,
    preload_history,
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Shegong@2026"  # noqa: S105 — shegong.demo.people.DEMO_PASSWORD
TARGET_MS = 300.0
RSS_TARGET_MB = 400.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- setup phase (Django, in a subprocess) ---------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def phase_setup(args: argparse.Namespace) -> None:
    _django()
    from django.core.management import call_command
    from django.db import connection

    from shegong.appeals.models import Appeal
    from shegong.demo.generator import generate
    from shegong.triage.models import TriageResult
    from shegong.triage.services import triage_appeal

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    generate(args.size, log=lambda _m: None)
    out: dict[str, Any] = {"city_seconds": round(time.monotonic() - started, 1)}
    rng = random.Random(args.seed)
    if args.history:
        out["history"] = preload_history(args.history, rng, log, args.history_workers)
        t = time.monotonic()
        out["history"]["work_orders"] = add_closed_work_orders()
        # History rows bypass intake, which fills masked_search_text (what search reads);
        # the public texts carry no identifiers, so title + body stand in for the masked text.
        with connection.cursor() as cursor:
            rebuild = []
            if connection.vendor == "postgresql":  # the trigram GIN index: rebuild, not update
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                    "'appeals_appeal' AND indexdef LIKE '%%masked_search_text%%'"
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    rebuild.append(definition)
            cursor.execute(
                "UPDATE appeals_appeal SET masked_search_text = title || %s || body "
                "WHERE masked_search_text = ''",
                ["\n"],
            )
            out["history"]["search_text_filled"] = cursor.rowcount
            for definition in rebuild:
                cursor.execute(definition)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        out["history"]["work_orders_seconds"] = round(time.monotonic() - t, 1)
    out["appeals"] = Appeal.objects.count()
    untriaged = (
        Appeal.objects.filter(status="registered", triage__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    out["open_untriaged"] = untriaged.count()
    newest = list(untriaged[:2])
    out["untriaged_pk"] = newest[0]
    # The second-newest open appeal is triaged here (what the worker would do), so the
    # triaged and untriaged detail pages show comparable appeals.
    t = time.monotonic()
    triage_appeal(newest[1])
    out["triage_one_seconds"] = round(time.monotonic() - t, 2)
    out["triaged_pk"] = TriageResult.objects.get(appeal_id=newest[1]).appeal_id
    month = (datetime.now(UTC) - timedelta(days=args.history_month_days)).strftime("%Y-%m")
    out["history_month"] = month
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def pages(setup: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Persona → [(page name, path)]."""
    triaged, untriaged = setup["triaged_pk"], setup["untriaged_pk"]
    month = setup["history_month"]
    return {
        "dispatcher": [
            ("workbench", "/appeals/"),
            ("appeals_list", "/appeals/search/"),
            ("appeals_search_2_chars", "/appeals/search/?q=" + urllib.parse.quote("噪音")),
            ("appeals_search_4_chars", "/appeals/search/?q=" + urllib.parse.quote("物业公司")),
            ("appeal_detail_triaged", f"/appeals/{triaged}/"),
            ("appeal_detail_untriaged", f"/appeals/{untriaged}/"),
        ],
        "handler": [
            ("handler_queue_to_sign", "/appeals/?queue=to_sign"),
            ("handler_queue_handling", "/appeals/?queue=handling"),
            ("handler_appeals_list", "/appeals/search/"),
        ],
        "street": [
            ("street_workbench", "/appeals/"),
            ("street_appeals_list", "/appeals/search/"),
            ("coverage_street", "/organizations/"),
        ],
        "leader": [
            ("ranking_current_month", "/appeals/ranking/"),
            ("ranking_history_month", f"/appeals/ranking/?month={month}"),
            ("coverage_city", "/organizations/"),
            ("volunteer_roster", "/volunteers/"),
        ],
    }


def _plan(sql: str) -> list[str]:
    """EXPLAIN of a captured query (its parameters are already interpolated by Django's
    debug cursor; SELECTs only)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            return [" ".join(str(c) for c in row) for row in cursor.fetchall()][:40]
    except Exception as error:  # a plan is a diagnostic, never fatal
        return [f"no plan: {type(error).__name__}"]


def phase_queries(args: argparse.Namespace) -> None:
    """Queries per page: the Django test client in this process, CaptureQueriesContext."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shegong.accounts.models import User

    setup = json.loads(Path(args.out).read_text(encoding="utf-8"))
    counts: dict[str, Any] = {}
    for persona, items in pages(setup).items():
        client = Client()
        client.force_login(User.objects.get(username=persona))
        for name, path in items:
            client.get(path)  # warm per-process caches
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
            counts[name] = {"queries": len(ctx.captured_queries), "status": response.status_code}
            if slowest is not None:
                counts[name]["slowest_query"] = {
                    "ms": round(1000 * float(slowest["time"]), 1),
                    "sql": slowest["sql"][:1500],
                    "plan": _plan(slowest["sql"]),
                }
    # Baseline: direct indexed SQL on the same tables (raw cursor, no ORM).
    samples: dict[str, list[float]] = {"newest_30_of_a_status": [], "one_appeal_by_pk": []}
    with connection.cursor() as cursor:
        for _ in range(args.repeat):
            t = time.perf_counter()
            cursor.execute(
                "SELECT id, number, title, status, registered_at FROM appeals_appeal "
                "WHERE status = %s ORDER BY registered_at DESC LIMIT 30",
                ["closed"],
            )
            cursor.fetchall()
            samples["newest_30_of_a_status"].append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            cursor.execute("SELECT * FROM appeals_appeal WHERE id = %s", [setup["untriaged_pk"]])
            cursor.fetchall()
            samples["one_appeal_by_pk"].append(1000 * (time.perf_counter() - t))
    baseline = {
        k: {
            "p50": round(percentile(sorted(v), 0.5), 3),
            "p95": round(percentile(sorted(v), 0.95), 3),
        }
        for k, v in samples.items()
    }
    print(json.dumps({"queries": counts, "baseline_ms": baseline}))


# --- HTTP measurement (no Django in this process) --------------------------------------------


class Session:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, int, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return status, len(body), 1000 * (time.perf_counter() - started)

    def login(self, username: str) -> None:
        with self.opener.open(self.base + "/accounts/login/", timeout=60) as response:
            response.read()
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 — http://127.0.0.1 only
            self.base + "/accounts/login/",
            data=data,
            headers={"Referer": self.base + "/accounts/login/"},
        )
        with self.opener.open(request, timeout=60) as response:
            response.read()
        if not any(c.name == "sessionid" for c in self.jar):
            raise SystemExit(f"login failed for {username}")


def vm_hwm_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else 0.0


def children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def run_phase(phase: str, env: dict[str, str], *extra: str) -> str:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{phase} phase failed")
    return done.stdout


def measure_size(args: argparse.Namespace, size: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="shegong-bench-pages-"))
    env = {
        **os.environ,
        "SHEGONG_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "SHEGONG_TASKS": "database",
        # The bench signs in over HTTP with passwords only: page times, not the second factor.
        "SHEGONG_SECOND_FACTOR_REQUIRED": "false",
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
    }
    env.pop("DATABASE_URL", None)
    pg_name, pg_cli = "", []
    if args.postgres:
        pg_name = f"shegong_bench_pages_{os.getpid()}_{size}"
        parts = urllib.parse.urlsplit(args.pg_url)
        pg_cli = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
        pg_cli += ["-U", parts.username or "root"]
        subprocess.run(["createdb", *pg_cli, pg_name], check=True)
        env["DATABASE_URL"] = f"{args.pg_url.rstrip('/')}/{pg_name}"
    out: dict[str, Any] = {"history_appeals": size}
    server: subprocess.Popen[bytes] | None = None
    try:
        setup_file = data_dir / "setup.json"
        started = time.monotonic()
        log(f"[{size:,}] setup …")
        run_phase(
            "setup",
            env,
            *("--out", str(setup_file), "--size", args.size, "--history", str(size)),
            *("--history-workers", str(args.history_workers), "--seed", str(args.seed)),
        )
        setup = json.loads(setup_file.read_text(encoding="utf-8"))
        out["setup_seconds"] = round(time.monotonic() - started, 1)
        out["setup"] = {k: v for k, v in setup.items() if k != "history"}
        out["history"] = setup.get("history")
        port = free_port()
        log_file = (data_dir / "server.log").open("wb")
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "shegong.cli", "serve", "--no-worker", "--no-migrate"),
                *("--host", "127.0.0.1", "--port", str(port), "--threads", str(args.threads)),
                *("--processes", "1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.3)
        out["server_rss_mb_after_start"] = round(sum(vm_hwm_mb(p) for p in children(server.pid)), 1)
        measured: dict[str, Any] = {}
        for persona, items in pages(setup).items():
            session = Session(port)
            session.login(persona)
            for name, path in items:
                first = session.get(path)  # the first view (cold for this page and user)
                for _ in range(args.warmup):
                    session.get(path)
                times, statuses, size_bytes = [], set(), 0
                for _ in range(args.repeat):
                    status, length, ms = session.get(path)
                    times.append(ms)
                    statuses.add(status)
                    size_bytes = length
                times.sort()
                measured[name] = {
                    "persona": persona,
                    "path": path,
                    "status": sorted(statuses),
                    "bytes": size_bytes,
                    "first_ms": round(first[2], 1),
                    "p50_ms": round(percentile(times, 0.50), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "max_ms": round(times[-1], 1),
                }
                log(f"[{size:,}] {name}: p95 {measured[name]['p95_ms']} ms {sorted(statuses)}")
        pids = children(server.pid)
        out["server_peak_rss_mb"] = {str(p): round(vm_hwm_mb(p), 1) for p in pids}
        counted = json.loads(
            run_phase("queries", env, "--out", str(setup_file), "--repeat", str(args.repeat))
            .strip()
            .splitlines()[-1]
        )
        for name, value in counted["queries"].items():
            measured[name]["queries"] = value["queries"]
            slowest = value.get("slowest_query")
            if slowest and measured[name]["p95_ms"] >= args.explain_over_ms:
                measured[name]["slowest_query"] = slowest
        out["pages"] = measured
        out["baseline_ms"] = counted["baseline_ms"]
        base = counted["baseline_ms"]["newest_30_of_a_status"]["p95"] or 0.001
        out["ratio_p95_to_baseline"] = {
            k: round(v["p95_ms"] / base, 1) for k, v in measured.items()
        }
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if pg_name:
            subprocess.run(["dropdb", *pg_cli, "--force", "--if-exists", pg_name], check=False)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            out["data_dir"] = str(data_dir)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000", help="history appeals, comma-separated")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help="server URL without a database")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--repeat", type=int, default=20, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured requests per page")
    parser.add_argument("--history", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--history-workers", type=int, default=2, help="COPY processes (PG)")
    parser.add_argument("--history-month-days", type=int, default=400, help=argparse.SUPPRESS)
    parser.add_argument("--size", default="small", help="demo city size")
    parser.add_argument(
        "--explain-over-ms", type=float, default=150.0, help="slowest query + plan above this p95"
    )
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        return phase_setup(args)
    if args.phase == "queries":
        return phase_queries(args)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result: dict[str, Any] = {
        "benchmark": "pages",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        },
        "database": "postgresql" if args.postgres else "sqlite",
        "server": f"shegong serve --no-worker, 1 process, {args.threads} threads",
        "timing": "client latency on loopback, one client in sequence (no Server-Timing header)",
        "queries": "Django test client + CaptureQueriesContext in a separate process, 2nd request",
        "repeat": args.repeat,
        "sizes": {},
    }
    for size in sizes:
        result["sizes"][str(size)] = measure_size(args, size)
    small, large = str(min(sizes)), str(max(sizes))
    if small != large:
        a, b = result["sizes"][small]["pages"], result["sizes"][large]["pages"]
        result["growth_p95"] = {
            k: round(b[k]["p95_ms"] / max(a[k]["p95_ms"], 0.001), 2) for k in a if k in b
        }
    over = {}
    for size, data in result["sizes"].items():
        for name, page in data.get("pages", {}).items():
            if page["p95_ms"] >= TARGET_MS or any(s != 200 for s in page["status"]):
                over[f"{size}:{name}"] = [page["p95_ms"], page["status"]]
    result["targets"] = {
        "every_page_p95_below_300ms": not over,
        "over_target_or_not_200": over,
        "untriaged_first_view_below_300ms": {
            size: data["pages"]["appeal_detail_untriaged"]["first_ms"] < TARGET_MS
            for size, data in result["sizes"].items()
            if "pages" in data
        },
        "web_rss_below_400mb": {
            size: max(data.get("server_peak_rss_mb", {"-": 0}).values()) < RSS_TARGET_MB
            for size, data in result["sizes"].items()
        },
        "growth_at_most_1_5": (
            {k: v <= 1.5 for k, v in result["growth_p95"].items()}
            if "growth_p95" in result
            else "one size only"
        ),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Peer figures: django-helpdesk's staff pages at 100,000 tickets, measured like pages.py.

Prints one JSON object. django-helpdesk is **measured, never imported into the product**:
this script (standard library only) creates its own virtual environment in a temporary
directory, ``pip install django-helpdesk==2.6.1 waitress`` into it, writes a minimal Django
project there (helpdesk with teams mode off, SQLite or ``--postgres`` scratch database),
migrates, loads ``--tickets`` tickets over ``--queues`` queues fast (``bulk_create`` of
ticket rows and one follow-up each, ~85 % closed/resolved, the rest open; ``ANALYZE``), then
serves it with waitress (the WSGI server ``shegong serve`` uses; same thread count) and a
staff user logs in through the login form. Pages: the dashboard, the ticket list (HTML shell)
and the JSON its table loads (``datatables_ticket_list``, first 25 open tickets sorted by
creation), one ticket's detail. Per page: p50/p95 client latency on loopback (one client in
sequence, as pages.py), queries per page (test client + CaptureQueriesContext in the peer's
venv, second request), peak RSS of the server (VmHWM). Baseline in the same run: direct
indexed SQL on the ticket table (the newest 25 open tickets; one by primary key).

    .venv/bin/python bench/peer_helpdesk.py                     # 100,000 tickets, SQLite
    .venv/bin/python bench/peer_helpdesk.py --venv /tmp/hd-venv # reuse an installed venv
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VERSION = "2.6.1"
PASSWORD = "Peer-bench-2026"  # noqa: S105 — a throwaway account in a throwaway database

SETTINGS = """
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "peer-bench-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peerproj.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "peerproj.wsgi.application"
if os.environ.get("PEER_DATABASE_URL"):
    from urllib.parse import urlsplit
    u = urlsplit(os.environ["PEER_DATABASE_URL"])
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
        "NAME": u.path.lstrip("/"), "USER": u.username or "", "HOST": u.hostname or "",
        "PORT": u.port or 5432, "CONN_MAX_AGE": 60}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3", "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"}}}
SITE_ID = 1
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/helpdesk/"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
HELPDESK_TEAMS_MODE_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
"""

URLS = """
from django.contrib.auth import views as auth_views
from django.urls import include, path
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="helpdesk/registration/login.html")),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
application = get_wsgi_application()
"""

LOAD = """
import json, os, random, sys, time
from datetime import timedelta
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket

count, queues, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(20261206)
started = time.monotonic()
User = get_user_model()
staff = User.objects.create_user("staff", "staff@example.org", password, is_staff=True)
qs = [Queue.objects.create(title=f"队列{i}", slug=f"q{i}") for i in range(queues)]
now = timezone.now()
span = timedelta(days=3 * 365)
titles = ["小区噪音扰民", "路灯不亮", "垃圾清运不及时", "物业费争议", "占道经营", "供暖不热"]
for lo in range(0, count, 5000):
    tickets = []
    for k in range(lo, min(lo + 5000, count)):
        created = now - span + span * (k / count)
        r = rng.random()
        status = 1 if r < 0.1 else 2 if r < 0.15 else 3 if r < 0.3 else 4
        tickets.append(Ticket(
            title=rng.choice(titles) + f" #{k}", queue=rng.choice(qs), created=created,
            modified=created, submitter_email=f"p{k % 20000}@example.org",
            status=status, description="群众反映：" + rng.choice(titles) * 20,
            priority=rng.randint(1, 5), secret_key=f"{k:012d}",
            assigned_to=staff if rng.random() < 0.3 else None,
        ))
    with transaction.atomic():
        made = Ticket.objects.bulk_create(tickets)
        FollowUp.objects.bulk_create(
            FollowUp(ticket=t, date=t.created, title="Ticket Opened", comment=t.description,
                     public=True, user=staff) for t in made
        )
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
open_ticket = Ticket.objects.filter(status=1).order_by("-id").values_list("id", flat=True).first()
print(json.dumps({"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count(),
                  "queues": queues, "seconds": round(time.monotonic() - started, 1),
                  "method": "bulk_create, 5,000 per transaction",
                  "detail_ticket": open_ticket}))
"""

QUERIES = """
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pages, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
client = Client()
client.force_login(get_user_model().objects.get(username="staff"))
out = {}
for name, path in pages.items():
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    out[name] = {"queries": len(ctx.captured_queries), "status": response.status_code}
samples = {"newest_25_open": [], "one_ticket_by_pk": []}
with connection.cursor() as cursor:
    for _ in range(repeat):
        t = time.perf_counter()
        cursor.execute("SELECT id, title, status, created FROM helpdesk_ticket "
                       "WHERE status IN (1, 2) ORDER BY created DESC LIMIT 25")
        cursor.fetchall()
        samples["newest_25_open"].append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        cursor.execute("SELECT * FROM helpdesk_ticket WHERE id = %s", [int(sys.argv[3])])
        cursor.fetchall()
        samples["one_ticket_by_pk"].append(1000 * (time.perf_counter() - t))
def pct(v, q):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(q * len(v)))], 3)
print(json.dumps({"queries": out, "baseline_ms": {
    k: {"p50": pct(v, 0.5), "p95": pct(v, 0.95)} for k, v in samples.items()}}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else 0.0


class Session:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                body, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return status, body, 1000 * (time.perf_counter() - started)

    def login(self) -> None:
        self.get("/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": "staff", "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 — http://127.0.0.1 only
            self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=60) as response:
            response.read()
        if not any(c.name == "sessionid" for c in self.jar):
            raise SystemExit("peer login failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--venv", default="", help="reuse this venv (must have the packages)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shegong-bench-peer-"))
    result: dict[str, Any] = {
        "benchmark": "peer_helpdesk",
        "peer": f"django-helpdesk=={VERSION}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        },
        "database": "postgresql" if args.postgres else "sqlite",
        "server": f"waitress, 1 process, {args.threads} threads",
        "timing": "client latency on loopback, one client in sequence (no Server-Timing header)",
    }
    server: subprocess.Popen[bytes] | None = None
    pg_name, pg_cli = "", []
    try:
        venv = Path(args.venv) if args.venv else work / "venv"
        python = venv / "bin" / "python"
        if not args.venv:
            started = time.monotonic()
            log("peer: creating venv and installing django-helpdesk …")
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", str(venv)], check=True)
            packages = [f"django-helpdesk=={VERSION}", "waitress"]
            if args.postgres:
                packages.append("psycopg[binary]")
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", *packages],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result["install_seconds"] = round(time.monotonic() - started, 1)
        freeze = subprocess.run(
            [str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
        ).stdout.split()
        result["peer_packages"] = [
            p for p in freeze if p.lower().startswith(("django", "waitress"))
        ]
        project = work / "project"
        (project / "peerproj").mkdir(parents=True)
        (project / "peerproj" / "__init__.py").write_text("")
        (project / "peerproj" / "settings.py").write_text(textwrap.dedent(SETTINGS))
        (project / "peerproj" / "urls.py").write_text(textwrap.dedent(URLS))
        (project / "peerproj" / "wsgi.py").write_text(textwrap.dedent(WSGI))
        (project / "load.py").write_text(LOAD)
        (project / "queries.py").write_text(QUERIES)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "peerproj.settings",
            "PYTHONPATH": str(project),
        }
        env.pop("DATABASE_URL", None)
        if args.postgres:
            pg_name = f"peer_helpdesk_{os.getpid()}"
            parts = urllib.parse.urlsplit(args.pg_url)
            pg_cli = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
            pg_cli += ["-U", parts.username or "root"]
            subprocess.run(["createdb", *pg_cli, pg_name], check=True)
            env["PEER_DATABASE_URL"] = f"{args.pg_url.rstrip('/')}/{pg_name}"
        log("peer: migrate …")
        subprocess.run(
            [str(python), "-m", "django", "migrate", "-v", "0"], cwd=project, env=env, check=True
        )
        log(f"peer: loading {args.tickets:,} tickets …")
        loaded = subprocess.run(
            [str(python), "load.py", str(args.tickets), str(args.queues), PASSWORD],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        result["load"] = json.loads(loaded.stdout.strip().splitlines()[-1])
        detail = result["load"]["detail_ticket"]
        port = free_port()
        server = subprocess.Popen(
            [
                str(venv / "bin" / "waitress-serve"),
                *(f"--listen=127.0.0.1:{port}", f"--threads={args.threads}"),
                "peerproj.wsgi:application",
            ],
            cwd=project,
            env=env,
            stdout=(work / "server.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("peer server did not start") from None
                time.sleep(0.3)
        result["server_rss_mb_after_start"] = round(vm_hwm_mb(server.pid), 1)
        session = Session(port)
        session.login()
        _, shell, _ = session.get("/helpdesk/tickets/")
        found = re.search(rb"datatables_ticket_list/([A-Za-z0-9_=\-]+)", shell)
        paths = {
            "dashboard": "/helpdesk/dashboard/",
            "ticket_list_html": "/helpdesk/tickets/",
            "ticket_detail": f"/helpdesk/tickets/{detail}/",
        }
        if found:
            paths["ticket_list_rows_json"] = (
                f"/helpdesk/datatables_ticket_list/{found.group(1).decode()}"
                "?draw=1&start=0&length=25"
            )
        measured: dict[str, Any] = {}
        for name, path in paths.items():
            first = session.get(path)
            for _ in range(args.warmup):
                session.get(path)
            times, statuses, size = [], set(), 0
            for _ in range(args.repeat):
                status, body, ms = session.get(path)
                times.append(ms)
                statuses.add(status)
                size = len(body)
            times.sort()
            measured[name] = {
                "path": path,
                "status": sorted(statuses),
                "bytes": size,
                "first_ms": round(first[2], 1),
                "p50_ms": round(percentile(times, 0.5), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "max_ms": round(times[-1], 1),
            }
            log(f"peer {name}: p95 {measured[name]['p95_ms']} ms {sorted(statuses)}")
        result["server_peak_rss_mb"] = round(vm_hwm_mb(server.pid), 1)
        counted = subprocess.run(
            [str(python), "queries.py", json.dumps(paths), str(args.repeat), str(detail)],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        counts = json.loads(counted.stdout.strip().splitlines()[-1])
        for name, value in counts["queries"].items():
            measured[name]["queries"] = value["queries"]
        result["pages"] = measured
        result["baseline_ms"] = counts["baseline_ms"]
        base = counts["baseline_ms"]["newest_25_open"]["p95"] or 0.001
        result["ratio_p95_to_baseline"] = {
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
        if args.keep:
            result["work_dir"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

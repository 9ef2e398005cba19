"""Benchmark: the party pages people work from, on a whole demo world (issue 15).

Prints one JSON object. Runs on an existing demo database (``SHEGONG_DATA_DIR``, e.g. the
metro demo's: ~24,000 branches, ~410,000 members, ~2.4 million meetings) — it builds
nothing. Measured ``--runs`` times after a warm-up, in process through Django's test client
(server time: request in to response out), with the number of queries of one request:

- the branch secretary (the demo's ``secretary``): their branch's compliance page (the
  secretary's page), the meetings list, the member roster, the dues page of the branch;
- the department (``dept_admin``): the city compliance table, the open findings, the member
  roster (all ~410,000), the 发展党员 pipeline, the transfers, the study department page;
- a street (``street``): the street's compliance table and roster.

Baseline in the same run: a primary-key look-up of one member (``Member.objects.get``), so
``ratio_p95`` = page p95 / baseline p95 says how many bare queries a page costs.

    SHEGONG_DATA_DIR=/work/metro/data PYTHONPATH=$PWD .venv/bin/python bench/party_pages.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from cockpit import timed  # noqa: E402 - the bench's shared timer (p50/p95/max after a warm-up)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from shegong.accounts.models import User
    from shegong.members.models import Member
    from shegong.organizations.choices import BRANCH_KINDS
    from shegong.organizations.models import OrgAdministrator

    settings.ALLOWED_HOSTS = ["*"]
    # force_login cannot do the login steps (second factor): trust it, as the test settings do
    settings.SHEGONG_TRUST_FORCED_LOGIN = True
    branch = (
        OrgAdministrator.objects.filter(
            user__username="secretary", organization__kind__in=BRANCH_KINDS
        )
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
        .first()
    )
    if branch is None:
        raise SystemExit("演示数据中没有党支部书记 secretary 的党支部")
    pages = {
        "secretary": [
            ("compliance_branch", reverse("compliance:branch", args=[branch])),
            ("meetings", reverse("orglife:meetings")),
            ("members", reverse("members:list")),
            ("dues_branch", reverse("dues:org", args=[branch])),
        ],
        "dept_admin": [
            ("compliance_table", reverse("compliance:table")),
            ("compliance_findings", reverse("compliance:findings")),
            ("members", reverse("members:list")),
            ("pipeline", reverse("members:pipeline")),
            ("transfers", reverse("transfers:list")),
            ("study_department", reverse("study:department")),
        ],
        "street": [
            ("compliance_table", reverse("compliance:table")),
            ("members", reverse("members:list")),
        ],
    }
    member_id = Member.objects.order_by("pk").values_list("pk", flat=True).first()
    if member_id is None:
        raise SystemExit("演示数据中没有党员")
    out: dict[str, object] = {
        "backend": connection.vendor,
        "members": Member.objects.count(),
    }
    baseline = timed(lambda: Member.objects.get(pk=member_id), args.runs)
    out["baseline_member_by_pk"] = baseline
    base_p95 = baseline["p95_ms"]
    for username, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, url in urls:

            def get(url: str = url, client: Client = client) -> None:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url}：状态 {response.status_code}")

            times = timed(get, args.runs)
            with CaptureQueriesContext(connection) as captured:
                get()
            result: dict[str, object] = {
                **times,
                "queries": len(captured.captured_queries),
                "ratio_p95": round(times["p95_ms"] / max(base_p95, 0.001), 1),
            }
            out[f"{username}.{name}"] = result
            print(f"{username}.{name}: {result}", file=sys.stderr, flush=True)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

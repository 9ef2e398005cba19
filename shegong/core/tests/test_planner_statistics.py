"""The daily planner-statistics job: on SQLite it writes statistics for the indexes (the
planner weighs e.g. a partial index by them); on PostgreSQL autovacuum does it."""

from __future__ import annotations

import pytest
from django.db import connection

from shegong.core.periodic import REGISTRY, _load_jobs
from shegong.core.tasks import refresh_planner_statistics

pytestmark = pytest.mark.django_db


def _stat_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return 0
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1")
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own statistics")
def test_sqlite_gets_statistics_for_the_indexes(world: object) -> None:
    before = _stat_rows()
    result = refresh_planner_statistics.enqueue().return_value
    assert (before, result, _stat_rows() > 0) == (0, "analyzed", True)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL leaves it to autovacuum")
def test_postgresql_is_left_to_autovacuum() -> None:
    assert refresh_planner_statistics.enqueue().return_value == "skipped"


def test_the_job_runs_daily() -> None:
    _load_jobs()
    job = REGISTRY["core.refresh_planner_statistics"]
    assert (job.every, str(job.at)) == ("daily", "04:20:00")

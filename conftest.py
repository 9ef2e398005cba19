"""Shared fixtures: a small city built through the services, and one persona per role.

Personas (house style): ``dept_admin``, ``dispatcher``, ``handler_unit_a`` (市住建局),
``handler_unit_b`` (市教育局), ``street_north`` and ``street_south`` (two streets of one
district), ``community_north`` (a community under street_north), ``leader``, ``auditor``.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from pytest_django import DjangoDbBlocker


def _select_sleep(seconds: float) -> None:
    select.select([], [], [], max(0.0, seconds))


if "faketime" in os.environ.get("LD_PRELOAD", ""):
    # The dated runs (`make test-dated`) move the clock with libfaketime, whose
    # clock_nanosleep(TIMER_ABSTIME) — what time.sleep uses — fails with EINVAL: sleep through
    # select() instead. Processes the tests start (servers, workers) run on the real clock;
    # they serve requests, the date logic under test runs here.
    time.sleep = _select_sleep


def pytest_configure(config: pytest.Config) -> None:
    """Under libfaketime, the processes the tests start run on the real clock: LD_PRELOAD is
    dropped so they do not load it — except in the pytest-xdist controller, whose only children
    are the workers that run the tests (they drop it in turn). FAKETIME itself stays: the
    library already loaded here re-reads it every few seconds, and without it this process
    would fall back to the real clock part-way through the run."""
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return
    controller = not os.environ.get("PYTEST_XDIST_WORKER") and bool(
        config.getoption("numprocesses", default=None)
    )
    if not controller:
        os.environ.pop("LD_PRELOAD", None)


# Hypothesis's per-example deadline measures the machine, not the code: on a shared CI box
# and under coverage tracing (`make test`) a 200 ms deadline fails correct tests at random.
hypothesis_settings.register_profile("shegong", deadline=None)
hypothesis_settings.load_profile("shegong")

PASSWORD = "Test@Pass2026"  # noqa: S105 — test personas only


@dataclass
class World:
    root: Any
    city: Any
    district: Any
    district_b: Any
    north: Any  # street region 北街道 (339901001)
    south: Any  # street region 南街道 (339901002)
    north_one: Any  # community 北一社区
    south_one: Any  # community 南一社区
    dept: Any
    unit_a: Any
    unit_b: Any
    street_unit_n: Any
    street_unit_s: Any
    users: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


ROWS = [
    ("339900", "示范市", "市", ""),
    ("339901", "东城区", "区县", "339900"),
    ("339902", "西城区", "区县", "339900"),
    ("339901001", "北街道", "街道", "339901"),
    ("339901002", "南街道", "街道", "339901"),
    ("339902001", "西一街道", "街道", "339902"),
    ("339901001001", "北一社区", "社区", "339901001"),
    ("339901001002", "北二社区", "社区", "339901001"),
    ("339901002001", "南一社区", "社区", "339901002"),
    ("339902001001", "西一社区", "社区", "339902001"),
    ("339901001001-01", "第1网格", "网格", "339901001001"),
]


def build_world() -> World:
    from shegong.accounts import services as accounts
    from shegong.accounts.models import User
    from shegong.core.roles import Role
    from shegong.regions import services as regions
    from shegong.regions.models import Region
    from shegong.units import services as units

    root = User.objects.create_superuser("root", password=PASSWORD)
    rows = [
        (i + 2, {"区划代码": c, "名称": n, "层级": lv, "上级区划代码": p})
        for i, (c, n, lv, p) in enumerate(ROWS)
    ]
    report = regions.import_regions(actor=root, rows=rows, commit=True)
    assert report.ok, report.errors
    r = {reg.code: reg for reg in Region.objects.all()}
    city = r["339900"]
    dept = units.create_unit(
        actor=root, code="U-DEPT", name="市委社会工作部", kind="department", region_id=city.pk
    )
    unit_a = units.create_unit(
        actor=root,
        code="U-A",
        name="市住建局",
        kind="functional",
        region_id=city.pk,
        contact_person="王伟",
        contact_phone="13812345678",
    )
    unit_b = units.create_unit(
        actor=root,
        code="U-B",
        name="市教育局",
        kind="functional",
        region_id=city.pk,
        contact_person="李娜",
        contact_phone="13987654321",
    )
    street_n = units.create_unit(
        actor=root, code="U-SN", name="北街道办事处", kind="street", region_id=r["339901001"].pk
    )
    street_s = units.create_unit(
        actor=root, code="U-SS", name="南街道办事处", kind="street", region_id=r["339901002"].pk
    )
    people = {
        "dept_admin": (Role.DEPT_ADMIN, city, dept),
        "dispatcher": (Role.DISPATCHER, city, dept),
        "handler_unit_a": (Role.HANDLER, None, unit_a),
        "handler_unit_b": (Role.HANDLER, None, unit_b),
        "street_north": (Role.STREET_STAFF, r["339901001"], street_n),
        "street_south": (Role.STREET_STAFF, r["339901002"], street_s),
        "community_north": (Role.STREET_STAFF, r["339901001001"], None),
        "district_leader": (Role.LEADER, r["339901"], None),
        "leader": (Role.LEADER, city, None),
        "auditor": (Role.AUDITOR, city, None),
        "secretary": (Role.BRANCH_SECRETARY, r["339901001001"], None),
    }
    users = {}
    for username, (role, region, unit) in people.items():
        users[username] = accounts.create_user(
            actor=root,
            username=username,
            full_name=username,
            role=role,
            password=PASSWORD,
            region_id=region.pk if region else None,
            unit_id=unit.pk if unit else None,
            phone="13700001111",
            # The personas sign in with PASSWORD (browser tests through the form); the rule
            # that a first password is changed is tested in shegong/accounts.
            must_change_password=False,
        )
    return World(
        root=root,
        city=city,
        district=r["339901"],
        district_b=r["339902"],
        north=r["339901001"],
        south=r["339901002"],
        north_one=r["339901001001"],
        south_one=r["339901002001"],
        dept=dept,
        unit_a=unit_a,
        unit_b=unit_b,
        street_unit_n=street_n,
        street_unit_s=street_s,
        users=users,
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_for(client: Any) -> Any:
    """``client_for(user)`` → a Django test client logged in as that user."""
    from django.test import Client

    def make(user: Any) -> Any:
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each test's database starts a new audit chain, so each test has its own checkpoint
    file (the checkpoints of a rolled-back test would read as a cut chain)."""
    from django.test import override_settings

    path = tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"
    with override_settings(SHEGONG_AUDIT_CHECKPOINT_FILE=path):
        yield path


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Any:
    """Per-process caches (policy versions, regions by code) must not outlive a test's
    database: transactional tests flush the tables they were filled from."""
    from shegong.appeals.services.policies import clear_policy_cache
    from shegong.regions import cache as region_cache

    clear_policy_cache()
    region_cache.clear()
    yield
    clear_policy_cache()
    region_cache.clear()


@pytest.fixture(scope="module")
def module_db(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DjangoDbBlocker]:
    """A transaction around a whole module: data a module's fixture builds once (a demo city)
    is seen by each of its tests, whose own changes roll back to a savepoint (the ``db``
    fixture nests), and the module's data rolls back after its last test."""
    from django.db import transaction
    from django.test import override_settings

    checkpoints = override_settings(
        SHEGONG_AUDIT_CHECKPOINT_FILE=tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"
    )
    checkpoints.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        checkpoints.disable()

"""The whole API fuzzed from its own OpenAPI schema (schemathesis): every operation, with
generated parameters and bodies (valid ones and the schema's edge values: huge and negative
numbers, nulls, empty and overlong text), answers without a server error and with a body its
schema describes.

Run in the normal suite, so on SQLite and on PostgreSQL, in-process through the WSGI app,
with a bearer token of two personas: the department administrator (who sees and may change
the most) and a street's staff (a narrower scope, where most objects are 404). The examples
per operation are bounded and derandomized, so a run is reproducible and CI stays quick;
``SHEGONG_FUZZ_EXAMPLES`` raises the bound for a longer local run.

A failure names the operation and the request that broke it (schemathesis prints a ``curl``
line): fix the cause in the module and add a focused test beside it.

Each operation runs as its own Hypothesis test (schemathesis's strategies, positive and
negative data) inside one pytest test per persona, so every failing operation is reported at
once. schemathesis's own pytest integration (``schema.parametrize``) is not used: 4.32.5
breaks on pytest 9.2 (it sets ``Function._nodeid``, which pytest 9.2 no longer has). Status
codes are not checked against the schema: ninja documents an operation's success answers
only, not the 401/403/404/422 every operation may give.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from conftest import World
from shegong.core.tests.test_route_matrix import _objects as matrix_objects
from shegong.core.tests.test_route_matrix import path_param

pytestmark = [pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SHEGONG_FUZZ_EXAMPLES", "10"))
# Operations every request of which is valid: schemathesis can generate no invalid one.
NO_INVALID_INPUT = {"GET /api/volunteer-certificates/verify/{code}"}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI app, in this test's transaction: the request signals must not close the
    connection (Django's own test client disconnects them the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Thousands of refusals (4xx) are the point; a server error is still logged (ERROR).
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        yield WSGIHandler()
    finally:
        request_log.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# GET operations on an existing object the department administrator still gets no 2xx from,
# each with its reason. Every other GET with path parameters must answer 2xx at least once.
NO_SUCCESS_EXPECTED: dict[str, str] = {
    # Triage belongs to the dispatcher (appeals.dispatch), which the administrator lacks: 403.
    "GET /api/appeals/{appeal_id}/triage": "需要 appeals.dispatch（分拨员），管理员没有",
}


def _existing_ids(
    operation: APIOperation, world: World, objects: dict[str, object]
) -> dict[str, object] | None:
    """The operation's path parameters mapped to objects that exist (test_route_matrix's
    table), or None when a parameter has no such object."""
    names = [p.name for p in operation.path_parameters]
    path = operation.label.split(" ", 1)[1]
    samples = {name: path_param(path, name) for name in names}
    if not names or any(sample is None for sample in samples.values()):
        return None
    return {name: sample(world, objects) for name, sample in samples.items()}


def _fuzz_as(persona: str, world: World, app: WSGIHandler) -> None:
    from shegong.accounts.services import create_api_token

    # One object of each kind (and a work order, a sign-up, an instructor), so small ids
    # exist and every path parameter has an object to name (test_route_matrix's table).
    objects = matrix_objects(world)
    _token, raw = create_api_token(actor=world.users[persona], name="模糊测试")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    statuses: dict[str, set[int]] = defaultdict(set)

    def fuzz(
        operation: APIOperation, phase: str, strategy: SearchStrategy[schemathesis.Case]
    ) -> None:
        @(EXISTING if phase == "existing" else FUZZ)
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses[operation.label].add(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except Unsatisfiable:
            if phase == "negative" and operation.label in NO_INVALID_INPUT:
                return
            failures.append(f"{operation.label} ({phase}): no input generated")
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported
            failures.append(f"{operation.label} ({phase}): {exc}")

    # Reads of existing objects first, before any generated write changes them; then every
    # operation with generated parameters; then writes to existing objects.
    existing = [(op, _existing_ids(op, world, objects)) for op in operations]
    for operation, ids in existing:
        if ids is not None and operation.method.upper() == "GET":
            fuzz(operation, "existing", operation.as_strategy(path_parameters=ids))
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode.value, operation.as_strategy(generation_mode=mode))
    for operation, ids in existing:
        if ids is not None and operation.method.upper() != "GET":
            fuzz(operation, "existing", operation.as_strategy(path_parameters=ids))

    assert len(operations) > 60
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    succeeded = {label for label, codes in statuses.items() if any(200 <= c < 300 for c in codes)}
    assert succeeded, f"{persona}: no request succeeded"
    if persona == "dept_admin":
        unread = {
            op.label
            for op in operations
            if op.method.upper() == "GET" and op.path_parameters and op.label not in succeeded
        }
        missing = unread - NO_SUCCESS_EXPECTED.keys()
        assert not missing, {label: sorted(statuses[label]) for label in sorted(missing)}


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
# Objects that exist: half the examples (the run stays within about two minutes).
EXISTING = settings(FUZZ, max_examples=max(EXAMPLES // 2, 3))


def test_api_as_department_administrator(world: World, wsgi_app: WSGIHandler) -> None:
    _fuzz_as("dept_admin", world, wsgi_app)


def test_api_as_street_staff(world: World, wsgi_app: WSGIHandler) -> None:
    _fuzz_as("street_north", world, wsgi_app)

"""The permission matrix, generated from the routes: every URL pattern of the resolver and
every operation of the OpenAPI schema, against every role persona.

The expected outcomes are written out in ``route_matrix_table.py`` (one row per route; see
docs/architecture.md "Scope" for how to add one). Outcomes:

``"ok"``     2xx, or a redirect that is not to a login page;
``"login"``  nobody signed in: a redirect to a login page (pages) or 401 (API);
``403``      signed in without the capability;
``404``      the sample object is outside the persona's scope (or the address is not theirs);
``405``      the method is not allowed (a POST-only address opened with GET);
other codes (``"400"``, ``"409"``, ``"422"``) where that is the honest answer.

Pages are fetched with GET by every persona. Every persona whose GET is refused also POSTs
to the address (form pages and POST-only routes alike; ``post=`` in the row gives the POST
outcome where it differs), and every write operation of the API is called by every persona
whose row refuses it, with a body made from the operation's schema: each refused write
must leave the audit trail and every table unchanged. Allowed writes are not sent (they
would change the world the other rows are checked against); their behaviour is the business
of the modules' own tests.

``ROUTE_MATRIX_RECORD=/tmp/observed.json`` writes what was observed (for drafting a new row;
a row is a decision, review it against ``accounts/roles.py`` before adding it).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.test import Client, override_settings
from django.urls import reverse

from shegong.core.tests.route_matrix_table import API, PAGES, PERSONAS, Row
from shegong.core.tests.routes import (
    SAMPLES,
    Operation,
    Route,
    api_operations,
    demo_objects,
    party_route_modules,
    walk_routes,
)

API_PREFIX = "api/"
# Routes of the resolver that are not API operations but live under api/ (schema, docs, root).
API_PAGES = {"api:openapi-json", "api:openapi-view", "api:api-root"}
# Addresses that end the session of the client that opens them: opened with a throwaway one.
ENDS_SESSION = {"accounts:logout", "volunteer_portal:logout", "admin:logout"}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/volunteer/login/")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


# --- the routes --------------------------------------------------------------------------


def page_routes() -> list[Route]:
    """Every resolver route except the API's operations (those are checked by operation)."""
    return [r for r in walk_routes() if not r.route.startswith(API_PREFIX) or r.name in API_PAGES]


def _api_route_as_openapi(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def row_problems(
    pages: set[str], ops: set[str], table_pages: Any, table_api: Any
) -> tuple[list[str], list[str]]:
    """(routes without a row, rows naming no route)."""
    missing = sorted(pages - table_pages.keys()) + sorted(ops - table_api.keys())
    stale = sorted(table_pages.keys() - pages) + sorted(table_api.keys() - ops)
    return missing, stale


def test_every_route_has_a_row_and_every_row_a_route() -> None:
    pages = {r.key for r in page_routes()}
    ops = {op.key for op in api_operations()}
    missing, stale = row_problems(pages, ops, PAGES, API)
    assert not missing, (
        "routes without a row in core/tests/route_matrix_table.py (add the expected outcome "
        f"for every persona): {missing}"
    )
    assert not stale, f"rows of core/tests/route_matrix_table.py naming no route: {stale}"


def test_a_new_route_or_a_removed_one_is_named() -> None:
    pages = {r.key for r in page_routes()}
    ops = {op.key for op in api_operations()}
    table = {k: v for k, v in PAGES.items() if k != "regions:list"}
    table["regions:gone"] = Row("ok")
    missing, stale = row_problems(pages | {"units:new-page"}, ops, table, API)
    assert missing == ["regions:list", "units:new-page"]
    assert stale == ["regions:gone"]
    api = {k: v for k, v in API.items() if k != "GET /api/regions"}
    assert row_problems(pages, ops, PAGES, api) == (["GET /api/regions"], [])


def test_every_api_route_of_the_resolver_is_an_operation() -> None:
    paths = {op.path for op in api_operations()}
    orphans = [
        r.route
        for r in walk_routes()
        if r.route.startswith(API_PREFIX)
        and r.name not in API_PAGES
        and _api_route_as_openapi(r.route) not in paths
    ]
    assert orphans == []


def test_rows_name_only_known_personas_and_outcomes() -> None:
    allowed = {"ok", "login", 403, 404, 405, "400", "409", "410", "422"}
    bad = [
        f"{key}: {persona}={outcome!r}"
        for table in (PAGES, API)
        for key, row in table.items()
        for part in (row, row.post)
        if part is not None
        for persona, outcome in [("default", part.default), *part.overrides.items()]
        if (persona != "default" and persona not in PERSONAS) or outcome not in allowed
    ]
    assert bad == []


# --- samples -----------------------------------------------------------------------------

# Arguments of routes the no-English crawl does not open (POST-only, downloads, admin …).
EXTRA_SAMPLES: dict[str, Any] = {
    "core:reveal": lambda w, o: {
        "model_label": "units.Unit",
        "pk": w.unit_a.pk,
        "field": "contact_phone",
    },
    "accounts:token-revoke": lambda w, o: {"pk": o["token"].pk},
    "appeal_notices:notice": lambda w, o: {
        "pk": o["appeal"].pk,
        "kind": "acceptance",
        "fmt": "pdf",
    },
    "appeal_notices:timeline": lambda w, o: {"pk": o["appeal"].pk, "fmt": "pdf"},
    "appeals:act": lambda w, o: {"pk": o["appeal"].pk, "action": "accept"},
    "appeals:reveal": lambda w, o: {
        "pk": o["appeal"].pk,
        "petitioner_id": o["appeal"].petitioner_id,
        "field": "phone",
    },
    "appeals:reveal-text": lambda w, o: {"pk": o["appeal"].pk, "field": "body"},
    "appeals:attachment": lambda w, o: {"pk": o["appeal"].pk, "token": "no-such-token"},
    "appeals:contest": lambda w, o: {"fact_id": 999999},
    "suggestions:theme-act": lambda w, o: {"pk": o["theme"].pk, "action": "publish"},
    "suggestions:publication-act": lambda w, o: {"pk": o["suggestion"].pk, "action": "publish"},
    "suggestions:act": lambda w, o: {"pk": o["suggestion"].pk, "action": "start"},
    "triage:accept": lambda w, o: {"appeal_id": o["appeal"].pk},
    "organizations:instructor-end": lambda w, o: {"pk": o["instructor"].pk},
    "organizations:committee-end": lambda w, o: {"pk": o["org"].pk, "member_id": 999999},
    "organizations:org-admin-remove": lambda w, o: {"pk": o["org"].pk, "link_id": 999999},
    "volunteers:record-void": lambda w, o: {"kind": "training", "record_id": 999999},
    "volunteers:import-template": lambda w, o: {"kind": "volunteers"},
    "volunteers:member-remove": lambda w, o: {"pk": o["member"].pk},
    "volunteers:slot-qr": lambda w, o: {"pk": o["slot"].pk},
    "volunteers:slot-confirm-all": lambda w, o: {"pk": o["slot"].pk},
    "volunteers:signup-action": lambda w, o: {"pk": o["signup"].pk, "action": "confirm"},
    "volunteers:entry-reverse": lambda w, o: {"pk": o["entry"].pk},
    "volunteers:certificate-pdf": lambda w, o: {"pk": o["certificate"].pk},
    "volunteers:certificate-revoke": lambda w, o: {"pk": o["certificate"].pk},
    "volunteer_portal:signup": lambda w, o: {"slot_id": o["slot"].pk},
    "volunteer_portal:cancel": lambda w, o: {"pk": o["signup"].pk},
    "volunteer_portal:certificate-pdf": lambda w, o: {"number": o["certificate"].number},
}
# Regex routes (Open311, admin catch-alls) and Django admin's object routes.
GENERIC_ARGS = {
    "fmt": "json",
    "service_code": "no-such-service",
    "service_request_id": "no-such-request",
    "app_label": "core",
    "url": "no-such-page/",
    "object_id": "1",
    "content_type_id": "1",
}


def _url(route: Route, world: Any, objs: dict[str, Any]) -> str:
    if not route.needs_args:
        return "/" + route.route.replace("^", "").replace("$", "")
    sample = EXTRA_SAMPLES.get(route.name) or SAMPLES.get(route.name)
    if sample is not None:
        return reverse(route.name, kwargs=sample(world, objs))
    names = list(route.pattern.pattern.regex.groupindex) or re.findall(
        r"<(?:\w+:)?(\w+)>", str(route.pattern.pattern)
    )
    kwargs = {n: GENERIC_ARGS[n] for n in names}
    prefix = route.route[: len(route.route) - len(str(route.pattern.pattern))]
    tail = str(route.pattern.pattern)
    for name, value in kwargs.items():
        tail = re.sub(rf"\(\?P<{name}>[^)]*\)|<(?:\w+:)?{name}>", value, tail)
    tail = re.sub(r"\(\?P<\w+>\.\*\)", "", tail)
    return "/" + (prefix + tail).replace("^", "").replace("$", "").replace("\\.", ".")


PATH_PARAMS: dict[str, Any] = {
    "appeal_id": lambda w, o: o["appeal"].pk,
    "code": lambda w, o: o["certificate"].verify_code,
    "entity_id": lambda w, o: o["entity"].pk,
    "finding_id": lambda w, o: o["finding"].pk,
    "milestone_id": lambda w, o: 999999,
    "order_id": lambda w, o: o["order"].pk,
    "org_id": lambda w, o: o["org"].pk,
    "region_id": lambda w, o: w.north.pk,
    "request_id": lambda w, o: 999999,
    "signup_id": lambda w, o: o["signup"].pk,
    "theme_id": lambda w, o: o["theme"].pk,
    "unit_id": lambda w, o: w.unit_a.pk,
    "user_id": lambda w, o: w.street_north.pk,
    "volunteer_id": lambda w, o: o["volunteer"].pk,
}
# The party apps' API path parameters, from their tests/route_rows.py (``PATH_PARAMS``). A
# module's parameters name its own objects on its own API paths (``order_id`` on
# /api/serving/… is a service order, on /api/work-orders/… an appeal's work order: on SQLite
# both are pk 1, on PostgreSQL not); a name new here also serves every other path.
ROUTE_PATH_PARAMS: dict[tuple[str, str], Callable[..., object]] = {}
for _module in party_route_modules():
    _params = getattr(_module, "PATH_PARAMS", {})
    for _name, _value in _params.items():
        PATH_PARAMS.setdefault(_name, _value)
    for _key in getattr(_module, "API", {}):
        _path = _key.split(" ", 1)[1]
        for _name, _value in _params.items():
            if "{" + _name + "}" in _path:
                ROUTE_PATH_PARAMS[(_path, _name)] = _value


def path_param(path: str, name: str) -> Callable[..., object] | None:
    """The sample value of path parameter ``name`` on API path ``path`` (a function of the
    world and the matrix's objects), or None when no object is named so."""
    return ROUTE_PATH_PARAMS.get((path, name)) or PATH_PARAMS.get(name)


# Body fields the schema cannot tell (a field name checked by the operation itself), so the
# refusal the row expects is the permission check's, not the input's.
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/appeals/{appeal_id}/reveal-text": {"field": "body", "reason": "矩阵测试"},
}


def _example(schema: dict[str, Any]) -> Any:
    """A value that passes the schema's validation (so a refusal is the permission check's)."""
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _example(options[0]) if options else None
    if "allOf" in schema:
        return _example(schema["allOf"][0])
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k]) for k in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}))] if schema.get("minItems") else []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(schema.get("minimum", 1)), 1.0)
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return NOW.date().isoformat()
    if fmt == "date-time":
        return NOW.isoformat()
    text = "矩阵测试内容，请勿处理。"
    return text[: schema.get("maxLength", len(text))]


def _api_url(op: Operation, world: Any, objs: dict[str, Any]) -> str:
    path = op.path
    query = []
    for param in op.params:
        if param["in"] == "path":
            sample = path_param(op.path, param["name"])
            assert sample is not None, f"{op.key}: no sample for {{{param['name']}}}"
            path = path.replace("{" + param["name"] + "}", str(sample(world, objs)))
        elif param.get("required"):
            query.append((param["name"], _example(param["schema"])))
    return path + ("?" + urlencode(query) if query else "")


# --- the run -----------------------------------------------------------------------------


def outcome(response: Any) -> str | int:
    status = response.status_code
    if status in (301, 302, 303):
        location = response.get("Location", "")
        return "login" if any(p in location for p in LOGIN_PATHS) else "ok"
    if 200 <= status < 300 or status == 304:
        return "ok"
    if status == 401:
        return "login"
    if status in (403, 404, 405):
        return status
    return str(status)


REFUSED = {"login", 403, 404, 405}


def _snapshot() -> dict[str, int]:
    """A fingerprint of every table a refused write could touch (sessions excepted)."""
    prints = {}
    for model in apps.get_models():
        if model._meta.label in ("sessions.Session",):
            continue
        rows = model._default_manager.order_by("pk").values_list(flat=False)
        prints[model._meta.label] = hash(tuple(map(repr, rows)))
    return prints


def _clients(world: Any, objs: dict[str, Any], only: str = "") -> dict[str, Client]:
    from shegong.volunteers.portal_views import SESSION_KEY

    users = {**world.users, "vm_north": objs["kit"].vm_north, "vm_south": objs["kit"].vm_south}
    clients = {}
    for persona in [only] if only else PERSONAS:
        client = Client(raise_request_exception=False)
        if persona == "volunteer":
            session = client.session
            session[SESSION_KEY] = {"id": objs["volunteer"].pk, "expires": 10**12}
            session.save()
        elif persona != "anon":
            client.force_login(users[persona])
        clients[persona] = client
    return clients


def _objects(world: Any) -> dict[str, Any]:
    from shegong.accounts.services import create_api_token
    from shegong.appeals.models import WorkOrder
    from shegong.organizations.services.entities import assign_instructor
    from shegong.volunteers.services import sign_up

    objs = demo_objects(world)
    objs["order"] = WorkOrder.objects.filter(appeal=objs["suggestion"]).order_by("pk").first()
    objs["signup"] = sign_up(volunteer_id=objs["volunteer"].pk, slot_id=objs["slot"].pk)
    objs["instructor"] = assign_instructor(
        actor=world.root, entity_id=objs["entity"].pk, name="李指导"
    )
    objs["token"] = create_api_token(actor=world.street_north, name="矩阵测试")[0]
    return objs


def _cells(row: Row) -> Iterator[tuple[str, str | int]]:
    for persona in PERSONAS:
        yield persona, row.expected(persona)


# Sessions in the cache rather than the table (saved on every request for the idle
# timeout): the same permissions, a third less time for ~5,000 requests.
@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache")
@pytest.mark.django_db
def test_every_route_as_every_persona(world: Any) -> None:
    from shegong.core.models import AuditEvent

    record = os.environ.get("ROUTE_MATRIX_RECORD")
    observed: dict[str, dict[str, Any]] = {}
    wrong: list[str] = []
    with time_machine.travel(NOW, tick=False):
        objs = _objects(world)
        clients = _clients(world, objs)

        def check(key: str, persona: str, expected: Any, got: Any, how: str) -> None:
            observed.setdefault(key, {})[f"{how}:{persona}"] = got
            if not record and got != expected:
                wrong.append(f"{how} {key} as {persona}: expected {expected!r}, got {got!r}")

        # 1. Every page with GET, every API read with GET.
        pages = page_routes()
        urls = {r.key: _url(r, world, objs) for r in pages}
        for route in pages:
            row = PAGES.get(route.key, Row("ok"))
            for persona, expected in _cells(row):
                client = clients[persona]
                if route.name in ENDS_SESSION:
                    client = _clients(world, objs, only=persona)[persona]
                check(route.key, persona, expected, outcome(client.get(urls[route.key])), "GET")
        ops = api_operations()
        api_urls = {op.key: _api_url(op, world, objs) for op in ops}
        for op in ops:
            if op.method != "GET":
                continue
            row = API.get(op.key, Row("ok"))
            for persona, expected in _cells(row):
                got = outcome(clients[persona].get(api_urls[op.key]))
                check(op.key, persona, expected, got, "GET")

        # 2. Refused writes: every persona the row refuses, pages and API; nothing changes.
        before = _snapshot()
        for route in pages:
            row = PAGES.get(route.key, Row("ok"))
            post = row.post or row
            for persona in PERSONAS:
                if record:  # drafting: post wherever the GET was refused
                    refused = observed[route.key][f"GET:{persona}"] in REFUSED
                else:  # allowed writes are not sent (see the module docstring)
                    refused = row.expected(persona) in REFUSED
                    refused = refused and post.expected(persona) in REFUSED
                if not refused or route.name in ENDS_SESSION:
                    continue
                expected = post.expected(persona)
                events = AuditEvent.objects.count()
                got = outcome(clients[persona].post(urls[route.key], {"reason": "矩阵测试"}))
                check(route.key, persona, expected, got, "POST")
                if AuditEvent.objects.count() != events:
                    wrong.append(f"POST {route.key} as {persona} wrote an audit event")
        for op in ops:
            if op.method == "GET":
                continue
            row = API.get(op.key, Row("ok"))
            data = _example(op.request_schema) if op.request_schema else {}
            body = json.dumps({**data, **BODIES.get(op.key, {})})
            for persona, expected in _cells(row):
                if expected not in REFUSED and not record:
                    continue
                events = AuditEvent.objects.count()
                response = clients[persona].generic(
                    op.method, api_urls[op.key], body, content_type="application/json"
                )
                check(op.key, persona, expected, outcome(response), "API")
                if AuditEvent.objects.count() != events and expected in REFUSED:
                    wrong.append(f"{op.key} as {persona} wrote an audit event")
        after = _snapshot()
    if record:
        with open(record, "w", encoding="utf-8") as fh:
            json.dump(observed, fh, ensure_ascii=False, indent=1)
        return
    changed = sorted(label for label in before if before[label] != after.get(label))
    assert not wrong, "\n".join(wrong)
    assert changed == [], f"refused writes changed these tables: {changed}"

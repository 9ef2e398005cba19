"""One route walker for the tests that visit every route (no-English crawl, permission matrix).

``walk_routes()`` reads the URL resolver recursively (namespaces joined with ``:``; the route
string keeps the converters, e.g. ``appeals/<int:pk>/``); ``api_operations()`` reads the
OpenAPI schema of the ninja API (method, path, operation id). ``demo_objects(world)`` builds
one object of each kind with a page through the services, and ``SAMPLES`` gives the URL
arguments of each route with parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from types import ModuleType
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" ("admin:None" for Django's unnamed admin redirects)
    route: str  # the joined pattern, converters kept
    pattern: URLPattern

    @property
    def key(self) -> str:
        """Unique key: the URL name, or the route string where the name is missing."""
        return self.route if self.name.endswith("None") or not self.name else self.name

    @property
    def needs_args(self) -> bool:
        return bool(self.pattern.pattern.regex.groupindex) or "<" in str(self.pattern.pattern)


def walk_routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str, ns: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            else:
                name = f"{ns}:{p.name}" if ns else str(p.name)
                yield Route(name=name, route=prefix + str(p.pattern), pattern=p)

    yield from walk(get_resolver().url_patterns, "", "")


@dataclass(frozen=True)
class Operation:
    method: str  # "GET", "POST", "PATCH", …
    path: str  # "/api/appeals/{appeal_id}"
    operation_id: str
    request_schema: dict[str, Any] | None  # the JSON body's schema (refs resolved), if any
    params: tuple[dict[str, Any], ...]  # OpenAPI parameters (path and query)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _resolve(schema: Any, components: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolve(components[name], components)
        return {k: _resolve(v, components) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(v, components) for v in schema]
    return schema


def api_operations() -> list[Operation]:
    from shegong.core.api import api

    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    ops: list[Operation] = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            json_schema = body.get("application/json", {}).get("schema")
            ops.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", ""),
                    request_schema=_resolve(json_schema, components) if json_schema else None,
                    params=tuple(_resolve(op.get("parameters", []), components)),
                )
            )
    return ops


def demo_objects(world: Any) -> dict[str, Any]:
    """One object of each kind with a detail page, built through the services."""
    from decimal import Decimal

    from shegong.appeals.services.supervision import create_supervision
    from shegong.organizations.models import Finding
    from shegong.organizations.services import entities, orgs, rules
    from shegong.organizations.testing import credit_code
    from shegong.suggestions.services.themes import ThemeData, create_theme
    from shegong.suggestions.tests.conftest import Builder
    from shegong.triage.models import Hotspot
    from shegong.volunteers import services as vol
    from shegong.volunteers.tests.conftest import Kit

    now = timezone.now()
    b = Builder(world)
    appeal = b.appeal(title="路灯不亮", body="北一社区3号楼前路灯坏了两周，晚上出行不安全。")
    suggestion = b.close(b.suggestion())
    supervision = create_supervision(
        actor=world.leader,
        appeal_ids=[appeal.pk],
        title="路灯整改督办",
        instruction="请尽快修复并报告进展",
        deadline=now + timedelta(days=10),
    )
    theme = create_theme(
        actor=world.dept_admin,
        data=ThemeData(
            title="社区养老服务意见征集",
            description="请就社区养老服务提出意见和建议，谢谢参与。",
            start_date=timezone.localdate(),
            end_date=timezone.localdate() + timedelta(days=30),
            owner_unit_id=world.dept.pk,
        ),
    )
    kit = Kit(world)
    volunteer = kit.volunteer(name="王志愿")
    activity = kit.activity(title="助老服务")
    team = activity.team
    slot = activity.slots.first()
    member = vol.add_member(actor=kit.vm_north, team_id=team.pk, volunteer_id=volunteer.pk)
    entry = vol.record_hours(
        actor=kit.vm_north,
        volunteer_id=volunteer.pk,
        hours=Decimal("3"),
        service_date=timezone.localdate() - timedelta(days=2),
        title="助老服务",
        organizer="北一社区志愿服务队",
        region_id=world.north_one.pk,
    )
    certificate = vol.issue_certificate(actor=kit.vm_north, volunteer_id=volunteer.pk)
    entity = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(1),
        name="北一科技有限公司",
        kind="enterprise",
        region_id=world.north_one.pk,
        employees=120,
    )
    org = orgs.create_organization(
        actor=world.root,
        code="T-0001",
        name="北一社区党支部",
        kind="branch",
        region_id=world.north_one.pk,
        formal_members=7,
    )
    orgs.update_organization(actor=world.root, org_id=org.pk, formal_members=9)
    rules.run_rules()
    finding = Finding.objects.order_by("pk").first()
    # A hotspot is a computed cache row (triage.hotspots replaces them all): one in 北街道.
    hotspot = Hotspot.objects.create(
        rank=1,
        label="劳动保障",
        place=world.north.name,
        region=world.north,
        count=1,
        baseline=0.5,
        z=3.5,
        appeal_ids=[appeal.pk],
        sample_appeal_ids=[appeal.pk],
        computed_at=now,
    )
    objects = {
        "appeal": appeal,
        "suggestion": suggestion,
        "supervision": supervision,
        "theme": theme,
        "kit": kit,
        "volunteer": volunteer,
        "activity": activity,
        "team": team,
        "slot": slot,
        "member": member,
        "entry": entry,
        "certificate": certificate,
        "entity": entity,
        "org": org,
        "finding": finding,
        "hotspot": hotspot,
    }
    for module in party_route_modules():
        objects.update(module.objects(world, objects))
    return objects


Sample = Callable[[Any, dict[str, Any]], dict[str, Any]]

# The party apps (issue 15) keep their permission-matrix rows, URL samples and sample objects
# beside their code, in ``shegong/<app>/tests/route_rows.py``: ``PAGES`` and ``API`` (rows, as
# in route_matrix_table.py), ``SAMPLES`` (URL name → arguments), optionally ``PATH_PARAMS``
# (API path parameter → value, merged into test_route_matrix.py's) and ``objects(world,
# objects) -> dict`` (the app's sample objects, built through its services; it may use the
# objects built before it, in the order of ``PARTY_APPS``).
# privacy (a person's data on lawful request) keeps its rows the same way.
# The apps of issues 17–19 (serving, talent, cockpit, reports) too, in that order.
PARTY_APPS = (
    "members",
    "transfers",
    "dues",
    "orglife",
    "study",
    "compliance",
    "privacy",
    "serving",
    "talent",
    "cockpit",
    "reports",
)


def party_route_modules() -> list[ModuleType]:
    return [import_module(f"shegong.{app}.tests.route_rows") for app in PARTY_APPS]


# URL name → arguments for a route with parameters (world, objects).
SAMPLES: dict[str, Sample] = {
    "triage:panel": lambda w, o: {"appeal_id": o["appeal"].pk},
    "triage:hotspot-appeals": lambda w, o: {"pk": o["hotspot"].pk},
    "accounts:user-detail": lambda w, o: {"pk": w.street_north.pk},
    "accounts:user-edit": lambda w, o: {"pk": w.street_north.pk},
    "accounts:user-unlock": lambda w, o: {"pk": w.street_north.pk},
    "accounts:user-password-reset": lambda w, o: {"pk": w.street_north.pk},
    "accounts:user-second-factor-reset": lambda w, o: {"pk": w.street_north.pk},
    "accounts:token-revoke": lambda w, o: {"pk": 1},
    "regions:detail": lambda w, o: {"pk": w.north.pk},
    "regions:edit": lambda w, o: {"pk": w.north.pk},
    "regions:create-child": lambda w, o: {"pk": w.north.pk},
    "regions:move": lambda w, o: {"pk": w.north_one.pk},
    "units:detail": lambda w, o: {"pk": w.unit_a.pk},
    "units:edit": lambda w, o: {"pk": w.unit_a.pk},
    "suggestions_portal:theme": lambda w, o: {"pk": o["theme"].pk},
    "suggestions_portal:open-detail": lambda w, o: {"pk": o["suggestion"].pk},
    "appeals:supervision": lambda w, o: {"pk": o["supervision"].pk},
    "documents:detail": lambda w, o: {"key": "appeals.notice.reply"},
    "documents:file": lambda w, o: {"key": "appeals.notice.reply", "version": "default"},
    "documents:preview": lambda w, o: {"key": "appeals.notice.reply", "version": "active"},
    "documents:activate": lambda w, o: {"key": "appeals.notice.reply", "pk": 999999},
    "documents:revert": lambda w, o: {"key": "appeals.notice.reply"},
    "appeals:detail": lambda w, o: {"pk": o["appeal"].pk},
    "appeals:history": lambda w, o: {"pk": o["appeal"].pk},
    "suggestions:theme": lambda w, o: {"pk": o["theme"].pk},
    "suggestions:theme-edit": lambda w, o: {"pk": o["theme"].pk},
    "suggestions:publication-detail": lambda w, o: {"pk": o["suggestion"].pk},
    "suggestions:detail": lambda w, o: {"pk": o["suggestion"].pk},
    "organizations:entity": lambda w, o: {"pk": o["entity"].pk},
    "organizations:entity-edit": lambda w, o: {"pk": o["entity"].pk},
    "organizations:entity-coverage": lambda w, o: {"pk": o["entity"].pk},
    "organizations:instructor-add": lambda w, o: {"pk": o["entity"].pk},
    "organizations:workforce-set": lambda w, o: {"pk": o["entity"].pk},
    "organizations:org": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-edit": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-move": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-merge": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-dissolve": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-re-election": lambda w, o: {"pk": o["org"].pk},
    "organizations:committee-add": lambda w, o: {"pk": o["org"].pk},
    "organizations:org-admin-add": lambda w, o: {"pk": o["org"].pk},
    "organizations:finding": lambda w, o: {"pk": o["finding"].pk},
    "organizations:finding-assign": lambda w, o: {"pk": o["finding"].pk},
    "organizations:finding-close": lambda w, o: {"pk": o["finding"].pk},
    "volunteers:detail": lambda w, o: {"pk": o["volunteer"].pk},
    "volunteers:status": lambda w, o: {"pk": o["volunteer"].pk},
    "volunteers:contact": lambda w, o: {"pk": o["volunteer"].pk},
    "volunteers:record-hours": lambda w, o: {"pk": o["volunteer"].pk},
    "volunteers:certify": lambda w, o: {"pk": o["volunteer"].pk},
    "volunteers:records": lambda w, o: {"pk": o["volunteer"].pk, "kind": "training"},
    "volunteers:record-correct": lambda w, o: {"kind": "training", "record_id": 1},
    "volunteers:import": lambda w, o: {"kind": "volunteers"},
    "volunteers:team": lambda w, o: {"pk": o["team"].pk},
    "volunteers:team-add-member": lambda w, o: {"pk": o["team"].pk},
    "volunteers:activity": lambda w, o: {"pk": o["activity"].pk},
    "volunteers:activity-status": lambda w, o: {"pk": o["activity"].pk},
    "volunteers:slot-add": lambda w, o: {"pk": o["activity"].pk},
    "volunteers:slot": lambda w, o: {"pk": o["slot"].pk},
    "volunteers:slot-signup": lambda w, o: {"pk": o["slot"].pk},
    "volunteers:certificate": lambda w, o: {"pk": o["certificate"].pk},
    "volunteer_portal:activity": lambda w, o: {"pk": o["activity"].pk},
    "volunteer_portal:checkin": lambda w, o: {"token": "not-a-token"},
    "volunteer_portal:verify": lambda w, o: {"code": o["certificate"].verify_code},
}

for _module in party_route_modules():
    SAMPLES.update(_module.SAMPLES)

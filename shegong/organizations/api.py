from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, Field, model_validator

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region

from .filters import EntityFilterSet, FindingFilterSet, OrgFilterSet
from .models import Entity, Finding, PartyOrganization, PlatformWorkforce
from .services import coverage as coverage_services
from .services import entities as entity_services
from .services import findings as finding_services
from .services import orgs as org_services
from .services.common import TERM_YEARS_RANGE
from .services.rules_run import request_rules_run

router = Router(tags=["党组织与两新覆盖"])


def _not_negative(value: int) -> int:
    if value < 0:
        raise ValueError("不能为负数")
    return value


def _term_years(value: int) -> int:
    low, high = TERM_YEARS_RANGE
    if not low <= value <= high:
        raise ValueError(f"任期年限应为 {low}–{high} 年")
    return value


# Counts and term years are checked here (a Chinese 422 naming the field, and minimum /
# maximum in the OpenAPI schema) and again in the services (DomainError), never by the
# database's CHECK constraint (an IntegrityError would be a 500).
Count = Annotated[int, Field(json_schema_extra={"minimum": 0}), AfterValidator(_not_negative)]
TermYears = Annotated[
    int,
    Field(json_schema_extra={"minimum": TERM_YEARS_RANGE[0], "maximum": TERM_YEARS_RANGE[1]}),
    AfterValidator(_term_years),
]


class _NoNulls(Schema):
    """A PATCH schema whose listed fields may be left out but not sent as null."""

    not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Any:
        nulls = [
            f for f in self.not_null if f in self.model_fields_set and getattr(self, f) is None
        ]
        if nulls:
            raise ValueError(f"以下字段不能为 null：{'、'.join(nulls)}")
        return self


class EntityOut(Schema):
    id: int
    credit_code: str
    name: str
    kind: str
    industry: str
    employees: int
    size_band: str
    address: str
    region_id: int
    street_id: int | None
    supervising_unit: str
    is_active: bool
    coverage_mode: str
    organization_id: int | None
    has_instructor: bool
    formal_members: int
    probationary_members: int
    updated_at: datetime


class EntityIn(Schema):
    credit_code: str
    name: str
    kind: str
    region_id: int
    industry: str = ""
    employees: Count = 0
    address: str = ""
    supervising_unit: str = ""


class EntityPatch(Schema):
    name: str | None = None
    kind: str | None = None
    industry: str | None = None
    employees: Count | None = None
    address: str | None = None
    region_id: int | None = None
    supervising_unit: str | None = None
    is_active: bool | None = None


class CoverageIn(Schema):
    mode: str
    organization_id: int | None = None
    formal_members: Count | None = None
    probationary_members: Count | None = None


class InstructorIn(Schema):
    name: str
    role: str = "instructor"
    phone: str = ""
    assigned_on: date | None = None


class InstructorOut(Schema):
    id: int
    entity_id: int
    name: str
    role: str
    phone_masked: str
    assigned_on: date
    ended_on: date | None

    @staticmethod
    def resolve_phone_masked(obj: Any) -> str:
        return str(obj.phone) if obj.phone else ""


class WorkforceIn(Schema):
    region_id: int
    group: str
    workers: Count
    formal_members: Count = 0
    probationary_members: Count = 0


class WorkforceOut(Schema):
    id: int
    platform_id: int
    region_id: int
    group: str
    workers: int
    formal_members: int
    probationary_members: int


class EntityFilter(Schema):
    q: str | None = None
    within: int | None = None
    street: int | None = None
    kind: str | None = None
    industry: str | None = None
    size_band: str | None = None
    coverage: str | None = None
    organization: int | None = None


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    parent_id: int | None
    region_id: int
    is_community: bool
    founded_on: date | None
    term_started_on: date | None
    term_years: int | None
    formal_members: int
    probationary_members: int
    merged_into_id: int | None
    ended_on: date | None


class OrgIn(Schema):
    code: str
    name: str
    kind: str
    region_id: int
    parent_id: int | None = None
    founded_on: date | None = None
    term_started_on: date | None = None
    term_years: TermYears | None = None
    is_community: bool = False
    formal_members: Count = 0
    probationary_members: Count = 0


class OrgPatch(_NoNulls):
    not_null: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "is_community",
        "formal_members",
        "probationary_members",
        "note",
    )

    name: str | None = None
    kind: str | None = None
    founded_on: date | None = None
    term_years: TermYears | None = None
    is_community: bool | None = None
    formal_members: Count | None = None
    probationary_members: Count | None = None
    note: str | None = None


class OrgFilter(Schema):
    q: str | None = None
    kind: str | None = None
    status: str | None = None
    within: int | None = None
    parent: int | None = None


class MoveIn(Schema):
    new_parent_id: int
    note: str = ""


class MergeIn(Schema):
    target_id: int
    note: str = ""


class CommitteeSeat(Schema):
    name: str
    post: str


class ReElectionIn(Schema):
    on: date
    committee: list[CommitteeSeat]
    note: str = ""


class FindingOut(Schema):
    id: int
    rule: str
    subject_key: str
    subject_name: str
    entity_id: int | None
    organization_id: int | None
    region_id: int
    street_id: int | None
    evidence: str
    legal_basis: str
    responsible_level: str
    status: str
    assignee_id: int | None
    assignee_unit_id: int | None
    due_on: date | None
    opened_at: datetime
    closed_at: datetime | None
    close_note: str


class FindingFilter(Schema):
    q: str | None = None
    rule: str | None = None
    status: str | None = None
    within: int | None = None
    street: int | None = None
    assignee: int | None = None


class AssignIn(Schema):
    assignee_id: int | None = None
    unit_id: int | None = None
    due_on: date | None = None
    note: str = ""


class CloseIn(Schema):
    note: str


class RunOut(Schema):
    queued: bool = False
    opened: int
    refreshed: int
    auto_resolved: int


class FiguresOut(Schema):
    total: int
    org_covered: int
    work_covered: int
    instructor_only: int
    gaps: int
    org_rate: float | None
    work_rate: float | None
    formal_members: int
    probationary_members: int
    by_mode: dict[str, int]


class NamedFigures(Schema):
    key: str
    label: str
    figures: FiguresOut


class CoverageOut(Schema):
    region_id: int | None
    overall: FiguresOut
    by_region: list[NamedFigures]
    by_kind: list[NamedFigures]
    by_industry: list[NamedFigures]
    by_size: list[NamedFigures]
    source: str


class TrendPoint(Schema):
    date: str
    total: int
    org_rate: float | None
    work_rate: float | None


class SnapshotOut(Schema):
    id: int
    taken_on: date
    taken_at: datetime
    source: str


def _filtered(filterset: Any, filters: Any, queryset: Any) -> Any:
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return filterset(data, queryset=queryset).qs


# --- entities -----------------------------------------------------------------------------


@router.get("/organizations/entities", response=list[EntityOut])
@paginate
def list_entities(request: AuthedHttpRequest, filters: Query[EntityFilter]) -> Any:
    require_capability(request, Cap.ORGS_VIEW)
    return _filtered(EntityFilterSet, filters, Entity.objects.visible_to(request.user))


@router.get("/organizations/entities/{entity_id}", response=EntityOut)
def get_entity(request: AuthedHttpRequest, entity_id: int) -> Any:
    return get_visible_or_404(Entity, request.user, pk=entity_id)


@router.post("/organizations/entities", response={201: EntityOut})
def create_entity(request: AuthedHttpRequest, payload: EntityIn) -> Any:
    return Status(201, entity_services.create_entity(actor=request.user, **payload.dict()))


@router.patch("/organizations/entities/{entity_id}", response=EntityOut)
def update_entity(request: AuthedHttpRequest, entity_id: int, payload: EntityPatch) -> Any:
    get_visible_or_404(Entity, request.user, pk=entity_id)
    return entity_services.update_entity(
        actor=request.user, entity_id=entity_id, **payload.dict(exclude_unset=True)
    )


@router.put("/organizations/entities/{entity_id}/coverage", response=EntityOut)
def set_coverage(request: AuthedHttpRequest, entity_id: int, payload: CoverageIn) -> Any:
    get_visible_or_404(Entity, request.user, pk=entity_id)
    return entity_services.set_coverage(actor=request.user, entity_id=entity_id, **payload.dict())


@router.get("/organizations/entities/{entity_id}/instructors", response=list[InstructorOut])
def list_instructors(request: AuthedHttpRequest, entity_id: int) -> Any:
    entity = get_visible_or_404(Entity, request.user, pk=entity_id)
    return list(entity.instructors.all())


@router.post("/organizations/entities/{entity_id}/instructors", response={201: InstructorOut})
def add_instructor(request: AuthedHttpRequest, entity_id: int, payload: InstructorIn) -> Any:
    get_visible_or_404(Entity, request.user, pk=entity_id)
    return Status(
        201,
        entity_services.assign_instructor(
            actor=request.user, entity_id=entity_id, **payload.dict()
        ),
    )


@router.get("/organizations/entities/{entity_id}/workforce", response=list[WorkforceOut])
def list_workforce(request: AuthedHttpRequest, entity_id: int) -> Any:
    entity = get_visible_or_404(Entity, request.user, pk=entity_id)
    return list(PlatformWorkforce.objects.visible_to(request.user).filter(platform=entity))


@router.put("/organizations/entities/{entity_id}/workforce", response=WorkforceOut)
def set_workforce(request: AuthedHttpRequest, entity_id: int, payload: WorkforceIn) -> Any:
    get_visible_or_404(Entity, request.user, pk=entity_id)
    return entity_services.set_workforce(
        actor=request.user, platform_id=entity_id, **payload.dict()
    )


# --- organizations ------------------------------------------------------------------------


@router.get("/organizations/orgs", response=list[OrgOut])
@paginate
def list_orgs(request: AuthedHttpRequest, filters: Query[OrgFilter]) -> Any:
    require_capability(request, Cap.ORGS_VIEW)
    return _filtered(OrgFilterSet, filters, PartyOrganization.objects.visible_to(request.user))


@router.get("/organizations/orgs/{org_id}", response=OrgOut)
def get_org(request: AuthedHttpRequest, org_id: int) -> Any:
    return get_visible_or_404(PartyOrganization, request.user, pk=org_id)


@router.post("/organizations/orgs", response={201: OrgOut})
def create_org(request: AuthedHttpRequest, payload: OrgIn) -> Any:
    return Status(201, org_services.create_organization(actor=request.user, **payload.dict()))


@router.patch("/organizations/orgs/{org_id}", response=OrgOut)
def update_org(request: AuthedHttpRequest, org_id: int, payload: OrgPatch) -> Any:
    get_visible_or_404(PartyOrganization, request.user, pk=org_id)
    return org_services.update_organization(
        actor=request.user, org_id=org_id, **payload.dict(exclude_unset=True)
    )


@router.post("/organizations/orgs/{org_id}/move", response=OrgOut)
def move_org(request: AuthedHttpRequest, org_id: int, payload: MoveIn) -> Any:
    get_visible_or_404(PartyOrganization, request.user, pk=org_id)
    return org_services.move_organization(actor=request.user, org_id=org_id, **payload.dict())


@router.post("/organizations/orgs/{org_id}/merge", response=OrgOut)
def merge_org(request: AuthedHttpRequest, org_id: int, payload: MergeIn) -> Any:
    get_visible_or_404(PartyOrganization, request.user, pk=org_id)
    return org_services.merge_organizations(
        actor=request.user, source_id=org_id, target_id=payload.target_id, note=payload.note
    )


@router.post("/organizations/orgs/{org_id}/re-election", response=OrgOut)
def re_elect(request: AuthedHttpRequest, org_id: int, payload: ReElectionIn) -> Any:
    get_visible_or_404(PartyOrganization, request.user, pk=org_id)
    return org_services.record_re_election(
        actor=request.user,
        org_id=org_id,
        on=payload.on,
        committee=[(seat.name, seat.post) for seat in payload.committee],
        note=payload.note,
    )


# --- findings -----------------------------------------------------------------------------


@router.get("/organizations/findings", response=list[FindingOut])
@paginate
def list_findings(request: AuthedHttpRequest, filters: Query[FindingFilter]) -> Any:
    require_capability(request, Cap.ORGS_VIEW)
    return _filtered(FindingFilterSet, filters, Finding.objects.visible_to(request.user))


@router.post("/organizations/findings/run", response={200: RunOut, 202: RunOut})
def run_rules(request: AuthedHttpRequest) -> Any:
    """A street-sized scope runs now (200 with the counts); a city-wide scope is queued as
    a background task (202, ``queued``)."""
    result = request_rules_run(actor=request.user)
    if result is None:
        return Status(202, {"queued": True, "opened": 0, "refreshed": 0, "auto_resolved": 0})
    return {"queued": False, **result.as_dict()}


@router.get("/organizations/findings/{finding_id}", response=FindingOut)
def get_finding(request: AuthedHttpRequest, finding_id: int) -> Any:
    return get_visible_or_404(Finding, request.user, pk=finding_id)


@router.post("/organizations/findings/{finding_id}/assign", response=FindingOut)
def assign_finding(request: AuthedHttpRequest, finding_id: int, payload: AssignIn) -> Any:
    get_visible_or_404(Finding, request.user, pk=finding_id)
    return finding_services.assign_finding(
        actor=request.user, finding_id=finding_id, **payload.dict()
    )


@router.post("/organizations/findings/{finding_id}/close", response=FindingOut)
def close_finding(request: AuthedHttpRequest, finding_id: int, payload: CloseIn) -> Any:
    get_visible_or_404(Finding, request.user, pk=finding_id)
    return finding_services.close_finding(
        actor=request.user, finding_id=finding_id, note=payload.note
    )


# --- coverage -----------------------------------------------------------------------------


class CoverageQuery(Schema):
    region: int | None = None
    kind: str | None = None
    industry: str | None = None
    size_band: str | None = None


def _named(items: list[tuple[str, str, Any]]) -> list[dict[str, Any]]:
    return [{"key": k, "label": label, "figures": f.as_dict()} for k, label, f in items]


@router.get("/organizations/coverage", response=CoverageOut)
def coverage(request: AuthedHttpRequest, query: Query[CoverageQuery]) -> Any:
    require_capability(request, Cap.ORGS_VIEW)
    root = None
    if query.region is not None:
        root = get_visible_or_404(Region, request.user, pk=query.region)
    data = coverage_services.coverage_for(
        request.user,
        root,
        kind=query.kind or "",
        industry=query.industry or "",
        size_band=query.size_band or "",
    )
    return {
        "region_id": root.pk if root else None,
        "overall": data.overall.as_dict(),
        "by_region": [
            {"key": r.code, "label": r.name, "figures": f.as_dict()} for r, f in data.by_region
        ],
        "by_kind": _named(data.by_kind),
        "by_industry": _named(data.by_industry),
        "by_size": _named(data.by_size),
        "source": data.source,
    }


@router.get("/organizations/coverage/trend", response=list[TrendPoint])
def coverage_trend(request: AuthedHttpRequest, region: int | None = None, kind: str = "") -> Any:
    require_capability(request, Cap.ORGS_VIEW)
    root = get_visible_or_404(Region, request.user, pk=region) if region is not None else None
    return coverage_services.trend(request.user, root, kind=kind)


@router.post("/organizations/coverage/snapshots", response={201: SnapshotOut})
def take_snapshot(request: AuthedHttpRequest) -> Any:
    return Status(201, coverage_services.take_snapshot(actor=request.user))

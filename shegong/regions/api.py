from typing import Annotated, Any

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404, signed_in
from shegong.lib.text import MAX_ID

from . import services
from .choices import RegionLevel
from .filters import RegionFilterSet
from .models import Region

router = Router(tags=["行政区划"])

# The database refuses a negative population (a CHECK constraint: a 500 if it got that far).
Population = Annotated[int, Field(ge=0, le=MAX_ID)]
Level = Annotated[int, Field(ge=min(RegionLevel.values), le=max(RegionLevel.values))]


class RegionOut(Schema):
    id: int
    code: str
    name: str
    full_name: str
    level: int
    parent_id: int | None
    population: int | None
    is_active: bool


class RegionIn(Schema):
    code: str
    name: str
    level: Level
    parent_id: int | None = None
    population: Population | None = None


class RegionPatch(Schema):
    name: str | None = None
    population: Population | None = None
    is_active: bool | None = None


class RegionFilter(FilterSchema):
    q: str | None = None
    level: int | None = None
    parent: int | None = None
    within: int | None = None


@router.get("/regions", response=list[RegionOut])
@paginate
def list_regions(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    require_capability(request, Cap.REGIONS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return RegionFilterSet(data, queryset=Region.objects.visible_to(request.user)).qs


@router.get("/regions/{region_id}", response=RegionOut)
def get_region(request: HttpRequest, region_id: int) -> Any:
    return get_visible_or_404(Region, request.user, pk=region_id)


@router.post("/regions", response={201: RegionOut})
def create_region(request: HttpRequest, payload: RegionIn) -> Any:
    return Status(201, services.create_region(actor=signed_in(request.user), **payload.dict()))


@router.patch("/regions/{region_id}", response=RegionOut)
def update_region(request: HttpRequest, region_id: int, payload: RegionPatch) -> Any:
    get_visible_or_404(Region, request.user, pk=region_id)
    return services.update_region(
        actor=signed_in(request.user), region_id=region_id, **payload.dict(exclude_unset=True)
    )

from typing import Any

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404, signed_in

from . import services
from .filters import UnitFilterSet
from .models import Unit

router = Router(tags=["单位"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    region_id: int
    parent_id: int | None
    superior_body_id: int | None
    review_body_id: int | None
    review_body_inferred: bool
    is_handling_unit: bool
    contact_person: str
    contact_phone_masked: str
    office_phone: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_contact_phone_masked(obj: Unit) -> str:
        return str(obj.contact_phone)

    @staticmethod
    def resolve_review_body_id(obj: Unit) -> int | None:
        """Where a 复查/复核 of this unit's decision goes (上级行政机关, else the parent —
        :meth:`Unit.administrative_superior`, by id so a list costs no extra query)."""
        return obj.superior_body_id or obj.parent_id

    @staticmethod
    def resolve_review_body_inferred(obj: Unit) -> bool:
        return obj.superior_body_id is None


class UnitIn(Schema):
    code: str
    name: str
    kind: str
    region_id: int
    parent_id: int | None = None
    superior_body_id: int | None = None
    short_name: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    office_phone: str = ""
    address: str = ""
    is_handling_unit: bool = True


class UnitPatch(Schema):
    name: str | None = None
    short_name: str | None = None
    kind: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    office_phone: str | None = None
    address: str | None = None
    is_handling_unit: bool | None = None
    is_active: bool | None = None
    superior_body_id: int | None = None


class UnitFilter(FilterSchema):
    q: str | None = None
    kind: str | None = None
    region: int | None = None


@router.get("/units", response=list[UnitOut])
@paginate
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    require_capability(request, Cap.UNITS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return UnitFilterSet(data, queryset=Unit.objects.visible_to(request.user)).qs


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    return get_visible_or_404(Unit, request.user, pk=unit_id)


@router.post("/units", response={201: UnitOut})
def create_unit(request: HttpRequest, payload: UnitIn) -> Any:
    return Status(201, services.create_unit(actor=signed_in(request.user), **payload.dict()))


@router.patch("/units/{unit_id}", response=UnitOut)
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Any:
    get_visible_or_404(Unit, request.user, pk=unit_id)
    # null keeps a field as it is (none of them may be empty in the database), except the
    # 上级行政机关, which null clears.
    values = {
        key: value
        for key, value in payload.dict(exclude_unset=True).items()
        if value is not None or key == "superior_body_id"
    }
    return services.update_unit(actor=signed_in(request.user), unit_id=unit_id, **values)

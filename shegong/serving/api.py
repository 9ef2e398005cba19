"""The serving API (django-ninja), scoped through ``visible_to`` like the pages: service
orders with their suggestions, creation and assignment by the community, 双报到, figures."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from . import figures, services
from .choices import NeedKind
from .models import DualReport, ServiceOrder

router = Router(tags=["双报到与服务"])


class OrderOut(Schema):
    id: int
    number: str
    kind: str
    title: str
    community_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    due_at: datetime
    people_needed: int
    places_taken: int
    elderly_alone: bool
    disabled: bool
    minors: bool
    status: str
    appeal_id: int | None
    created_at: datetime
    first_claimed_at: datetime | None
    confirmed_at: datetime | None


class OrderFilter(Schema):
    status: str | None = None
    kind: str | None = None
    community: int | None = None


class OrderIn(Schema):
    kind: NeedKind = NeedKind.WISH
    title: str
    community_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    due_at: datetime | None = None
    description: str = ""
    people_needed: int = Field(default=1, ge=1, le=50)
    skills: list[str] = Field(default_factory=list)
    elderly_alone: bool = False
    disabled: bool = False
    minors: bool = False


class ServingAssignIn(Schema):
    volunteer_id: int


class ServingSuggestionOut(Schema):
    volunteer_id: int
    name: str
    score: float
    distance: int
    reasons: list[str]
    reported: bool


class ClaimOut(Schema):
    id: int
    order_id: int
    volunteer_id: int
    status: str
    claimed_at: datetime


class DualReportOut(Schema):
    id: int
    kind: str
    community_id: int
    volunteer_id: int | None
    organization_id: int | None
    unit_name: str
    reported_on: date
    ended_on: date | None


class ServingFiguresOut(Schema):
    total: int
    met: int
    cancelled: int
    matched: int
    avg_match_hours: float | None


class ServingFiguresQuery(Schema):
    start: date | None = None
    end: date | None = None
    region: int | None = None


@router.get("/serving/orders", response=list[OrderOut])
@paginate
def list_orders(request: HttpRequest, filters: Query[OrderFilter]) -> object:
    require_capability(request, Cap.SERVING_VIEW)
    qs = ServiceOrder.objects.visible_to(request.user).order_by("-created_at", "-pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.community is not None:
        qs = qs.filter(community_id=filters.community)
    return qs


@router.get("/serving/orders/{order_id}", response=OrderOut)
def get_order(request: HttpRequest, order_id: int) -> object:
    require_capability(request, Cap.SERVING_VIEW)
    return get_visible_or_404(ServiceOrder, request.user, pk=order_id)


@router.get("/serving/orders/{order_id}/suggestions", response=list[ServingSuggestionOut])
def order_suggestions(request: AuthedHttpRequest, order_id: int) -> object:
    """People suggested for the order, best first, with the reasons (names masked)."""
    require_capability(request, Cap.SERVING_VIEW)
    order = get_visible_or_404(ServiceOrder, request.user, pk=order_id)
    return services.suggest(actor=request.user, order_id=order.pk).suggestions


@router.post("/serving/orders", response={201: OrderOut})
def create_order(request: AuthedHttpRequest, payload: OrderIn) -> object:
    require_capability(request, Cap.SERVING_MANAGE)
    order = services.create_need(
        actor=request.user,
        kind=payload.kind.value,
        data=services.NeedData(
            title=payload.title,
            community_id=payload.community_id,
            address=payload.address,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            due_at=payload.due_at,
            description=payload.description,
            people_needed=payload.people_needed,
            skills=payload.skills,
            elderly_alone=payload.elderly_alone,
            disabled=payload.disabled,
            minors=payload.minors,
        ),
    )
    return 201, order


@router.post("/serving/orders/{order_id}/assign", response=ClaimOut)
def assign_order(request: AuthedHttpRequest, order_id: int, payload: ServingAssignIn) -> object:
    require_capability(request, Cap.SERVING_MANAGE)
    order = get_visible_or_404(ServiceOrder, request.user, pk=order_id)
    return services.assign(actor=request.user, order_id=order.pk, volunteer_id=payload.volunteer_id)


@router.get("/serving/reports", response=list[DualReportOut])
@paginate
def list_reports(request: HttpRequest) -> object:
    require_capability(request, Cap.SERVING_VIEW)
    return DualReport.objects.visible_to(request.user).order_by("-reported_on", "-pk")


@router.get("/serving/figures", response=ServingFiguresOut)
def serving_figures(request: AuthedHttpRequest, query: Query[ServingFiguresQuery]) -> object:
    require_capability(request, Cap.SERVING_VIEW)
    today = timezone.localdate()
    start = query.start or date(today.year, 1, 1)
    end = query.end or today
    figures.check_period(start, end)
    return figures.compute(request.user, start, end, query.region)

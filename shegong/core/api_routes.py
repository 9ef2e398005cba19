from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from shegong.lib.masking import mask_identifiers

from .api import require_capability
from .calendar import get_calendar
from .exceptions import DomainError
from .filters import AuditEventFilterSet
from .models import AuditEvent
from .roles import Cap

router = Router(tags=["平台基础"])


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_repr: str
    action: str
    target_type: str
    target_id: str
    target_repr: str
    changes: dict[str, Any]
    note: str
    success: bool
    hash: str

    @staticmethod
    def resolve_target_repr(obj: AuditEvent) -> str:
        # Older rows quote an appeal's title raw; the chain forbids rewriting them.
        return mask_identifiers(obj.target_repr)


class AuditQuery(Schema):
    action: str | None = None
    actor: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: date | None = None
    until: date | None = None


@router.get("/audit-events", response=list[AuditEventOut])
@paginate
def list_audit_events(request: HttpRequest, filters: Query[AuditQuery]) -> Any:
    require_capability(request, Cap.AUDIT_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return AuditEventFilterSet(data, queryset=AuditEvent.objects.visible_to(request.user)).qs


# A deadline is counted from a date of the platform's era, by at most ten years' worth of
# days (or hours): beyond, the dates leave what a datetime holds (a 500) or predate
# standard time (Beijing's offset was then +08:05:43, which no date-time format accepts).
FIRST_YEAR, LAST_YEAR = 1970, 2100
MAX_DEADLINE_VALUE = 3650


class DeadlineOut(Schema):
    due: datetime
    end_date: date
    provisional: bool
    rolled_from: date | None


@router.get("/calendar/deadline", response=DeadlineOut)
def compute_deadline(
    request: HttpRequest,
    start: datetime,
    value: Annotated[int, Query(ge=0, le=MAX_DEADLINE_VALUE, description="期限（天或小时）")],
    unit: Literal["natural_day", "working_day", "hour"] = "natural_day",
) -> Any:
    """Due time by the platform's calendar (民法典 第二百零一、二百零三条; 调休 aware)."""
    require_capability(request, Cap.CALENDAR_VIEW)
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if not FIRST_YEAR <= timezone.localtime(start).year <= LAST_YEAR:
        raise DomainError(f"起算时间应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")
    return get_calendar().deadline(start, value, unit)

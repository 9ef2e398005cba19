from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.core.api import FieldErrorOut, require_capability
from shegong.core.exceptions import DomainError
from shegong.core.pagination import CappedLimitOffsetPagination
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .choices import Channel
from .filters import AppealFilterSet
from .models import Appeal, WorkOrder
from .services import workflow as wf
from .services.identity import TEXT_FIELDS, can_see_identity, masked_text, reveal_appeal_text
from .services.intake import IntakeData, IntakeError, submit_appeal

router = Router(tags=["群众诉求"])


class WorkOrderOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    role: str
    status: str
    dispatched_at: datetime
    sign_due_at: datetime | None
    due_at: datetime | None
    due_provisional: bool
    breached_at: datetime | None
    extended_days: int
    version: int

    @staticmethod
    def resolve_unit_name(obj: WorkOrder) -> str:
        return obj.unit.name


class AppealOut(Schema):
    id: int
    number: str
    kind: str
    stream: str
    channel: str
    urgency: str
    title: str
    status: str
    region_id: int
    lead_unit_id: int | None
    category_l1: str
    category_l2: str
    registered_at: datetime
    triage_due_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    returns: int
    version: int

    @staticmethod
    def resolve_title(obj: Appeal | dict[str, Any]) -> str:
        """Identifiers typed into the title are masked (idempotent: a detail dict already
        holds the masked title)."""
        return masked_text(obj["title"] if isinstance(obj, dict) else obj.title)


class AppealDetailOut(AppealOut):
    body: str
    address: str
    reply_text: str
    identity_confidential: bool
    petitioner_name_masked: str | None
    petitioner_phone_masked: str | None
    work_orders: list[WorkOrderOut]


class AppealIn(Schema):
    kind: str
    title: str
    body: str
    region_id: int
    channel: str = Channel.API
    urgency: str = "normal"
    address: str = ""
    name: str = ""
    phone: str = ""
    id_number: str = ""
    identity_confidential: bool = False
    source_ref: str = ""


class CreatedOut(Schema):
    id: int
    number: str
    tracking_code: str | None


class AppealQuery(Schema):
    q: str | None = Field(None, description="关键词：标题和内容（已脱敏）中的文字，或登记编号")
    number: str | None = Field(None, description="登记编号，精确匹配")
    status: str | None = None
    kind: str | None = None
    stream: str | None = None
    region: int | None = None
    since: date | None = None
    until: date | None = None


class DispatchIn(Schema):
    lead_unit_id: int
    assist_unit_ids: list[int] = []
    instructions: str = ""
    expected_version: int | None = None
    category_l1: str = ""
    category_l2: str = ""


class CategoryIn(Schema):
    category_l1: str
    category_l2: str = ""
    expected_version: int | None = None


class ReasonIn(Schema):
    reason: str
    expected_version: int | None = None


class TextIn(Schema):
    text: str
    expected_version: int | None = None


class ExtensionIn(Schema):
    days: int
    reason: str


class RevealTextIn(Schema):
    field: str
    reason: str


class RevealTextOut(Schema):
    field: str
    value: str


class ErrorsOut(Schema):
    """A refused intake (``errors`` by field) or a body that did not validate (``detail`` a
    list of field errors)."""

    detail: str | list[FieldErrorOut]
    errors: dict[str, str] = {}


def _detail(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    data = AppealOut.from_orm(appeal).dict()
    show = can_see_identity(request.user, appeal) and appeal.petitioner is not None
    # Free text with identifiers masked for every caller; the whole text only through
    # POST /appeals/{id}/reveal-text (audited), as on the appeal page.
    data.update(
        body=masked_text(appeal.body),
        address=masked_text(appeal.address),
        reply_text=masked_text(appeal.reply_text),
        identity_confidential=appeal.identity_confidential,
        petitioner_name_masked=str(appeal.petitioner.name) if show else None,  # type: ignore[union-attr]
        petitioner_phone_masked=str(appeal.petitioner.phone) if show else None,  # type: ignore[union-attr]
        work_orders=list(appeal.work_orders.select_related("unit").order_by("dispatched_at")),
    )
    return data


@router.get("/appeals", response=list[AppealOut])
@paginate(CappedLimitOffsetPagination)
def list_appeals(request: HttpRequest, filters: Query[AppealQuery]) -> Any:
    """诉求列表（按登记时间倒序），分页：``limit``/``offset``。

    ``count`` 默认最多数到上限（10,000 条）：``count_exact`` 为假时表示“至少这么多”，
    需要精确总数时传 ``exact_count=true``（大表较慢）。是否还有下一页看 ``has_more``，
    无需总数。``number`` 为登记编号精确查询（忽略大小写、全角和空格）；``q`` 在标题和
    内容（证件号、电话等已脱敏）中查找。"""
    require_capability(request, Cap.APPEALS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return AppealFilterSet(
        data, queryset=Appeal.objects.visible_to(request.user), request=request
    ).qs


@router.get("/appeals/{appeal_id}", response=AppealDetailOut)
def get_appeal(request: HttpRequest, appeal_id: int) -> Any:
    require_capability(request, Cap.APPEALS_VIEW)
    return _detail(request, get_visible_or_404(Appeal, request.user, pk=appeal_id))


@router.post("/appeals/{appeal_id}/reveal-text", response=RevealTextOut)
def reveal_text(request: HttpRequest, appeal_id: int, payload: RevealTextIn) -> Any:
    """The whole text of one free-text field (``title``, ``body``, ``reply_text``,
    ``decision_reason``), identifiers unmasked. Only for roles that may see the petitioner's
    identity, with a reason (at least 2 characters); every call is audited (``pii_revealed``)."""
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_id)
    if payload.field not in TEXT_FIELDS:
        raise DomainError("无此信息项，可选：" + "、".join(TEXT_FIELDS))
    value = reveal_appeal_text(
        actor=request.user, appeal=appeal, field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}


@router.post("/appeals", response={201: CreatedOut, 200: CreatedOut, 422: ErrorsOut})
def create_appeal(request: HttpRequest, payload: AppealIn) -> Any:
    """Register an appeal (staff systems, other platforms). Send ``Idempotency-Key`` to make
    retries safe: the same key returns the first appeal (200) and never creates a second."""
    require_capability(request, Cap.APPEALS_REGISTER)
    key = request.headers.get("Idempotency-Key") or None
    try:
        appeal, code = submit_appeal(
            actor=request.user,
            data=IntakeData(**payload.dict()),
            idempotency_key=f"api:{request.user.pk}:{key}" if key else None,
        )
    except IntakeError as exc:
        return Status(422, {"detail": exc.message, "errors": exc.errors})
    return Status(
        201 if code else 200, {"id": appeal.pk, "number": appeal.number, "tracking_code": code}
    )


@router.post("/appeals/{appeal_id}/accept", response=AppealOut)
def accept(request: HttpRequest, appeal_id: int) -> Any:
    return wf.accept_appeal(
        actor=request.user, appeal_id=get_visible_or_404(Appeal, request.user, pk=appeal_id).pk
    )


@router.post("/appeals/{appeal_id}/reject", response=AppealOut)
def reject(request: HttpRequest, appeal_id: int, payload: ReasonIn) -> Any:
    get_visible_or_404(Appeal, request.user, pk=appeal_id)
    return wf.reject_appeal(
        actor=request.user,
        appeal_id=appeal_id,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/appeals/{appeal_id}/dispatch", response=AppealDetailOut)
def dispatch(request: HttpRequest, appeal_id: int, payload: DispatchIn) -> Any:
    get_visible_or_404(Appeal, request.user, pk=appeal_id)
    appeal = wf.dispatch_appeal(
        actor=request.user,
        appeal_id=appeal_id,
        lead_unit_id=payload.lead_unit_id,
        assist_unit_ids=payload.assist_unit_ids,
        instructions=payload.instructions,
        expected_version=payload.expected_version,
        category_l1=payload.category_l1,
        category_l2=payload.category_l2,
    )
    return _detail(request, appeal)


@router.post("/appeals/{appeal_id}/category", response=AppealOut)
def set_category(request: HttpRequest, appeal_id: int, payload: CategoryIn) -> Any:
    """定类/改类: the dispatcher's final category (the label triage retrains on)."""
    get_visible_or_404(Appeal, request.user, pk=appeal_id)
    return wf.set_category(
        actor=request.user,
        appeal_id=appeal_id,
        category_l1=payload.category_l1,
        category_l2=payload.category_l2,
        expected_version=payload.expected_version,
    )


@router.post("/appeals/{appeal_id}/close", response=AppealOut)
def close(request: HttpRequest, appeal_id: int) -> Any:
    get_visible_or_404(Appeal, request.user, pk=appeal_id)
    return wf.close_appeal(actor=request.user, appeal_id=appeal_id)


@router.post("/work-orders/{order_id}/sign", response=WorkOrderOut)
def sign(request: HttpRequest, order_id: int) -> Any:
    get_visible_or_404(WorkOrder, request.user, pk=order_id)
    return wf.sign_order(actor=request.user, order_id=order_id)


@router.post("/work-orders/{order_id}/return", response=WorkOrderOut)
def return_(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    get_visible_or_404(WorkOrder, request.user, pk=order_id)
    return wf.return_order(
        actor=request.user,
        order_id=order_id,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/work-orders/{order_id}/extension", response={201: dict})
def extension(request: HttpRequest, order_id: int, payload: ExtensionIn) -> Any:
    get_visible_or_404(WorkOrder, request.user, pk=order_id)
    req = wf.request_extension(
        actor=request.user, order_id=order_id, days=payload.days, reason=payload.reason
    )
    return Status(201, {"id": req.pk, "status": req.status})


@router.post("/extensions/{request_id}/decide", response=dict)
def decide(request: HttpRequest, request_id: int, approve: bool) -> Any:
    req = wf.decide_extension(actor=request.user, request_id=request_id, approve=approve)
    return {"id": req.pk, "status": req.status}


@router.post("/work-orders/{order_id}/reply", response=WorkOrderOut)
def reply(request: HttpRequest, order_id: int, payload: TextIn) -> Any:
    get_visible_or_404(WorkOrder, request.user, pk=order_id)
    return wf.reply_order(
        actor=request.user,
        order_id=order_id,
        text=payload.text,
        expected_version=payload.expected_version,
    )

"""What goes into a notice: pure data from the appeal, with the privacy rules.

Availability (which notice the appeal's state allows), who may issue it, the template
context (docs/appeals-notices.md) and the scrubbing of phone/ID numbers and names. No
layout, no audit: ``render.render_notice`` calls this, ``docx``/``pdf`` lay out the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.lib.masking import mask_name, redact_identifiers

from ..choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    RedirectChannel,
    Stream,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)
from ..models import Appeal, NoticeKind, Petitioner, WorkOrder

PETITIONER_NOTICES = frozenset(
    {NoticeKind.ACCEPTANCE, NoticeKind.REJECTION, NoticeKind.REDIRECTION, NoticeKind.REPLY}
)
NOTICE_FORMATS = ("docx", "pdf")
TIMELINE_FORMATS = ("xlsx", "pdf", "csv")
REVIEW_DAYS = 30  # 信访工作条例 第三十五条: 复查 within 30 days of the written reply
CONFIDENTIAL = "（保密）"
ACCEPTED_STATES = frozenset(
    {AppealStatus.ACCEPTED, AppealStatus.DISPATCHED, AppealStatus.REPLIED, AppealStatus.CLOSED}
)
INACTIVE_ORDER_STATES = (WorkOrderStatus.RETURNED, WorkOrderStatus.CANCELLED)
OPEN_ORDER_STATES = (WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED)

# File names (no "/" — the label of the 转送/交办单 would break a path).
FILE_LABELS: dict[str, str] = {
    NoticeKind.ACCEPTANCE: "受理告知书",
    NoticeKind.REJECTION: "不予受理告知书",
    NoticeKind.REDIRECTION: "告知书",
    NoticeKind.DISPATCH: "转送交办单",
    NoticeKind.REPLY: "答复意见书",
}
_WHY_UNAVAILABLE: dict[str, str] = {
    NoticeKind.ACCEPTANCE: "受理后方可出具",
    NoticeKind.REJECTION: "仅不予受理的诉求可以出具",
    NoticeKind.REDIRECTION: "仅已告知其他法定途径的诉求可以出具",
    NoticeKind.DISPATCH: "派单后方可出具",
    NoticeKind.REPLY: "主办单位答复后方可出具",
}
_MATTER: dict[str, str] = {
    Stream.PETITION: "信访事项",
    Stream.HOTLINE: "诉求",
    Stream.SUGGESTION: "建议",
}
_PHONE_HIDDEN = "〔号码已隐去〕"
_ID_HIDDEN = "〔证件号码已隐去〕"
# What replaces each kind of identifier typed into citizen text (lib.masking detects them —
# the same detector as the pages, the API and the exports).
_IDENTIFIER_HIDDEN = {
    "mobile": _PHONE_HIDDEN,
    "landline": _PHONE_HIDDEN,
    "id_number": _ID_HIDDEN,
    "bank_card": "〔卡号已隐去〕",
    "email": "〔邮箱已隐去〕",
}
_NAME_HIDDEN = "×××"


# --- the rendered notice ------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedNotice:
    """A notice ready for layout: plain text only, one string per paragraph."""

    title: str
    paragraphs: list[str]
    issuer: str
    date: date
    kind: str = ""
    number: str = ""
    # The template context it was rendered from (already scrubbed: no phone/ID numbers,
    # the name as the kind's privacy rule allows), offered to the Office template as well.
    fields: Mapping[str, object] = field(default_factory=dict)

    @property
    def has_salutation(self) -> bool:
        """A short first line ending in "：" is the 称谓/主送 line (printed flush left)."""
        return bool(self.paragraphs) and (
            self.paragraphs[0].endswith("：") and len(self.paragraphs[0]) <= 60
        )

    @property
    def date_label(self) -> str:
        return cn_date(self.date)

    @property
    def filename_stem(self) -> str:
        return f"{FILE_LABELS.get(self.kind, self.title)}-{self.number}"

    @property
    def text(self) -> str:
        """Everything printed, as plain text (previews, tests)."""
        head = [self.title] + ([f"编号：{self.number}"] if self.number else [])
        return "\n".join([*head, *self.paragraphs, self.issuer, self.date_label])


@dataclass(frozen=True)
class NoticeAppeal:
    """What a template may read as ``appeal``: no personal data, no methods."""

    number: str
    title: str
    body: str
    kind_label: str
    stream_label: str
    channel_label: str
    urgency_label: str
    status_label: str
    region_name: str
    address: str
    headcount: int
    is_group: bool
    identity_confidential: bool


def cn_date(value: date | datetime | None) -> str:
    """``2026年3月2日`` (GB/T 9704-2012: 成文日期 in Arabic numerals)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


# --- personal data scrubbing --------------------------------------------------------------


def _loose(value: str) -> re.Pattern[str] | None:
    """A pattern for ``value`` written with spaces or hyphens between its characters."""
    chars = [c for c in value if c.isalnum()]
    if len(chars) < 6:
        return None
    return re.compile(r"[\s-]*".join(re.escape(c) for c in chars), re.IGNORECASE)


class _Scrubber:
    """Removes the appeal's people's phone/ID numbers (and names, when asked) from text.

    ``citizen`` text (title, body, citizen notes) additionally loses every identifier
    ``lib.masking.find_identifiers`` finds (mobile and landline numbers, ID numbers, bank
    cards, e-mail addresses); ``staff`` text keeps other numbers (a
    handler may give an office line in a reply) but never the petitioner's own. Names are
    replaced by ``name_mask`` when given, else masked (``欧**``) when ``mask_names``.
    """

    def __init__(
        self, appeal: Appeal, *, name_mask: str | None = None, mask_names: bool = False
    ) -> None:
        people: list[Petitioner] = []
        if appeal.petitioner is not None:
            people.append(appeal.petitioner)
        people.extend(appeal.representatives.all())
        self.numbers: list[tuple[re.Pattern[str], str]] = []
        self.names: list[str] = []
        for person in people:
            for value, token in ((person.phone, _PHONE_HIDDEN), (person.id_number, _ID_HIDDEN)):
                pattern = _loose(plain(value))
                if pattern is not None:
                    self.numbers.append((pattern, token))
            name = plain(person.name).strip()
            if (name_mask is not None or mask_names) and len(name) >= 2:
                self.names.append(name)
        self.name_mask = name_mask
        self.mask_names = mask_names

    def staff(self, text: str) -> str:
        for pattern, token in self.numbers:
            text = pattern.sub(token, text)
        for name in sorted(self.names, key=len, reverse=True):
            replacement = self.name_mask if self.name_mask is not None else mask_name(name)
            text = text.replace(name, replacement)
        return text

    def citizen(self, text: str) -> str:
        text = self.staff(text)
        return redact_identifiers(text, _IDENTIFIER_HIDDEN)


# --- availability and permission ----------------------------------------------------------


def lead_order(appeal: Appeal) -> WorkOrder | None:
    """The current 主办 work order (the newest one not returned or withdrawn)."""
    return (
        appeal.work_orders.filter(role=WorkOrderRole.LEAD)
        .exclude(status__in=INACTIVE_ORDER_STATES)
        .select_related("unit")
        .order_by("-dispatched_at", "-pk")
        .first()
    )


def _assist_orders(appeal: Appeal, lead: WorkOrder | None) -> list[WorkOrder]:
    """The 协办 orders dispatched together with ``lead`` (same dispatch, same time)."""
    if lead is None:
        return []
    return list(
        appeal.work_orders.filter(role=WorkOrderRole.ASSIST, dispatched_at=lead.dispatched_at)
        .select_related("unit")
        .order_by("pk")
    )


def unavailable_reason(appeal: Appeal, kind: str, lead: WorkOrder | None = None) -> str | None:
    """None if ``kind`` can be issued in the appeal's current state, else why not."""
    if kind == NoticeKind.ACCEPTANCE:
        ok = appeal.status in ACCEPTED_STATES and appeal.accepted_at is not None
    elif kind == NoticeKind.REJECTION:
        ok = appeal.status == AppealStatus.REJECTED
    elif kind == NoticeKind.REDIRECTION:
        ok = appeal.status == AppealStatus.REDIRECTED
    elif kind == NoticeKind.DISPATCH:
        ok = (lead or lead_order(appeal)) is not None
    elif kind == NoticeKind.REPLY:
        ok = bool(appeal.reply_text.strip())
    else:
        return "未知的文书类型"
    if ok:
        return None
    return f"该诉求当前没有可生成的{NoticeKind(kind).label}（{_WHY_UNAVAILABLE[kind]}）"


def available_notices(appeal: Appeal) -> list[str]:
    """Notice kinds the appeal's state allows (permissions not considered)."""
    lead = lead_order(appeal)
    return [k for k in NoticeKind.values if unavailable_reason(appeal, k, lead) is None]


def check_notice_permission(viewer: Any, appeal: Appeal, kind: str) -> None:
    """Raise PermissionDenied unless ``viewer``'s role may issue ``kind`` for ``appeal``."""
    if viewer is None or not viewer.has_capability(Cap.APPEALS_VIEW):
        raise PermissionDenied("您的角色不能查看诉求")
    if kind not in PETITIONER_NOTICES:
        return
    if not viewer.has_capability(Cap.APPEALS_IDENTITY):
        raise PermissionDenied("该文书载有诉求人身份信息，您的角色不能出具")
    if appeal.identity_confidential and not viewer.has_capability(
        Cap.APPEALS_CONFIDENTIAL_IDENTITY
    ):
        raise PermissionDenied("该诉求人身份依规保密，您的角色不能出具载有其身份的文书")


def can_issue(viewer: Any, appeal: Appeal, kind: str) -> bool:
    try:
        check_notice_permission(viewer, appeal, kind)
    except PermissionDenied:
        return False
    return True


def notices_for(viewer: Any, appeal: Appeal) -> list[tuple[str, str]]:
    """``[(kind, label)]`` the viewer may generate now — for the appeal detail page."""
    return [
        (kind, NoticeKind(kind).label)
        for kind in available_notices(appeal)
        if can_issue(viewer, appeal, kind)
    ]


# --- template context and rendering -------------------------------------------------------


def _petitioner_name(appeal: Appeal, kind: str, viewer: Any) -> str:
    petitioner = appeal.petitioner
    if kind == NoticeKind.DISPATCH and appeal.identity_confidential:
        return CONFIDENTIAL
    if petitioner is None or not petitioner.name:
        return ""
    name: str
    if kind == NoticeKind.DISPATCH and not viewer.has_capability(Cap.APPEALS_IDENTITY):
        name = str(petitioner.name)  # Sensitive: masked
    else:
        name = plain(petitioner.name)
    if appeal.is_group and appeal.headcount > 1:
        name = f"{name}等{appeal.headcount}人"
    return name


def _due(appeal: Appeal, lead: WorkOrder | None) -> tuple[datetime | None, bool]:
    if lead is not None:
        return lead.due_at, lead.due_provisional
    if appeal.accepted_at is None or appeal.stream != Stream.PETITION:
        # Hotline clocks start at dispatch (接诉即办条例 第十一条): not known before it.
        return None, False
    from ..services.policies import compute_deadline

    # 信访: 60 days from 受理 (信访工作条例 第三十四条), as workflow._new_order computes it.
    start = appeal.accepted_at
    deadline = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
    return (deadline.due, deadline.provisional) if deadline else (None, False)


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def notice_context(
    appeal: Appeal, kind: str, *, viewer: Any, issuer: str, today: date
) -> dict[str, Any]:
    """The template context (docs/appeals-notices.md). Caller checked the permission."""
    lead = lead_order(appeal)
    assists = _assist_orders(appeal, lead)
    to_unit = kind == NoticeKind.DISPATCH
    scrub = _Scrubber(
        appeal,
        name_mask=CONFIDENTIAL if to_unit and appeal.identity_confidential else None,
        mask_names=to_unit and not viewer.has_capability(Cap.APPEALS_IDENTITY),
    )
    due_at, provisional = _due(appeal, lead)
    title = scrub.citizen(appeal.title)
    body = scrub.citizen(appeal.body)
    view = NoticeAppeal(
        number=appeal.number,
        title=title,
        body=body,
        kind_label=_label(AppealKind, appeal.kind),
        stream_label=_label(Stream, appeal.stream),
        channel_label=_label(Channel, appeal.channel),
        urgency_label=_label(Urgency, appeal.urgency),
        status_label=_label(AppealStatus, appeal.status),
        region_name=appeal.region.full_name or appeal.region.name,
        address=scrub.citizen(appeal.address),
        headcount=appeal.headcount,
        is_group=appeal.is_group,
        identity_confidential=appeal.identity_confidential,
    )
    unit = (
        lead.unit.name if lead is not None else (appeal.lead_unit.name if appeal.lead_unit else "")
    )
    return {
        "appeal": view,
        "number": appeal.number,
        "title": title,
        "body": body,
        "kind_label": view.kind_label,
        "notice_label": NoticeKind(kind).label,
        "matter": _MATTER.get(appeal.stream, "诉求"),
        "is_petition": appeal.stream == Stream.PETITION,
        "registered_date": cn_date(appeal.registered_at),
        "accepted_date": cn_date(appeal.accepted_at),
        "replied_date": cn_date(appeal.replied_at),
        "petitioner_name": _petitioner_name(appeal, kind, viewer),
        "identity_confidential": appeal.identity_confidential,
        "unit": unit,
        "assist_units": "、".join(o.unit.name for o in assists),
        "dispatched_date": cn_date(lead.dispatched_at if lead else None),
        "due_date": cn_date(due_at),
        "due_provisional": provisional,
        "instructions": scrub.staff(lead.instructions) if lead else "",
        "reason": scrub.staff(appeal.decision_reason),
        "redirect_label": _label(RedirectChannel, appeal.redirect_channel)
        if appeal.redirect_channel
        else "",
        "reply": scrub.staff(appeal.reply_text),
        "issuer": issuer,
        "today": cn_date(today),
        "review_days": REVIEW_DAYS,
    }


def sample_context() -> dict[str, Any]:
    """A complete context with made-up values, for validating an edited template."""
    view = NoticeAppeal(
        number="XF202601010000001",
        title="示例标题",
        body="示例内容",
        kind_label="信访·申诉求决类",
        stream_label="信访",
        channel_label="来信",
        urgency_label="一般",
        status_label="办理中",
        region_name="示范市东城区北街道",
        address="3号楼",
        headcount=1,
        is_group=False,
        identity_confidential=False,
    )
    return {
        "appeal": view,
        "number": view.number,
        "title": view.title,
        "body": view.body,
        "kind_label": view.kind_label,
        "notice_label": "答复意见书",
        "matter": "信访事项",
        "is_petition": True,
        "registered_date": "2026年1月1日",
        "accepted_date": "2026年1月2日",
        "replied_date": "2026年2月1日",
        "petitioner_name": "某某",
        "identity_confidential": False,
        "unit": "市住建局",
        "assist_units": "市教育局",
        "dispatched_date": "2026年1月2日",
        "due_date": "2026年3月3日",
        "due_provisional": False,
        "instructions": "示例意见",
        "reason": "示例理由",
        "redirect_label": "诉讼（人民法院）",
        "reply": "示例答复",
        "issuer": "中共示范市委社会工作部",
        "today": "2026年2月1日",
        "review_days": REVIEW_DAYS,
    }

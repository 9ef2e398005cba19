"""A person's data on lawful request (个人信息查阅、复制, 《个人信息保护法》第四十五条).

The clerk types an ID number or a mobile number; the person is found **through the blind
indexes only** (``core.pii.blind_index``: HMAC-SM3 of the normalised value, compared with
the ``*_bidx`` columns), never by decrypting a table. Everything the platform holds on that
person goes into one workbook: petitioner records with their appeals (as petitioner or
representative), the timeline, replies, revisits and 复查/复核; the volunteer record and its
hours ledger; the party member record. A cover sheet says who asked, when, and the legal
basis the clerk typed.

Who: holders of ``privacy.request`` (办理个人信息查阅复制申请: the department administrator
by default, i.e. the named privacy officer's account) with a citywide scope; the role's
second factor is required by the sign-in middleware. The export never shows more than the
requester may see elsewhere on the platform: each domain's sheets are written only when the
requester also holds that domain's view capability (``members.view`` for 党员,
``volunteers.view`` for 志愿者; for the petitioner sheets, a lookup by ID number serves the
person's own appeals — their identity is the one the request names — while a lookup by phone
needs ``appeals.identity``, and ``appeals.identity_confidential`` for confidential
petitioners), appeals are read through
``visible_to`` (so a 检举控告 against the requester's unit or a unit above it is never
served, 信访工作条例 第三十条), and the cover states which categories were left out and why.

A phone number is not unique (family phones, reassigned numbers): a lookup by phone leaves
out every record that carries an ID number (those are found by ID number only) and the
cover marks the phone-only matches "需人工核对".

Audited as ``person_data_exported`` with the actor, the kind of key, the blind-index key
(never the clear number), the basis (refused when it holds an identifier) and the counts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from shegong.accounts.models import User
from shegong.appeals.models import (
    Appeal,
    AppealEvent,
    Attachment,
    Petitioner,
    Review,
    Revisit,
    WorkOrder,
)
from shegong.appeals.services.identity import identity_visible_q
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index, plain
from shegong.core.roles import Cap
from shegong.core.scoping import ScopedUser
from shegong.core.tabular import safe_cell
from shegong.lib.masking import find_identifiers, mask_id_number, mask_phone
from shegong.lib.validators import ValidationFailure, validate_id_number, validate_mobile
from shegong.members.models import Member
from shegong.volunteers.models import HoursEntry, Volunteer

LEGAL_BASIS = (
    "《中华人民共和国个人信息保护法》第四十五条（个人有权向个人信息处理者查阅、复制其个人信息）"
)
KEY_KINDS = {"id_number": "身份证号", "phone": "手机号码"}
MIN_BASIS = 4


def may_request(user: ScopedUser) -> bool:
    """Citywide holders of ``privacy.request`` (the privacy officer), or a superuser."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.has_capability(Cap.PRIVACY_REQUEST) and user.has_citywide_scope


def require_requester(user: User) -> None:
    if not may_request(user):
        raise PermissionDenied("只有负责个人信息保护的部门人员可以办理个人信息查阅申请")


_DIGIT_RUN = re.compile(r"[0-9０-９]{6,}")


def check_basis(basis: str, key: PersonKey | None) -> str:
    """The basis as stored in the audit: refused when it holds the looked-up value or any
    identifier (it goes into the append-only chain)."""
    basis = " ".join((basis or "").split())
    if len(basis) < MIN_BASIS:
        raise DomainError("请填写本次查阅申请的依据（如申请人、申请日期和申请书编号），至少4个字")
    if len(basis) > 500:
        raise DomainError("申请依据请控制在500字以内")
    compact = re.sub(r"[\s-]", "", basis)
    if (
        (key is not None and key.value in compact)
        or find_identifiers(basis)
        or _DIGIT_RUN.search(compact)
    ):
        raise DomainError(
            "申请依据中不能填写身份证号、手机号码等个人信息（该内容记入审计日志），"
            "请只写申请人、申请日期、申请书编号和核验方式"
        )
    return basis


@dataclass(frozen=True)
class PersonKey:
    """The normalised key and its blind index; the clear value never leaves this object."""

    kind: str
    value: str
    index: str

    @property
    def masked(self) -> str:
        return mask_id_number(self.value) if self.kind == "id_number" else mask_phone(self.value)


def parse_key(kind: str, raw: str) -> PersonKey:
    """The key the clerk typed, validated (GB 11643 check digit for ID numbers)."""
    raw = (raw or "").strip()
    if kind not in KEY_KINDS:
        raise DomainError("请选择按身份证号或手机号码查询")
    if not raw:
        raise DomainError(f"请填写{KEY_KINDS[kind]}")
    try:
        value = validate_id_number(raw) if kind == "id_number" else validate_mobile(raw)
    except ValidationFailure as exc:
        raise DomainError(f"{KEY_KINDS[kind]}不正确：{exc.message}") from None
    return PersonKey(kind=kind, value=value, index=blind_index(kind, value))


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)


@dataclass
class PersonData:
    key: PersonKey
    sheets: list[Sheet]
    # Categories left out for want of the requester's view capability (shown on the cover).
    withheld: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {sheet.title: len(sheet.rows) for sheet in self.sheets}


# What the workbook holds and what it does not (the cover says so; no claim of completeness).
INCLUDED = (
    "诉求人记录（姓名、身份证号、联系电话、住址）及其作为诉求人或代表人的诉求、办理过程、答复、"
    "回访、复查/复核和附件清单；志愿者登记信息（全部字段，含监护人、技能、服务区域）和服务时长；"
    "党员信息（全部字段）"
)
NOT_INCLUDED = (
    "未包含：志愿活动报名、签到、证书、团队成员关系；党费、组织关系转接、组织生活出勤、学习记录；"
    "短信发送记录；附件文件本身（仅列清单）。如申请人需要，请另行向相应业务部门调取。"
)
PHONE_ONLY = (
    "按手机号码查询：手机号码可能被家人共用或已被重新分配，本文件只列出未登记身份证号的记录，"
    "需人工核对是否为申请人本人；登记了身份证号的记录请按身份证号查询。"
)


def _q(key: PersonKey) -> Q:
    if key.kind == "id_number":
        return Q(id_number_bidx=key.index)
    # A phone is not unique: records that carry an ID number are found by it only.
    return Q(phone_bidx=key.index, id_number_bidx="")


def _dt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _cell(row: models.Model, f: models.Field[object, object]) -> object:
    """A model field's value as the person reads it (choices by label, dates as text)."""
    value = getattr(row, f.name)
    if value is None:
        return ""
    if f.choices:
        return getattr(row, f"get_{f.name}_display")()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _dt(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return plain(value) if f.name in ENCRYPTED.get(type(row).__name__, ()) else str(value)


def _record_sheet(
    title: str, model: type[models.Model], rows: Sequence[models.Model], skip: Iterable[str]
) -> Sheet:
    """Every column of ``model`` (but ``skip``) and its many-to-many lists."""
    skipped = set(skip)
    columns = [
        f
        for f in model._meta.concrete_fields
        if f.name not in skipped and not f.name.endswith("_bidx")
    ]
    lists = [f for f in model._meta.many_to_many if f.name not in skipped]
    sheet = Sheet(title, [str(f.verbose_name) for f in [*columns, *lists]])
    for row in rows:
        sheet.rows.append(
            [
                *(_cell(row, f) for f in columns),
                *("、".join(str(o) for o in getattr(row, f.name).all()) for f in lists),
            ]
        )
    return sheet


ENCRYPTED = {
    "Member": ("name", "id_number", "phone"),
    "Volunteer": ("name", "id_number", "phone", "guardian_name", "guardian_phone"),
}


def _identity_q(key: PersonKey, actor: User) -> Q | None:
    """Whose appeals the officer may export. Looked up by ID number, the person is the one
    who applied and showed that ID: their own identity is no secret from the request that
    names it, so every appeal the officer may see is theirs to have (confidentiality protects
    the petitioner from others, not from themselves). Looked up by phone — not unique — only
    appeals whose petitioner the officer may identify elsewhere on the platform."""
    if key.kind == "id_number":
        return Q(pk__isnull=False)
    return identity_visible_q(actor)


def _appeal_sheets(key: PersonKey, actor: User) -> list[Sheet]:
    """The petitioner sheets: only appeals the requester may see (``visible_to``: scope and
    检举控告 against the requester's unit) and whose petitioner they may identify."""
    identity = _identity_q(key, actor)
    if identity is None:
        return []
    visible = Appeal.objects.visible_to(actor).filter(identity)
    people = list(
        Petitioner.objects.filter(_q(key))
        .filter(
            Q(pk__in=visible.values("petitioner_id")) | Q(pk__in=visible.values("representatives"))
        )
        .order_by("pk")
    )
    person_ids = [p.pk for p in people]
    petitioners = Sheet(
        "诉求人记录", ["记录号", "姓名", "身份证号", "联系电话", "住址", "手机验证时间", "登记时间"]
    )
    for p in people:
        petitioners.rows.append(
            [
                p.pk,
                plain(p.name),
                plain(p.id_number),
                plain(p.phone),
                plain(p.address),
                _dt(p.phone_verified_at),
                _dt(p.created_at),
            ]
        )
    appeals = list(
        visible.filter(Q(petitioner_id__in=person_ids) | Q(representatives__in=person_ids))
        .distinct()
        .select_related("region", "lead_unit")
        .order_by("registered_at", "pk")
    )
    appeal_sheet = Sheet(
        "诉求",
        [
            "登记编号", "身份", "类别", "渠道", "标题", "内容", "发生地", "详细地点",
            "登记时间", "状态", "主办单位", "答复意见", "答复时间", "办结时间",
        ],
    )  # fmt: skip
    for a in appeals:
        role = "诉求人" if a.petitioner_id in person_ids else "代表人"
        appeal_sheet.rows.append(
            [
                a.number,
                role,
                a.get_kind_display(),
                a.get_channel_display(),
                a.title,
                a.body,
                str(a.region),
                a.address,
                _dt(a.registered_at),
                a.get_status_display(),
                a.lead_unit.name if a.lead_unit else "",
                a.reply_text,
                _dt(a.replied_at),
                _dt(a.closed_at),
            ]
        )
    ids = [a.pk for a in appeals]
    events = Sheet("办理过程", ["登记编号", "时间", "环节", "经办", "说明", "对群众显示"])
    for e in (
        AppealEvent.objects.filter(appeal_id__in=ids)
        .select_related("appeal")
        .order_by("appeal__registered_at", "at", "pk")
    ):
        events.rows.append(
            [e.appeal.number, _dt(e.at), e.get_kind_display(), e.actor_label, e.note, e.public_note]
        )
    replies = Sheet("答复与回访", ["登记编号", "类型", "单位/方式", "时间", "内容", "结果"])
    for o in (
        WorkOrder.objects.filter(appeal_id__in=ids)
        .exclude(reply_text="")
        .select_related("appeal", "unit")
        .order_by("appeal__registered_at", "replied_at", "pk")
    ):
        replies.rows.append(
            [o.appeal.number, "办理答复", o.unit.name, _dt(o.replied_at), o.reply_text, ""]
        )
    for v in Revisit.objects.filter(appeal_id__in=ids).select_related("appeal").order_by("at"):
        replies.rows.append(
            [
                v.appeal.number,
                "回访",
                v.get_method_display(),
                _dt(v.at),
                v.comment,
                f"{v.get_satisfaction_display()}，{'已解决' if v.resolved else '未解决'}",
            ]
        )
    for r in Review.objects.filter(appeal_id__in=ids).select_related("appeal", "reviewer_unit"):
        replies.rows.append(
            [
                r.appeal.number,
                r.get_level_display(),
                r.reviewer_unit.name if r.reviewer_unit else "",
                _dt(r.decided_at or r.requested_at),
                f"申请：{r.request_text}\n意见：{r.opinion}",
                r.get_outcome_display() if r.outcome else "办理中",
            ]
        )
    files = Sheet(
        "附件清单", ["登记编号", "文件名", "类型", "大小（字节）", "上传时间", "群众提交"]
    )
    for f in (
        Attachment.objects.filter(appeal_id__in=ids)
        .select_related("appeal")
        .order_by("appeal__registered_at", "uploaded_at", "pk")
    ):
        files.rows.append(
            [
                f.appeal.number,
                f.original_name,
                f.content_type,
                f.size,
                _dt(f.uploaded_at),
                "是" if f.from_citizen else "否",
            ]
        )
    return [petitioners, appeal_sheet, events, replies, files]


def _volunteer_sheets(key: PersonKey) -> list[Sheet]:
    volunteers = list(
        Volunteer.objects.filter(_q(key))
        .select_related("region", "report_unit")
        .prefetch_related("service_regions", "skills")
        .order_by("pk")
    )
    skip = ("id", "ledger_seq", "ledger_head", "registered_by")
    record = _record_sheet("志愿者", Volunteer, volunteers, skip)
    hours = Sheet(
        "志愿服务时长",
        [
            "志愿者编号",
            "序号",
            "类型",
            "服务日期",
            "活动名称",
            "服务内容",
            "时长（小时）",
            "组织单位",
        ],
    )
    for h in (
        HoursEntry.objects.filter(volunteer__in=volunteers)
        .select_related("volunteer")
        .order_by("volunteer_id", "seq")
    ):
        hours.rows.append(
            [
                h.volunteer.number,
                h.seq,
                h.get_kind_display(),
                h.service_date.isoformat(),
                h.title,
                h.content,
                str(h.hours),
                h.organizer,
            ]
        )
    return [record, hours]


def _member_sheet(key: PersonKey) -> Sheet:
    members = list(
        Member.objects.filter(_q(key))
        .select_related("organization", "employer", "platform", "user")
        .order_by("pk")
    )
    return _record_sheet("党员", Member, members, ("id", "user"))


def collect(key: PersonKey, actor: User) -> PersonData:
    """What ``actor`` may be given: each domain only with its view capability."""
    data = PersonData(key=key, sheets=[])
    if _identity_q(key, actor) is not None:
        data.sheets += _appeal_sheets(key, actor)
    else:
        data.withheld.append("诉求（经办人无查看诉求人身份的权限）")
    if actor.has_capability(Cap.VOLUNTEERS_VIEW):
        data.sheets += _volunteer_sheets(key)
    else:
        data.withheld.append("志愿者（经办人无志愿者查看权限）")
    if actor.has_capability(Cap.MEMBERS_VIEW):
        data.sheets.append(_member_sheet(key))
    else:
        data.withheld.append("党员（经办人无党员信息查看权限）")
    return data


def _write(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])


def workbook(data: PersonData, *, actor: User, basis: str, at: datetime) -> bytes:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "说明"
    lines: list[Sequence[object]] = [
        ["个人信息查阅、复制"],
        ["法律依据", LEGAL_BASIS],
        ["本次申请的依据（经办人填写）", basis],
        [f"查询依据（{KEY_KINDS[data.key.kind]}）", data.key.masked],
        ["经办人", f"{actor.full_name or actor.username}（{actor.username}）"],
        ["办理时间", _dt(at)],
        ["包含的信息", INCLUDED],
        ["未包含的信息", NOT_INCLUDED],
        *[["因权限未导出", item] for item in data.withheld],
        *([["需人工核对", PHONE_ONLY]] if data.key.kind == "phone" else []),
        ["说明", "无记录的工作表为空。"],
        [],
        ["工作表", "记录数"],
        *[[title, count] for title, count in data.counts().items()],
    ]
    for line in lines:
        cover.append([safe_cell(v) for v in line])
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 28
    cover.column_dimensions["B"].width = 80
    for sheet in data.sheets:
        _write(book.create_sheet(sheet.title[:31]), sheet.headers, sheet.rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_person(
    *, actor: User, kind: str, raw: str, basis: str, now: datetime | None = None
) -> tuple[PersonData, bytes]:
    """Validate, look up, build the workbook and audit the request; the workbook's bytes."""
    require_requester(actor)
    check_basis(basis, None)
    key = parse_key(kind, raw)
    basis = check_basis(basis, key)
    now = now or timezone.now()
    data = collect(key, actor)
    body = workbook(data, actor=actor, basis=basis, at=now)
    with transaction.atomic():
        audit.record(
            "person_data_exported",
            actor=actor,
            target_type="privacy.person",
            target_id=key.index,
            target_repr=f"按{KEY_KINDS[kind]}查阅个人信息",
            changes={
                "key_kind": kind,
                "basis": basis,
                "rows": data.counts(),
                "withheld": data.withheld,
            },
            note=basis,
            at=now,
        )
    return data, body

"""Written notices of an appeal (书面告知、转送交办、答复) and the timeline export.

The five notice texts are :class:`~shegong.appeals.models.NoticeTemplate` rows (defaults
from migration 0004, editable in the admin by ``appeals.policy``). A body is Django
template syntax rendered against the context documented in docs/appeals-notices.md; user
text (title, body, reasons, reply) only ever enters as a context *value*, so it is printed,
never evaluated as template code. One rendered line is one paragraph.

Privacy (个人信息保护法 第五十一条; 信访工作条例 第三十条):

* Notices addressed to the petitioner (受理/不予受理/告知/答复) carry the petitioner's name
  and may only be issued by roles holding ``appeals.identity`` (and, for a confidential
  appeal, ``appeals.identity_confidential``).
* The 转送交办单 goes to the handling unit: the name is printed as "（保密）" for a
  confidential appeal (and masked for a viewer without ``appeals.identity``); phone and ID
  numbers never appear in any notice or in the timeline export.

``render_notice`` is the only place the name is decrypted for a notice, and it audits
every call (``appeal_notice_generated``); ``to_docx``/``to_pdf`` are pure layout.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.core.tabular import safe_cell as _safe_cell
from shegong.lib.masking import mask_name, redact_identifiers

from .choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    EventKind,
    RedirectChannel,
    Stream,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)
from .models import Appeal, AppealEvent, NoticeKind, NoticeTemplate, Petitioner, WorkOrder

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
# Tags that reach outside the context (files, libraries, URLs, the whole context dump).
_FORBIDDEN_TAGS = re.compile(r"{%\s*(load|include|extends|debug|ssi|url)\b")

_ENGINE = Engine(autoescape=False, string_if_invalid="")

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
    from .services.policies import compute_deadline

    # 信访: 60 days from 受理 (信访工作条例 第三十四条), as workflow._new_order computes it.
    start = appeal.accepted_at
    deadline = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
    return (deadline.due, deadline.provisional) if deadline else (None, False)


def _label(choices: Any, value: str) -> str:
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


def validate_template_body(body: str) -> None:
    """Raise ValidationError (Chinese) unless ``body`` compiles and renders as a template."""
    match = _FORBIDDEN_TAGS.search(body or "")
    if match:
        raise ValidationError(
            f"文书模板不能使用 {{% {match[1]} %}} 标签，只能使用文档中列出的变量和基本标签",
            code="forbidden_tag",
        )
    try:
        template = _ENGINE.from_string(body or "")
    except TemplateSyntaxError as exc:
        raise ValidationError(
            f"文书模板语法错误：{exc}。"
            "请检查 {{ }} 与 {% %} 是否成对、标签和过滤器名称是否正确",
            code="template_syntax",
        ) from exc
    try:
        text = template.render(Context(sample_context(), autoescape=False))
    except Exception as exc:  # a filter may raise on the sample values
        raise ValidationError(f"文书模板无法生成：{exc}", code="template_render") from exc
    if not text.strip():
        raise ValidationError("文书模板生成的正文为空", code="template_empty")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render_notice(
    appeal: Appeal,
    kind: str,
    *,
    viewer: Any,
    fmt: str = "preview",
    now: datetime | None = None,
) -> RenderedNotice:
    """Render one notice of ``appeal`` for ``viewer`` and audit it.

    Reloads the appeal through ``visible_to(viewer)``; raises ``PermissionDenied`` when the
    role may not issue it, ``DomainError`` when the state does not allow it or the
    template is missing/broken. ``fmt`` is recorded in the audit event.
    """
    if kind not in NoticeKind.values:
        raise DomainError("未知的文书类型", code="notice_unknown")
    loaded = (
        Appeal.objects.visible_to(viewer)
        .select_related("policy", "region", "petitioner", "lead_unit")
        .filter(pk=appeal.pk)
        .first()
    )
    if loaded is None:
        raise DomainError("诉求不存在或不在您的管辖范围内", code="not_found")
    check_notice_permission(viewer, loaded, kind)
    why = unavailable_reason(loaded, kind)
    if why:
        raise DomainError(why, code="notice_unavailable")
    template = NoticeTemplate.objects.filter(kind=kind).first()
    if template is None:
        raise DomainError(f"尚未配置“{NoticeKind(kind).label}”的文书模板，请联系管理员")
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    context = notice_context(loaded, kind, viewer=viewer, issuer=template.issuer, today=today)
    try:
        text = _ENGINE.from_string(template.body).render(Context(context, autoescape=False))
    except TemplateSyntaxError as exc:
        raise DomainError(f"文书模板有误，请联系管理员修改：{exc}") from exc
    notice = RenderedNotice(
        title=template.title.strip(),
        paragraphs=_paragraphs(text),
        issuer=template.issuer.strip(),
        date=today,
        kind=kind,
        number=loaded.number,
    )
    audit.record(
        "appeal_notice_generated",
        actor=viewer,
        target=loaded,
        at=now,
        changes={"kind": kind, "format": fmt},
    )
    return notice


def save_notice_template(*, actor: Any, template: NoticeTemplate) -> NoticeTemplate:
    """Create or change a template (admin), validated and audited."""
    if actor is None or not actor.has_capability(Cap.APPEALS_POLICY):
        raise PermissionDenied("您的角色不能修改文书模板")
    try:
        validate_template_body(template.body)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    fields = ["kind", "title", "body", "issuer"]
    with transaction.atomic():
        existing = (
            NoticeTemplate.objects.select_for_update().filter(pk=template.pk).first()
            if template.pk
            else None
        )
        before = audit.snapshot(existing, fields) if existing else {}
        template.save()
        audit.record(
            "notice_template_changed" if existing else "notice_template_created",
            actor=actor,
            target=template,
            changes=audit.diff(before, audit.snapshot(template, fields)),
        )
    return template


# --- layout: DOCX -------------------------------------------------------------------------

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
LINE_PT = 28
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _set_fonts(rpr: Any, name: str) -> None:
    """Set every script's font (incl. w:eastAsia) and drop theme fonts that would win."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def _add_run(paragraph: Any, text: str, font: str, size: int, *, bold: bool = False) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._element.get_or_add_rPr(), font)
    return run


def to_docx(notice: RenderedNotice) -> bytes:
    """A4 DOCX in 公文 layout (GB/T 9704-2012 margins, 仿宋 三号 body, 28 pt lines)."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    for rpr in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr"):
        _set_fonts(rpr, BODY_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "zh-CN")  # Word applies Chinese line-breaking rules by language
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal_format = normal.paragraph_format
    normal_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal_format.line_spacing = Pt(LINE_PT)
    normal_format.space_before = normal_format.space_after = Pt(0)

    title_style = document.styles.add_style("小标题", WD_STYLE_TYPE.PARAGRAPH)
    title_style.base_style = normal
    title_style.font.size = Pt(TITLE_PT)
    title_style.font.bold = True
    _set_fonts(title_style.element.get_or_add_rPr(), TITLE_FONT)
    title_format = title_style.paragraph_format
    title_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_format.line_spacing = Pt(36)
    title_format.space_after = Pt(6)

    title = document.add_paragraph(style=title_style)
    _add_run(title, notice.title, TITLE_FONT, TITLE_PT, bold=True)
    if notice.number:
        ref = document.add_paragraph()
        ref.alignment = WD_ALIGN_PARAGRAPH.CENTER
        ref.paragraph_format.space_after = Pt(LINE_PT / 2)
        _add_run(ref, f"编号：{notice.number}", BODY_FONT, 14)

    for index, text in enumerate(notice.paragraphs):
        paragraph = document.add_paragraph()
        if index == 0 and notice.has_salutation:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        _add_run(paragraph, text, BODY_FONT, BODY_PT)

    document.add_paragraph()
    for text in (notice.issuer, notice.date_label):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        _add_run(paragraph, text, BODY_FONT, BODY_PT)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_run(footer, "— ", BODY_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)
    _add_run(footer, " —", BODY_FONT, 14)

    properties = document.core_properties
    properties.title = notice.title
    properties.author = notice.issuer
    properties.subject = notice.number
    properties.language = "zh-CN"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- layout: PDF --------------------------------------------------------------------------

PDF_FONT = "STSong-Light"
# STSong-Light's UCS-2 CMap has no U+00B7 (used in "信访·申诉求决类") or the other dots.
_PDF_CHARS = str.maketrans(dict.fromkeys("\u00b7\u2022\u2027\u2219\u22c5", "\u30fb"))
# 禁则 (GB/T 15834 标点符号用法): these never start a line …
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…%‰,.;:?!)]}")
# … and these never end one.
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def _pdf_text(text: str) -> str:
    """Paragraph markup for plain ``text``: XML-escaped, unmappable dots replaced."""
    return escape(text.translate(_PDF_CHARS))


def _is_latin(char: str) -> bool:
    return char.isascii() and not char.isspace()


def _bad_break(text: str, at: int) -> bool:
    """Breaking before ``text[at]`` would violate 禁则 or cut a Latin/digit run."""
    return (
        text[at] in _NO_LINE_START
        or text[at - 1] in _NO_LINE_END
        or (_is_latin(text[at - 1]) and _is_latin(text[at]))
    )


def cjk_lines(text: str, widths: list[float], max_widths: list[float]) -> list[tuple[float, str]]:
    """Greedy CJK line breaking with 禁则 and unbroken Latin/digit runs.

    Returns ``[(unused width, line)]``. A break that would start a line with closing
    punctuation, end one with opening punctuation or cut ``XF2026…`` moves characters down
    to the next line (never more than half a line).
    """
    lines: list[tuple[float, str]] = []
    start, count = 0, len(text)
    while start < count:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        end, used = start, 0.0
        while end < count and used + widths[end] <= limit + 1e-6:
            used += widths[end]
            end += 1
        end = max(end, start + 1)
        if end < count:
            floor = start + max(1, (end - start) // 2)
            candidate = end
            while candidate > floor and _bad_break(text, candidate):
                candidate -= 1
            if not _bad_break(text, candidate):
                end = candidate
        lines.append((limit - sum(widths[start:end]), text[start:end].rstrip()))
        start = end
        while start < count and text[start] == " ":
            start += 1
    return lines


def _pdf_font() -> str:
    """The built-in Adobe CID font (no font file needed; viewers supply the glyphs)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(PDF_FONT, 12)
    canvas.drawCentredString(doc.pagesize[0] / 2, doc.bottomMargin / 2, f"— {doc.page} —")
    canvas.restoreState()


@functools.cache
def _cjk_paragraph_class() -> type:
    """``Paragraph`` whose CJK wrapping follows :func:`cjk_lines` (plain one-font text)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    class CJKParagraph(Paragraph):  # type: ignore[misc]
        def breakLinesCJK(self, maxWidths: Any) -> Any:
            frags = self.frags
            plain_text = (
                len(frags) == 1
                and hasattr(frags[0], "text")
                and not hasattr(frags[0], "cbDefn")
                and not self.style.endDots
                and not self.bulletText
            )
            if not plain_text or (hasattr(self, "blPara") and getattr(self, "_splitpara", False)):
                return super().breakLinesCJK(maxWidths)
            if not isinstance(maxWidths, (list, tuple)):
                maxWidths = [maxWidths]
            frag = frags[0]
            widths = [stringWidth(c, frag.fontName, frag.fontSize) for c in frag.text]
            lines = cjk_lines(frag.text, widths, list(maxWidths))
            return frag.clone(
                kind=0,
                lines=[(extra, [line]) for extra, line in lines],
                ascent=frag.fontSize,
                descent=-0.2 * frag.fontSize,
            )

    return CJKParagraph


def to_pdf(notice: RenderedNotice) -> bytes:
    """A4 PDF with the same layout as :func:`to_docx`, CJK line breaking."""
    return pdf_layout(notice)[0]


def pdf_layout(notice: RenderedNotice) -> tuple[bytes, list[tuple[int, str]]]:
    """The PDF and where its text went: (page number, plain text) for every paragraph or
    part of a paragraph placed, in order (for tests and previews of the page breaks).

    The signature block (发文机关署名 and 成文日期) is kept on one page together with the
    end of the last paragraph of the body: 落款 never stands alone at the top of a page
    (GB/T 9704-2012 7.3.5 — when the body does not leave room for it, text is carried over
    with it). A last paragraph too long to move whole is split, its final lines going with
    the signature."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

    Paragraph = _cjk_paragraph_class()

    font = _pdf_font()
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=BODY_PT,
        leading=LINE_PT,
        firstLineIndent=BODY_PT * 2,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    salutation = ParagraphStyle("salutation", parent=body, firstLineIndent=0, alignment=TA_LEFT)
    title = ParagraphStyle(
        "title",
        parent=body,
        fontSize=TITLE_PT,
        leading=36,
        firstLineIndent=0,
        alignment=TA_CENTER,
        spaceAfter=4,
    )
    reference = ParagraphStyle(
        "reference", parent=body, fontSize=14, firstLineIndent=0, alignment=TA_CENTER
    )
    signature = ParagraphStyle(
        "signature", parent=body, firstLineIndent=0, alignment=TA_RIGHT, rightIndent=BODY_PT * 2
    )

    story: list[Any] = [Paragraph(_pdf_text(notice.title), title)]
    if notice.number:
        story += [Paragraph(_pdf_text(f"编号：{notice.number}"), reference), Spacer(1, LINE_PT / 2)]
    paragraphs = [
        Paragraph(_pdf_text(text), salutation if i == 0 and notice.has_salutation else body)
        for i, text in enumerate(notice.paragraphs)
    ]
    closing = [
        Spacer(1, LINE_PT),
        Paragraph(_pdf_text(notice.issuer), signature),
        Paragraph(_pdf_text(notice.date_label), signature),
    ]
    # The frame SimpleDocTemplate lays out in (6 pt padding on every side).
    frame_width = A4[0] - (28 + 26) * mm - 12
    frame_height = A4[1] - (37 + 35) * mm - 12
    tail: list[Any] = closing
    if paragraphs:
        last = paragraphs.pop()
        tail = [last, *closing]
        if sum(f.wrap(frame_width, frame_height)[1] for f in tail) > frame_height:
            # Too long to move whole: carry over its last two lines with the signature.
            parts = last.split(frame_width, last.height - 2 * LINE_PT)
            if len(parts) == 2:
                paragraphs.append(parts[0])
                tail = [parts[1], *closing]
            else:
                paragraphs.append(last)
                tail = closing
    story += [*paragraphs, KeepTogether(tail)]

    placed: list[tuple[int, str]] = []

    class _Document(SimpleDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:
            if hasattr(flowable, "getPlainText"):
                placed.append((self.page, flowable.getPlainText()))

    out = io.BytesIO()
    document = _Document(
        out,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=notice.title,
        author=notice.issuer,
        subject=notice.number,
        creator="社工平台",
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue(), placed


# --- the timeline export ------------------------------------------------------------------

EVENT_HEADERS = ["序号", "时间", "步骤", "单位/经办", "工单", "说明", "时限", "是否按期"]
ORDER_HEADERS = [
    "承办单位",
    "角色",
    "状态",
    "派单时间",
    "签收期限",
    "签收时间",
    "签收是否按期",
    "办理期限",
    "延期",
    "答复时间",
    "办理是否按期",
    "升级层级",
]
ON_TIME, LATE, NO_CLOCK = "按期", "超期", "—"
CITIZEN_NOTE = "（群众补充材料，内容见诉求详情）"


@dataclass(frozen=True)
class Timeline:
    """The case timeline as tables of plain strings (no personal data)."""

    number: str
    title: str
    meta: list[tuple[str, str]]
    events: list[list[str]]
    orders: list[list[str]]


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def met_mark(met: bool | None) -> str:
    return NO_CLOCK if met is None else (ON_TIME if met else LATE)


def _order_marks(order: WorkOrder, now: datetime) -> tuple[str, str]:
    is_open = order.status in OPEN_ORDER_STATES
    if order.sign_due_at is None:
        sign = NO_CLOCK
    elif order.signed_at is not None:
        sign = met_mark(order.signed_at <= order.sign_due_at)
    elif is_open and now > order.sign_due_at:
        sign = LATE
    else:
        sign = NO_CLOCK
    if order.due_at is None:
        handle = NO_CLOCK
    elif order.replied_at is not None:
        handle = met_mark(order.replied_at <= order.due_at)
    elif order.breached_at is not None or (is_open and now > order.due_at):
        handle = LATE
    else:
        handle = NO_CLOCK
    return sign, handle


def build_timeline(appeal: Appeal, *, now: datetime | None = None) -> Timeline:
    """Every timeline event and every work order with its clocks. The caller loaded
    ``appeal`` through ``visible_to``. Citizen-written notes are left out (they are on the
    appeal page); phone/ID numbers and the petitioner's name are removed from notes."""
    now = now or timezone.now()
    scrub = _Scrubber(appeal, name_mask=_NAME_HIDDEN)
    events: list[list[str]] = []
    queryset = AppealEvent.objects.filter(appeal=appeal).select_related("work_order__unit")
    for index, item in enumerate(queryset.order_by("at", "pk"), start=1):
        order = item.work_order
        note = CITIZEN_NOTE if item.kind == EventKind.INFO_ADDED else scrub.citizen(item.note)
        events.append(
            [
                str(index),
                _when(item.at),
                _label(EventKind, item.kind),
                item.actor_label,
                f"{order.unit.name}（{order.get_role_display()}）" if order else "",
                note,
                _when(item.clock_due_at),
                met_mark(item.clock_met),
            ]
        )
    orders: list[list[str]] = []
    for order in appeal.work_orders.select_related("unit").order_by("dispatched_at", "pk"):
        sign, handle = _order_marks(order, now)
        due = _when(order.due_at) + ("（暂定）" if order.due_at and order.due_provisional else "")
        extension = (
            f"{order.extensions}次/{order.extended_days}天" if order.extensions else NO_CLOCK
        )
        orders.append(
            [
                order.unit.name,
                order.get_role_display(),
                order.get_status_display(),
                _when(order.dispatched_at),
                _when(order.sign_due_at),
                _when(order.signed_at),
                sign,
                due,
                extension,
                _when(order.replied_at),
                handle,
                str(order.escalation_level) if order.escalation_level else NO_CLOCK,
            ]
        )
    title = scrub.citizen(appeal.title)
    meta = [
        ("登记编号", appeal.number),
        ("标题", title),
        ("类别", _label(AppealKind, appeal.kind)),
        ("状态", _label(AppealStatus, appeal.status)),
        ("登记时间", _when(appeal.registered_at)),
        ("受理/告知期限", _when(appeal.triage_due_at)),
        ("导出时间", _when(now)),
    ]
    return Timeline(number=appeal.number, title=title, meta=meta, events=events, orders=orders)


def timeline_xlsx(timeline: Timeline) -> bytes:
    """Sheets 办理过程 (events in order), 工单时限 (work orders), 诉求信息 (meta)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheets = [
        ("办理过程", EVENT_HEADERS, timeline.events, [6, 17, 14, 18, 22, 60, 17, 10]),
        (
            "工单时限",
            ORDER_HEADERS,
            timeline.orders,
            [18, 10, 10, 17, 17, 17, 12, 22, 10, 17, 12, 10],
        ),
        ("诉求信息", ["项目", "内容"], [list(pair) for pair in timeline.meta], [16, 60]),
    ]
    for index, (name, headers, rows, widths) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe_cell(value) for value in row])
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timeline_csv(timeline: Timeline) -> bytes:
    """UTF-8 with BOM (opens in WPS/Excel): events, a blank line, then work orders."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EVENT_HEADERS)
    writer.writerows([_safe_cell(v) for v in row] for row in timeline.events)
    writer.writerow([])
    writer.writerow(ORDER_HEADERS)
    writer.writerows([_safe_cell(v) for v in row] for row in timeline.orders)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def timeline_pdf(timeline: Timeline) -> bytes:
    """Landscape A4: the meta block, the event table and the work-order table."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    Paragraph = _cjk_paragraph_class()

    font = _pdf_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, fontSize=14, leading=20, alignment=TA_CENTER)
    section = ParagraphStyle("section", parent=cell, fontSize=11, leading=16, spaceBefore=6)

    def table(headers: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph(_pdf_text(h), cell) for h in headers]]
        data += [[Paragraph(_pdf_text(v), cell) for v in row] for row in rows]
        result = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return result

    meta = "　".join(f"{k}：{v}" for k, v in timeline.meta)
    story: list[Any] = [
        Paragraph(_pdf_text(f"诉求办理过程（{timeline.number}）"), head),
        Paragraph(_pdf_text(meta), cell),
        Spacer(1, 4 * mm),
        Paragraph("办理过程", section),
        table(
            EVENT_HEADERS,
            timeline.events or [["", "", "", "", "", "无", "", ""]],
            [10, 27, 22, 36, 40, 87, 27, 18],
        ),
        Paragraph("工单与时限", section),
    ]
    if timeline.orders:
        story.append(
            table(ORDER_HEADERS, timeline.orders, [34, 16, 16, 24, 24, 24, 16, 32, 17, 24, 16, 14])
        )
    else:
        story.append(Paragraph("尚未派单", cell))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        topMargin=15 * mm,
        bottomMargin=22 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"诉求办理过程 {timeline.number}",
        creator="社工平台",
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()

"""DOCX of a notice: an Office-editable template (docxtpl) filled with the rendered notice.

Each notice kind is a document kind of ``core.documents`` (``appeals.notice.<kind>``), so
the department can replace its letterhead and layout on the 文书模板 page; until it does,
the default ``templates/notice.docx`` (written by ``scripts/make-notice-templates.py``,
GB/T 9704-2012 layout) is used for all five. The wording of the body stays in the
``NoticeTemplate`` rows (admin); the Office template decides where the rendered paragraphs,
title, number, issuer and date go, and may also print any value of the notice's context
(:data:`PLACEHOLDERS`) — the same scrubbed values the text template sees, so an edited
template cannot reach a phone or ID number or a name the kind's privacy rule hides.
"""

from __future__ import annotations

import functools
from pathlib import Path

from shegong.core import documents
from shegong.core.documents import DocumentKind, Placeholder

from ..models import NoticeKind
from .context import RenderedNotice, sample_context

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "notice.docx"
KEY_PREFIX = "appeals.notice."

# What an Office template of a notice may use (docs/appeals-notices.md, "Context").
PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("notice_title", "文书标题，如“答复意见书”（在后台“文书模板”中设置）"),
    Placeholder("appeal_number", "诉求登记编号"),
    Placeholder("salutation", "称谓/主送，如“张三：”（正文第一行是称谓时，否则为空）"),
    Placeholder(
        "paragraphs",
        "正文各段（列表），在循环中逐段输出",
        "{%p for paragraph in paragraphs %} / {{ paragraph }} / {%p endfor %}",
    ),
    Placeholder("issuer", "落款单位（发文机关署名）"),
    Placeholder("issue_date", "成文日期，如“2026年3月7日”（生成当天）"),
    Placeholder("notice_label", "文书类型名称"),
    Placeholder("petitioner_name", "诉求人姓名（按隐私规则可能为“（保密）”或已遮盖；匿名时为空）"),
    Placeholder("number", "诉求登记编号（同 appeal_number）"),
    Placeholder("title", "诉求标题（已去除电话、证件号码）"),
    Placeholder("body", "诉求内容（已去除电话、证件号码）"),
    Placeholder("kind_label", "诉求类别，如“信访·申诉求决类”"),
    Placeholder("matter", "事项称谓：信访事项 / 诉求 / 建议"),
    Placeholder("is_petition", "是否信访事项（真/假）", "{%p if is_petition %} … {%p endif %}"),
    Placeholder("registered_date", "登记日期"),
    Placeholder("accepted_date", "受理日期"),
    Placeholder("replied_date", "答复日期"),
    Placeholder("dispatched_date", "派单日期"),
    Placeholder("unit", "主办单位"),
    Placeholder("assist_units", "协办单位（以“、”分隔）"),
    Placeholder("due_date", "办结期限"),
    Placeholder("due_provisional", "期限是否暂定（该年度日历尚未录入）"),
    Placeholder("instructions", "派单意见"),
    Placeholder("reason", "不予受理或告知的理由"),
    Placeholder("redirect_label", "告知的其他法定途径，如“诉讼（人民法院）”"),
    Placeholder("reply", "答复意见"),
    Placeholder("identity_confidential", "诉求人是否要求身份保密（真/假）"),
    Placeholder("today", "生成日期（同 issue_date）"),
    Placeholder("review_days", "申请复查的期限（天）"),
    Placeholder(
        "appeal",
        "诉求信息（只读）：区划、地点、渠道、紧急程度、状态、人数",
        "{{ appeal.region_name }}、{{ appeal.address }}、{{ appeal.channel_label }}、"
        "{{ appeal.urgency_label }}、{{ appeal.status_label }}、{{ appeal.headcount }}",
    ),
)


def document_key(kind: str) -> str:
    return f"{KEY_PREFIX}{kind}"


def docx_context(notice: RenderedNotice) -> dict[str, object]:
    """The Office template's context: the notice's own context plus its laid-out parts."""
    paragraphs = list(notice.paragraphs)
    salutation = paragraphs.pop(0) if notice.has_salutation else ""
    return {
        **notice.fields,
        "notice_title": notice.title,
        "appeal_number": notice.number,
        "salutation": salutation,
        "paragraphs": paragraphs,
        "issuer": notice.issuer,
        "issue_date": notice.date_label,
    }


def _sample(kind: str) -> dict[str, object]:
    context = sample_context()
    context["notice_label"] = NoticeKind(kind).label
    return {
        **context,
        "notice_title": NoticeKind(kind).label,
        "appeal_number": context["number"],
        "salutation": f"{context['petitioner_name']}：",
        "paragraphs": ["示例正文第一段。", "示例正文第二段。"],
        "issue_date": context["today"],
    }


def document_kinds() -> list[DocumentKind]:
    """One document kind per notice kind (registered by ``AppealsConfig.ready``)."""
    return [
        DocumentKind(
            key=document_key(kind),
            name=str(NoticeKind(kind).label),
            default_template=DEFAULT_TEMPLATE,
            placeholders=PLACEHOLDERS,
            sample_context=functools.partial(_sample, kind),
            group="群众诉求文书",
            description=("正文措辞在后台“文书模板”中修改；此处修改版式、文头和落款的位置"),
        )
        for kind in NoticeKind.values
    ]


def to_docx(notice: RenderedNotice) -> bytes:
    """The notice as DOCX, through the kind's active Office template (or the default)."""
    context = docx_context(notice)
    title, author = notice.title, notice.issuer  # the file's properties
    if notice.kind in NoticeKind.values:
        return documents.render(document_key(notice.kind), context, title=title, author=author)
    return documents.render_bytes(
        DEFAULT_TEMPLATE.read_bytes(), context, title=title, author=author
    )

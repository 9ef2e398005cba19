"""The 介绍信 as a ``core.documents`` kind (``transfers.letter``), registered in
``TransfersConfig.ready()``; the DOCX is rendered from the active template."""

from __future__ import annotations

from datetime import date

from shegong.core import documents
from shegong.core.documents import DocumentKind, Placeholder

from ..models import Transfer
from .context import KEY, letter_context, sample_context
from .default_template import PATH

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("letter_number", "介绍信编号"),
    Placeholder("member_name", "党员姓名"),
    Placeholder("gender", "性别"),
    Placeholder("age", "年龄（开具当日）"),
    Placeholder("ethnicity", "民族"),
    Placeholder("stage_label", "党员类别：正式党员 / 预备党员"),
    Placeholder("id_number_masked", "身份证号码（已遮盖，只显示前6位和后4位）"),
    Placeholder("from_organization", "转出党组织"),
    Placeholder("to_organization", "接收党组织（本市党组织名称或外地党组织）"),
    Placeholder("dues_paid_through", "党费交到的月份，如“2026年5月”"),
    Placeholder("reason", "转接原因"),
    Placeholder("issue_date", "开具日期，如“2026年6月10日”"),
    Placeholder("valid_until", "有效期至，如“2026年9月10日”"),
    Placeholder("valid_days", "有效天数"),
    Placeholder("issuer", "开具介绍信的党组织（转出方上级党委）"),
    Placeholder("expired", "是否已过有效期（真/假）", "{% if expired %} … {% endif %}"),
)


def document_kind() -> DocumentKind:
    return DocumentKind(
        key=KEY,
        name="党员组织关系介绍信",
        default_template=PATH,
        placeholders=PLACEHOLDERS,
        sample_context=sample_context,
        group="组织关系转接",
        description="转出方党委审批同意后开具；有效期按转接规则参数（默认3个月）。",
    )


def letter_docx(transfer: Transfer, *, today: date) -> bytes:
    return documents.render(
        KEY,
        letter_context(transfer, today=today),
        title=f"党员组织关系介绍信 {transfer.number}",
        author=transfer.from_label,
    )

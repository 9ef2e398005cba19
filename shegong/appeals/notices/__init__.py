"""Written notices of an appeal (书面告知、转送交办、答复) and the timeline export.

The five notice texts are :class:`~shegong.appeals.models.NoticeTemplate` rows (defaults
from migration 0004, editable in the admin by ``appeals.policy``). A body is Django
template syntax rendered against the context documented in docs/appeals-notices.md; user
text (title, body, reasons, reply) only ever enters as a context *value*, so it is printed,
never evaluated as template code. One rendered line is one paragraph.

The DOCX is laid out by an Office-editable ``.docx`` template (docxtpl), one per notice
kind, registered in ``core.documents`` (the department replaces it on the 文书模板 page);
the PDF stays code-built (reportlab).

Privacy (个人信息保护法 第五十一条; 信访工作条例 第三十条):

* Notices addressed to the petitioner (受理/不予受理/告知/答复) carry the petitioner's name
  and may only be issued by roles holding ``appeals.identity`` (and, for a confidential
  appeal, ``appeals.identity_confidential``).
* The 转送交办单 goes to the handling unit: the name is printed as "（保密）" for a
  confidential appeal (and masked for a viewer without ``appeals.identity``); phone and ID
  numbers never appear in any notice or in the timeline export.

The package, by concern:

* ``context`` — what goes in a notice: availability, permission, the template context and
  the scrubbing of personal data (pure data from the appeal);
* ``render`` — ``render_notice`` (the only place the name is decrypted for a notice; it
  audits every call, ``appeal_notice_generated``), template validation and saving;
* ``docx`` / ``pdf`` — pure layout of a :class:`RenderedNotice`;
* ``timeline`` — the case timeline export (XLSX, CSV, PDF).

Import from the package (``from shegong.appeals.notices import render_notice``); the
names below are its public interface.
"""

from __future__ import annotations

from .context import (
    ACCEPTED_STATES,
    CONFIDENTIAL,
    FILE_LABELS,
    INACTIVE_ORDER_STATES,
    NOTICE_FORMATS,
    OPEN_ORDER_STATES,
    PETITIONER_NOTICES,
    REVIEW_DAYS,
    TIMELINE_FORMATS,
    NoticeAppeal,
    RenderedNotice,
    available_notices,
    can_issue,
    check_notice_permission,
    cn_date,
    lead_order,
    notice_context,
    notices_for,
    sample_context,
    unavailable_reason,
)
from .docx import to_docx
from .layout import BODY_FONT, BODY_PT, DOCX_TYPE, LINE_PT, TITLE_FONT, TITLE_PT
from .pdf import PDF_FONT, cjk_lines, pdf_layout, to_pdf
from .render import render_notice, save_notice_template, validate_template_body
from .timeline import (
    CITIZEN_NOTE,
    EVENT_HEADERS,
    LATE,
    NO_CLOCK,
    ON_TIME,
    ORDER_HEADERS,
    Timeline,
    build_timeline,
    met_mark,
    timeline_csv,
    timeline_pdf,
    timeline_xlsx,
)

__all__ = [
    "ACCEPTED_STATES",
    "BODY_FONT",
    "BODY_PT",
    "CITIZEN_NOTE",
    "CONFIDENTIAL",
    "DOCX_TYPE",
    "EVENT_HEADERS",
    "FILE_LABELS",
    "INACTIVE_ORDER_STATES",
    "LATE",
    "LINE_PT",
    "NOTICE_FORMATS",
    "NO_CLOCK",
    "ON_TIME",
    "OPEN_ORDER_STATES",
    "ORDER_HEADERS",
    "PDF_FONT",
    "PETITIONER_NOTICES",
    "REVIEW_DAYS",
    "TIMELINE_FORMATS",
    "TITLE_FONT",
    "TITLE_PT",
    "NoticeAppeal",
    "RenderedNotice",
    "Timeline",
    "available_notices",
    "build_timeline",
    "can_issue",
    "check_notice_permission",
    "cjk_lines",
    "cn_date",
    "lead_order",
    "met_mark",
    "notice_context",
    "notices_for",
    "pdf_layout",
    "render_notice",
    "sample_context",
    "save_notice_template",
    "timeline_csv",
    "timeline_pdf",
    "timeline_xlsx",
    "to_docx",
    "to_pdf",
    "unavailable_reason",
    "validate_template_body",
]

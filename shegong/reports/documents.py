"""The reports as Word documents: two kinds of ``core.documents`` (``reports.monthly_appeals``
and ``reports.quarterly_coverage``), each with a default Office template committed in
``docx/`` (written by ``python -m shegong.reports.make_templates``). The department replaces
them on 系统 → Word 文书模板 like any other document kind.

Context of both: ``title``, ``region_name``, ``period_label``, ``generated_label``,
``summary`` (list of paragraphs), and one list of rows per table (``units``, ``regions`` …)
whose cells are named by the columns in :mod:`.schema`, with ``<table>_title`` and
``<table>_note`` beside each.
"""

from __future__ import annotations

import functools
from pathlib import Path

from shegong.core import documents
from shegong.core.documents import DocumentKind, Placeholder

from .choices import ReportKind
from .schema import MONTHLY, QUARTERLY
from .tables import Column, ReportContent

HERE = Path(__file__).resolve().parent / "docx"
DEFAULT_TEMPLATES: dict[str, Path] = {
    ReportKind.MONTHLY_APPEALS: HERE / "monthly_appeals.docx",
    ReportKind.QUARTERLY_COVERAGE: HERE / "quarterly_coverage.docx",
}
SCHEMAS: dict[str, dict[str, tuple[str, tuple[Column, ...]]]] = {
    ReportKind.MONTHLY_APPEALS: MONTHLY,
    ReportKind.QUARTERLY_COVERAGE: QUARTERLY,
}
KEY_PREFIX = "reports."

COMMON = (
    Placeholder("title", "报告标题，如“东城区接诉即办月度报告”"),
    Placeholder("region_name", "区划全称"),
    Placeholder("period_label", "报告期，如“2026年11月”或“2026年第三季度”"),
    Placeholder("generated_label", "生成时间"),
    Placeholder(
        "summary",
        "概述（列表），在循环中逐段输出",
        "{%p for line in summary %} / {{ line }} / {%p endfor %}",
    ),
)


def document_key(kind: str) -> str:
    return f"{KEY_PREFIX}{kind}"


def _table_placeholders(key: str, title: str, cols: tuple[Column, ...]) -> list[Placeholder]:
    cells = "、".join(f"{{{{ r.{c.key} }}}}（{c.header}）" for c in cols)
    return [
        Placeholder(
            key,
            f"表格“{title}”的各行，在表格行循环中逐行输出",
            f"{{%tr for r in {key} %}} {cells} {{%tr endfor %}}",
        ),
        Placeholder(f"{key}_title", f"表格“{title}”的标题"),
        Placeholder(f"{key}_note", f"表格“{title}”的数据来源说明"),
    ]


def placeholders(kind: str) -> tuple[Placeholder, ...]:
    items = list(COMMON)
    for key, (title, cols) in SCHEMAS[kind].items():
        items += _table_placeholders(key, title, cols)
    return tuple(items)


def context(content: ReportContent) -> dict[str, object]:
    out: dict[str, object] = {
        "title": content.title,
        "region_name": content.region_name,
        "period_label": content.period_label,
        "generated_label": content.generated_label,
        "summary": list(content.summary),
    }
    for table in content.tables:
        out[table.key] = [dict(row) for row in table.rows]
        out[f"{table.key}_title"] = table.title
        out[f"{table.key}_note"] = table.note
    return out


def sample_context(kind: str) -> dict[str, object]:
    out: dict[str, object] = {
        "title": "示例区接诉即办月度报告"
        if kind == ReportKind.MONTHLY_APPEALS
        else "示例区两新组织党建覆盖季度报告",
        "region_name": "示范市示例区",
        "period_label": "2026年11月" if kind == ReportKind.MONTHLY_APPEALS else "2026年第三季度",
        "generated_label": "2026年12月01日 03:10",
        "summary": ["示例概述第一段。", "示例概述第二段。"],
    }
    for key, (title, cols) in SCHEMAS[kind].items():
        out[key] = [{c.key: f"{c.header}示例" for c in cols}]
        out[f"{key}_title"] = title
        out[f"{key}_note"] = "示例说明"
    return out


def document_kinds() -> list[DocumentKind]:
    """Registered by ``ReportsConfig.ready``."""
    return [
        DocumentKind(
            key=document_key(kind),
            name=str(ReportKind(kind).label),
            default_template=DEFAULT_TEMPLATES[kind],
            placeholders=placeholders(kind),
            sample_context=functools.partial(sample_context, kind),
            group="统计报告",
            description="各表格的列固定，可调整版式、标题和表格样式，或删去不需要的表格",
        )
        for kind in ReportKind.values
    ]


def to_docx(kind: str, content: ReportContent) -> bytes:
    return documents.render(
        document_key(kind), context(content), title=content.title, author="统计报告"
    )

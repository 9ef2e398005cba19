"""The 党费收缴表 (per branch per year) as XLSX: member (masked name), category, base,
monthly amount, the 12 months paid, the total and the arrears through the export date."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from shegong.accounts.models import User
from shegong.lib.partyrules.months import Month
from shegong.organizations.models import PartyOrganization

from .totals import branch_grid

HEADERS = [
    "序号",
    "姓名",
    "党员类别",
    "计算基数（元/月）",
    "月应缴（元）",
    *[f"{i}月" for i in range(1, 13)],
    "全年已缴合计（元）",
    "欠缴月数",
    "欠缴金额（元）",
]


def collection_sheet(
    *, actor: User, org: PartyOrganization, year: int, through: Month
) -> tuple[bytes, int]:
    """(xlsx bytes, member count). Names are masked (the export is audited by the view)."""
    rows = branch_grid(actor, org, year, through)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年度"
    ws.append([f"{org.name} {year}年度党费收缴表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"欠缴统计截至 {through.year}年{through.month}月（含以前年度）"])
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    month_totals = [Decimal(0)] * 12
    for number, row in enumerate(rows, start=1):
        a = row.assessment
        paid = [c.paid for c in row.cells]
        month_totals = [t + p for t, p in zip(month_totals, paid, strict=True)]
        ws.append(
            [
                number,
                str(row.member.name),
                a.get_category_display() if a else "未核定",
                float(a.base) if a and a.base is not None else "",
                float(a.monthly_amount) if a else "",
                *[float(p) if p else "" for p in paid],
                float(row.paid_total),
                len(row.report.months_in_arrears),
                float(row.report.outstanding),
            ]
        )
    ws.append(
        [
            "合计",
            f"{len(rows)} 人",
            "",
            "",
            "",
            *[float(t) for t in month_totals],
            float(sum(month_totals, Decimal(0))),
            sum(len(r.report.months_in_arrears) for r in rows),
            float(sum((r.report.outstanding for r in rows), Decimal(0))),
        ]
    )
    for letter, width in (("A", 6), ("B", 10), ("C", 22), ("D", 14), ("E", 12)):
        ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), len(rows)

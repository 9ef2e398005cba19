"""The printed 志愿服务记录证明 (PDF): the certificate's fields, its records as signed, and the
QR code of its public verification page (rules in ``certificates``)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.pii import plain

from ..models import Certificate
from .certificates import covered_entries

PDF_FONT = "STSong-Light"


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)


def _records_tables(cert: Certificate, *, body: Any, small: Any) -> list[Any]:
    """培训情况 and 表彰奖励情况 as printed from the signed ``cert.records``."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3fb")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    out: list[Any] = []
    records = cert.records_display  # the award level as its label
    trainings = [r for r in records if r["kind"] == "training"]
    awards = [r for r in records if r["kind"] == "award"]
    out.append(_p("培训情况：" + ("" if trainings else "无"), body))
    if trainings:
        rows = [[_p(h, small) for h in ("日期", "培训名称", "主要内容", "举办单位", "学习时长")]]
        rows += [
            [_p(r[k], small) for k in ("date", "title", "content", "organizer", "hours")]
            for r in trainings
        ]
        table = Table(rows, colWidths=[22 * mm, 40 * mm, 60 * mm, 36 * mm, 18 * mm], repeatRows=1)
        table.setStyle(style)
        out.append(table)
    out.append(Spacer(1, 3 * mm))
    out.append(_p("表彰奖励情况：" + ("" if awards else "无"), body))
    if awards:
        rows = [[_p(h, small) for h in ("日期", "表彰奖励名称", "授予单位", "级别")]]
        rows += [[_p(r[k], small) for k in ("date", "title", "grantor", "level")] for r in awards]
        table = Table(rows, colWidths=[22 * mm, 70 * mm, 60 * mm, 24 * mm], repeatRows=1)
        table.setStyle(style)
        out.append(table)
    out.append(Spacer(1, 5 * mm))
    return out


def certificate_pdf(cert: Certificate, *, verify_url: str, actor: User | None = None) -> bytes:
    """The printable certificate (A4): statutory contents and a QR code to ``verify_url``.

    The volunteer's full name is printed (it is their certificate); the ID number is
    masked. Each download is audited (``volunteer_certificate_downloaded``).
    """
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    volunteer = cert.volunteer
    entries = covered_entries(cert, upto_seq=cert.ledger_seq, team_id=cert.issuer_team_id)
    title = ParagraphStyle("t", fontName=PDF_FONT, fontSize=20, leading=28, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=PDF_FONT, fontSize=11.5, leading=19, wordWrap="CJK")
    small = ParagraphStyle("s", fontName=PDF_FONT, fontSize=9, leading=12, wordWrap="CJK")
    right = ParagraphStyle("r", parent=body, alignment=TA_RIGHT)
    issued = timezone.localtime(cert.issued_at)
    span = (
        f"{cert.first_date:%Y年%m月%d日}至{cert.last_date:%Y年%m月%d日}"
        if cert.first_date and cert.last_date
        else ""
    )
    story: list[Any] = [
        _p("志愿服务记录证明", title),
        _p(f"证明编号：{cert.number}", right),
        Spacer(1, 4 * mm),
        _p(
            f"兹证明 {plain(volunteer.name)}（性别：{volunteer.get_gender_display()}，"
            f"身份证号：{cert.id_masked}，志愿者编号：{volunteer.number}）"
            f"{span}在{cert.issuer_name}记录的志愿服务活动中，累计参加志愿服务"
            f"{len(entries)}次，服务时间共计{cert.hours}小时。具体服务情况如下：",
            body,
        ),
        Spacer(1, 3 * mm),
    ]
    rows: list[list[Any]] = [
        [_p(h, small) for h in ("日期", "活动名称", "地点", "服务内容", "组织单位", "时长")]
    ]
    for e in entries:
        rows.append(
            [
                _p(f"{e.service_date:%Y-%m-%d}", small),
                _p(e.title, small),
                _p(e.region.full_name if e.region_id else "", small),
                _p(e.content[:60] or e.get_kind_display(), small),
                _p(e.organizer, small),
                _p(f"{e.hours}", small),
            ]
        )
    table = Table(
        rows, colWidths=[22 * mm, 34 * mm, 34 * mm, 44 * mm, 28 * mm, 14 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3fb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]
    if cert.include_records:
        story += _records_tables(cert, body=body, small=small)
    story.append(_p("特此证明。本证明免费出具，依据志愿服务记录如实填写。", body))
    story.append(Spacer(1, 4 * mm))
    story.append(_p(f"记录单位（出具单位）：{cert.issuer_name}", right))
    story.append(_p(f"出具日期：{issued:%Y年%m月%d日}", right))
    story.append(Spacer(1, 6 * mm))
    widget = QrCodeWidget(verify_url)
    bounds = widget.getBounds()
    size = 32 * mm
    drawing = Drawing(
        size,
        size,
        transform=[size / (bounds[2] - bounds[0]), 0, 0, size / (bounds[3] - bounds[1]), 0, 0],
    )
    drawing.add(widget)
    qr_table = Table(
        [
            [
                drawing,
                _p(
                    f"扫描二维码或访问以下网址查验本证明的真伪（查验码：{cert.verify_code}）："
                    f"{verify_url}",
                    small,
                ),
            ]
        ],
        colWidths=[36 * mm, 140 * mm],
    )
    qr_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(qr_table)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=f"志愿服务记录证明 {cert.number}",
        author=cert.issuer_name,
    )
    doc.build(story)
    audit.record(
        "volunteer_certificate_downloaded",
        actor=actor,
        target=cert,
        target_repr=cert.number,
    )
    return out.getvalue()

"""Appeals in every notice state, built only through the services, and helpers shared by
the notice tests (test_notices_*.py)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from docx import Document
from lxml import etree

from conftest import World
from shegong.appeals.choices import AppealKind, Channel, RedirectChannel, WorkOrderRole
from shegong.appeals.models import Appeal, NoticeKind, WorkOrder
from shegong.appeals.services import workflow as wf

from .conftest import at

NAME = "欧阳明"
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
PERSONAL = [NAME, PHONE, "139****5678", "1391234", ID_NUMBER, "110105********002X"]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STATES = ["registered", "accepted", "dispatched", "replied", "closed", "rejected", "redirected"]
STATE_FOR_KIND = {
    NoticeKind.ACCEPTANCE: "accepted",
    NoticeKind.REJECTION: "rejected",
    NoticeKind.REDIRECTION: "redirected",
    NoticeKind.DISPATCH: "dispatched",
    NoticeKind.REPLY: "replied",
}


def lead(appeal: Appeal) -> WorkOrder:
    return appeal.work_orders.get(role=WorkOrderRole.LEAD, status__in=["pending", "signed"])


def build(
    world: World, make_appeal: Callable[..., tuple[Appeal, str]], state: str, **overrides: object
) -> Appeal:
    """A 信访 claim (letter) in ``state``, through the intake and workflow services."""
    values: dict[str, object] = {
        "kind": AppealKind.XF_CLAIM,
        "channel": Channel.LETTER,
        "title": "小区路灯长期不亮",
        "body": f"本人{NAME}，电话 139 1234 5678。北一社区3号楼前路灯坏了两周，晚上出行不安全。",
        "name": NAME,
        "phone": PHONE,
        "id_number": ID_NUMBER,
    }
    values.update(overrides)
    appeal, _ = make_appeal(now=at(2026, 3, 2, 9), **values)
    d = world.dispatcher
    if state == "rejected":
        wf.reject_appeal(
            actor=d, appeal_id=appeal.pk, reason="该事项已经依法终结。", now=at(2026, 3, 3, 9)
        )
    elif state == "redirected":
        wf.redirect_appeal(
            actor=d,
            appeal_id=appeal.pk,
            channel=RedirectChannel.LITIGATION,
            reason="属于民事合同纠纷，应当向人民法院提起诉讼。",
            now=at(2026, 3, 3, 9),
        )
    elif state != "registered":
        wf.accept_appeal(actor=d, appeal_id=appeal.pk, now=at(2026, 3, 3, 9))
    if state in {"dispatched", "replied", "closed", "returned"}:
        wf.dispatch_appeal(
            actor=d,
            appeal_id=appeal.pk,
            lead_unit_id=world.unit_a.pk,
            assist_unit_ids=[world.unit_b.pk],
            instructions="请三日内联系诉求人并现场核查",
            now=at(2026, 3, 3, 10),
        )
    if state in {"replied", "closed", "returned"}:
        order = lead(appeal)
        wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=at(2026, 3, 3, 11))
        if state == "returned":
            wf.return_order(
                actor=world.handler_unit_a,
                order_id=order.pk,
                reason="路灯不归本单位管理",
                now=at(2026, 3, 3, 12),
            )
        else:
            wf.reply_order(
                actor=world.handler_unit_a,
                order_id=order.pk,
                text="经现场核查，路灯线路老化，已于3月5日更换修复，恢复照明。",
                now=at(2026, 3, 6, 9),
            )
    if state == "closed":
        wf.close_appeal(actor=d, appeal_id=appeal.pk, now=at(2026, 3, 6, 10))
    appeal.refresh_from_db()
    return appeal


def docx_text(data: bytes) -> str:
    """The body's paragraphs (one a line, so ``splitlines()[0]`` is the first), then the
    text of every XML part of the file — body with its tables, headers, footers, footnotes,
    the document properties — so a privacy assertion covers all of it."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in sorted(archive.namelist()):
        if not name.endswith((".xml", ".rels")):
            continue
        root = etree.fromstring(archive.read(name))
        paragraphs = list(root.iter(f"{{{W}}}p"))
        if paragraphs:
            lines += ["".join(p.itertext()) for p in paragraphs]
        else:
            lines += [t for t in root.itertext() if t.strip()]
            lines += [v for e in root.iter() for v in e.attrib.values()]  # e.g. link targets
    return "\n".join(lines)


def url(appeal: Appeal, kind: str, fmt: str) -> str:
    return f"/appeals/{appeal.pk}/notices/{kind}.{fmt}"

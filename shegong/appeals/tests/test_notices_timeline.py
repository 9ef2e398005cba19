"""The timeline export (XLSX, CSV, PDF): events in order with marks, no personal data,
audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from shegong.appeals import notices
from shegong.appeals.choices import EventKind
from shegong.appeals.models import Appeal
from shegong.appeals.services import clocks
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import add_citizen_information
from shegong.core.models import AuditEvent

from .conftest import at
from .notices_support import (
    ID_NUMBER,
    NAME,
    PERSONAL,
    PHONE,
    lead,
)

pytestmark = pytest.mark.django_db

# --- the timeline export --------------------------------------------------------------------


def late_reply_timeline(world: Any, make_appeal: Any) -> Appeal:
    """Hotline appeal: dispatched 03-02 (due 03-09), signed on time, breached, replied late."""
    appeal, _ = make_appeal(now=at(2026, 3, 2, 9), name=NAME, phone=PHONE, id_number=ID_NUMBER)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2026, 3, 2, 10),
    )
    order = lead(appeal)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=at(2026, 3, 2, 11))
    add_citizen_information(
        appeal=appeal, text=f"补充：我的电话{PHONE}，晚上在家", now=at(2026, 3, 3, 9)
    )
    wf.add_handling_note(
        actor=world.handler_unit_a,
        order_id=order.pk,
        note=f"已电话联系{NAME}（{PHONE}），约定现场查看",
        contacted=True,
        now=at(2026, 3, 4, 9),
    )
    assert clocks.escalate_breached(now=at(2026, 3, 10, 9))["breached"] == 1
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text="路灯已更换，恢复照明。",
        now=at(2026, 3, 11, 9),
    )
    appeal.refresh_from_db()
    return appeal


def test_timeline_xlsx_lists_events_in_order_with_marks(world, make_appeal, client_for) -> None:
    appeal = late_reply_timeline(world, make_appeal)
    response = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/timeline.xlsx")
    assert response.status_code == 200
    assert (
        "filename*=UTF-8''%E5%8A%9E%E7%90%86%E8%BF%87%E7%A8%8B-"
        in (response["Content-Disposition"])
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["办理过程", "工单时限", "诉求信息"]
    rows = list(book["办理过程"].iter_rows(values_only=True))
    assert list(rows[0]) == notices.EVENT_HEADERS
    steps = [(r[2], r[7]) for r in rows[1:]]
    assert steps == [
        ("登记", "—"),
        ("派单", "—"),
        ("签收", "按期"),
        ("群众补充材料", "—"),
        ("联系诉求人", "—"),
        ("超期", "超期"),
        ("答复", "超期"),
    ]
    expected = [
        EventKind(k).label
        for k in appeal.events.order_by("at", "pk").values_list("kind", flat=True)
    ]
    assert [s for s, _ in steps] == expected
    times = [r[1] for r in rows[1:]]
    assert times == sorted(times)
    assert times[0] == "2026-03-02 09:00"
    assert rows[3][3] == "市住建局"
    assert rows[3][4] == "市住建局（主办）"
    assert rows[7][6] == "2026-03-09 23:59"
    orders = list(book["工单时限"].iter_rows(values_only=True))
    assert list(orders[0]) == notices.ORDER_HEADERS
    assert orders[1][:3] == ("市住建局", "主办", "已答复")
    assert (orders[1][6], orders[1][10], orders[1][11]) == ("按期", "超期", "1")
    # Personal data never appears: not the name, phone or ID, not the citizen's own note.
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    for value in PERSONAL:
        assert value not in cells
    assert notices.CITIZEN_NOTE in cells
    assert "已电话联系×××（〔号码已隐去〕），约定现场查看" in cells


def test_timeline_csv_and_pdf_and_audit(world, make_appeal, client_for) -> None:
    appeal = late_reply_timeline(world, make_appeal)
    client = client_for(world.handler_unit_a)
    response = client.get(f"/appeals/{appeal.pk}/timeline.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff序号,时间,步骤")
    assert "按期" in text
    assert "超期" in text
    assert "承办单位,角色" in text
    assert PHONE not in text
    assert NAME not in text
    response = client.get(f"/appeals/{appeal.pk}/timeline.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 1000
    exports = AuditEvent.objects.filter(action="data_exported", target_type="appeals.timeline")
    assert exports.count() == 2
    first = exports.order_by("seq").first()
    assert first is not None
    assert first.actor_id == world.handler_unit_a.pk
    assert first.changes == {
        "filters": {"appeal": appeal.number},
        "rows": appeal.events.count(),
        "unmasked": False,
    }

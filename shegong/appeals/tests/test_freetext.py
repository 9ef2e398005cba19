"""Identifiers typed into an appeal's free text (issue #12 item 2; item 9 "无权查看").

A complainant writes their phone number, ID number, bank card or e-mail into the letter. Every
path that shows the text masks them for everyone; whoever may see the petitioner's identity
reveals the whole text with a reason (audited), nobody else has a reveal control. Walked on
an accusation (confidential: the handling unit must never read them) and on an ordinary
appeal's public display (portal, Open311).
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook

from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import add_citizen_information
from shegong.core.models import AuditEvent
from shegong.triage.models import TriageResult

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday

PHONE = "13912345678"  # the petitioner's own, also in the structured field
OTHER_MOBILE = "13698765432"
ID_NUMBER = "110105199001011234"
CARD = "6222021234567890"
EMAIL = "lisi@example.com"
LANDLINE = "0571-87654321"
SECRETS = [PHONE, OTHER_MOBILE, ID_NUMBER, CARD, EMAIL, "87654321", "98765432"]
BODY = (
    f"市住建局某科长收受好处费，转账到他的银行卡{CARD}。"
    f"我的身份证号{ID_NUMBER}，手机{PHONE}，邮箱{EMAIL}，"
    f"也可以打我家座机{LANDLINE}，或我爱人的手机{OTHER_MOBILE}。"
)


def assert_hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def accusation(world, make_appeal):
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        title=f"检举住建局干部（回电{PHONE}）",
        body=BODY,
        name="李四",
        phone=PHONE,
        accused_unit_ids=[world.unit_a.pk],
    )
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_b.pk)
    order = WorkOrder.objects.get(appeal=appeal)
    wf.sign_order(actor=world.handler_unit_b, order_id=order.pk)
    wf.add_handling_note(
        actor=world.handler_unit_b,
        order_id=order.pk,
        note=f"已致电{PHONE}，其提供的卡号{CARD}需核实",
        contacted=True,
    )
    add_citizen_information(appeal=appeal, text=f"补充：我的新号码{OTHER_MOBILE}")
    TriageResult.objects.update_or_create(
        appeal=appeal,
        defaults={
            "category_l1": "纪检监察",
            "suggestions": [
                {
                    "unit_id": world.unit_b.pk,
                    "unit_name": world.unit_b.name,
                    "score": 0.6,
                    "reasons": [f"相似的已办结诉求由市教育局主办；共同关键词：{EMAIL}、好处费"],
                }
            ],
            "computed_at": NOW,
        },
    )
    appeal.refresh_from_db()
    return appeal


# --- the accusation, as the handling unit (may not see the identity) ------------------------


def test_handling_unit_reads_every_path_masked_without_a_reveal(
    world, client_for, accusation
) -> None:
    client = client_for(world.handler_unit_b)
    page = client.get(f"/appeals/{accusation.pk}/").content.decode()
    assert_hidden(page)
    assert "139****5678" in page  # the text is still readable, the number masked
    assert "************7890" in page
    assert 'data-testid="reveal-text-body"' not in page
    assert "查看完整信息" not in page
    assert "（保密）" in page  # a confidential appeal says so (item 9 keeps this wording)

    api = client.get(f"/api/appeals/{accusation.pk}").json()
    assert_hidden(str(api))
    assert "110105********1234" in api["body"]
    assert_hidden(str(client.get("/api/appeals").json()))

    timeline = load_workbook(
        io.BytesIO(client.get(f"/appeals/{accusation.pk}/timeline.xlsx").content)
    )
    cells = " ".join(
        str(c.value) for ws in timeline.worksheets for row in ws.iter_rows() for c in row
    )
    assert_hidden(cells)

    dispatch_notice = client.get(f"/appeals/{accusation.pk}/notices/dispatch.docx")
    assert dispatch_notice.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(dispatch_notice.content)).paragraphs)
    assert_hidden(text)
    assert "〔卡号已隐去〕" in text

    response = client.post(f"/appeals/{accusation.pk}/text/body/", {"reason": "核实线索"})
    assert response.status_code == 403
    api_reveal = client.post(
        f"/api/appeals/{accusation.pk}/reveal-text",
        {"field": "body", "reason": "核实线索"},
        content_type="application/json",
    )
    assert api_reveal.status_code == 403
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()


def test_search_cannot_confirm_a_number_the_viewer_sees_masked(
    world, client_for, accusation
) -> None:
    client = client_for(world.handler_unit_b)

    def found(q: str) -> bool:
        page = client.get("/appeals/search/", {"q": q}).content.decode()
        return accusation.number in page

    assert found("好处费")
    assert found("5678")  # readable in the masked text (139****5678)
    assert not found(PHONE)
    assert not found("1391234")  # digit by digit through the masked part
    assert not found(CARD)
    assert not found("lisi@")
    api = client.get("/api/appeals", {"q": PHONE}).json()
    assert api["count"] == 0
    # The dispatcher may see this petitioner's identity: the stored text is searched.
    dispatcher = client_for(world.dispatcher).get("/appeals/search/", {"q": PHONE})
    assert accusation.number in dispatcher.content.decode()


def test_leader_export_and_list_titles_are_masked(world, client_for, accusation) -> None:
    leader = client_for(world.leader)
    workbook = load_workbook(io.BytesIO(leader.get("/appeals/export/?format=xlsx").content))
    cells = [str(c.value) for row in workbook.active.iter_rows() for c in row]
    assert "检举住建局干部（回电139****5678）" in cells
    assert_hidden(" ".join(cells))
    page = leader.get("/appeals/search/").content.decode()
    assert accusation.number in page
    assert_hidden(page)


# --- the accusation, as the dispatcher (may see the identity) -------------------------------


def test_dispatcher_sees_masked_text_and_reveals_it_with_an_audited_reason(
    world, client_for, accusation
) -> None:
    client = client_for(world.dispatcher)
    page = client.get(f"/appeals/{accusation.pk}/").content.decode()
    assert_hidden(page)  # masked by default, the triage reason included
    assert "l***@example.com" in page
    assert 'data-testid="reveal-text-body"' in page
    note = accusation.events.get(kind="contacted")
    assert f'data-testid="reveal-text-event-{note.pk}"' in page

    url = f"/appeals/{accusation.pk}/text/body/"
    assert client.post(url, {"reason": ""}).status_code == 422
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()
    response = client.post(url, {"reason": "核实检举线索"})
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert ID_NUMBER in response.content.decode()
    event = AuditEvent.objects.get(action="pii_revealed")
    assert (event.actor, event.note, event.changes) == (
        world.dispatcher,
        "核实检举线索",
        {"field": "appeal.body"},
    )

    revealed_note = client.post(
        f"/appeals/{accusation.pk}/text/event-{note.pk}/", {"reason": "核实银行卡"}
    )
    assert CARD in revealed_note.content.decode()

    api = client.get(f"/api/appeals/{accusation.pk}").json()
    assert_hidden(str(api))
    api_reveal = client.post(
        f"/api/appeals/{accusation.pk}/reveal-text",
        {"field": "body", "reason": "核实检举线索"},
        content_type="application/json",
    ).json()
    assert api_reveal == {"field": "body", "value": BODY}
    assert AuditEvent.objects.filter(action="pii_revealed").count() == 3

    triage = client.get(f"/api/appeals/{accusation.pk}/triage").json()
    assert triage["suggestions"][0]["reasons"] == [
        "相似的已办结诉求由市教育局主办；共同关键词：l***@example.com、好处费"
    ]


# --- an ordinary appeal ---------------------------------------------------------------------


@pytest.fixture
def ordinary(world, make_appeal):
    appeal, code = make_appeal(
        title=f"路灯不亮（回电{PHONE}，工资卡{CARD}）",
        body=f"3号楼前路灯坏了，身份证{ID_NUMBER}，请联系{PHONE}。",
    )
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    order = WorkOrder.objects.get(appeal=appeal)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk)
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text=f"已修复。已电话联系{PHONE}，如有问题请拨打办公室电话{LANDLINE}。",
    )
    appeal.refresh_from_db()
    return appeal, code


def test_ordinary_appeal_public_display_hides_identifiers(world, client, ordinary) -> None:
    appeal, code = ordinary
    client.post("/portal/track/", {"action": "lookup", "number": appeal.number, "code": code})
    page = client.get("/portal/track/").content.decode()
    assert appeal.number in page
    assert "路灯不亮（回电***，工资卡***）" in page
    assert PHONE not in page
    assert "139****5678" not in page  # public: replaced whole, not masked
    assert LANDLINE in page  # the office line in the reply stays, so people can call it

    open311 = client.get(f"/open311/v2/requests/{appeal.number}.json").json()
    assert open311[0]["description"] == "路灯不亮（回电***，工资卡***）"


def test_ordinary_appeal_handler_may_reveal_and_leader_sees_no_identity(
    world, client_for, ordinary
) -> None:
    appeal, _ = ordinary
    handler = client_for(world.handler_unit_a).get(f"/appeals/{appeal.pk}/").content.decode()
    assert PHONE not in handler
    assert 'data-testid="reveal-text-body"' in handler

    leader = client_for(world.leader).get(f"/appeals/{appeal.pk}/").content.decode()
    hidden = leader.split('data-testid="identity-hidden">')[1].split("</p>")[0]
    assert hidden.startswith("无权查看")
    assert "保密" not in hidden
    assert PHONE not in leader
    assert 'data-testid="reveal-text-body"' not in leader
    response = client_for(world.leader).post(
        f"/appeals/{appeal.pk}/text/body/", {"reason": "了解情况"}
    )
    assert response.status_code == 403


def test_search_by_number_finds_only_where_identity_is_visible(world, client_for, ordinary) -> None:
    appeal, _ = ordinary
    leader = client_for(world.leader).get("/appeals/search/", {"q": PHONE}).content.decode()
    assert appeal.number not in leader
    handler = client_for(world.handler_unit_a).get("/appeals/search/", {"q": PHONE})
    assert appeal.number in handler.content.decode()
    assert Appeal.objects.filter(body__contains=PHONE).count() == 1


def test_notifications_and_audit_rows_quote_the_title_masked(world, accusation) -> None:
    from shegong.core.models import Notification

    titles = list(
        Notification.objects.filter(user=world.handler_unit_b).values_list("title", flat=True)
    )
    assert "新工单：检举住建局干部（回电139****5678）" in titles
    reprs = list(
        AuditEvent.objects.filter(target_type="appeals.appeal").values_list(
            "target_repr", flat=True
        )
    )
    # The audit names the appeal by its number only (docs/privacy.md: the chain outlives
    # anonymisation, so it must never hold the title).
    assert set(reprs) == {accusation.number}
    assert_hidden(" ".join(titles + reprs))


def test_people_suggestion_staff_pages_and_api_mask_the_text(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal(
        kind=AppealKind.PEOPLE_SUGGESTION,
        title="建议增设口袋公园",
        body=f"北一社区3号楼旁有块空地，建议改造成口袋公园。我的电话{PHONE}，邮箱{EMAIL}。",
    )
    leader = client_for(world.leader)
    page = leader.get(f"/suggestions/{appeal.pk}/").content.decode()
    assert "口袋公园" in page
    assert_hidden(page)
    assert 'data-testid="reveal-text-body"' not in page
    api = leader.get(f"/api/suggestions/{appeal.pk}").json()
    assert "139****5678" in api["body"]
    assert_hidden(str(api))
    listing = leader.get("/suggestions/", {"q": PHONE}).content.decode()
    assert appeal.number not in listing
    dispatcher = client_for(world.dispatcher).get(f"/suggestions/{appeal.pk}/").content.decode()
    assert_hidden(dispatcher)
    assert 'data-testid="reveal-text-body"' in dispatcher

"""Staff pages and API: scope, confidentiality by page/API/search/export, actions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shegong.appeals.choices import AppealKind, AppealStatus, WorkOrderRole
from shegong.appeals.models import Appeal
from shegong.appeals.services import workflow as wf
from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def accusation(world, make_appeal):
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        title="检举住建局干部",
        body="市住建局某科长收受好处费，有转账记录。",
        name="李四",
        phone=PHONE,
        accused_unit_ids=[world.unit_a.pk],
    )
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_b.pk)
    return appeal


def test_accused_unit_cannot_see_the_accusation_anywhere(world, client_for, accusation) -> None:
    client = client_for(world.handler_unit_a)
    assert client.get(f"/appeals/{accusation.pk}/").status_code == 404
    assert client.get(f"/api/appeals/{accusation.pk}").status_code == 404
    listing = client.get("/api/appeals").json()
    assert accusation.number not in str(listing)
    assert accusation.number not in client.get("/appeals/search/?q=检举").content.decode()
    assert client.get(f"/appeals/{accusation.pk}/attachments/x/").status_code == 404
    # Export: the handler role has no export capability; a leader's export never carries identity.
    body = client_for(world.leader).get("/appeals/export/?format=csv").content.decode("utf-8-sig")
    assert "李四" not in body
    assert PHONE not in body


def test_handling_unit_of_a_confidential_appeal_sees_no_identity(
    world, client_for, accusation
) -> None:
    page = client_for(world.handler_unit_b).get(f"/appeals/{accusation.pk}/").content.decode()
    assert 'data-testid="identity-hidden"' in page
    assert "李" not in page.split('data-testid="petitioner"')[1].split("承办单位")[0]
    api = client_for(world.handler_unit_b).get(f"/api/appeals/{accusation.pk}").json()
    assert api["petitioner_name_masked"] is None
    petitioner = accusation.petitioner
    response = client_for(world.handler_unit_b).post(
        f"/appeals/{accusation.pk}/identity/{petitioner.pk}/phone/", {"reason": "联系核实"}
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()


def test_dispatcher_reveals_identity_with_a_reason_and_it_is_audited(
    world, client_for, accusation
) -> None:
    client = client_for(world.dispatcher)
    page = client.get(f"/appeals/{accusation.pk}/").content.decode()
    assert "139****5678" in page
    assert PHONE not in page
    url = f"/appeals/{accusation.pk}/identity/{accusation.petitioner.pk}/phone/"
    assert client.post(url, {"reason": ""}).status_code == 422
    response = client.post(url, {"reason": "核实检举线索"})
    assert PHONE in response.content.decode()
    event = AuditEvent.objects.get(action="pii_revealed")
    assert (event.actor, event.note) == (world.dispatcher, "核实检举线索")


def test_ordinary_appeal_identity_is_visible_masked_to_the_handling_unit(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    page = client_for(world.handler_unit_a).get(f"/appeals/{appeal.pk}/").content.decode()
    assert "139****5678" in page
    assert PHONE not in page


def test_workbench_queues_and_counts(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    other, _ = make_appeal(title="噪音扰民")
    wf.accept_appeal(actor=world.dispatcher, appeal_id=other.pk)
    body = client_for(world.dispatcher).get("/appeals/?queue=to_accept").content.decode()
    assert appeal.number in body
    assert other.number not in body
    body = client_for(world.dispatcher).get("/appeals/?queue=to_dispatch").content.decode()
    assert other.number in body
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    body = client_for(world.handler_unit_a).get("/appeals/?queue=to_sign").content.decode()
    assert appeal.number in body
    assert (
        client_for(world.handler_unit_b)
        .get("/appeals/?queue=to_sign")
        .content.decode()
        .count(appeal.number)
        == 0
    )
    partial = client_for(world.dispatcher).get(
        "/appeals/?queue=to_dispatch", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode()


def test_page_actions_walk_the_workflow(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    dispatcher = client_for(world.dispatcher)
    dispatcher.post(f"/appeals/{appeal.pk}/act/accept/", {"version": appeal.version})
    appeal.refresh_from_db()
    dispatcher.post(
        f"/appeals/{appeal.pk}/act/dispatch/",
        {
            "lead_unit": world.unit_a.pk,
            "assist_units": [world.unit_b.pk],
            "version": appeal.version,
        },
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISPATCHED
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    handler = client_for(world.handler_unit_a)
    handler.post(f"/appeals/{appeal.pk}/act/sign/", {"order": order.pk, "version": order.version})
    handler.post(f"/appeals/{appeal.pk}/act/reply/", {"order": order.pk, "text": "已修复"})
    dispatcher.post(f"/appeals/{appeal.pk}/act/close/", {})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    # A stale form is refused with a message and changes nothing.
    response = dispatcher.post(f"/appeals/{appeal.pk}/act/accept/", {"version": 1}, follow=True)
    assert "刚被其他人修改" in response.content.decode()
    # A current form for a step the status does not allow names the status and the step.
    response = dispatcher.post(
        f"/appeals/{appeal.pk}/act/accept/", {"version": appeal.version}, follow=True
    )
    assert "不能“受理”" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED


def test_denied_action_changes_nothing(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    # A handler whose unit holds no work order on it cannot see the appeal: 404.
    response = client_for(world.handler_unit_a).post(f"/appeals/{appeal.pk}/act/accept/", {})
    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED
    # The street sees it but may not accept it: refused with a message, nothing changes.
    response = client_for(world.street_north).post(
        f"/appeals/{appeal.pk}/act/accept/", {}, follow=True
    )
    assert response.status_code == 200
    assert "您的角色不能执行此操作" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED
    assert client_for(world.secretary).get(f"/appeals/{appeal.pk}/").status_code == 403


def test_out_of_scope_street_gets_404(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()  # happens in 北一社区 (north street)
    assert client_for(world.street_north).get(f"/appeals/{appeal.pk}/").status_code == 200
    assert client_for(world.street_south).get(f"/appeals/{appeal.pk}/").status_code == 404
    assert client_for(world.street_south).get(f"/api/appeals/{appeal.pk}").status_code == 404


def test_staff_registration_with_proxy_and_attachment(world, client_for) -> None:
    client = client_for(world.street_north)
    pdf = SimpleUploadedFile("信件.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post(
        "/appeals/new/",
        {
            "kind": AppealKind.XF_CLAIM,
            "channel": "visit",
            "urgency": "normal",
            "title": "养老金核定",
            "body": "王大爷反映养老金核定有误，行动不便，由网格员代为登记。",
            "region": [world.north.pk, world.north_one.pk],
            "name": "王大爷",
            "phone": "13700002222",
            "proxied": "on",
            "proxy_note": "网格员入户代填",
            "files": [pdf],
            "submission_id": "abc123",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal = Appeal.objects.get(title="养老金核定")
    assert appeal.proxied_by == world.street_north
    assert appeal.attachments.count() == 1
    download = client.get(f"/appeals/{appeal.pk}/attachments/{appeal.attachments.first().token}/")
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    # Out of the street's region: refused with a field error, nothing saved.
    response = client.post(
        "/appeals/new/",
        {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": "phone",
            "urgency": "normal",
            "title": "越界",
            "body": "南街道的问题内容内容",
            "region": [world.south.pk, world.south_one.pk],
        },
    )
    assert response.status_code == 422
    assert "不在您的管辖范围" in response.content.decode()
    assert not Appeal.objects.filter(title="越界").exists()


def test_disguised_attachment_is_refused(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00binary", content_type="image/jpeg")
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/attach/", {"files": [fake]}, follow=True
    )
    assert "类型不支持" in response.content.decode()
    assert appeal.attachments.count() == 0


def test_api_intake_is_idempotent_and_walks_the_workflow(world, client_for) -> None:
    client = client_for(world.dispatcher)
    payload = {
        "kind": "hl_help",
        "title": "独居老人求助",
        "body": "楼上独居老人多日未出门，请社区上门查看。",
        "region_id": world.north_one.pk,
        "name": "赵六",
        "phone": "13600003333",
    }
    first = client.post(
        "/api/appeals", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        "/api/appeals", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201
    assert first.json()["tracking_code"]
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Appeal.objects.filter(title="独居老人求助").count() == 1
    bad = client.post("/api/appeals", {**payload, "phone": "123"}, content_type="application/json")
    assert bad.status_code == 422
    assert "手机号码" in bad.json()["errors"]["phone"]
    appeal_id = first.json()["id"]
    detail = client.post(
        f"/api/appeals/{appeal_id}/dispatch",
        {"lead_unit_id": world.street_unit_n.pk},
        content_type="application/json",
    ).json()
    order_id = detail["work_orders"][0]["id"]
    street = client_for(world.street_north)
    assert street.post(f"/api/work-orders/{order_id}/sign").json()["status"] == "signed"
    replied = street.post(
        f"/api/work-orders/{order_id}/reply",
        {"text": "社区已上门，老人安好"},
        content_type="application/json",
    )
    assert replied.json()["status"] == "replied"
    conflict = client.post(f"/api/appeals/{appeal_id}/accept")
    assert conflict.status_code == 409
    assert client.post(f"/api/appeals/{appeal_id}/close").json()["status"] == "closed"


def test_attachments_that_show_the_petitioner_follow_the_identity_rules(
    world, client_for, make_appeal
) -> None:
    """信访工作条例 第三十条 / 接诉即办条例 第八条: a scanned letter shows who wrote it. On an
    appeal whose petitioner asked for confidentiality the handling unit sees neither the
    letter nor its file name; the dispatcher opens it, and the opening is audited."""
    appeal, _ = make_appeal(identity_confidential=True, title="要求保密的诉求")
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    dispatcher = client_for(world.dispatcher)
    letter = SimpleUploadedFile("张三的来信.pdf", b"%PDF-1.4\n%letter\n")
    dispatcher.post(f"/appeals/{appeal.pk}/act/attach/", {"files": [letter], "confidential": "1"})
    photo = SimpleUploadedFile("现场照片.pdf", b"%PDF-1.4\n%photo\n")
    dispatcher.post(f"/appeals/{appeal.pk}/act/attach/", {"files": [photo]})
    letter_row = appeal.attachments.get(original_name="张三的来信.pdf")
    photo_row = appeal.attachments.get(original_name="现场照片.pdf")
    assert (letter_row.confidential, photo_row.confidential) == (True, False)
    added = AuditEvent.objects.filter(action="appeal_attachment_added")
    assert "张三" not in str([e.changes for e in added])  # auditors never see identities

    unit = client_for(world.handler_unit_a)
    page = unit.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "张三的来信" not in page
    assert "含诉求人身份信息，您的角色不能查看" in page
    assert unit.get(f"/appeals/{appeal.pk}/attachments/{letter_row.token}/").status_code == 403
    assert unit.get(f"/appeals/{appeal.pk}/attachments/{photo_row.token}/").status_code == 200
    assert not AuditEvent.objects.filter(action="appeal_attachment_opened").exists()

    assert "张三的来信" in dispatcher.get(f"/appeals/{appeal.pk}/").content.decode()
    response = dispatcher.get(f"/appeals/{appeal.pk}/attachments/{letter_row.token}/")
    assert response.status_code == 200
    opened = AuditEvent.objects.get(action="appeal_attachment_opened")
    assert opened.actor_id == world.dispatcher.pk
    assert opened.changes["attachment"] == letter_row.token


def test_the_letter_registered_with_the_appeal_is_confidential(world, client_for) -> None:
    """What comes in with the registration (the letter itself) shows the petitioner: the
    registering street opens it; a leader, who never sees identities, does not."""
    street = client_for(world.street_north)
    letter = SimpleUploadedFile("来信.pdf", b"%PDF-1.4\n%letter\n")
    response = street.post(
        "/appeals/new/",
        {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": "letter",
            "urgency": "normal",
            "title": "楼道堆物",
            "body": "北一社区5号楼楼道长期堆放杂物，存在消防隐患。",
            "region": [world.north.pk, world.north_one.pk],
            "name": "赵六",
            "phone": "13700005555",
            "files": [letter],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    appeal = Appeal.objects.get(title="楼道堆物")
    item = appeal.attachments.get()
    assert item.confidential
    url = f"/appeals/{appeal.pk}/attachments/{item.token}/"
    assert street.get(url).status_code == 200
    leader = client_for(world.leader)
    assert leader.get(f"/appeals/{appeal.pk}/").status_code == 200
    assert leader.get(url).status_code == 403


def test_export_of_stored_control_characters_is_not_a_server_error(
    world, client_for, make_appeal
) -> None:
    # One anonymous post once stored control characters and every XLSX export holding the
    # row answered 500 (openpyxl's IllegalCharacterError). Entry points now remove them; the
    # writer drops them too, for text stored before or by a path that forgets.
    appeal, _code = make_appeal()
    Appeal.objects.filter(pk=appeal.pk).update(title="小区\x07路灯\x1b不亮")
    response = client_for(world.dispatcher).get("/appeals/export/", {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(getattr(response, "streaming_content", [response.content]))
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "小区路灯不亮" in cells


def test_attachment_names_of_open_files_are_masked(world, client_for, make_appeal) -> None:
    """A file that is not confidential is shown to every handler; its name is free text and
    gets the same masking as the body (issue #12 review)."""
    appeal, _ = make_appeal(title="路灯不亮")
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    photo = SimpleUploadedFile("现场照片13812345678.pdf", b"%PDF-1.4\n%photo\n")
    client_for(world.dispatcher).post(f"/appeals/{appeal.pk}/act/attach/", {"files": [photo]})
    assert appeal.attachments.get().confidential is False
    page = client_for(world.handler_unit_a).get(f"/appeals/{appeal.pk}/").content.decode()
    assert "13812345678" not in page
    assert "现场照片138****5678.pdf" in page

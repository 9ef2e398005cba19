"""Written notices (DOCX/PDF), their availability, privacy and permissions; the template
admin; the timeline export. Appeal states are built only through the services."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from docx import Document
from openpyxl import load_workbook

from shegong.appeals import notices
from shegong.appeals.admin import NoticeTemplateAdmin
from shegong.appeals.choices import AppealKind, Channel, EventKind, RedirectChannel, WorkOrderRole
from shegong.appeals.models import Appeal, NoticeKind, NoticeTemplate, WorkOrder
from shegong.appeals.services import clocks
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import add_citizen_information
from shegong.core.audit import compute_hash
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent

from .conftest import at

pytestmark = pytest.mark.django_db

NAME = "欧阳明"
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
PERSONAL = [NAME, PHONE, "139****5678", "1391234", ID_NUMBER, "110105********002X"]
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


def build(world: Any, make_appeal: Any, state: str, **overrides: Any) -> Appeal:
    """A 信访 claim (letter) in ``state``, through the intake and workflow services."""
    values: dict[str, Any] = {
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
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def url(appeal: Appeal, kind: str, fmt: str) -> str:
    return f"/appeals/{appeal.pk}/notices/{kind}.{fmt}"


# --- rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(STATE_FOR_KIND))
def test_each_notice_renders_docx_and_pdf(world, make_appeal, client_for, kind) -> None:
    appeal = build(world, make_appeal, STATE_FOR_KIND[kind])
    client = client_for(world.dispatcher)

    response = client.get(url(appeal, kind, "docx"))
    assert response.status_code == 200
    assert response["Content-Type"] == notices.DOCX_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" in disposition
    assert f'filename="{kind}-{appeal.number}.docx"' in disposition
    assert "no-store" in response["Cache-Control"]
    text = docx_text(response.content)
    assert appeal.number in text
    assert appeal.title in text
    assert "信访工作条例" in text
    assert "中共示范市委社会工作部" in text

    response = client.get(url(appeal, kind, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 1000


def test_reply_notice_content_and_docx_layout(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "replied")
    notice = notices.render_notice(
        appeal, NoticeKind.REPLY, viewer=world.dispatcher, fmt="docx", now=at(2026, 3, 7, 9)
    )
    assert notice.title == "答复意见书"
    assert notice.paragraphs[0] == f"{NAME}："
    assert notice.has_salutation
    body = "\n".join(notice.paragraphs)
    assert "经市住建局调查核实" in body
    assert "路灯线路老化" in body
    assert "第三十二条" in body
    assert "30日内" in body
    assert "上一级机关、单位请求复查" in body
    assert "第三十五条" in body
    assert notice.date_label == "2026年3月7日"
    assert notice.filename_stem == f"答复意见书-{appeal.number}"

    document = Document(io.BytesIO(notices.to_docx(notice)))
    paragraphs = [p for p in document.paragraphs if p.text]
    assert paragraphs[0].text == "答复意见书"
    assert paragraphs[0].style.name == "小标题"
    assert paragraphs[0].style.paragraph_format.alignment == 1  # centre
    salutation, first = paragraphs[2], paragraphs[3]
    assert salutation.paragraph_format.first_line_indent is None
    assert first.paragraph_format.first_line_indent.pt == 32  # 2 characters of 16 pt
    issuer, day = paragraphs[-2], paragraphs[-1]
    assert (issuer.text, day.text) == ("中共示范市委社会工作部", "2026年3月7日")
    assert issuer.alignment == day.alignment == 2  # right
    fonts = first.runs[0]._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "仿宋"
    )


def test_hotline_reply_does_not_promise_a_petition_review(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "replied", kind=AppealKind.HL_COMPLAINT, id_number="")
    notice = notices.render_notice(
        appeal, NoticeKind.REPLY, viewer=world.dispatcher, fmt="docx", now=at(2026, 3, 7, 9)
    )
    body = "\n".join(notice.paragraphs)
    assert "现将办理情况答复如下" in body
    assert "信访工作条例" not in body
    assert "复查" not in body
    assert "回访" in body


def test_other_notice_contents(world, make_appeal) -> None:
    d = world.dispatcher
    accepted = build(world, make_appeal, "dispatched")
    text = notices.render_notice(accepted, NoticeKind.ACCEPTANCE, viewer=d).text
    assert "第二十三条" in text
    assert "已交由市住建局主办、市教育局协办" in text
    assert f"于{notices.cn_date(lead(accepted).due_at)}前办结" in text
    dispatch = notices.render_notice(accepted, NoticeKind.DISPATCH, viewer=d).text
    assert dispatch.splitlines()[2] == "市住建局："
    for part in ("第二十二条", "主办单位：市住建局", "协办单位：市教育局", "派单意见：请三日内"):
        assert part in dispatch
    assert "路灯坏了两周" in dispatch
    rejected = build(world, make_appeal, "rejected", title="另一件事情")
    text = notices.render_notice(rejected, NoticeKind.REJECTION, viewer=d).text
    assert "不予受理" in text
    assert "该事项已经依法终结。" in text
    assert "第二十三条" in text
    redirected = build(world, make_appeal, "redirected", title="合同纠纷")
    text = notices.render_notice(redirected, NoticeKind.REDIRECTION, viewer=d).text
    assert "诉讼（人民法院）" in text
    assert "应当向人民法院提起诉讼" in text
    assert "第二十二条、第三十一条" in text


def test_acceptance_of_undispatched_appeals_states_the_due_date_only_when_known(
    world, make_appeal
) -> None:
    petition = build(world, make_appeal, "accepted")
    text = notices.render_notice(petition, NoticeKind.ACCEPTANCE, viewer=world.dispatcher).text
    assert "将按照“属地管理、分级负责，谁主管、谁负责”的原则交由" in text
    assert "于2026年5月" in text  # 60 days from 受理 on 03-03 (信访工作条例 第三十四条)
    hotline, _ = make_appeal(now=at(2026, 3, 2, 9))  # hotline: the clock starts at dispatch
    wf.accept_appeal(actor=world.dispatcher, appeal_id=hotline.pk, now=at(2026, 3, 2, 10))
    text = notices.render_notice(hotline, NoticeKind.ACCEPTANCE, viewer=world.dispatcher).text
    assert "在规定期限内办结" in text
    assert "诉求（登记编号" in text  # 热线 wording: 诉求, not 信访事项


def test_user_text_is_printed_never_evaluated(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "dispatched", title="{{ issuer }}{% now 'Y' %}<b>&路灯</b>")
    notice = notices.render_notice(appeal, NoticeKind.DISPATCH, viewer=world.dispatcher)
    assert "{{ issuer }}{% now 'Y' %}<b>&路灯</b>" in notice.text
    assert notices.to_pdf(notice).startswith(b"%PDF")  # markup characters are escaped
    assert "{{ issuer }}" in docx_text(notices.to_docx(notice))


def test_cjk_line_breaking_follows_the_punctuation_rules() -> None:
    text = "现将信访事项“小区路灯”（登记编号：XF202603020000004）转送你单位。时间2026-03-02 10:00"

    def broken(width: int) -> list[str]:
        return [line for _, line in notices.cjk_lines(text, [1.0] * len(text), [float(width)])]

    for width in range(4, 40):
        lines = broken(width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines[1:]:
            assert line[0] not in "，。、；：？！）》”", (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in "（《“", (width, lines)
    for width in range(34, 40):  # the 17-character number fits in half a line: never cut
        lines = broken(width)
        assert any("XF202603020000004" in line for line in lines), (width, lines)
    for width in range(12, 40):  # dates and times are not cut either
        lines = broken(width)
        cut = ("2026-", "2026-03", "-03-0", "10", "10:", "10:0")
        assert not any(line.endswith(cut) for line in lines), (width, lines)
        assert "2026-03-02" in "|".join(lines), (width, lines)


# --- availability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("registered", set()),
        ("accepted", {"acceptance"}),
        ("dispatched", {"acceptance", "dispatch"}),
        ("replied", {"acceptance", "dispatch", "reply"}),
        ("closed", {"acceptance", "dispatch", "reply"}),
        ("rejected", {"rejection"}),
        ("redirected", {"redirection"}),
        ("returned", {"acceptance"}),  # the returned lead order is no longer a 交办单
    ],
)
def test_availability_by_state(world, make_appeal, state, expected) -> None:
    appeal = build(world, make_appeal, state)
    assert set(notices.available_notices(appeal)) == expected
    for kind in set(NoticeKind.values) - expected:
        with pytest.raises(DomainError, match="该诉求当前没有可生成的"):
            notices.render_notice(appeal, kind, viewer=world.dispatcher)


def test_unavailable_notice_redirects_back_with_message(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "accepted")
    response = client_for(world.dispatcher).get(url(appeal, "reply", "pdf"))
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.pk}/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["该诉求当前没有可生成的答复意见书（主办单位答复后方可出具）"]
    assert not AuditEvent.objects.filter(action="appeal_notice_generated").exists()


def test_missing_template_is_a_domain_error(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "accepted")
    NoticeTemplate.objects.filter(kind=NoticeKind.ACCEPTANCE).delete()
    with pytest.raises(DomainError, match="尚未配置"):
        notices.render_notice(appeal, NoticeKind.ACCEPTANCE, viewer=world.dispatcher)


# --- privacy --------------------------------------------------------------------------------


def test_dispatch_sheet_of_confidential_appeal_hides_the_petitioner(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "dispatched", identity_confidential=True)
    # Even the dispatcher, who may see confidential identities, prints "（保密）".
    notice = notices.render_notice(appeal, NoticeKind.DISPATCH, viewer=world.dispatcher)
    text = docx_text(notices.to_docx(notice))
    assert "诉求人：（保密）" in text
    assert "路灯坏了两周" in text
    for value in [*PERSONAL, "欧阳*", "欧**"]:
        assert value not in text
        assert value not in notice.text
    # The notice addressed to the petitioner does carry the name.
    reply_side = notices.render_notice(appeal, NoticeKind.ACCEPTANCE, viewer=world.dispatcher)
    assert reply_side.paragraphs[0] == f"{NAME}："


def test_dispatch_sheet_masks_the_name_for_roles_without_identity(world, make_appeal) -> None:
    appeal = build(world, make_appeal, "dispatched")
    text = notices.render_notice(appeal, NoticeKind.DISPATCH, viewer=world.leader).text
    assert "诉求人：欧**" in text
    assert NAME not in text.replace("诉求人：欧**", "")
    text = notices.render_notice(appeal, NoticeKind.DISPATCH, viewer=world.handler_unit_a).text
    assert f"诉求人：{NAME}" in text


@pytest.mark.parametrize("kind", list(STATE_FOR_KIND))
def test_no_phone_or_id_number_in_any_notice(world, make_appeal, kind) -> None:
    appeal = build(world, make_appeal, STATE_FOR_KIND[kind])
    notice = notices.render_notice(appeal, kind, viewer=world.dispatcher)
    text = notice.text + docx_text(notices.to_docx(notice))
    for value in PERSONAL[1:]:
        assert value not in text
    assert "139 1234 5678" not in text


# --- permissions ----------------------------------------------------------------------------


def test_out_of_scope_is_404(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "replied")
    client = client_for(world.street_south)  # another street: the appeal is in 北一社区
    assert client.get(url(appeal, "dispatch", "pdf")).status_code == 404
    assert client.get(url(appeal, "reply", "docx")).status_code == 404
    assert client.get(f"/appeals/{appeal.pk}/timeline.xlsx").status_code == 404
    assert client_for(world.dispatcher).get(url(appeal, "dispatch", "pdf")).status_code == 200


def test_unit_outside_the_dispatch_gets_404(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "accepted")
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2026, 3, 3, 10),
    )
    client = client_for(world.handler_unit_b)
    assert client.get(url(appeal, "dispatch", "docx")).status_code == 404
    assert client.get(f"/appeals/{appeal.pk}/timeline.csv").status_code == 404


def test_handler_without_confidential_identity_gets_403(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "replied", identity_confidential=True)
    client = client_for(world.handler_unit_a)
    for kind in ("acceptance", "reply"):
        assert client.get(url(appeal, kind, "pdf")).status_code == 403
    response = client.get(url(appeal, "dispatch", "docx"))
    assert response.status_code == 200
    assert NAME not in docx_text(response.content)
    with pytest.raises(PermissionDenied):
        notices.render_notice(appeal, NoticeKind.REPLY, viewer=world.handler_unit_a)
    # The same handler may issue the reply of a non-confidential appeal.
    open_appeal = build(world, make_appeal, "replied", title="另一处路灯")
    assert client.get(url(open_appeal, "reply", "docx")).status_code == 200


def test_roles_without_identity_or_view_capability_get_403(world, make_appeal, client_for):
    appeal = build(world, make_appeal, "dispatched")
    leader = client_for(world.leader)
    assert leader.get(url(appeal, "acceptance", "docx")).status_code == 403
    assert leader.get(url(appeal, "dispatch", "docx")).status_code == 200
    secretary = client_for(world.secretary)
    assert secretary.get(url(appeal, "dispatch", "docx")).status_code == 403
    assert secretary.get(f"/appeals/{appeal.pk}/timeline.xlsx").status_code == 403


def test_anonymous_is_sent_to_login_and_bad_format_is_404(world, make_appeal, client, client_for):
    appeal = build(world, make_appeal, "replied")
    response = client.get(url(appeal, "reply", "pdf"))
    assert response.status_code == 302
    assert "login" in response["Location"]
    dispatcher = client_for(world.dispatcher)
    assert dispatcher.get(url(appeal, "reply", "exe")).status_code == 404
    assert dispatcher.get(url(appeal, "nonsense", "pdf")).status_code == 404
    assert dispatcher.get(f"/appeals/{appeal.pk}/timeline.docx").status_code == 404


def test_generation_is_audited(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "replied")
    client_for(world.dispatcher).get(url(appeal, "reply", "pdf"))
    client_for(world.dispatcher).get(url(appeal, "dispatch", "docx"))
    rows = AuditEvent.objects.filter(
        action="appeal_notice_generated", target_id=str(appeal.pk)
    ).order_by("seq")
    assert [(r.changes, r.actor_id) for r in rows] == [
        ({"kind": "reply", "format": "pdf"}, world.dispatcher.pk),
        ({"kind": "dispatch", "format": "docx"}, world.dispatcher.pk),
    ]
    assert all(NAME not in (r.target_repr + str(r.changes)) for r in rows)
    notices.render_notice(
        appeal, NoticeKind.REPLY, viewer=world.dispatcher, now=at(2026, 3, 7, 9)
    )  # a local (+08:00) time must not break the hash chain
    assert AuditEvent.objects.filter(action="appeal_notice_generated").count() == 3
    last = AuditEvent.objects.filter(action="appeal_notice_generated").order_by("-seq").first()
    assert last is not None
    assert compute_hash(last) == last.hash


# --- the template admin ---------------------------------------------------------------------


def change_url(template: NoticeTemplate) -> str:
    return f"/admin/appeals/noticetemplate/{template.pk}/change/"


def form_data(template: NoticeTemplate, **changes: str) -> dict[str, str]:
    data = {"title": template.title, "body": template.body, "issuer": template.issuer}
    data.update(changes)
    return data


def test_template_edit_with_broken_tag_is_rejected(world, client_for) -> None:
    template = NoticeTemplate.objects.get(kind=NoticeKind.REPLY)
    before = template.body
    client = client_for(world.dept_admin)
    for broken, message in [
        ("{% if %}答复{% endif %}", "文书模板语法错误"),
        ("{{ reply|nosuchfilter }}", "文书模板语法错误"),
        ("{% for x in %}", "文书模板语法错误"),
        ("{% load static %}{{ reply }}", "不能使用"),
        ("{% include 'base.html' %}", "不能使用"),
        ("{% url 'appeals:detail' 1 %}", "不能使用"),
    ]:
        response = client.post(change_url(template), form_data(template, body=broken))
        assert response.status_code == 200, broken
        assert message in response.content.decode(), broken
    template.refresh_from_db()
    assert template.body == before
    assert not AuditEvent.objects.filter(action="notice_template_changed").exists()


def test_template_edit_is_saved_audited_and_used(world, make_appeal, client_for) -> None:
    template = NoticeTemplate.objects.get(kind=NoticeKind.REPLY)
    body = "{{ petitioner_name }}：\n关于“{{ title }}”，答复如下：\n{{ reply }}"
    response = client_for(world.dept_admin).post(
        change_url(template), form_data(template, body=body, issuer="示范市北街道办事处")
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == body
    event = AuditEvent.objects.get(action="notice_template_changed")
    assert event.changes["issuer"] == ["中共示范市委社会工作部", "示范市北街道办事处"]
    appeal = build(world, make_appeal, "replied")
    notice = notices.render_notice(appeal, NoticeKind.REPLY, viewer=world.dispatcher)
    assert notice.issuer == "示范市北街道办事处"
    assert notice.paragraphs[1] == "关于“小区路灯长期不亮”，答复如下："


def test_template_admin_only_for_policy_capability(world, client_for) -> None:
    factory = RequestFactory()
    admin = NoticeTemplateAdmin(NoticeTemplate, django_admin.site)
    for user, allowed in [
        (world.dept_admin, True),
        (world.dispatcher, False),
        (world.leader, False),
    ]:
        request = factory.get("/admin/")
        request.user = user
        assert admin.has_module_permission(request) is allowed
        assert admin.has_change_permission(request) is allowed
        assert admin.has_delete_permission(request) is False
        assert admin.has_add_permission(request) is False  # all five kinds exist
    assert client_for(world.dispatcher).get("/admin/appeals/noticetemplate/").status_code == 302
    response = client_for(world.dept_admin).get("/admin/appeals/noticetemplate/")
    assert response.status_code == 200
    assert "答复意见书" in response.content.decode()


def test_default_templates_validate_and_service_checks(world) -> None:
    assert NoticeTemplate.objects.count() == 5
    for template in NoticeTemplate.objects.all():
        notices.validate_template_body(template.body)
    with pytest.raises(ValidationError, match="不能使用"):
        notices.validate_template_body("{% debug %}")
    with pytest.raises(ValidationError, match="为空"):
        notices.validate_template_body("   ")
    template = NoticeTemplate.objects.get(kind=NoticeKind.ACCEPTANCE)
    with pytest.raises(PermissionDenied):
        notices.save_notice_template(actor=world.dispatcher, template=template)
    template.body = "{% if %}"
    with pytest.raises(DomainError, match="文书模板语法错误"):
        notices.save_notice_template(actor=world.dept_admin, template=template)
    template.refresh_from_db()
    assert template.body.startswith("{{ petitioner_name")


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

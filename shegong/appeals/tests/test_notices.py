"""Written notices (DOCX/PDF): what each says, the DOCX layout, user text printed literally,
CJK line breaking. Appeal states are built only through the services (notices_support)."""

from __future__ import annotations

import io

import pytest
from docx import Document

from shegong.appeals import notices
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import NoticeKind
from shegong.appeals.services import workflow as wf

from .conftest import at
from .notices_support import (
    NAME,
    STATE_FOR_KIND,
    build,
    docx_text,
    lead,
    url,
)

pytestmark = pytest.mark.django_db

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

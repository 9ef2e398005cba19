"""Written notices: availability by state, privacy (names, phone and ID numbers),
permissions by URL (403/404/login) and the audit of every generation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shegong.appeals import notices
from shegong.appeals.models import NoticeKind, NoticeTemplate
from shegong.appeals.services import workflow as wf
from shegong.core.audit import compute_hash
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent

from .conftest import at
from .notices_support import (
    NAME,
    PERSONAL,
    STATE_FOR_KIND,
    build,
    docx_text,
    url,
)

pytestmark = pytest.mark.django_db

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

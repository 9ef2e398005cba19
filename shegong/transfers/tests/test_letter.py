"""The 党员组织关系介绍信: registered document kind, DOCX content, PDF, download scope."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from shegong.core import documents
from shegong.core.models import AuditEvent
from shegong.core.pii import plain
from shegong.transfers.choices import TransferAction, TransferKind
from shegong.transfers.letter.context import KEY, letter_context, letter_text
from shegong.transfers.letter.docx import letter_docx
from shegong.transfers.letter.pdf import letter_pdf
from shegong.transfers.models import Transfer
from shegong.transfers.services import act_on_transfer, start_transfer

from .factories import Party, fresh

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)


def _docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _approved(party: Party) -> Transfer:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.WITHIN,
        to_organization_id=party.branch_c.pk,
        dues_paid_through=date(2026, 5, 17),
        today=TODAY,
    )
    return act_on_transfer(
        actor=fresh(party.committee_north),
        transfer_id=transfer.pk,
        action=TransferAction.APPROVE_OUT,
        today=TODAY,
    )


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_letter_is_a_registered_document_kind() -> None:
    assert documents.get_kind(KEY).name == "党员组织关系介绍信"


def test_the_default_template_passes_the_upload_check() -> None:
    kind = documents.get_kind(KEY)
    documents.check_template(kind, kind.default_bytes())  # raises on a bad template


def test_the_docx_names_the_letter_number(party: Party) -> None:
    transfer = _approved(party)
    assert f"（{transfer.number}）" in _docx_text(letter_docx(transfer, today=TODAY))


def test_the_docx_says_to_which_month_dues_are_paid(party: Party) -> None:
    assert "该同志党费已交到2026年5月" in _docx_text(letter_docx(_approved(party), today=TODAY))


def test_the_docx_states_the_validity(party: Party) -> None:
    text = _docx_text(letter_docx(_approved(party), today=TODAY))
    assert "（有效期92天，至2026年9月10日止）" in text


def test_the_docx_masks_the_id_number(party: Party) -> None:
    transfer = _approved(party)
    text = _docx_text(letter_docx(transfer, today=TODAY))
    full = transfer.member.id_number.reveal()
    assert (full in text, f"{full[:6]}********{full[-4:]}" in text) == (False, True)


def test_the_docx_names_the_member_and_both_ends(party: Party) -> None:
    transfer = _approved(party)
    text = _docx_text(letter_docx(transfer, today=TODAY))
    name = plain(transfer.member.name)
    assert (f"{name}同志（男，36岁）" in text, "由北一社区党支部转到南一社区党支部" in text) == (
        True,
        True,
    )


def test_the_docx_is_signed_by_the_sending_superior(party: Party) -> None:
    assert "中共北街道工作委员会（盖章）" in _docx_text(letter_docx(_approved(party), today=TODAY))


def test_a_valid_letter_is_not_flagged(party: Party) -> None:
    assert "已超过有效期" not in _docx_text(letter_docx(_approved(party), today=date(2026, 9, 10)))


def test_an_expired_letter_is_flagged(party: Party) -> None:
    assert "已超过有效期" in _docx_text(letter_docx(_approved(party), today=date(2026, 9, 11)))


def test_the_pdf_is_a_pdf_with_the_same_wording(party: Party) -> None:
    transfer = _approved(party)
    text = letter_text(letter_context(transfer, today=TODAY))
    assert (letter_pdf(text)[:5], text.paragraphs[0].endswith("该同志党费已交到2026年5月。")) == (
        b"%PDF-",
        True,
    )


def test_an_uploaded_template_is_used_for_the_docx(party: Party) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("自定义介绍信 {{ letter_number }} {{ dues_paid_through }}")
    out = io.BytesIO()
    document.save(out)
    documents.upload_template(
        actor=party.world.root, key=KEY, data=out.getvalue(), filename="letter.docx"
    )
    transfer = _approved(party)
    assert f"自定义介绍信 {transfer.number} 2026年5月" in _docx_text(
        letter_docx(transfer, today=TODAY)
    )


@time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_sender_downloads_the_docx(party: Party) -> None:
    transfer = _approved(party)
    response = _client(party.secretary_a).get(
        reverse("transfers:letter", args=[transfer.pk, "docx"])
    )
    assert (response.status_code, response["Content-Type"].endswith("document")) == (200, True)


@time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_receiver_downloads_the_pdf(party: Party) -> None:
    transfer = _approved(party)
    response = _client(party.secretary_c).get(
        reverse("transfers:letter", args=[transfer.pk, "pdf"])
    )
    assert (response.status_code, response.content[:5]) == (200, b"%PDF-")


def test_a_download_is_audited(party: Party) -> None:
    transfer = _approved(party)
    _client(party.secretary_a).get(reverse("transfers:letter", args=[transfer.pk, "pdf"]))
    assert AuditEvent.objects.filter(
        action="transfer_letter_downloaded", target_id=str(transfer.pk)
    ).exists()


def test_another_street_cannot_download_the_letter(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.OUT,
        outside_organization="外地",
        today=TODAY,
    )
    act_on_transfer(
        actor=fresh(party.committee_north),
        transfer_id=transfer.pk,
        action=TransferAction.APPROVE_OUT,
        today=TODAY,
    )
    response = _client(party.secretary_c).get(
        reverse("transfers:letter", args=[transfer.pk, "docx"])
    )
    assert response.status_code == 404


def test_no_letter_before_the_approval(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.OUT,
        outside_organization="外地",
        today=TODAY,
    )
    response = _client(party.secretary_a).get(
        reverse("transfers:letter", args=[transfer.pk, "pdf"])
    )
    assert response.status_code == 302

"""core.documents on a kind of its own (not the appeals notices): the registry, rendering
the active upload or the default, the services' permission and audit."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document

from shegong.core import documents
from shegong.core.documents import DocumentKind, Placeholder
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent, DocumentTemplate

pytestmark = pytest.mark.django_db

KEY = "tests.letter"


def docx(*lines: str) -> bytes:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@pytest.fixture
def kind(tmp_path: Path, monkeypatch: Any, settings: Any) -> DocumentKind:
    settings.MEDIA_ROOT = tmp_path / "media"
    default = tmp_path / "letter.docx"
    default.write_bytes(docx("介绍信", "兹介绍{{ name }}同志前往联系。"))
    letter = DocumentKind(
        key=KEY,
        name="介绍信",
        default_template=default,
        placeholders=(Placeholder("name", "姓名"),),
        sample_context=lambda: {"name": "某某"},
    )
    monkeypatch.setitem(documents._KINDS, KEY, letter)
    return letter


def test_registering_another_default_under_a_known_key_fails(kind: DocumentKind) -> None:
    documents.register(kind)  # the same kind again: idempotent
    other = DocumentKind(KEY, "另一个", Path("other.docx"), (), lambda: {})
    with pytest.raises(ValueError, match="already registered"):
        documents.register(other)


def test_unknown_kind_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="未知的文书类型"):
        documents.get_kind("tests.no-such-kind")


def test_renders_the_default_then_the_upload_then_the_default_again(kind, world) -> None:
    assert "兹介绍张三同志前往联系。" in text(documents.render(KEY, {"name": "张三"}))

    row = documents.upload_template(
        actor=world.dept_admin, key=KEY, data=docx("红头", "兹介绍{{ name }}。"), filename="a.docx"
    )
    assert text(documents.render(KEY, {"name": "张三"})) == "红头\n兹介绍张三。"
    assert AuditEvent.objects.filter(action="document_template_uploaded").count() == 1

    documents.revert_to_default(actor=world.dept_admin, key=KEY)
    assert "兹介绍张三同志前往联系。" in text(documents.render(KEY, {"name": "张三"}))
    assert DocumentTemplate.objects.filter(pk=row.pk, active=False).exists()


def test_values_are_printed_not_evaluated(kind) -> None:
    rendered = documents.render(KEY, {"name": "{{ name }}<w:p>&"})
    assert "兹介绍{{ name }}<w:p>&同志前往联系。" in text(rendered)


def test_a_role_without_the_capability_is_refused_and_nothing_is_stored(kind, world) -> None:
    with pytest.raises(PermissionDenied, match="您的角色不能管理文书模板"):
        documents.upload_template(
            actor=world.dispatcher, key=KEY, data=docx("{{ name }}"), filename="a.docx"
        )
    assert DocumentTemplate.objects.count() == 0


def test_unknown_placeholder_names_it_and_stores_nothing(kind, world) -> None:
    with pytest.raises(
        DomainError, match=r"未知的占位符 \{\{ phone \}\}（在段落「电话：\{\{ phone \}\}」中）"
    ):
        documents.upload_template(
            actor=world.dept_admin, key=KEY, data=docx("电话：{{ phone }}"), filename="a.docx"
        )
    assert DocumentTemplate.objects.count() == 0

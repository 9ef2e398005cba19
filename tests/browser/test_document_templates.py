"""Over real HTTP in Chromium (CSRF on): the department administrator replaces the reply
notice's Word template with one carrying a letterhead, and a template naming a placeholder
the notice does not offer is refused in Chinese with the note kept."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from .conftest import login

LETTERHEAD = "中共示范市委社会工作部文件"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def _template(tmp_path: Path, name: str, line: str) -> Path:
    """The shipped notice template with ``line`` above its title, saved as ``name``."""
    from docx import Document

    from shegong.appeals.notices.docx import DEFAULT_TEMPLATE

    document = Document(str(DEFAULT_TEMPLATE))
    document.paragraphs[0].insert_paragraph_before(line)
    out = io.BytesIO()
    document.save(out)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_an_administrator_replaces_the_letterhead_and_a_bad_template_is_refused(
    world: Any, live_server: Any, page: Any, media: Path, screenshot_dir: Any
) -> None:
    from shegong.appeals.models import NoticeKind
    from shegong.appeals.notices.docx import document_key
    from shegong.core.models import DocumentTemplate

    key = document_key(NoticeKind.REPLY)
    login(page, live_server, "dept_admin")
    page.goto(f"{live_server.url}/documents/{key}/")
    page.set_input_files("#id_file", str(_template(media, "红头.docx", LETTERHEAD)))
    page.get_by_role("button", name="检查并上传").click()
    page.wait_for_load_state()
    assert "新模板已通过检查并启用" in page.inner_text("body")
    assert DocumentTemplate.objects.filter(kind=key, active=True).count() == 1

    bad = _template(media, "电话.docx", "电话：{{ petitioner_phone }}")
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_note", "保留我")
    page.get_by_role("button", name="检查并上传").click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    page.screenshot(path=str(screenshot_dir / "document-template-refused.png"), full_page=True)
    assert "模板使用了未知的占位符 {{ petitioner_phone }}" in body
    assert page.input_value("#id_note") == "保留我"
    assert DocumentTemplate.objects.filter(kind=key).count() == 1

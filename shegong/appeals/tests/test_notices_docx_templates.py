"""The notices' Office templates (core.documents, the 文书模板 page): a checked upload
becomes active and lays out the DOCX; a bad one is refused in Chinese and changes nothing;
history, activation of an older version, revert to the default; who may do it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from shegong.appeals import notices
from shegong.appeals.models import NoticeKind
from shegong.appeals.notices.docx import DEFAULT_TEMPLATE, document_key
from shegong.core import documents
from shegong.core.models import AuditEvent, DocumentTemplate

from .notices_support import NAME, PERSONAL, build, docx_text, url

pytestmark = pytest.mark.django_db

REPLY = document_key(NoticeKind.REPLY)
DISPATCH = document_key(NoticeKind.DISPATCH)
LETTERHEAD = "中共示范市委社会工作部文件"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def template(*lines: str) -> bytes:
    """The default notice template with ``lines`` added above the title (a letterhead)."""
    document = Document(str(DEFAULT_TEMPLATE))
    first = document.paragraphs[0]
    for line in lines:
        first.insert_paragraph_before(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client: Any, key: str, data: bytes, *, activate: bool = True, note: str = "") -> Any:
    fields: dict[str, Any] = {
        "file": SimpleUploadedFile("红头.docx", data, content_type=documents.DOCX_TYPE),
        "note": note,
    }
    if activate:
        fields["activate"] = "on"
    return client.post(f"/documents/{key}/", fields)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- the registry -------------------------------------------------------------------------


def test_every_notice_kind_is_registered_with_a_default_that_passes_the_check() -> None:
    keys = {kind.key for kind in documents.kinds()}
    assert {document_key(kind) for kind in NoticeKind.values} <= keys
    for kind in NoticeKind.values:
        documents.check_template(
            documents.get_kind(document_key(kind)), DEFAULT_TEMPLATE.read_bytes()
        )


# --- upload, use, refuse ------------------------------------------------------------------


def test_valid_upload_becomes_active_and_is_used(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "replied")
    admin = client_for(world.dept_admin)

    response = upload(admin, REPLY, template(LETTERHEAD, "致：{{ petitioner_name }}"), note="红头")

    assert response.status_code == 302
    row = DocumentTemplate.objects.get(kind=REPLY)
    assert row.active
    assert row.uploaded_by == world.dept_admin
    assert events("document_template_uploaded") == 1
    text = docx_text(client_for(world.dispatcher).get(url(appeal, "reply", "docx")).content)
    assert text.splitlines()[0] == LETTERHEAD
    assert f"致：{NAME}" in text
    assert appeal.number in text
    assert "路灯线路老化" in text
    assert [p for p in PERSONAL[1:] if p in text] == []


def test_uploaded_template_only_changes_its_own_kind(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "dispatched")
    upload(client_for(world.dept_admin), REPLY, template(LETTERHEAD))

    text = docx_text(client_for(world.dispatcher).get(url(appeal, "dispatch", "docx")).content)

    assert LETTERHEAD not in text
    assert text.splitlines()[0] == "转送交办单"


def test_template_cannot_reveal_a_confidential_petitioner(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "dispatched", identity_confidential=True)
    upload(client_for(world.dept_admin), DISPATCH, template("诉求人：{{ petitioner_name }}"))

    text = docx_text(client_for(world.dispatcher).get(url(appeal, "dispatch", "docx")).content)

    assert "诉求人：（保密）" in text
    assert [p for p in PERSONAL if p in text] == []


def test_unknown_placeholder_is_refused_and_the_active_template_stays(world, client_for) -> None:
    admin = client_for(world.dept_admin)
    upload(admin, REPLY, template(LETTERHEAD))
    first = DocumentTemplate.objects.get(kind=REPLY)

    response = upload(admin, REPLY, template("电话：{{ petitioner_phone }}"), note="保留我")

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        "模板使用了未知的占位符 {{ petitioner_phone }}（在段落「电话：{{ petitioner_phone }}」中）"
        in page
    )
    assert 'value="保留我"' in page
    assert list(DocumentTemplate.objects.filter(kind=REPLY)) == [first]
    assert DocumentTemplate.objects.get(pk=first.pk).active
    assert events("document_template_uploaded") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a word file", "无法作为 Word 文档（.docx）打开"),
        (b"", "所提交的是空文件。"),
        (b"0" * (5 * 1024 * 1024 + 1), "上传的文件超过 5 MB，未予读取"),  # the view's check
        (
            template("编号：{{ appeal_number }"),
            "段落「编号：{{ appeal_number }」中的 {{ 与 }} 不成对",
        ),
        (template("{%p if salutation %}"), "{%p if … %} 标签没有对应的 {%p endif %}"),
        (
            template("{{ appeal_number|nosuchfilter }}"),
            "段落「{{ appeal_number|nosuchfilter }}」的标签有语法错误",
        ),
        (
            template("{{ appeal.__class__ }}"),
            "模板无法用示例数据生成文书（不允许读取 __class__）",
        ),
        (template("{{ appeal.no_such_field }}"), "（没有名为 no_such_field 的属性）"),
    ],
    ids=[
        "not-docx",
        "empty",
        "too-large",
        "unclosed",
        "unclosed-block",
        "filter",
        "sandbox",
        "no-attribute",
    ],
)
def test_bad_uploads_are_refused_in_chinese(world, client_for, data, message) -> None:
    response = upload(client_for(world.dept_admin), REPLY, data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert DocumentTemplate.objects.count() == 0


def test_upload_without_activation_waits_in_the_history(world, client_for) -> None:
    admin = client_for(world.dept_admin)

    upload(admin, REPLY, template(LETTERHEAD), activate=False)

    row = DocumentTemplate.objects.get(kind=REPLY)
    assert not row.active
    assert documents.active_template(REPLY) is None
    preview = admin.get(f"/documents/{REPLY}/{row.pk}/preview.docx")
    assert preview.status_code == 200
    assert LETTERHEAD in docx_text(preview.content)
    assert "示例正文第一段。" in docx_text(preview.content)


# --- history, activation, revert ----------------------------------------------------------


def test_activate_an_earlier_version(world, client_for) -> None:
    admin = client_for(world.dept_admin)
    upload(admin, REPLY, template("第一版"))
    upload(admin, REPLY, template("第二版"))
    first, second = DocumentTemplate.objects.filter(kind=REPLY).order_by("pk")
    assert DocumentTemplate.objects.get(pk=second.pk).active

    response = admin.post(f"/documents/{REPLY}/{first.pk}/activate/")

    assert response.status_code == 302
    assert documents.active_template(REPLY) == first
    assert not DocumentTemplate.objects.get(pk=second.pk).active
    assert events("document_template_activated") == 1


def test_revert_uses_the_default_and_keeps_the_upload(world, make_appeal, client_for) -> None:
    appeal = build(world, make_appeal, "replied")
    admin = client_for(world.dept_admin)
    upload(admin, REPLY, template(LETTERHEAD))
    row = DocumentTemplate.objects.get(kind=REPLY)

    response = admin.post(f"/documents/{REPLY}/revert/")

    assert response.status_code == 302
    assert documents.active_template(REPLY) is None
    assert DocumentTemplate.objects.filter(pk=row.pk).exists()
    assert row.file.storage.exists(row.file.name)
    assert events("document_template_reverted") == 1
    text = docx_text(client_for(world.dispatcher).get(url(appeal, "reply", "docx")).content)
    assert text.splitlines()[0] == "答复意见书"


def test_revert_when_already_default_is_a_message(world, client_for) -> None:
    response = client_for(world.dept_admin).post(f"/documents/{REPLY}/revert/", follow=True)

    assert "已在使用默认模板" in response.content.decode()
    assert events("document_template_reverted") == 0


# --- pages and downloads ------------------------------------------------------------------


def test_pages_and_downloads(world, client_for) -> None:
    admin = client_for(world.dept_admin)

    assert "答复意见书" in admin.get("/documents/").content.decode()
    detail = admin.get(f"/documents/{REPLY}/").content.decode()
    assert "appeal_number" in detail
    assert "正在使用默认模板" in detail
    assert "不能引用网络图片、链接的模板等外部文件" in detail  # what an upload may not contain
    default = admin.get(f"/documents/{REPLY}/default.docx")
    assert default["Content-Type"] == documents.DOCX_TYPE
    assert default.content == DEFAULT_TEMPLATE.read_bytes()
    preview = admin.get(f"/documents/{REPLY}/active/preview.docx")
    assert "答复意见书" in docx_text(preview.content)
    assert admin.get("/documents/no.such.kind/").status_code == 404


def test_a_slash_in_the_kinds_name_is_encoded_in_the_file_name(world, client_for) -> None:
    response = client_for(world.dept_admin).get(f"/documents/{DISPATCH}/default.docx")
    encoded = response["Content-Disposition"].split("filename*=UTF-8''")[1]
    assert encoded.startswith("%E8%BD%AC%E9%80%81%2F%E4%BA%A4%E5%8A%9E%E5%8D%95-")  # 转送/交办单-
    assert "/" not in encoded


def test_a_notice_carries_no_metadata_of_the_uploaded_template(
    world, make_appeal, client_for
) -> None:
    appeal = build(world, make_appeal, "replied")
    document = Document(io.BytesIO(template(LETTERHEAD)))
    document.core_properties.author = "王某"
    document.core_properties.last_modified_by = "李某"
    document.core_properties.comments = "内部使用"
    out = io.BytesIO()
    document.save(out)
    upload(client_for(world.dept_admin), REPLY, out.getvalue())

    response = client_for(world.dispatcher).get(url(appeal, "reply", "docx"))

    notice = notices.render_notice(appeal, NoticeKind.REPLY, viewer=world.dispatcher)
    properties = Document(io.BytesIO(response.content)).core_properties
    assert (properties.title, properties.author) == (notice.title, notice.issuer)
    assert (properties.last_modified_by, properties.comments) == ("", "")


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dispatcher", "handler_unit_a", "leader", "auditor"])
def test_roles_without_the_capability_get_403_and_change_nothing(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get("/documents/").status_code == 403
    assert client.get(f"/documents/{REPLY}/default.docx").status_code == 403
    assert upload(client, REPLY, template(LETTERHEAD)).status_code == 403
    assert client.post(f"/documents/{REPLY}/revert/").status_code == 403
    assert DocumentTemplate.objects.count() == 0
    assert events("document_template_uploaded") == 0


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/documents/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

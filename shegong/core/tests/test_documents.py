"""core.documents on a kind of its own (not the appeals notices): the registry, rendering
the active upload or the default, the services' permission and audit."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.utils import timezone
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from jinja2 import TemplateError
from pytest_django.fixtures import Settings

from shegong.accounts.models import User
from shegong.core import document_safety, documents
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
def kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings) -> DocumentKind:
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


# --- what an upload may not contain -----------------------------------------------------------


def refused(kind: DocumentKind, data: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        documents.check_template(kind, data)
    return caught.value


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """``data`` with the parts named in ``replace`` replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info, source.read(info))
        for name, body in replace.items():
            target.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        "{{ name|safe }}",
        "{% autoescape false %}{{ name }}{% endautoescape %}",
        "{% filter safe %}{{ name }}{% endfilter %}",
    ],
    ids=["safe-filter", "autoescape-off", "filter-block"],
)
def test_a_template_cannot_switch_escaping_off(kind, line) -> None:
    error = refused(kind, docx(line))
    assert error.code == "template_unsafe"


def test_the_safe_filter_message_says_why(kind) -> None:
    assert "不能使用 |safe 过滤器" in refused(kind, docx("{{ name|safe }}")).message


def test_autoescape_off_is_refused_at_rendering_too(kind) -> None:
    """A template that never went through the check (a default file) cannot do it either."""
    data = docx("{% autoescape false %}{{ name }}{% endautoescape %}")
    with pytest.raises(TemplateError, match="autoescape"):
        documents.render_bytes(data, {"name": "</w:t></w:r><w:r><w:t>x"})


def test_the_environment_has_no_safe_filter_and_no_globals() -> None:
    env = document_safety.jinja_env()
    assert ("safe" in env.filters, env.globals) == (False, {})


def test_range_is_not_available(kind) -> None:
    assert refused(kind, docx("{{ range(10) }}")).code == "template_unknown_placeholder"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{{ name * 100000 }}", "乘法结果超过 10000 个字符"),
        ("{{ 'a' * 100000 }}", "乘法结果超过 10000 个字符"),
        ("{{ 2 ** 3 }}", "不能使用乘方运算"),
        ("{{ '%100000s' % name }}", "不能用 % 格式化文字"),
    ],
    ids=["name-times", "literal-times", "power", "format"],
)
def test_operators_that_fill_the_memory_are_refused(kind, line, message) -> None:
    assert message in refused(kind, docx(line)).message


def test_a_small_product_is_allowed(kind) -> None:
    assert "某某某某某" in text(documents.render_bytes(docx("{{ name * 5 }}"), {"name": "某"}))


def test_a_set_tag_is_refused(kind) -> None:
    assert "不能使用 {% set %} 标签" in refused(kind, docx("{% set a = name %}{{ a }}")).message


def zip_bomb(part: str, size: int) -> bytes:
    """A valid DOCX with ``part`` of ``size`` zero bytes (compresses about 1000 to 1)."""
    return rezip(docx("{{ name }}"), {part: b"0" * size})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (zip_bomb("word/media/big.bin", 21 * 1024 * 1024), "解压后超过 20 MB"),
        (zip_bomb("word/big.xml", 6 * 1024 * 1024), "“word/big.xml”解压后超过 5 MB"),
        (zip_bomb("word/media/big.bin", 3 * 1024 * 1024), "“word/media/big.bin”压缩比超过 100 倍"),
    ],
    ids=["total", "xml-part", "ratio"],
)
def test_a_zip_bomb_is_refused_before_it_is_parsed(kind, monkeypatch, data, message) -> None:
    monkeypatch.setattr(documents, "_source", lambda data: pytest.fail("parsed"))
    assert len(data) < 100 * 1024
    error = refused(kind, data)
    assert (error.code, message in error.message) == ("template_unpacked_size", True)


def test_memory_error_is_not_reported_as_not_a_word_file(kind, monkeypatch) -> None:
    def exhausted(data: bytes) -> None:
        raise MemoryError

    monkeypatch.setattr(documents, "_source", exhausted)
    with pytest.raises(MemoryError):
        documents.check_template(kind, docx("{{ name }}"))


def with_external_image(data: bytes) -> bytes:
    document = Document(io.BytesIO(data))
    document.part.relate_to("https://example.com/beacon.png", RT.IMAGE, is_external=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_external_resource_is_refused(kind) -> None:
    error = refused(kind, with_external_image(docx("{{ name }}")))
    assert "引用了外部文件“https://example.com/beacon.png”" in error.message


def test_an_external_hyperlink_is_allowed(kind) -> None:
    document = Document(io.BytesIO(docx("{{ name }}")))
    document.part.relate_to("https://example.com/", RT.HYPERLINK, is_external=True)
    out = io.BytesIO()
    document.save(out)
    documents.check_template(kind, out.getvalue())


def test_a_field_that_fetches_a_file_is_refused(kind) -> None:
    document = Document(io.BytesIO(docx("{{ name }}")))
    run = document.paragraphs[0].add_run()
    instr = OxmlElement("w:instrText")
    instr.text = ' INCLUDEPICTURE "https://example.com/beacon.png" \\d '
    run._r.append(instr)
    out = io.BytesIO()
    document.save(out)
    assert "包含 INCLUDEPICTURE 域" in refused(kind, out.getvalue()).message


def test_a_placeholder_in_the_document_properties_is_checked(kind) -> None:
    document = Document(io.BytesIO(docx("{{ name }}")))
    document.core_properties.subject = "{{ phone }}"
    out = io.BytesIO()
    document.save(out)
    assert "未知的占位符 {{ phone }}" in refused(kind, out.getvalue()).message


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:id="1"><w:p><w:r><w:t>{{ phone }}</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def with_footnotes(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    rels = source.read("word/_rels/document.xml.rels").decode()
    types = source.read("[Content_Types].xml").decode()
    footnotes_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    rel = (
        '<Relationship Id="rIdFn" Target="footnotes.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/footnotes"/>'
    )
    override = f'<Override PartName="/word/footnotes.xml" ContentType="{footnotes_type}"/>'
    return rezip(
        data,
        {
            "word/_rels/document.xml.rels": rels.replace(
                "</Relationships>", rel + "</Relationships>"
            ).encode(),
            "[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode(),
            "word/footnotes.xml": FOOTNOTES.encode(),
        },
    )


def test_a_placeholder_in_a_footnote_is_checked(kind) -> None:
    assert "未知的占位符 {{ phone }}" in refused(kind, with_footnotes(docx("{{ name }}"))).message


def test_the_upload_size_is_checked_by_the_service_too(kind) -> None:
    assert refused(kind, b"0" * (5 * 1024 * 1024 + 1)).code == "template_size"


# --- the rendered file's properties -----------------------------------------------------------

APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Template>C:\\Users\\wangmou\\红头.dotm</Template><Company>某某科技公司</Company>"
    "<Manager>王经理</Manager><Application>Microsoft Office Word</Application></Properties>"
)


def template_with_metadata() -> bytes:
    document = Document(io.BytesIO(docx("{{ name }}")))
    properties = document.core_properties
    properties.author = "王某"
    properties.last_modified_by = "李某"
    properties.comments = "社工平台文书模板：占位符见“文书模板”页面"
    properties.title = "{{ name }}"
    properties.subject = "{{ name }}"
    properties.keywords = "内部"
    out = io.BytesIO()
    document.save(out)
    return rezip(out.getvalue(), {"docProps/app.xml": APP_XML.encode()})


@pytest.fixture
def rendered() -> bytes:
    return documents.render_bytes(
        template_with_metadata(), {"name": "A&B"}, title="A&B 告知书", author="示范区信访局"
    )


def test_the_properties_are_set_by_the_platform(rendered) -> None:
    properties = Document(io.BytesIO(rendered)).core_properties
    assert (properties.title, properties.author, properties.subject) == (
        "A&B 告知书",
        "示范区信访局",
        "A&B",
    )


def test_the_uploaded_files_metadata_is_not_copied(rendered) -> None:
    properties = Document(io.BytesIO(rendered)).core_properties
    assert (properties.comments, properties.last_modified_by, properties.keywords) == ("", "", "")


def test_company_manager_and_template_path_are_emptied(rendered) -> None:
    app = zipfile.ZipFile(io.BytesIO(rendered)).read("docProps/app.xml").decode()
    assert [v for v in ("某某科技公司", "王经理", "wangmou") if v in app] == []


# --- storage and races ------------------------------------------------------------------------


def stored_files(settings: Settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_failed_database_write_leaves_no_file(kind, world, settings, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(documents.audit, "record", broken)
    with pytest.raises(RuntimeError):
        documents.upload_template(
            actor=world.dept_admin, key=KEY, data=docx("{{ name }}"), filename="a.docx"
        )
    assert (DocumentTemplate.objects.count(), stored_files(settings)) == (0, [])


def other_admin_activates_meanwhile(monkeypatch: pytest.MonkeyPatch, admin: User) -> None:
    """Between our deactivation and our save, another administrator's upload becomes
    active (what a concurrent transaction that committed first looks like)."""
    original = documents._deactivate

    def racing(key: str) -> None:
        original(key)
        DocumentTemplate.objects.create(
            kind=key,
            file=f"documents/{key}-other.docx",
            sha256="0" * 64,
            uploaded_by=admin,
            uploaded_at=timezone.now(),
            active=True,
        )

    monkeypatch.setattr(documents, "_deactivate", racing)


def test_a_concurrent_upload_is_a_message_not_a_500(kind, world, settings, monkeypatch) -> None:
    other_admin_activates_meanwhile(monkeypatch, world.dept_admin)
    with pytest.raises(DomainError, match="模板刚被其他管理员更改，请刷新后重试"):
        documents.upload_template(
            actor=world.dept_admin, key=KEY, data=docx("{{ name }}"), filename="a.docx"
        )
    assert (DocumentTemplate.objects.count(), stored_files(settings)) == (0, [])


def test_a_concurrent_activation_is_a_message_not_a_500(kind, world, monkeypatch) -> None:
    row = documents.upload_template(
        actor=world.dept_admin, key=KEY, data=docx("{{ name }}"), filename="a.docx", activate=False
    )
    other_admin_activates_meanwhile(monkeypatch, world.dept_admin)
    with pytest.raises(DomainError, match="模板刚被其他管理员更改，请刷新后重试"):
        documents.activate_template(actor=world.dept_admin, pk=row.pk)
    assert AuditEvent.objects.filter(action="document_template_activated").count() == 0


def test_activation_locks_every_row_of_the_kind(kind, world, monkeypatch) -> None:
    """The lock is taken on all rows of the kind, inactive ones too (so a second activation
    waits even when nothing is active)."""
    row = documents.upload_template(
        actor=world.dept_admin, key=KEY, data=docx("{{ name }}"), filename="a.docx", activate=False
    )
    locked: list[str] = []
    monkeypatch.setattr(documents, "_lock_kind", locked.append)
    documents.activate_template(actor=world.dept_admin, pk=row.pk)
    documents.revert_to_default(actor=world.dept_admin, key=KEY)
    assert locked == [KEY, KEY]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite locks the file)"
)
def test_a_second_activation_waits_for_the_first(kind, world) -> None:
    """Two administrators activating two versions at once on PostgreSQL: the second waits
    for the first's lock and then wins, instead of failing on the one-active constraint."""
    first, second = (
        documents.upload_template(
            actor=world.dept_admin,
            key=KEY,
            data=docx(f"{{{{ name }}}}{n}"),
            filename="a.docx",
            activate=False,
        )
        for n in (1, 2)
    )
    outcome: list[object] = []

    def other_admin() -> None:
        try:
            outcome.append(documents.activate_template(actor=world.dept_admin, pk=second.pk).pk)
        except Exception as exc:  # recorded for the assertion
            outcome.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        documents.activate_template(actor=world.dept_admin, pk=first.pk)
        thread = threading.Thread(target=other_admin)
        thread.start()
        thread.join(timeout=1)  # it is waiting for our lock
        assert thread.is_alive()
    thread.join(timeout=30)
    assert (outcome, documents.active_template(KEY)) == ([second.pk], second)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite locks the file)"
)
def test_two_reverts_at_once_are_audited_once(kind, world) -> None:
    documents.upload_template(
        actor=world.dept_admin, key=KEY, data=docx("{{ name }}"), filename="a.docx"
    )
    outcome: list[object] = []

    def other_admin() -> None:
        try:
            outcome.append(documents.revert_to_default(actor=world.dept_admin, key=KEY))
        except DomainError as exc:
            outcome.append(exc.code)
        finally:
            connections.close_all()

    with transaction.atomic():
        documents.revert_to_default(actor=world.dept_admin, key=KEY)
        thread = threading.Thread(target=other_admin)
        thread.start()
        thread.join(timeout=1)  # it is waiting for our lock
    thread.join(timeout=30)
    reverted = AuditEvent.objects.filter(action="document_template_reverted").count()
    assert (outcome, reverted) == (["already_default"], 1)

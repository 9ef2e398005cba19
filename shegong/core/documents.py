"""Office-editable document templates (.docx with Jinja placeholders, rendered by docxtpl).

A *document kind* is a letter or form the platform prints — an appeal's 受理告知书, later
the party-member 介绍信. Each app **registers** its kinds here (in ``AppConfig.ready()``):
the key, the Chinese name, the default ``.docx`` shipped in the repository, the
placeholders the template may use (with Chinese descriptions) and a sample context. The
department may then replace a kind's template on the 文书模板 page without a release;
uploads are kept as :class:`~shegong.core.models.DocumentTemplate` rows (history: a
replacement never deletes the old file), at most one active per kind, none active = the
default.

An upload is checked before it is stored (:func:`check_template`): it must open as a DOCX,
parse (every ``{{ }}``/``{% %}`` pair well-formed — the error names the paragraph), use only
the kind's placeholders (the error names the unknown one and its paragraph), and render
with the sample context into a document that opens again. Before anything parses it, the
file must unpack to at most 20 MB (5 MB per XML part, compression ratio at most 100) and may
not link to an outside resource Word would fetch (a remote image, an attached template: a
beacon) nor hold a field code that fetches one (``INCLUDEPICTURE``, ``DDE`` …).

A template is rendered in a Jinja **sandbox** with autoescaping (values are XML-escaped, so
user text is printed, never evaluated; no attribute of a Python object other than plain
data is reachable). Escaping cannot be switched off: there is no ``safe`` filter and
``{% autoescape %}`` is refused, as are ``{% set %}``, macros, includes, loops nested deeper
than two, the globals (``range`` …), ``**``, ``str % …`` and a ``*`` making more than
10,000 characters (the sandbox lives in ``core.document_safety``). The rendered file's
properties are set by the platform (:func:`render_bytes`), never copied from the
uploaded file.

Writes (:func:`upload_template`, :func:`activate_template`, :func:`revert_to_default`)
need ``Cap.DOCUMENTS_MANAGE`` and are audited (``document_template_uploaded`` /
``_activated`` / ``_reverted``).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from jinja2.exceptions import TemplateSyntaxError

from . import audit
from .document_safety import (
    NOT_DOCX,
    UnsafeTemplateError,
    check_package,
    jinja_env,
    xml_parser,
)
from .exceptions import DomainError
from .models import DocumentTemplate
from .permissions import require_capability
from .roles import Cap
from .scoping import Actor

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DENIED = "您的角色不能管理文书模板"
RACE = "模板刚被其他管理员更改，请刷新后重试"

Context = Mapping[str, object]


@dataclass(frozen=True)
class Placeholder:
    """One name a template may use: ``{{ name }}`` (or a loop over it, or its attributes)."""

    name: str
    description: str  # Chinese, shown on the 文书模板 page
    example: str = ""  # how it is written in the template, when not just {{ name }}


@dataclass(frozen=True)
class DocumentKind:
    """A registered kind of document. ``sample_context`` returns made-up values for every
    placeholder (used to validate uploads and to preview)."""

    key: str
    name: str
    default_template: Path
    placeholders: tuple[Placeholder, ...]
    sample_context: Callable[[], Context]
    group: str = ""
    description: str = ""
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(p.name for p in self.placeholders))

    def default_bytes(self) -> bytes:
        return self.default_template.read_bytes()


_KINDS: dict[str, DocumentKind] = {}


def register(*kinds: DocumentKind) -> None:
    """Add kinds to the registry (idempotent for the same key and default file)."""
    for kind in kinds:
        existing = _KINDS.get(kind.key)
        if existing is not None and existing.default_template != kind.default_template:
            raise ValueError(f"document kind {kind.key!r} is already registered")
        _KINDS[kind.key] = kind


def kinds() -> list[DocumentKind]:
    """Every registered kind, grouped and in registration order."""
    order = {key: index for index, key in enumerate(_KINDS)}
    return sorted(_KINDS.values(), key=lambda k: (k.group, order[k.key]))


def get_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise DomainError("未知的文书类型", code="document_kind_unknown") from None


# --- reading and rendering -------------------------------------------------------------------


def active_template(key: str) -> DocumentTemplate | None:
    return DocumentTemplate.objects.filter(kind=key, active=True).first()


def template_bytes(key: str) -> bytes:
    """The active uploaded template of ``key``, else its shipped default."""
    row = active_template(key)
    if row is not None:
        with row.file.open("rb") as handle:
            data: bytes = handle.read()
            return data
    return get_kind(key).default_bytes()


def render(key: str, context: Context, *, title: str = "", author: str = "") -> bytes:
    """Render the active template (or the default) of ``key`` with ``context``; the file's
    properties get ``title`` and ``author`` (see :func:`render_bytes`)."""
    return render_bytes(template_bytes(key), context, title=title, author=author)


# The core properties docxtpl renders through Jinja (docxtpl.DocxTemplate.render_properties).
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def render_bytes(
    data: bytes, context: Context, *, strict: bool = False, title: str = "", author: str = ""
) -> bytes:
    """Render a template file with ``context``; ``strict`` fails on an undefined value.

    The file's properties (File → Info in Word) are then set by the platform, not by the
    template: title ``title``, author ``author``, no comments, no last editor, no company,
    manager or custom properties — an uploaded template's metadata must not travel in every
    notice sent to a citizen. The subject and language keep their rendered values (as plain
    text: docxtpl renders them with the XML-escaping environment of the body, python-docx
    escapes again)."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    template.init_docx()
    written = {name: getattr(template.docx.core_properties, name) for name in _RENDERED_PROPERTIES}
    template.render(dict(context), jinja_env=jinja_env(strict=strict), autoescape=True)
    plain = jinja_env(strict=strict, autoescape=False)
    properties = template.docx.core_properties
    for name in ("subject", "language"):
        setattr(properties, name, plain.from_string(written[name] or "").render(dict(context)))
    properties.title = title
    properties.author = author
    for name in ("comments", "identifier", "keywords", "category", "content_status"):
        setattr(properties, name, "")
    properties.last_modified_by = ""
    out = io.BytesIO()
    template.save(out)
    return _scrub_extended_properties(out.getvalue())


_APP_XML = "docProps/app.xml"
_CUSTOM_XML = "docProps/custom.xml"
_APP_CLEARED = ("Company", "Manager", "HyperlinkBase", "Template")


def _scrub_extended_properties(data: bytes) -> bytes:
    """Empty the company, manager, hyperlink base and attached-template name of
    ``docProps/app.xml`` and every custom property (python-docx does not model them)."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename in (_APP_XML, _CUSTOM_XML):
                root = etree.fromstring(body, xml_parser())
                for child in list(root):
                    local = etree.QName(child).localname
                    if info.filename == _CUSTOM_XML:
                        root.remove(child)
                    elif local in _APP_CLEARED:
                        child.text = ""
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, body)
    return out.getvalue()


_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_TAG = re.compile(r"<[^>]+>")
_UNCLOSED = (("{{", "}}"), ("{%", "%}"))
_UNCLOSED_BLOCK = re.compile(r"innermost block that needs to be closed is '(\w+)'")


def _lines(xml: str) -> str:
    """One line per ``<w:p>``, as docxtpl renders it (so Jinja's line number is a paragraph)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _paragraph_texts(xml: str) -> list[str]:
    return [_TAG.sub("", line) for line in _lines(xml).split("\n")]


def _source(data: bytes) -> tuple[str, str]:
    """Everything docxtpl renders — body, headers, footers, footnotes and the document
    properties — as XML: as written (to name paragraphs) and as docxtpl hands it to Jinja
    (tags split over runs joined, ``{%p %}`` paragraphs replaced). Each property is one
    pseudo-paragraph."""
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    template.init_docx()
    parts = [template.get_xml()]
    for rel in template.docx.part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI) and rel.target_part.blob:
            parts.append(template.xml_to_string(parse_xml(rel.target_part.blob)))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            parts.append(blob.decode("utf-8") if isinstance(blob, bytes) else blob)
    properties = template.docx.core_properties
    texts = [getattr(properties, name) or "" for name in _RENDERED_PROPERTIES]
    parts.extend(f"<w:p>{text}</w:p>" for text in texts if text)
    return "".join(parts), "".join(template.patch_xml(part) for part in parts)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"「{text[:60]}…」" if len(text) > 60 else f"「{text}」"


def _where(paragraphs: list[str], needle: str) -> str:
    for text in paragraphs:
        if needle in text:
            return f"（在段落{_quote(text)}中）"
    return ""


_EXPLAIN = (
    (re.compile(r"access to attribute '(\w+)' of .* is unsafe"), "不允许读取 {0}"),
    (re.compile(r"has no attribute '(\w+)'"), "没有名为 {0} 的属性"),
    (re.compile(r"'(\w+)' is undefined"), "{0} 未定义"),
)


def _explain(message: str) -> str:
    """Jinja's run-time message in Chinese where we know it (else as it is)."""
    for pattern, text in _EXPLAIN:
        match = pattern.search(message)
        if match:
            return text.format(*match.groups())
    return message


def check_template(kind: DocumentKind, data: bytes) -> None:
    """Raise ``DomainError`` (Chinese, naming the placeholder or paragraph) unless ``data``
    is a usable template of ``kind``."""
    from jinja2 import TemplateError, meta

    if not data:
        raise DomainError("上传的文件是空的", code="template_empty")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise DomainError("模板文件超过 5 MB，请删除其中的大图片后再上传", code="template_size")
    check_package(data)
    try:
        written, source = _source(data)
    except MemoryError:
        raise
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own errors
        raise DomainError(NOT_DOCX, code="template_not_docx") from exc
    for text in _paragraph_texts(written):
        for opening, closing in _UNCLOSED:
            if text.count(opening) != text.count(closing):
                raise DomainError(
                    f"段落{_quote(text)}中的 {opening} 与 {closing} 不成对；"
                    "占位符和标签必须写在同一段内，并且完整闭合",
                    code="template_syntax",
                )
    paragraphs = _paragraph_texts(source)
    env = jinja_env(strict=True)
    try:
        parsed = env.parse(_lines(source))
    except UnsafeTemplateError as exc:
        line = paragraphs[exc.lineno - 1] if 0 < exc.lineno <= len(paragraphs) else ""
        where = f"（在段落{_quote(line)}中）" if line.strip() else ""
        raise DomainError(f"{exc.message}{where}", code="template_unsafe") from exc
    except TemplateSyntaxError as exc:
        unclosed = _UNCLOSED_BLOCK.search(exc.message or "")
        if unclosed:
            raise DomainError(
                f"模板中的 {{%p {unclosed[1]} … %}} 标签没有对应的 {{%p end{unclosed[1]} %}}；"
                "每个条件、循环都要在其后单独一段写上结束标签",
                code="template_syntax",
            ) from exc
        line = paragraphs[exc.lineno - 1] if 0 < exc.lineno <= len(paragraphs) else ""
        where = f"段落{_quote(line)}" if line.strip() else "模板"
        raise DomainError(
            f"{where}的标签有语法错误（{exc.message}）。请检查 {{% %}} 标签是否成对"
            "（如 {%p if … %} 与 {%p endif %}）、名称是否拼写正确",
            code="template_syntax",
        ) from exc
    try:
        declared = meta.find_undeclared_variables(parsed)  # compiles: unknown filters, tests
    except TemplateSyntaxError as exc:
        line = paragraphs[exc.lineno - 1] if 0 < exc.lineno <= len(paragraphs) else ""
        where = f"段落{_quote(line)}" if line.strip() else "模板"
        raise DomainError(
            f"{where}的标签有语法错误（{exc.message}）。请检查过滤器名称是否拼写正确",
            code="template_syntax",
        ) from exc
    unknown = sorted(declared - kind.names)
    if unknown:
        names = "、".join(f"{{{{ {name} }}}}" for name in unknown)
        raise DomainError(
            f"模板使用了未知的占位符 {names}{_where(paragraphs, unknown[0])}。"
            f"“{kind.name}”只能使用页面上列出的占位符",
            code="template_unknown_placeholder",
        )
    try:
        rendered = render_bytes(data, kind.sample_context(), strict=True)
    except TemplateError as exc:
        raise DomainError(
            f"模板无法用示例数据生成文书（{_explain(exc.message or '')}）。"
            "请检查占位符的属性名和过滤器",
            code="template_render",
        ) from exc
    except MemoryError:
        raise
    except Exception as exc:  # docxtpl/lxml: the rendered XML is not a document
        raise DomainError(
            f"模板生成的文书无法打开（{exc}）。常见原因是 {{%p %}} 标签与正文写在了同一段里",
            code="template_render",
        ) from exc
    try:
        _source(rendered)
    except MemoryError:
        raise
    except Exception as exc:
        raise DomainError(
            "模板生成的文书无法打开，请检查标签的位置", code="template_render"
        ) from exc


# --- writes ----------------------------------------------------------------------------------
#
# At most one upload of a kind is active (the partial unique constraint
# ``core_documenttemplate_one_active``). Two administrators activating at once are put in
# line by :func:`_lock_kind` (every row of the kind, active or not, ``SELECT … FOR UPDATE``;
# the second waits, then sees the first's change); when there was no row to lock (the first
# upload of a kind) the loser's insert violates the constraint, which :func:`_activating`
# turns into a Chinese message instead of a 500.


def _snapshot(row: DocumentTemplate) -> dict[str, object]:
    return {"kind": row.kind, "file": row.original_name, "sha256": row.sha256[:12]}


def _lock_kind(key: str) -> None:
    list(DocumentTemplate.objects.select_for_update().filter(kind=key).values_list("pk"))


def upload_template(
    *,
    actor: Actor,
    key: str,
    data: bytes,
    filename: str,
    note: str = "",
    activate: bool = True,
    now: datetime | None = None,
) -> DocumentTemplate:
    """Check ``data`` and keep it as a template of ``key``; make it the active one unless
    ``activate`` is false (then it waits in the history for a preview and
    :func:`activate_template`).

    Nothing is stored when the check fails; the previous template stays active. When the
    database write fails the file written to storage is deleted again."""
    require_capability(actor, Cap.DOCUMENTS_MANAGE, DENIED)
    kind = get_kind(key)
    check_template(kind, data)
    now = now or timezone.now()
    row = DocumentTemplate(
        kind=key,
        original_name=Path(filename or "template.docx").name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.pk,
        uploaded_at=now,
        note=note.strip()[:200],
    )
    stored = ""
    try:
        with transaction.atomic():
            if activate:
                _lock_kind(key)
            row.file.save(f"{key}.docx", ContentFile(data), save=False)
            stored = row.file.name or ""
            with _activating():
                if activate:
                    _deactivate(key)
                row.active = activate
                row.save()
            audit.record(
                "document_template_uploaded",
                actor=actor,
                target=row,
                at=now,
                changes={**_snapshot(row), "name": kind.name, "active": activate},
                note=row.note,
            )
    except BaseException:
        if stored:
            row.file.storage.delete(stored)
        raise
    return row


@contextmanager
def _activating() -> Iterator[None]:
    """Inside a savepoint: a violated one-active constraint becomes a ``DomainError``."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise DomainError(RACE, code="document_template_race") from exc


def _deactivate(key: str) -> None:
    for row in DocumentTemplate.objects.select_for_update().filter(kind=key, active=True):
        row.active = False
        row.save(update_fields=["active"])


def activate_template(*, actor: Actor, pk: int, now: datetime | None = None) -> DocumentTemplate:
    """Make an earlier upload the active one again (checked again: the placeholders may have
    changed since it was uploaded)."""
    require_capability(actor, Cap.DOCUMENTS_MANAGE, DENIED)
    row = DocumentTemplate.objects.filter(pk=pk).first()
    if row is None:
        raise DomainError("模板不存在", code="not_found")
    kind = get_kind(row.kind)
    with row.file.open("rb") as handle:
        check_template(kind, handle.read())
    with transaction.atomic():
        _lock_kind(row.kind)
        with _activating():
            _deactivate(row.kind)
            row.active = True
            row.save(update_fields=["active"])
        audit.record(
            "document_template_activated",
            actor=actor,
            target=row,
            at=now,
            changes={**_snapshot(row), "name": kind.name},
        )
    return row


def revert_to_default(*, actor: Actor, key: str, now: datetime | None = None) -> None:
    """Use the shipped default again (uploads are kept in the history). Two reverts at once:
    the second waits for the first and is told the default is already in use."""
    require_capability(actor, Cap.DOCUMENTS_MANAGE, DENIED)
    kind = get_kind(key)
    with transaction.atomic():
        _lock_kind(key)
        previous = active_template(key)
        if previous is None:
            raise DomainError(f"“{kind.name}”已在使用默认模板", code="already_default")
        _deactivate(key)
        audit.record(
            "document_template_reverted",
            actor=actor,
            target=previous,
            at=now,
            changes={**_snapshot(previous), "name": kind.name},
        )

"""The safety rules of document templates (``core.documents``): the Jinja sandbox every
template renders in, and the checks an uploaded ``.docx`` package passes before anything
parses it.

The sandbox (:func:`jinja_env`): autoescaping that cannot be switched off (no ``safe``
filter, ``{% autoescape %}`` refused), only an allow-list of filters, no globals, no
``{% set %}``/macros/includes, loops nested at most :data:`MAX_LOOP_DEPTH` deep, no ``**``
nor ``str % …``, and no ``*`` making more than :data:`MAX_PRODUCT` characters or items
(:func:`refuse_unsafe`, checked at upload and again at every rendering).

The package (:func:`check_package`): at most :data:`MAX_UNPACKED_BYTES` unpacked,
:data:`MAX_PART_BYTES` per XML part, a compression ratio of at most :data:`MAX_RATIO` per
large part and :data:`MAX_PARTS` parts (a zip bomb of a few KB would otherwise take minutes
and gigabytes); no relationship to an outside resource Word would fetch and no fetching
field code (a beacon in every notice sent to a citizen).
"""

from __future__ import annotations

import io
import re
import zipfile

from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import Context as JinjaContext
from jinja2.sandbox import SandboxedEnvironment

from .exceptions import DomainError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def xml_parser() -> object:
    """An lxml parser that resolves no entity and fetches nothing (XXE-safe)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


# --- the sandbox -----------------------------------------------------------------------------

# The filters a template may use. Left out: ``safe`` and ``forceescape`` (citizen text
# would be printed as raw Word XML), the filters whose argument sets the length of the
# output (``center``, ``indent``, ``format``, ``replace``, ``wordwrap``) and those that
# print Python structures or markup (``pprint``, ``tojson``, ``xmlattr``, ``urlize``).
_FILTERS = frozenset(
    {
        "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e",
        "escape", "first", "float", "groupby", "int", "items", "join", "last", "length",
        "list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round",
        "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title",
        "trim", "truncate", "unique", "upper", "wordcount",
    }
)  # fmt: skip
# A ``*`` may make at most this many characters or items (``{{ 'a' * 10**9 }}``).
MAX_PRODUCT = 10_000
MAX_LOOP_DEPTH = 2
# Tags a template may not contain: switching escaping off, assignments (a value doubled in a
# loop grows without bound), macros, call and filter blocks, other templates.
_REFUSED_TAGS = {
    nodes.EvalContextModifier: "{% autoescape %}",  # ScopedEvalContextModifier is one
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.With: "{% with %}",
}
_REFUSED_NAMES = frozenset({"safe", "forceescape", "marksafe", "Markup"})


class UnsafeTemplateError(TemplateSyntaxError):
    """A template uses a construct the sandbox refuses (the message is Chinese)."""


def refuse_unsafe(tree: nodes.Node) -> None:
    """Raise :class:`UnsafeTemplateError` if ``tree`` switches escaping off (``{% autoescape
    false %}``, ``|safe``), assigns, calls macros or nests loops deeper than
    :data:`MAX_LOOP_DEPTH`."""

    def walk(node: nodes.Node, loops: int) -> None:
        lineno = int(getattr(node, "lineno", 0) or 0)
        for refused, tag in _REFUSED_TAGS.items():
            if isinstance(node, refused):
                raise UnsafeTemplateError(f"模板不能使用 {tag} 标签", lineno)
        if isinstance(node, nodes.Filter | nodes.Test) and node.name in _REFUSED_NAMES:
            raise UnsafeTemplateError(
                f"模板不能使用 |{node.name} 过滤器：填入的内容只能按原样显示，"
                "不能当作 Word 文档的格式代码",
                lineno,
            )
        if isinstance(node, nodes.Name) and node.name in _REFUSED_NAMES:
            raise UnsafeTemplateError(f"模板不能使用 {node.name}", lineno)
        if isinstance(node, nodes.For):
            loops += 1
            if loops > MAX_LOOP_DEPTH:
                raise UnsafeTemplateError(f"模板中的循环最多嵌套 {MAX_LOOP_DEPTH} 层", lineno)
        for child in node.iter_child_nodes():
            walk(child, loops)

    walk(tree, 0)


def _length(value: object) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


class _Sandbox(SandboxedEnvironment):
    """The sandbox with :func:`refuse_unsafe` applied to every template it compiles and
    ``*``, ``**`` and ``%`` checked (a product or format that would fill the memory)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        refuse_unsafe(tree)
        return tree

    def call_binop(
        self, context: JinjaContext, operator: str, left: object, right: object
    ) -> object:
        if operator == "**":
            raise SecurityError("模板不能使用乘方运算 **")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("模板不能用 % 格式化文字")
        if operator == "*":
            for sized, times in ((left, right), (right, left)):
                length = _length(sized)
                if length is not None and isinstance(times, int) and length * times > MAX_PRODUCT:
                    raise SecurityError(f"模板中的乘法结果超过 {MAX_PRODUCT} 个字符")
        return super().call_binop(context, operator, left, right)


def jinja_env(*, strict: bool = False, autoescape: bool = True) -> SandboxedEnvironment:
    from jinja2 import StrictUndefined, Undefined

    env = _Sandbox(autoescape=autoescape, undefined=StrictUndefined if strict else Undefined)
    env.globals.clear()  # range, lipsum, dict, cycler, joiner, namespace: nothing to call
    env.filters = {name: env.filters[name] for name in _FILTERS if name in env.filters}
    return env


# --- checking an upload ----------------------------------------------------------------------

MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 5 * 1024 * 1024
MAX_RATIO = 100
MAX_PARTS = 1000
# Field codes that make Word fetch or run something when the document is opened or updated.
_FETCHING_FIELDS = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO)\b")
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
NOT_DOCX = (
    "无法作为 Word 文档（.docx）打开。请在 Word 等软件中“另存为”Word 文档（*.docx）"
    "后再上传（.doc、.wps、PDF 等格式不能使用）"
)


def check_package(data: bytes) -> None:
    """Refuse, before anything parses it, a file that unpacks too large (a "zip bomb"),
    links to an outside resource Word would fetch when the document is opened (a remote
    image or attached template — a beacon telling its owner who opened the notice), or
    holds a field code that fetches or runs something."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DomainError(NOT_DOCX, code="template_not_docx") from exc
    if len(members) > MAX_PARTS:
        raise DomainError(
            f"模板文件包含的部件超过 {MAX_PARTS} 个，不像是普通的 Word 文档",
            code="template_unpacked_size",
        )
    total = sum(info.file_size for info in members)
    mb = 1024 * 1024
    if total > MAX_UNPACKED_BYTES:
        raise DomainError(
            f"模板文件解压后超过 {MAX_UNPACKED_BYTES // mb} MB，请删除其中的大图片、"
            "嵌入对象后再上传",
            code="template_unpacked_size",
        )
    for info in members:
        if info.filename.endswith((".xml", ".rels")) and info.file_size > MAX_PART_BYTES:
            raise DomainError(
                f"模板中的“{info.filename}”解压后超过 {MAX_PART_BYTES // mb} MB，"
                "正文或页眉页脚过长，请精简后再上传",
                code="template_unpacked_size",
            )
    for info in members:  # a part packed more than 100 to 1 is made to be unpacked
        if info.file_size > mb and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DomainError(
                f"模板中的“{info.filename}”压缩比超过 {MAX_RATIO} 倍，不像是普通的 Word 文档，"
                "请重新保存后再上传",
                code="template_unpacked_size",
            )
    try:
        for info in members:
            if not info.filename.endswith(".rels"):
                continue
            root = etree.fromstring(archive.read(info), xml_parser())
            for rel in root:
                if rel.get("TargetMode") == "External" and rel.get("Type") != _HYPERLINK:
                    raise DomainError(
                        f"模板引用了外部文件“{(rel.get('Target') or '')[:80]}”（如网络图片、"
                        "链接的附加模板）。打开文书时 Word 会去下载它，请改为嵌入或删除后再上传",
                        code="template_external",
                    )
        for info in members:
            if not info.filename.endswith(".xml"):
                continue
            xml = archive.read(info).decode("utf-8", "replace")
            if "instrText" not in xml and "fldSimple" not in xml:
                continue
            root = etree.fromstring(archive.read(info), xml_parser())
            codes = [t.text or "" for t in root.iter("{*}instrText")]
            codes += [f.get(f"{{{W_NS}}}instr") or "" for f in root.iter("{*}fldSimple")]
            match = _FETCHING_FIELDS.search(" ".join(codes).upper())
            if match:
                raise DomainError(
                    f"模板包含 {match[1]} 域，打开或更新文书时会读取外部文件，请删除后再上传",
                    code="template_external",
                )
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise DomainError(NOT_DOCX, code="template_not_docx") from exc

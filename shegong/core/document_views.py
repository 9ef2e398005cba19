"""The 文书模板 pages: the Office templates of printed documents (``core.documents``).

Everything needs ``Cap.DOCUMENTS_MANAGE`` (the department administrator); the rows are not
scoped (a template is city-wide configuration). Writes go through the services in
``core.documents`` (checked, audited); these views only translate.

The request is typed ``HttpRequest``: core sits below ``accounts`` in the layers, so it
cannot name ``accounts.http.AuthedHttpRequest``; :func:`_actor` narrows ``request.user``.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from . import documents
from .documents import DocumentKind
from .exceptions import DomainError
from .models import DocumentTemplate
from .permissions import capability_required
from .roles import Cap
from .scoping import Actor, signed_in


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label="模板文件（.docx）")
    note = forms.CharField(label="说明（可选）", max_length=200, required=False)
    activate = forms.BooleanField(label="检查通过后立即启用", required=False, initial=True)


def _actor(request: HttpRequest) -> Actor:
    return signed_in(request.user)


def _kind(key: str) -> DocumentKind:
    try:
        return documents.get_kind(key)
    except DomainError:
        raise Http404("未知的文书类型") from None


def _docx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=documents.DOCX_TYPE)
    # safe="": a kind's name may hold "/" (转送/交办单), which must not end up in the name.
    response["Content-Disposition"] = (
        f"attachment; filename=\"template.docx\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def _version(kind: DocumentKind, version: str) -> tuple[bytes, str]:
    """The bytes and a label of ``version``: "default", "active" or an upload's pk."""
    if version == "default":
        return kind.default_bytes(), "默认模板"
    if version == "active":
        row = documents.active_template(kind.key)
        if row is None:
            return kind.default_bytes(), "默认模板"
    else:
        row = DocumentTemplate.objects.filter(kind=kind.key, pk=int(version)).first()
        if row is None:
            raise Http404("模板不存在")
    with row.file.open("rb") as handle:
        return handle.read(), f"上传版本{row.pk}"


@capability_required(Cap.DOCUMENTS_MANAGE)
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    active = {
        row.kind: row
        for row in DocumentTemplate.objects.filter(active=True).select_related("uploaded_by")
    }
    rows = [(kind, active.get(kind.key)) for kind in documents.kinds()]
    return render(request, "core/documents.html", {"rows": rows})


@capability_required(Cap.DOCUMENTS_MANAGE)
def document_detail(request: HttpRequest, key: str) -> HttpResponse:
    kind = _kind(key)
    form = TemplateUploadForm()
    if request.method == "POST":
        form = TemplateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > documents.MAX_TEMPLATE_BYTES:  # before reading it into memory
                    raise DomainError(
                        "上传的文件超过 5 MB，未予读取。请删除其中的大图片后再上传",
                        code="upload_size",
                    )
                row = documents.upload_template(
                    actor=_actor(request),
                    key=kind.key,
                    data=upload.read(),
                    filename=upload.name or "",
                    note=form.cleaned_data["note"],
                    activate=form.cleaned_data["activate"],
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                if row.active:
                    messages.success(request, f"新模板已通过检查并启用：{kind.name}")
                else:
                    messages.success(request, "新模板已通过检查并保存，尚未启用")
                return redirect("documents:detail", key=kind.key)
    history = DocumentTemplate.objects.filter(kind=kind.key).select_related("uploaded_by")
    return render(
        request,
        "core/document_detail.html",
        {
            "kind": kind,
            "form": form,
            "history": history,
            "active": documents.active_template(kind.key),
            "breadcrumbs": [("Word 文书模板", reverse("documents:list")), (kind.name, "")],
        },
        status=422 if form.errors else 200,
    )


@capability_required(Cap.DOCUMENTS_MANAGE)
@require_GET
def document_file(request: HttpRequest, key: str, version: str) -> HttpResponse:
    """``…/<version>.docx`` — the template file itself (to edit in Word/WPS)."""
    kind = _kind(key)
    body, label = _version(kind, version)
    return _docx(body, f"{kind.name}-{label}.docx")


@capability_required(Cap.DOCUMENTS_MANAGE)
@require_GET
def document_preview(request: HttpRequest, key: str, version: str) -> HttpResponse:
    """``…/<version>/preview.docx`` — the template filled with the sample values."""
    kind = _kind(key)
    body, label = _version(kind, version)
    try:
        documents.check_template(kind, body)
        rendered = documents.render_bytes(body, kind.sample_context(), title=kind.name)
    except DomainError as exc:
        messages.error(request, f"无法预览{label}：{exc.message}")
        return redirect("documents:detail", key=kind.key)
    return _docx(rendered, f"{kind.name}-{label}-示例.docx")


@capability_required(Cap.DOCUMENTS_MANAGE)
@require_POST
def document_activate(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    kind = _kind(key)
    if not DocumentTemplate.objects.filter(kind=kind.key, pk=pk).exists():
        raise Http404("模板不存在")
    try:
        documents.activate_template(actor=_actor(request), pk=pk)
    except DomainError as exc:
        messages.error(request, f"不能启用该版本：{exc.message}")
    else:
        messages.success(request, f"已启用上传版本{pk}")
    return redirect("documents:detail", key=kind.key)


@capability_required(Cap.DOCUMENTS_MANAGE)
@require_POST
def document_revert(request: HttpRequest, key: str) -> HttpResponse:
    kind = _kind(key)
    try:
        documents.revert_to_default(actor=_actor(request), key=kind.key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{kind.name}”已恢复使用默认模板（上传的版本仍保留在历史中）")
    return redirect("documents:detail", key=kind.key)

"""The request side every registry import shares: the upload form, and turning a POST (a new
upload, or the ``token`` of the file the person already checked) into the staged bytes read
as a table. Each app's view keeps only what is its own: the capability, the service that
validates and writes, the messages and where to go after a commit.

One dry run/commit cycle, whichever app:

1. POST ``file`` → :func:`read_posted_table` stages it (``core.staging``) and reads it with the
   app's column spec (``core.tabular.read_table``); the view runs its service with
   ``commit=False`` and shows the report with the ``token``.
2. POST ``token`` + ``confirm=1`` → the very same bytes are read again and committed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .staging import StagingError, discard, load, stage
from .tabular import Column, Table, TableError, read_table


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="导入文件（.xlsx 或 .csv）")


class UploadInvalid(Exception):
    """The upload form did not validate (no file, empty file): show ``form`` with its errors."""

    def __init__(self, form: ImportUploadForm) -> None:
        super().__init__("upload form invalid")
        self.form = form


@dataclass(frozen=True)
class PostedTable:
    token: str
    filename: str
    table: Table
    commit: bool


def read_posted_table(request: HttpRequest, columns: Sequence[Column]) -> PostedTable:
    """The table the POST refers to. Raises :class:`UploadInvalid`, ``StagingError`` (a token
    that is not this user's or has expired, a file too large or of the wrong kind) or
    ``TableError`` (unreadable file, missing column …) — the latter two carry a Chinese
    ``message`` for the page."""
    token = request.POST.get("token", "")
    if not token:
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            raise UploadInvalid(form)
        upload = form.cleaned_data["file"]
        token = stage(request.user, upload, upload.name)
    data, filename = load(request.user, token)
    try:
        table = read_table(io.BytesIO(data), filename, columns=columns)
    except TableError:
        discard(request.user, token)  # a refused file is not kept (it may hold personal data)
        raise
    return PostedTable(token, filename, table, request.POST.get("confirm") == "1")


class ImportReport(Protocol):
    """What a roster import returns (``members.services.transfer.import_members``,
    ``talent.services.imports.import_people``)."""

    @property
    def committed(self) -> bool: ...
    @property
    def created(self) -> int: ...
    @property
    def errors(self) -> Sequence[object]: ...
    @property
    def notes(self) -> Sequence[str]: ...


def roster_import_page(
    request: HttpRequest,
    *,
    columns: Sequence[Column],
    run: Callable[[list[tuple[int, dict[str, str]]], bool], ImportReport],
    template: str,
    context: dict[str, object],
    done_url: str,
) -> HttpResponse:
    """Upload → dry run (every bad row, in Chinese) → confirm → all-or-nothing commit: the
    page body of a roster import. ``run(rows, commit)`` is the app's import service."""
    if request.method == "POST":
        try:
            posted = read_posted_table(request, columns)
            report = run(posted.table.rows, posted.commit)
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, template, context, status=422)
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, template, context, status=422)
        if report.committed:
            discard(request.user, posted.token)
            messages.success(request, f"导入完成：新建档案 {report.created} 份")
            return redirect(done_url)
        context.update(
            {
                "report": report,
                "token": posted.token,
                "filename": posted.filename,
                "errors": report.errors[:1000],
                "warnings": [*posted.table.warnings, *report.notes],
            }
        )
    return render(request, template, context)

"""File responses for exports. ``export_response`` audits the export (``data_exported``
with the request's filters and row count) and sends the file in the asked format.

Long exports (up to a million rows and more) go through :func:`write_xlsx` /
:func:`streamed_xlsx_response`: the rows are consumed one at a time (pass a generator over
``.iterator(chunk_size=…)``), openpyxl's write-only workbook writes each row to its own
temporary file as it comes (inline strings, no shared-string table in memory), the
workbook is saved to a temporary file on disk and sent with ``FileResponse`` in blocks.
Memory stays flat whatever the row count (``bench/report_export.py`` measures it)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .services import record_export
from .tabular import csv_bytes, safe_cell, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(
    basename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body = csv_bytes(headers, rows)
        content_type = "text/csv; charset=utf-8"
        ext = "csv"
    else:
        body = xlsx_bytes(headers, rows, title=basename)
        content_type = XLSX_TYPE
        ext = "xlsx"
    response = HttpResponse(body, content_type=content_type)
    name = f"{basename}-{stamp}.{ext}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def export_response(
    request: HttpRequest,
    *,
    what: str,
    count: int,
    basename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    unmasked: bool = False,
) -> HttpResponse:
    """The list views' export: audited with the filters on the request (all GET parameters
    but ``format``), then ``file_response`` in ``?format=csv|xlsx`` (XLSX by default).
    ``rows`` may be lazy; the caller has already scoped the queryset to the user."""
    record_export(
        actor=request.user,
        what=what,
        count=count,
        filters={k: v for k, v in request.GET.items() if k != "format"},
        unmasked=unmasked,
    )
    return file_response(basename, headers, rows, request.GET.get("format", "xlsx"))


def write_xlsx(
    target: str | Path, headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str
) -> int:
    """Write an XLSX file of any length in constant memory; returns the number of rows.
    Cells go through ``safe_cell`` as in every export (formula prefixes neutralised, control
    characters dropped); mask personal data before it reaches here, as the callers of
    :func:`export_response` do."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(header)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
        count += 1
    workbook.save(str(target))
    return count


def streamed_xlsx_response(
    request: HttpRequest,
    *,
    what: str,
    count: int,
    basename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    filters: dict[str, object] | None = None,
    unmasked: bool = False,
) -> FileResponse:
    """An audited XLSX export of any length: written to a temporary file in constant memory,
    then sent in blocks. The file is unlinked as soon as it is open (POSIX keeps it readable
    until the response closes it), so nothing is left behind on disk."""
    record_export(
        actor=request.user,
        what=what,
        count=count,
        filters=filters
        if filters is not None
        else {k: v for k, v in request.GET.items() if k != "format"},
        unmasked=unmasked,
    )
    fd, name = tempfile.mkstemp(prefix="shegong-export-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(name, headers, rows, title=basename)
        handle = open(name, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        os.unlink(name)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(handle, content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'{basename}-{stamp}.xlsx')}"
    )
    return response

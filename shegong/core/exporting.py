"""File responses for exports. ``export_response`` audits the export (``data_exported``
with the request's filters and row count) and sends the file in the asked format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .services import record_export
from .tabular import csv_bytes, xlsx_bytes


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
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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

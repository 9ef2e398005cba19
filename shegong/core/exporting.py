"""File responses for exports; every export is audited by the caller's service call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

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

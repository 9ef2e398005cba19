"""Bounds checked on a spreadsheet before anything parses it (等保: resource exhaustion).

A 1.38 MB XLSX can unpack to gigabytes (a zip bomb), or name a cell at XFD1048576 so a
reader allocates a grid of 17 billion cells (a sparse bomb). Both are refused here, before
``python-calamine`` sees the bytes:

* zip-based formats (.xlsx, .xlsm, .ods): the members are inflated as a stream and counted,
  trusting no size the archive declares (a forged small size would otherwise pass), and the
  total must stay under :data:`MAX_UNPACKED_BYTES`;
* .xlsx/.xlsm: every cell and row reference of the worksheets is read from that stream and
  must lie within :data:`MAX_SHEET_ROWS` × :data:`MAX_SHEET_COLUMNS`;
* every format: the first sheet's extent reported by the reader is checked again before it
  is turned into Python rows.

The limits are far above any real import (the row limit of the imports is 200,000).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_SHEET_ROWS = 210_000
MAX_SHEET_COLUMNS = 1_000
_CHUNK = 1024 * 1024
_TAIL = 256  # longer than any cell or row start tag up to its r attribute
_CELL_REF = re.compile(rb'<(?:\w+:)?(?:c|row)\b[^>]*?\br="([A-Z]{0,3})([0-9]{1,9})"')
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


class SpreadsheetTooLarge(ValueError):
    """The file is beyond the bounds; ``message`` is Chinese, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def column_number(letters: bytes) -> int:
    """1-based column number of Excel column letters (b"A" → 1, b"XFD" → 16384)."""
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The member's compressed bytes, located through its local header."""
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return b""
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    return data[start : start + info.compress_size]


def _too_large() -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(
        f"表格文件解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB，"
        "可能不是正常的表格文件，请另存为新文件或拆分后再导入"
    )


class _References:
    """The largest row and column referenced by a worksheet's XML, read chunk by chunk (a
    tail of the previous chunk is kept so a reference cut in two is still seen)."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self._tail = b""

    def write(self, chunk: bytes) -> None:
        text = self._tail + chunk
        for match in _CELL_REF.finditer(text):
            letters, digits = match.groups()
            self.rows = max(self.rows, int(digits))
            if letters:
                self.columns = max(self.columns, column_number(letters))
        self._tail = text[-_TAIL:]


def _inflate(raw: bytes, method: int, budget: int, keep: _References | None) -> int:
    """Inflate ``raw`` as a stream, counting the real output against ``budget`` (the size the
    archive declares is never trusted); the bytes inflated. Worksheet content goes to
    ``keep`` for the reference scan. Raises :class:`SpreadsheetTooLarge`."""
    if method == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise _too_large()
        if keep is not None:
            keep.write(raw)
        return len(raw)
    if method != zipfile.ZIP_DEFLATED:
        return 0  # not produced by office software; the reader refuses what it cannot read
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    spent = 0
    pending = raw
    while pending:
        try:
            chunk = inflater.decompress(pending, _CHUNK)
        except zlib.error:
            break  # corrupt: the reader reports it in its own words
        pending = inflater.unconsumed_tail
        spent += len(chunk)
        if spent > budget:
            raise _too_large()
        if keep is not None:
            keep.write(chunk)
        if not chunk and not pending:
            break
    return spent


def check_extent(rows: int, columns: int) -> None:
    if rows > MAX_SHEET_ROWS:
        raise SpreadsheetTooLarge(
            f"表格使用了第 {rows:,} 行，超过可导入的 {MAX_SHEET_ROWS:,} 行，"
            "请删除多余的行或拆分后再导入"
        )
    if columns > MAX_SHEET_COLUMNS:
        raise SpreadsheetTooLarge(
            f"表格使用了第 {columns:,} 列，超过可导入的 {MAX_SHEET_COLUMNS:,} 列，"
            "请删除多余的列后再导入"
        )


def check_spreadsheet(data: bytes) -> None:
    """Raise :class:`SpreadsheetTooLarge` if a zip-based spreadsheet is beyond the bounds.
    Files that are not zip archives (.xls, .csv) pass through unchanged."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip, or a corrupt one: the reader answers in its own words
    budget = MAX_UNPACKED_BYTES
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            refs = _References() if _WORKSHEET.match(info.filename) else None
            budget -= _inflate(_raw_member(data, info), info.compress_type, budget, refs)
            if refs is not None:
                check_extent(refs.rows, refs.columns)

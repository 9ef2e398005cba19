"""Spreadsheet import/export shared by every registry app.

Reading accepts .xlsx/.xls/.ods (python-calamine) and .csv in UTF-8 (with or without BOM)
or GB18030/GBK, the encodings Chinese office software writes. Rows carry their
spreadsheet row number so every error can name it. Writing produces .xlsx (openpyxl) or
UTF-8-BOM .csv (opens correctly in WPS/Excel).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from shegong.lib.text import printable_for_xml, strip_controls

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file as a whole cannot be read. ``message`` is Chinese, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class ImportReport:
    """Outcome of an import (dry run or commit). ``ok`` means nothing was rejected."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()  # entry-point rule: lib.text


def read_table(stream: IO[bytes], filename: str, *, required: Sequence[str] = ()) -> Table:
    name = filename.lower()
    data = stream.read()
    if not data:
        raise TableError("文件是空的，请检查后重新上传")
    if name.endswith(".csv"):
        raw_rows = _read_csv(data)
    elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raw_rows = _read_sheet(data)
    else:
        raise TableError("文件格式不支持，请上传 .xlsx 或 .csv 文件")
    # Skip leading blank rows (titles in merged cells are common above the header).
    start = 0
    while start < len(raw_rows) and not any(raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise TableError("文件中没有数据")
    header_index = start
    if required:
        # The header is the first row that contains every required column name.
        for index in range(start, min(start + 10, len(raw_rows))):
            if all(col in raw_rows[index] for col in required):
                header_index = index
                break
    headers = [h.replace("\n", "").strip() for h in raw_rows[header_index]]
    missing = [col for col in required if col not in headers]
    if missing:
        raise TableError(f"缺少必填列：{'、'.join(missing)}。请使用模板中的列名")
    rows: list[tuple[int, dict[str, str]]] = []
    for offset, values in enumerate(raw_rows[header_index + 1 :], start=header_index + 2):
        if not any(values):
            continue
        record = {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}
        rows.append((offset, record))
        if len(rows) > MAX_ROWS:
            raise TableError(f"文件超过 {MAX_ROWS:,} 行，请分批导入")
    return Table(headers=[h for h in headers if h], rows=rows)


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        raise TableError("文件内容不是文本表格，请上传 .xlsx 或 .csv 文件")
    return [[_clean(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _read_sheet(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        return [[_clean(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise TableError("无法读取表格文件，文件可能已损坏或不是 Excel 格式") from exc


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in exported text (=, +, -, @ prefixes), and
    drop the characters XLSX cannot hold (control characters: openpyxl raises
    ``IllegalCharacterError``), so no stored text can ever break an export."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = printable_for_xml(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
        return value
    if not isinstance(value, (int, float)):
        return printable_for_xml(str(value))
    return value


def xlsx_bytes(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=printable_for_xml(str(header)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

"""Spreadsheet import/export shared by every registry app.

Reading accepts .xlsx/.xls/.ods (python-calamine) and .csv in UTF-8 (with or without BOM)
or GB18030/GBK, the encodings Chinese office software writes. Rows carry their
spreadsheet row number so every error can name it. Writing produces .xlsx (openpyxl) or
UTF-8-BOM .csv (opens correctly in WPS/Excel).

Each import declares its columns (:class:`Column`: name, other names people write for it,
required or not) and :func:`read_table` reads the header against that declaration: a
two-row header (group titles over column names, or cells merged across two rows) is
recognised, a missing required column refuses the file, a column the import does not use
is reported as a warning naming its column letter (never silently dropped), and a file
with a header but no data rows is refused — so a dry run never offers to "import" nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from shegong.lib.text import printable_for_xml, strip_controls

from .spreadsheet_limits import SpreadsheetTooLarge, check_extent, check_spreadsheet

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


@dataclass(frozen=True)
class Column:
    """One column an import understands: the name its template uses, other names people
    write for it (matched after removing spaces and 必填 marks), and whether a file without
    it is refused."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    # Columns of the file that the import does not use: (column letter, header as written).
    unknown: list[tuple[str, str]] = field(default_factory=list)
    # What a person should read before confirming (Chinese), e.g. an unused column.
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Outcome of an import (dry run or commit). ``ok`` means nothing was rejected."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    # Row numbers of a downloaded template's sample rows: shown, never imported.
    samples: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    @property
    def notes(self) -> list[str]:
        """What the dry run page lists next to the file's warnings (Chinese)."""
        return [f"第 {row} 行是示例行，不会导入" for row in self.samples]


# A template's sample row says so in its 备注 cell: the dry run shows it as a sample and no
# import ever writes it (a confirmed, unchanged template must not create a fake unit,
# organization or hours entry). Every import declares the column (:data:`SAMPLE_COLUMN`).
SAMPLE_COLUMN_NAME = "备注"
SAMPLE_NOTE = "示例行，不会导入（可删除本行后按此格式填写）"
SAMPLE_COLUMN = Column(SAMPLE_COLUMN_NAME, aliases=("说明",))


def is_sample_row(raw: dict[str, str]) -> bool:
    return (raw.get(SAMPLE_COLUMN_NAME) or "").strip().startswith("示例")


def without_samples(
    rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport
) -> list[tuple[int, dict[str, str]]]:
    """The rows to import: sample rows (:func:`is_sample_row`) are left out and their
    numbers kept in ``report.samples``."""
    kept = []
    for number, raw in rows:
        if is_sample_row(raw):
            report.samples.append(number)
        else:
            kept.append((number, raw))
    return kept


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()  # entry-point rule: lib.text


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_SPACE = re.compile(r"\s+")
_MARK = re.compile(r"^[*＊]+|[*＊]+$|[（(](?:必填|选填|可选|必须填写|非必填)[）)]$")


def normalize_header(text: str) -> str:
    """A header as compared: full-width letters folded (NFKC), spaces and line breaks
    removed, a leading/trailing ``*`` or a trailing （必填）/（选填） mark dropped."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    return _MARK.sub("", text)


def _lookup(columns: Sequence[Column]) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            found.setdefault(normalize_header(name), column.name)
    return found


def _fill_merged(rows: list[list[str]], merged: Sequence[Any], upto: int) -> list[list[str]]:
    """A copy of the first ``upto`` rows with each merged range's value in all its cells
    (header detection only: data rows are never filled)."""
    top = [list(r) for r in rows[:upto]]
    for (r0, c0), (r1, c1) in merged:
        if r0 >= upto or r0 >= len(top) or c0 >= len(top[r0]):
            continue
        value = top[r0][c0]
        for r in range(r0, min(r1, upto - 1, len(top) - 1) + 1):
            while len(top[r]) <= c1:
                top[r].append("")
            for c in range(c0, c1 + 1):
                if not top[r][c]:
                    top[r][c] = value
    return top


def _names_one(row: list[str], lookup: dict[str, str]) -> list[tuple[str | None, str]]:
    """(known column name or None, header as written) for each cell of a header row."""
    return [(lookup.get(normalize_header(cell)), _shown(cell)) for cell in row]


def _shown(cell: str) -> str:
    return (cell or "").replace("\r", "").replace("\n", "").strip()


def _names_two(
    upper: list[str], lower: list[str], lookup: dict[str, str]
) -> list[tuple[str | None, str]]:
    """Names of a two-row header: the lower cell names the column (or the two together,
    e.g. 正式 under 党员数 → 正式党员数); where the lower cell is empty, the upper one does (a cell
    merged down over both rows, or a name beside a group title). A group title written once
    over several columns without merging (CSV, 跨列居中) also counts for the empty upper
    cells to its right, but only to complete a lower cell's name."""
    out: list[tuple[str | None, str]] = []
    group = ""
    for index in range(max(len(upper), len(lower))):
        top_cell = upper[index] if index < len(upper) else ""
        bottom_cell = lower[index] if index < len(lower) else ""
        top, bottom = normalize_header(top_cell), normalize_header(bottom_cell)
        group = top or group
        title = top or group
        candidates = [bottom, title + bottom, bottom + title] if bottom else [top]
        known = next((lookup[c] for c in candidates if c and c in lookup), None)
        shown = _shown(bottom_cell) if bottom else _shown(top_cell)
        if bottom and top and top != bottom:
            shown = f"{_shown(top_cell)}/{shown}"
        out.append((known, shown))
    return out


def _matched(names: list[tuple[str | None, str]]) -> set[str]:
    return {known for known, _ in names if known}


def _find_header(
    raw_rows: list[list[str]],
    filled: list[list[str]],
    start: int,
    lookup: dict[str, str],
    required: Sequence[str],
) -> tuple[int, int, list[tuple[str | None, str]]]:
    """(first header row index, header height 1 or 2, names) of the first of the next ten
    rows that holds every required column, alone or together with the row below it. The
    two-row reading wins only when it recognises more columns than the row alone (so a
    header followed by data is never read as a two-row header)."""
    best: tuple[int, int, list[tuple[str | None, str]]] | None = None
    best_count = -1
    for index in range(start, min(start + 10, len(raw_rows))):
        if not any(raw_rows[index]):
            continue
        single = _names_one(filled[index], lookup)
        double = (
            _names_two(filled[index], filled[index + 1], lookup) if index + 1 < len(filled) else []
        )
        one, two = _matched(single), _matched(double)
        if all(c in two for c in required) and len(two) > len(one):
            return index, 2, double
        if all(c in one for c in required):
            return index, 1, single
        if len(one) > best_count:
            best, best_count = (index, 1, single), len(one)
    assert best is not None
    return best


def read_table(
    stream: IO[bytes],
    filename: str,
    *,
    required: Sequence[str] = (),
    columns: Sequence[Column] | None = None,
) -> Table:
    """Rows ``(spreadsheet row number, {column name: text})`` of the first sheet.

    With ``columns`` the header is read against that declaration: cells are keyed by the
    declared name (an alias maps to it), columns the import does not use are left out of
    the rows and listed in ``unknown`` and ``warnings``. Without it, every named column is
    kept under its header as written and only ``required`` is checked.
    """
    name = filename.lower()
    data = stream.read()
    if not data:
        raise TableError("文件是空的，请检查后重新上传")
    merged: Sequence[Any] = ()
    if name.endswith(".csv"):
        raw_rows = _read_csv(data)
    elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raw_rows, merged = _read_sheet(data)
    else:
        raise TableError("文件格式不支持，请上传 .xlsx 或 .csv 文件")
    # Skip leading blank rows (titles in merged cells are common above the header).
    start = 0
    while start < len(raw_rows) and not any(raw_rows[start]):
        start += 1
    if start >= len(raw_rows):
        raise TableError("文件中没有数据")
    if columns is not None:
        required = [c.name for c in columns if c.required]
        lookup = _lookup(columns)
    else:
        lookup = {normalize_header(c): c for c in required}
    filled = _fill_merged(raw_rows, merged, min(start + 12, len(raw_rows)))
    # names: (declared column name or None, header as shown) for each column of the file
    header_index, height, names = _find_header(raw_rows, filled, start, lookup, required)
    if columns is None:
        # Undeclared imports keep every named column under its header as written.
        names = [(known or (written or None), written) for known, written in names]
    found = _matched(names)
    missing = [col for col in required if col not in found]
    if missing:
        raise TableError(
            f"缺少必填列：{'、'.join(missing)}。请使用模板中的列名" + _missing_hint(names, missing)
        )
    seen: dict[str, int] = {}
    for index, (known, _) in enumerate(names):
        if known is None:
            continue
        if known in seen:
            raise TableError(
                f"列“{known}”出现了两次（第 {column_letter(seen[known])} 列和第 "
                f"{column_letter(index)} 列），请只保留一列"
            )
        seen[known] = index
    first_data = header_index + height
    rows: list[tuple[int, dict[str, str]]] = []
    with_data: set[int] = set()
    for offset, values in enumerate(raw_rows[first_data:], start=first_data + 1):
        if not any(values):
            continue
        record = {
            known: (values[i] if i < len(values) else "")
            for i, (known, _) in enumerate(names)
            if known
        }
        with_data.update(i for i, v in enumerate(values) if v)
        rows.append((offset, record))
        if len(rows) > MAX_ROWS:
            raise TableError(f"文件超过 {MAX_ROWS:,} 行，请分批导入")
    if not rows:
        raise TableError("文件中没有数据行：表头下面没有填写任何内容，没有可以导入的数据")
    table = Table(headers=[k for k, _ in names if k], rows=rows)
    if columns is not None:
        known_names = [c.name for c in columns]
        # In a two-row header, a column named only by the upper row (e.g. a title merged
        # across the sheet, wider than the header) is reported only if it holds data.
        lower = filled[header_index + 1] if height == 2 else []
        for index, (known, written) in enumerate(names):
            if known or not written:
                continue
            upper_only = height == 2 and not (index < len(lower) and lower[index].strip())
            if upper_only and index not in with_data:
                continue
            letter = column_letter(index)
            table.unknown.append((letter, written))
            guess = difflib.get_close_matches(written, known_names, n=1, cutoff=0.6)
            table.warnings.append(
                f"第 {letter} 列“{written}”不是本导入使用的列，该列的内容不会导入"
                + (f"（是否应为“{guess[0]}”？）" if guess else "")
            )
        unnamed = (i for i in sorted(with_data) if i >= len(names) or not names[i][1])
        for index in unnamed:
            table.warnings.append(f"第 {column_letter(index)} 列没有列名，该列的内容不会导入")
    return table


def _missing_hint(names: list[tuple[str | None, str]], missing: Sequence[str]) -> str:
    """For each missing column, an unused header of the file that looks like it."""
    unused = [written for known, written in names if not known and written]
    hints = []
    for column in missing:
        guess = difflib.get_close_matches(column, unused, n=1, cutoff=0.5)
        if guess:
            hints.append(f"文件中的“{guess[0]}”是否应为“{column}”？")
    return ("。" + "".join(hints)) if hints else ""


_WHOLE = re.compile(r"[+-]?\d+(?:\.0+)?")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


# The largest value of an integer column (PostgreSQL ``integer``): a bigger count would pass
# the dry run and fail the commit.
INTEGER_MAX = 2_147_483_647


def parse_count(
    text: str, label: str, *, max_value: int = INTEGER_MAX
) -> tuple[int | None, str | None]:
    """A count as people type it in a sheet (``1,200``, ``１２``, ``5.0``): ``(value, None)``,
    or ``(None, Chinese message)`` — a negative number is told so, not called "not a whole
    number", and one above ``max_value`` (a realistic cap for the column, never above the
    column's range) is told so in the dry run. Blank is ``(None, None)``: the caller
    decides whether the cell is required."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace(",", "").replace("，", "")
    cleaned = cleaned.replace("\u2212", "-")  # the minus sign some office software writes
    cleaned = _SPACE.sub("", cleaned)
    if not cleaned:
        return None, None
    if _NUMBER.fullmatch(cleaned) and cleaned.startswith("-") and float(cleaned) != 0:
        return None, f"{label}不能为负数（填写的是“{text.strip()}”）"
    if not _WHOLE.fullmatch(cleaned):
        return None, f"{label}应为整数（填写的是“{text.strip()}”）"
    value = abs(int(cleaned.split(".")[0]))
    if value > max_value:
        return None, f"{label}不能超过{max_value}（填写的是“{text.strip()}”）"
    return value, None


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


def _read_sheet(data: bytes) -> tuple[list[list[str]], Sequence[Any]]:
    """Cell texts of the first sheet and its merged ranges ((row, col), (row, col))."""
    from python_calamine import CalamineWorkbook

    try:
        check_spreadsheet(data)
    except SpreadsheetTooLarge as exc:
        raise TableError(exc.message) from exc
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise TableError("无法读取表格文件，文件可能已损坏或不是 Excel 格式") from exc
    try:
        check_extent(sheet.height, sheet.width)
    except SpreadsheetTooLarge as exc:
        raise TableError(exc.message) from exc
    try:
        rows = [[_clean(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise TableError("无法读取表格文件，文件可能已损坏或不是 Excel 格式") from exc
    try:  # merged ranges only help to read a header; a format without them reads as before
        merged = sheet.merged_cell_ranges or ()
    except Exception:
        merged = ()
    return rows, merged


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

"""Reading and writing the CLI's tables (CSV in any common Chinese encoding, XLSX).

Pure Python, no Django. :func:`read_table` never raises on odd content: it tries UTF-8 (with
or without BOM), then GB18030 (a superset of GBK/GB2312), then UTF-8 with replacement
characters, and reports which one it used. Only a missing or unreadable *file* raises
:class:`TableError`, whose message is Chinese and meant for the person running the command.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Table", "TableError", "read_table", "write_csv"]

_ENCODINGS = ("utf-8-sig", "gb18030")


class TableError(Exception):
    """The input file cannot be read at all (message in Chinese)."""


@dataclass
class Table:
    """Rows as ``{column: str}`` (columns lower-cased and stripped), plus how it was read."""

    columns: list[str]
    rows: list[dict[str, str]]
    encoding: str
    warnings: list[str] = field(default_factory=list)

    def missing(self, required: Iterable[str]) -> list[str]:
        return [c for c in required if c not in self.columns]


def _clean_header(cells: Sequence[Any]) -> list[str]:
    return [str(c or "").strip().lstrip("\ufeff").lower() for c in cells]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _from_matrix(matrix: list[list[Any]], encoding: str) -> Table:
    if not matrix:
        return Table([], [], encoding, ["文件为空"])
    header = _clean_header(matrix[0])
    rows = []
    for raw in matrix[1:]:
        if not any(str(c or "").strip() for c in raw):
            continue
        row = {h: _cell(raw[i]) if i < len(raw) else "" for i, h in enumerate(header) if h}
        rows.append(row)
    return Table([h for h in header if h], rows, encoding)


def _read_xlsx(path: Path) -> Table:
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        return _from_matrix([list(r) for r in sheet.to_python()], "xlsx")
    except ImportError:
        pass
    except Exception as exc:
        raise TableError(f"无法读取 Excel 文件 {path}：{exc}") from exc
    try:
        from openpyxl import load_workbook

        wb2 = load_workbook(str(path), read_only=True, data_only=True)
        ws = wb2.worksheets[0]
        return _from_matrix([list(r) for r in ws.iter_rows(values_only=True)], "xlsx")
    except Exception as exc:
        raise TableError(f"无法读取 Excel 文件 {path}：{exc}") from exc


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    for enc in _ENCODINGS:
        try:
            return data.decode(enc), enc, []
        except UnicodeDecodeError:
            continue
    return (
        data.decode("utf-8", errors="replace"),
        "utf-8(replace)",
        ["文件编码无法识别（既不是 UTF-8 也不是 GB18030/GBK），无法解码的字节已替换为 �"],
    )


def read_table(path: str | Path) -> Table:
    """Read a ``.csv``/``.tsv``/``.txt`` (delimiter: the commonest of , tab ; in the header
    line) or an ``.xlsx`` file."""
    p = Path(path)
    if not p.is_file():
        raise TableError(f"找不到输入文件：{p}")
    if p.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return _read_xlsx(p)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TableError(f"无法读取文件 {p}：{exc}") from exc
    text, enc, warnings = _decode(data)
    text = text.replace("\x00", "")
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    csv.field_size_limit(1 << 24)
    try:
        matrix = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        warnings.append(f"CSV 格式有误（{exc}），已尽量读取")
        matrix = []
        for line in text.splitlines():
            matrix.append(line.split(delimiter))
    table = _from_matrix(matrix, enc)
    table.warnings = warnings + table.warnings
    return table


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write UTF-8 CSV with BOM (Excel on Chinese Windows opens it correctly); returns rows."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
            n += 1
    return n

"""The shape every report is built into before it is printed: titled tables with fixed,
named columns (so the Office template can place each table's cells by name) and the
summary lines. DOCX, PDF and XLSX are three printings of one :class:`ReportContent`."""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | int | float


@dataclass(frozen=True)
class Column:
    key: str
    header: str


@dataclass
class Table:
    key: str  # the name the Office template loops over (``{%tr for r in units %}``)
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Cell]] = field(default_factory=list)
    note: str = ""  # where the numbers come from, printed under the table

    def as_lists(self) -> list[list[Cell]]:
        return [[row.get(c.key, "") for c in self.columns] for row in self.rows]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass
class ReportContent:
    title: str
    region_name: str
    period_label: str
    generated_label: str
    summary: list[str]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(key, header) for key, header in pairs)


def pct(value: float | None) -> str:
    """A rate as the 三率 page prints it (``87.5%``; empty when there is no denominator)."""
    return "" if value is None else f"{value * 100:.1f}%"

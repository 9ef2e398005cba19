"""党章 第九条: 6 consecutive months without 组织生活, without 党费 or without assigned work →
the branch considers 自行脱党. This module only **flags** runs for the secretary; removal is a
decision of the 支部大会 with superior approval, never an automatic action."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shegong.lib.partyrules.months import Month, months_between

__all__ = [
    "DEFAULT_LAPSE_POLICY",
    "LapseFlag",
    "LapseKind",
    "LapsePolicy",
    "MonthFacts",
    "lapse_flags",
]


class LapseKind(StrEnum):
    ORG_LIFE = "org_life"
    DUES = "dues"
    WORK = "work"

    @property
    def label(self) -> str:
        return {"org_life": "参加党的组织生活", "dues": "交纳党费", "work": "做党所分配的工作"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class MonthFacts:
    attended: bool = False  # attended at least one 组织生活 that month
    dues_paid: bool = False
    assigned_work: bool = False  # did assigned work that month


@dataclass(frozen=True, slots=True)
class LapsePolicy:
    months: int = 6
    # Design decision: a member who joined after the 1st is not checked for the join month.
    count_partial_join_month: bool = False


DEFAULT_LAPSE_POLICY = LapsePolicy()


@dataclass(frozen=True, slots=True)
class LapseFlag:
    kind: LapseKind
    first: Month
    last: Month
    ongoing: bool  # the run reaches ``through``

    @property
    def months(self) -> int:
        return self.last.index - self.first.index + 1

    @property
    def message(self) -> str:
        return (
            f"连续{self.months}个月未{self.kind.label}（{self.first}至{self.last}），请支部核实原因"
        )


def _attr(kind: LapseKind) -> str:
    return {"org_life": "attended", "dues": "dues_paid", "work": "assigned_work"}[kind.value]


def lapse_flags(
    facts: Mapping[Month, MonthFacts],
    joined: date,
    through: Month,
    policy: LapsePolicy = DEFAULT_LAPSE_POLICY,
) -> list[LapseFlag]:
    """Runs of ≥ ``policy.months`` consecutive months with none of a kind, from the first
    counted month after ``joined`` to ``through`` (normally the last complete month). A month
    missing from ``facts`` has none of any kind. Runs continue across year ends."""
    start = Month.of(joined)
    if joined.day != 1 and not policy.count_partial_join_month:
        start = start.plus(1)
    flags: list[LapseFlag] = []
    empty = MonthFacts()
    for kind in LapseKind:
        name = _attr(kind)
        run_start: Month | None = None
        months = months_between(start, through)
        for month in months:
            if getattr(facts.get(month, empty), name):
                if run_start is not None and month.index - run_start.index >= policy.months:
                    flags.append(LapseFlag(kind, run_start, month.plus(-1), ongoing=False))
                run_start = None
            elif run_start is None:
                run_start = month
        if run_start is not None and through.index - run_start.index + 1 >= policy.months:
            flags.append(LapseFlag(kind, run_start, through, ongoing=True))
    return flags

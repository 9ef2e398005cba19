"""Yearly study hours (学时): ≥ 32 for members, ≥ 56 for 基层党组织书记 and 班子成员.
Source: 《中国共产党党员教育管理工作条例》(2019) and the 全国党员教育培训工作规划; see
``docs/rules/domain-rules.md`` §4.3."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["DEFAULT_STUDY_POLICY", "StudyPolicy", "StudyStatus", "study_status", "yearly_totals"]


@dataclass(frozen=True, slots=True)
class StudyPolicy:
    member_hours: Decimal = Decimal(32)
    leader_hours: Decimal = Decimal(56)  # 书记 and 支委 (班子成员)


DEFAULT_STUDY_POLICY = StudyPolicy()


@dataclass(frozen=True, slots=True)
class StudyStatus:
    year: int
    required: Decimal
    done: Decimal

    @property
    def met(self) -> bool:
        return self.done >= self.required

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.done, Decimal(0))


def yearly_totals(records: Iterable[tuple[date, Decimal]]) -> dict[int, Decimal]:
    """Hours per calendar year from ``(date, hours)`` records (corrections may be negative)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for on, hours in records:
        totals[on.year] += hours
    return dict(totals)


def study_status(
    records: Iterable[tuple[date, Decimal]],
    year: int,
    *,
    leader: bool,
    policy: StudyPolicy = DEFAULT_STUDY_POLICY,
) -> StudyStatus:
    required = policy.leader_hours if leader else policy.member_hours
    return StudyStatus(year, required, yearly_totals(records).get(year, Decimal(0)))

"""Dues status in bulk: ``dues_status(member_ids, through)`` → ``{member_id: ArrearsReport}``
in three queries (members, assessments, payments summed per month) per batch; pass a
queryset of ids for exactly three queries whatever the count. Compliance and the
secretary's page call it; it does not scope (the caller's ids already come from
``visible_to``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from shegong.lib.partyrules.dues import ArrearsReport, DuesPolicy, arrears, first_month_owed
from shegong.lib.partyrules.months import Month, months_between
from shegong.members.choices import MEMBER_STAGES
from shegong.members.models import Member

from ..models import DuesAssessment, DuesPayment
from .common import dues_policy

BATCH = 900  # below SQLite's bound-parameter limit


def owed_months(
    admitted_on: date | None, left_on: date | None, amounts: dict[int, Decimal], through: Month
) -> dict[Month, Decimal]:
    """What a member owes per month up to ``through``: months of assessed years only, from
    the 支部大会 month (D4) and through the month the member left the roll."""
    if not amounts:
        return {}
    start = Month(min(amounts), 1)
    if admitted_on is not None:
        start = max(start, first_month_owed(admitted_on))
    end = through
    if left_on is not None:
        end = min(end, Month.of(left_on))
    return {m: amounts[m.year] for m in months_between(start, end) if m.year in amounts}


def _batches(member_ids: Iterable[int] | QuerySet) -> Iterator[Iterable[int] | QuerySet]:
    if isinstance(member_ids, QuerySet):
        yield member_ids
        return
    ids = sorted(set(member_ids))
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


def dues_status(
    member_ids: Iterable[int] | QuerySet,
    through: Month,
    *,
    policy: DuesPolicy | None = None,
) -> dict[int, ArrearsReport]:
    """``partyrules.dues.arrears`` for each member through ``through`` (payments booked to
    later months — paid ahead — are left out). Members who are not 预备/正式党员 owe
    nothing (an empty report)."""
    policy = policy or dues_policy()
    result: dict[int, ArrearsReport] = {}
    for batch in _batches(member_ids):
        members = list(
            Member.objects.filter(pk__in=batch).values_list("pk", "stage", "admitted_on", "left_on")
        )
        amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for member_id, year, amount in DuesAssessment.objects.filter(
            member_id__in=batch, year__lte=through.year
        ).values_list("member_id", "year", "monthly_amount"):
            amounts[member_id][year] = amount
        paid: dict[int, list[tuple[Month, Decimal]]] = defaultdict(list)
        for row in (
            DuesPayment.objects.filter(member_id__in=batch, month__lte=through.first_day)
            .values("member_id", "month")
            .annotate(total=Sum("amount"))
            .order_by()
        ):
            paid[row["member_id"]].append((Month.of(row["month"]), row["total"]))
        for pk, stage, admitted_on, left_on in members:
            owed = (
                owed_months(admitted_on, left_on, amounts.get(pk, {}), through)
                if stage in MEMBER_STAGES
                else {}
            )
            result[pk] = arrears(owed, paid.get(pk, []), policy=policy)
    return result

"""建议转接: members away ≥ 6 months at a fixed place (党员教育管理工作条例 第二十五条).

A suggestion only — nothing is started automatically. "≥ 6 months" is met on the day
``floating_since + 6 months`` (partyrules D2 month arithmetic, D3 anniversary reading):
away since 2026-01-31 → suggested from 2026-07-31; since 2025-08-31 → from 2026-02-28.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shegong.accounts.models import User
from shegong.lib.partyrules.months import Month, add_months
from shegong.members.models import Member, MemberQuerySet

from .. import policy
from ..choices import OPEN_STATUSES


@dataclass(frozen=True)
class AwaySuggestion:
    member: Member
    away_since: date
    due_on: date  # the day the away period reached the policy's months


def away_due_on(floating_since: date, months: int | None = None) -> date:
    return add_months(floating_since, policy.away_months() if months is None else months)


def away_bound(today: date, months: int) -> date:
    """The latest ``floating_since`` whose ``away_due_on`` is on or before ``today`` (so the
    list filters in SQL): the same day ``months`` earlier, or — when ``today`` is the last
    day of its month — the last day of that earlier month (2025-08-31 is due 2026-02-28)."""
    bound = add_months(today, -months)
    if (today + timedelta(days=1)).day == 1:
        return Month.of(bound).last_day
    return bound


def away_members(user: User, *, today: date, organization_id: int | None = None) -> MemberQuerySet:
    """Members the user can see who are 流动党员 away ≥ the policy's months and have no
    open transfer, oldest first (a queryset: callers paginate)."""
    qs = (
        Member.objects.visible_to(user)
        .party_members()
        .filter(
            is_floating=True,
            floating_since__isnull=False,
            floating_since__lte=away_bound(today, policy.away_months()),
        )
        .exclude(transfers__status__in=OPEN_STATUSES)
        .select_related("organization")
        .order_by("floating_since", "pk")
    )
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    return qs


def suggestion_of(member: Member) -> AwaySuggestion:
    since = member.floating_since
    assert since is not None  # away_members filters on it
    return AwaySuggestion(member=member, away_since=since, due_on=away_due_on(since))


def away_suggestions(
    user: User, *, today: date, organization_id: int | None = None
) -> list[AwaySuggestion]:
    """Every suggestion of :func:`away_members` (for small scopes and tests)."""
    return [
        suggestion_of(m) for m in away_members(user, today=today, organization_id=organization_id)
    ]

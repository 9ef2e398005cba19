"""双报到: in-service party members and unit party organizations report to a community;
progress against the yearly expectations; the report back to the branch and the unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.units.models import Unit
from shegong.volunteers.models import Volunteer

from ..choices import ClaimStatus, OrderStatus, ReportKind
from ..models import Claim, DualReport
from .common import community_in_scope, get_policy

REASONS = {"residence": "居住地报到", "paired": "结对共建报到"}


def report_member(
    *,
    actor: User,
    volunteer_id: int,
    community_id: int,
    member_id: int | None = None,
    home_unit_id: int | None = None,
    unit_name: str = "",
    reason: str = "residence",
    skills_note: str = "",
    reported_on: date | None = None,
) -> DualReport:
    """An in-service party member reports to the community where they live (or that their
    unit is paired with). The member serves as a registered volunteer, so the hours land on
    the volunteer ledger; ``member_id`` links the party-member record when it exists."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能登记双报到")
    if reason not in REASONS:
        raise DomainError("请选择报到依据")
    place = community_in_scope(actor, community_id)
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if volunteer is None:
        raise DomainError("志愿者不存在，请先登记为志愿者")
    member = None
    organization = None
    if member_id is not None:
        member = Member.objects.select_related("organization").filter(pk=member_id).first()
        if member is None or not member.on_roll or not member.is_party_member:
            raise DomainError("党员档案不存在或不在册")
        organization = member.organization
    home_unit = Unit.objects.filter(pk=home_unit_id).first() if home_unit_id else None
    if home_unit_id and home_unit is None:
        raise DomainError("工作单位不存在")
    today = reported_on or timezone.localdate()
    try:
        with transaction.atomic():
            report = DualReport.objects.create(
                kind=ReportKind.MEMBER,
                community=place,
                volunteer=volunteer,
                member=member,
                organization=organization,
                home_unit=home_unit,
                unit_name=(unit_name or (home_unit.name if home_unit else ""))[:100],
                reason=reason,
                skills_note=skills_note.strip()[:200],
                reported_on=today,
                created_by=actor,
            )
            if not volunteer.party_member or (home_unit and volunteer.report_unit_id is None):
                Volunteer.objects.filter(pk=volunteer.pk).update(
                    party_member=True, report_unit=home_unit or volunteer.report_unit
                )
            audit.record(
                "dual_report_registered",
                actor=actor,
                target=report,
                changes={"kind": report.kind, "community": place.code, "reason": REASONS[reason]},
            )
    except IntegrityError:
        raise DomainError("该党员已向这个社区报到") from None
    return report


def report_organization(
    *,
    actor: User,
    organization_id: int,
    community_id: int,
    home_unit_id: int | None = None,
    reason: str = "paired",
    skills_note: str = "",
    reported_on: date | None = None,
) -> DualReport:
    """A 机关/企事业单位 party organization reports to a community (paired service)."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能登记双报到")
    if reason not in REASONS:
        raise DomainError("请选择报到依据")
    place = community_in_scope(actor, community_id)
    organization = PartyOrganization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise DomainError("党组织不存在")
    home_unit = Unit.objects.filter(pk=home_unit_id).first() if home_unit_id else None
    try:
        with transaction.atomic():
            report = DualReport.objects.create(
                kind=ReportKind.ORGANIZATION,
                community=place,
                organization=organization,
                home_unit=home_unit,
                unit_name=(home_unit.name if home_unit else organization.name)[:100],
                reason=reason,
                skills_note=skills_note.strip()[:200],
                reported_on=reported_on or timezone.localdate(),
                created_by=actor,
            )
            audit.record(
                "dual_report_registered",
                actor=actor,
                target=report,
                changes={"kind": report.kind, "community": place.code, "reason": REASONS[reason]},
            )
    except IntegrityError:
        raise DomainError("该党组织已向这个社区报到") from None
    return report


def end_report(*, actor: User, report_id: int, on: date | None = None) -> DualReport:
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能登记双报到")
    with transaction.atomic():
        report = (
            DualReport.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=report_id, ended_on=None)
            .first()
        )
        if report is None:
            raise DomainError("报到记录不存在或已结束")
        report.ended_on = on or timezone.localdate()
        report.save(update_fields=["ended_on"])
        audit.record("dual_report_ended", actor=actor, target=report)
    return report


@dataclass(frozen=True)
class Progress:
    report: DualReport
    hours: Decimal
    services: int
    expected_hours: Decimal
    expected_services: int

    @property
    def met(self) -> bool:
        return self.hours >= self.expected_hours and self.services >= self.expected_services


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def progress(reports: list[DualReport], year: int) -> list[Progress]:
    """Each report's hours and completed services in ``year`` (by check-out date, counted
    from the claims of confirmed orders) against the policy's yearly expectation."""
    policy = get_policy()
    start, end = year_range(year)
    done = (
        Claim.objects.filter(
            report__in=[r.pk for r in reports],
            status=ClaimStatus.OUT,
            order__status=OrderStatus.CONFIRMED,
            checked_out_at__date__gte=start,
            checked_out_at__date__lte=end,
        )
        .values("report_id")
        .annotate(hours=Sum("hours"), services=Count("id"))
    )
    by_report: dict[int, tuple[Decimal, int]] = {
        row["report_id"]: (Decimal(row["hours"] or 0), int(row["services"] or 0)) for row in done
    }
    unit_orders = _unit_services(reports, start, end)
    result = []
    for report in reports:
        if report.kind == ReportKind.ORGANIZATION:
            hours, services = unit_orders.get(report.pk, (Decimal(0), 0))
            expected_h, expected_s = Decimal(0), policy.unit_services_per_year
        else:
            hours, services = by_report.get(report.pk, (Decimal(0), 0))
            expected_h, expected_s = policy.member_hours_per_year, policy.member_services_per_year
        result.append(Progress(report, hours, services, expected_h, expected_s))
    return result


def _unit_services(
    reports: list[DualReport], start: date, end: date
) -> dict[int, tuple[Decimal, int]]:
    """A unit's service: its members' (same home unit, same community) confirmed claims."""
    result: dict[int, tuple[Decimal, int]] = {}
    for report in reports:
        if report.kind != ReportKind.ORGANIZATION or report.home_unit_id is None:
            continue
        row = Claim.objects.filter(
            Q(report__home_unit_id=report.home_unit_id)
            & Q(order__community_id=report.community_id),
            status=ClaimStatus.OUT,
            order__status=OrderStatus.CONFIRMED,
            checked_out_at__date__gte=start,
            checked_out_at__date__lte=end,
        ).aggregate(hours=Sum("hours"), orders=Count("order", distinct=True))
        result[report.pk] = (Decimal(row["hours"] or 0), int(row["orders"] or 0))
    return result

"""Credentials through the services: first registration within a year of passing,
re-registration only inside the window and with the period's hours, hours per period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from shegong.core.audit import AuditEvent
from shegong.core.exceptions import DomainError
from shegong.talent.models import Credential, HoursRecord
from shegong.talent.services import credentials

from .conftest import TalentKit, at


@time_machine.travel(at(2026, 12, 1), tick=False)
def test_first_registration_after_a_year_is_refused(kit: TalentKit) -> None:
    with pytest.raises(DomainError, match="首次登记应在"):
        credentials.add_credential(
            actor=kit.world.dept_admin,
            person_id=kit.worker.pk,
            level="assistant",
            number="A-1",
            passed_on=date(2024, 6, 22),
            registered_on=date(2025, 6, 23),
        )


@time_machine.travel(at(2026, 12, 1), tick=False)
def test_first_registration_on_the_last_day_sets_three_years(kit: TalentKit) -> None:
    c = credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level="assistant",
        number="A-1",
        passed_on=date(2024, 6, 22),
        registered_on=date(2025, 6, 22),
    )
    assert c.valid_until == date(2028, 6, 21)


def _registered(kit: TalentKit, level: str = "assistant") -> Credential:
    return credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level=level,
        number="A-9",
        passed_on=date(2023, 6, 1),
        registered_on=date(2024, 1, 15),
    )


@time_machine.travel(at(2026, 10, 14), tick=False)
def test_renewal_before_the_window_is_refused(kit: TalentKit) -> None:
    c = _registered(kit)
    with pytest.raises(DomainError, match="再登记应在有效期满前3个月内"):
        credentials.renew(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 10, 14))


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_renewal_without_hours_is_refused(kit: TalentKit) -> None:
    c = _registered(kit)
    with pytest.raises(DomainError, match="学时不足"):
        credentials.renew(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 10, 15))


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_renewal_with_hours_continues_the_period(kit: TalentKit) -> None:
    c = _registered(kit)
    credentials.add_hours(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        hours=72,
        studied_on=date(2025, 3, 1),
        title="督导培训",
        evidence="结业证书",
    )
    renewed = credentials.renew(
        actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 10, 15)
    )
    assert (renewed.period_start, renewed.valid_until) == (date(2027, 1, 15), date(2030, 1, 14))


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_renewal_is_audited(kit: TalentKit) -> None:
    c = _registered(kit)
    credentials.credit_degree(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        completed_on=date(2025, 7, 1),
        evidence="毕业证书",
    )
    credentials.renew(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 10, 15))
    assert AuditEvent.objects.filter(action="talent_credential_renewed").count() == 1


@time_machine.travel(at(2027, 1, 20), tick=False)
def test_hours_on_the_period_boundary(kit: TalentKit) -> None:
    c = _registered(kit)
    for day in (date(2027, 1, 14), date(2027, 1, 15)):
        credentials.add_hours(
            actor=kit.world.dept_admin,
            person_id=kit.worker.pk,
            hours=10,
            studied_on=day,
            title="课程",
            evidence="证明",
        )
    assert credentials.period_progress(c).earned == 10.0


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_intermediate_needs_ninety_hours(kit: TalentKit) -> None:
    c = _registered(kit, level="intermediate")
    credentials.add_hours(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        hours=72,
        studied_on=date(2025, 3, 1),
        title="课程",
        evidence="证明",
    )
    assert credentials.period_progress(c).met is False


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_degree_counts_ninety_hours_once(kit: TalentKit) -> None:
    credentials.credit_degree(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        completed_on=date(2025, 7, 1),
        evidence="毕业证书",
    )
    with pytest.raises(DomainError, match="已折算"):
        credentials.credit_degree(
            actor=kit.world.dept_admin,
            person_id=kit.worker.pk,
            completed_on=date(2025, 7, 1),
            evidence="毕业证书",
        )
    credited = HoursRecord.objects.filter(person=kit.worker).aggregate(total=Sum("hours"))
    assert credited["total"] == Decimal("90.0")


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_status_turns_green_when_hours_are_met(kit: TalentKit) -> None:
    c = _registered(kit)
    red = credentials.status_of(c).ready
    credentials.add_hours(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        hours=72,
        studied_on=date(2026, 3, 1),
        title="课程",
        evidence="证明",
    )
    assert (red, credentials.status_of(c).ready) == (False, True)


@time_machine.travel(at(2026, 10, 15), tick=False)
def test_street_staff_cannot_add_a_credential_out_of_scope(kit: TalentKit) -> None:
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        credentials.add_credential(
            actor=kit.world.street_south,
            person_id=kit.worker.pk,
            level="assistant",
            number="A-2",
            passed_on=date(2026, 1, 1),
        )


def test_reminder_is_sent_once_per_period(kit: TalentKit) -> None:
    from shegong.core.models import SmsMessage
    from shegong.talent.services.reminders import send_reminders

    with time_machine.travel(at(2026, 10, 20), tick=False):
        _registered(kit)
        first = send_reminders()
        second = send_reminders()
    assert (first, second, SmsMessage.objects.filter(purpose="人才证书提醒").count()) == (1, 0, 1)


def test_no_reminder_before_the_horizon(kit: TalentKit) -> None:
    from shegong.talent.services.reminders import send_reminders

    with time_machine.travel(at(2026, 10, 15), tick=False):  # expiry 2027-01-14 is 91 days on
        _registered(kit)
        assert send_reminders() == 0

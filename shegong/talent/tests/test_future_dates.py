"""A registration, a re-registration or a completed degree dated after today is refused in
Chinese: a first registration of an 其他证书 (no first-registration deadline) on
9999-12-31 put the period's end past the calendar (a 500), and one dated next month made
the certificate look registered today."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent.models import Credential, HoursRecord
from shegong.talent.services import credentials

from .conftest import ClientFor, TalentKit, at


def _credential(kit: TalentKit, level: str = "other") -> Credential:
    return credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level=level,
        number="Q-1",
        passed_on=date(2026, 3, 1),
        title="心理咨询师",
    )


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_first_registration_far_in_the_future_is_refused_over_http(
    kit: TalentKit, client_for: ClientFor
) -> None:
    c = _credential(kit)
    client = client_for(kit.world.dept_admin)
    client.raise_request_exception = False
    response = client.post(
        f"/talent/people/{kit.worker.pk}/credentials/{c.pk}/register/",
        {"on": "9999-12-31", "first": "1"},
    )
    body = response.content.decode()
    assert (response.status_code, "登记日期不能晚于今天" in body, "9999-12-31" in body) == (
        200,
        True,
        True,
    )


@pytest.mark.parametrize("level", ["assistant", "other"])
@time_machine.travel(at(2026, 10, 20), tick=False)
def test_first_registration_after_today_is_refused(kit: TalentKit, level: str) -> None:
    c = _credential(kit, level)
    with pytest.raises(DomainError, match="登记日期不能晚于今天"):
        credentials.register(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 11, 2))
    assert Credential.objects.get(pk=c.pk).period_start is None


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_first_registration_today_is_accepted(kit: TalentKit) -> None:
    c = _credential(kit, "assistant")
    credentials.register(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 10, 20))
    assert Credential.objects.get(pk=c.pk).valid_until == date(2029, 10, 19)


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_renewal_after_today_is_refused(kit: TalentKit) -> None:
    c = _credential(kit, "assistant")
    Credential.objects.filter(pk=c.pk).update(
        period_start=date(2023, 12, 1), valid_until=date(2026, 11, 30)
    )
    HoursRecord.objects.create(
        person=kit.worker, source="manual", hours=80, studied_on=date(2025, 1, 1), title="课"
    )
    with pytest.raises(DomainError, match="登记日期不能晚于今天"):
        credentials.renew(actor=kit.world.dept_admin, credential_id=c.pk, on=date(2026, 11, 10))
    assert Credential.objects.get(pk=c.pk).valid_until == date(2026, 11, 30)


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_a_degree_completed_after_today_is_refused(kit: TalentKit) -> None:
    with pytest.raises(DomainError, match="不能晚于今天"):
        credentials.credit_degree(
            actor=kit.world.dept_admin,
            person_id=kit.worker.pk,
            completed_on=date(2027, 6, 30),
            evidence="学位证 123",
        )


@time_machine.travel(at(2026, 9, 1), tick=False)
def test_a_posting_assessed_after_today_is_refused(kit: TalentKit) -> None:
    """The closing assessment's date is the study date of the hours it credits: a date after
    today credited hours in a future period."""
    from shegong.talent.services import training

    p = training.start_posting(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="sink",
        host_unit_id=kit.world.street_unit_n.pk,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 8, 31),
    )
    with pytest.raises(DomainError, match="鉴定日期不能晚于今天"):
        training.close_posting(
            actor=kit.world.street_north,
            posting_id=p.pk,
            assessment="表现良好",
            on=date(2029, 12, 31),
            hours=8,
        )
    assert HoursRecord.objects.filter(person=kit.worker).count() == 0

"""The cockpit panel counts only what the viewer may see and equals a direct query; the
person's own API (enrol, check in with the QR token)."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from shegong.core.panels import CockpitQuery, panel
from shegong.core.scoping import ScopedUser
from shegong.talent.models import Person
from shegong.talent.services import credentials, training

from .conftest import TalentKit, at


def _certified(kit: TalentKit, user: ScopedUser) -> float:
    provider = panel("talent")
    assert provider is not None
    today = timezone.localdate()
    figures = provider.figures(CockpitQuery(user=user, start=today, end=today))
    kpi = next(f for f in figures if f.key == "talent.certified")
    return kpi.series[0].points[0].value


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_panel_certified_rate_equals_the_direct_query(kit: TalentKit) -> None:
    credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level="assistant",
        number="K-1",
        passed_on=date(2025, 1, 10),
        registered_on=date(2025, 3, 1),
    )
    today = timezone.localdate()
    held = (
        Person.objects.filter(
            left_on=None, credentials__period_start__lte=today, credentials__valid_until__gte=today
        )
        .distinct()
        .count()
    )
    expected = round(held * 100 / Person.objects.filter(left_on=None).count(), 1)
    assert _certified(kit, kit.world.dept_admin) == expected


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_panel_is_scoped(kit: TalentKit) -> None:
    credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level="assistant",
        number="K-1",
        passed_on=date(2025, 1, 10),
        registered_on=date(2025, 3, 1),
    )
    assert (_certified(kit, kit.world.street_north), _certified(kit, kit.world.street_south)) == (
        50.0,
        0.0,
    )


def test_me_api_enrols_and_checks_in(kit: TalentKit, client_for) -> None:
    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        now = timezone.now()
        klass = training.create_class(
            actor=kit.world.street_north,
            title="专题培训",
            kind="topic",
            unit_id=kit.world.street_unit_n.pk,
            region_id=kit.world.north.pk,
            starts_at=now,
            ends_at=now + timedelta(hours=4),
            capacity=5,
            hours=4,
        )
        client = client_for(kit.sw_user)
        enrolled = client.post(f"/api/talent/me/classes/{klass.pk}/enrol")
        checked = client.post(
            "/api/talent/me/checkin",
            {"token": training.class_token(klass.pk)},
            content_type="application/json",
        )
        me = client.get("/api/talent/me").json()
    assert (enrolled.status_code, checked.json()["hours"], me["id"]) == (201, 4.0, kit.worker.pk)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_panel_hours_note_reads_the_policy(kit: TalentKit) -> None:
    from shegong.talent.models import TalentPolicy

    TalentPolicy.objects.filter(pk=TalentPolicy.current().pk).update(hours_assistant=60)
    provider = panel("talent")
    assert provider is not None
    today = timezone.localdate()
    figures = provider.figures(CockpitQuery(user=kit.world.dept_admin, start=today, end=today))
    note = next(f for f in figures if f.key == "talent.hours").note
    assert "助理60学时" in note

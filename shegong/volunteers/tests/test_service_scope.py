"""Services refuse to touch volunteers and units outside the actor's jurisdiction (a
forged form or API call must not reach them), and say so without leaking existence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.volunteers import services
from shegong.volunteers.models import HoursEntry, Membership, Signup, Team, Volunteer
from shegong.volunteers.services.transfer import HOURS_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def south_v(kit: Any) -> Any:
    v = kit.volunteer(actor=kit.vm_south, region=kit.world.south_one)
    assert not Volunteer.objects.visible_to(kit.vm_north).filter(pk=v.pk).exists()
    return v


def _unchanged(v: Any) -> None:
    v.refresh_from_db()
    assert v.total_hours == 0
    assert v.ledger_seq == 0
    assert not HoursEntry.objects.filter(volunteer=v).exists()
    assert not Membership.objects.filter(volunteer=v).exists()
    assert not Signup.objects.filter(volunteer=v).exists()


def test_north_cannot_record_hours_for_a_southern_volunteer(kit: Any, south_v: Any) -> None:
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.record_hours(
            actor=kit.vm_north,
            volunteer_id=south_v.pk,
            hours=Decimal("11"),
            service_date=timezone.localdate(),
            title="x",
            organizer="y",
            region_id=kit.world.north_one.pk,
        )
    _unchanged(south_v)


def test_north_cannot_import_hours_for_a_southern_volunteer(kit: Any, south_v: Any) -> None:
    day = (timezone.localdate() - timezone.timedelta(days=2)).isoformat()
    row = dict(
        zip(
            HOURS_COLUMNS,
            [south_v.number, day, "敬老院探访", "", "3", "339901001001", "北一社区", "补录", ""],
            strict=False,
        )
    )
    report = services.import_hours(actor=kit.vm_north, rows=[(2, row)], commit=True)
    assert not report.committed
    (error,) = report.errors
    assert error.message == f"志愿者编号 {south_v.number} 不存在或不在您的管辖范围"
    # the same words for a number that does not exist at all
    row["志愿者编号"] = "ZY-NOPE"
    other = services.import_hours(actor=kit.vm_north, rows=[(2, row)], commit=False)
    assert other.errors[0].message == "志愿者编号 ZY-NOPE 不存在或不在您的管辖范围"
    _unchanged(south_v)


def test_north_cannot_add_a_southern_volunteer_to_its_team(kit: Any, south_v: Any) -> None:
    team = kit.team()
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.add_member(actor=kit.vm_north, team_id=team.pk, volunteer_id=south_v.pk)
    _unchanged(south_v)
    assert not Volunteer.objects.visible_to(kit.vm_north).filter(pk=south_v.pk).exists()


def test_north_cannot_sign_up_a_southern_volunteer(kit: Any, south_v: Any) -> None:
    slot = kit.activity().slots.get()
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.sign_up(actor=kit.vm_north, volunteer_id=south_v.pk, slot_id=slot.pk)
    _unchanged(south_v)
    # the volunteer signing themselves up on the portal still works
    assert services.sign_up(volunteer_id=south_v.pk, slot_id=slot.pk).pk


def test_team_cannot_be_linked_to_a_unit_outside_scope(kit: Any) -> None:
    before = AuditEvent.objects.filter(action="volunteer_team_created").count()
    with pytest.raises(DomainError, match="挂靠单位不存在或不在您的管辖范围内"):
        services.create_team(
            actor=kit.vm_north,
            name="越界队伍",
            region_id=kit.world.north_one.pk,
            unit_id=kit.world.street_unit_s.pk,
        )
    assert not Team.objects.filter(name="越界队伍").exists()
    assert AuditEvent.objects.filter(action="volunteer_team_created").count() == before
    # its own street unit is fine
    assert kit.team().unit_id == kit.world.street_unit_n.pk


def test_north_cannot_attach_hours_to_a_southern_team(kit: Any) -> None:
    v = kit.volunteer()
    south_team = kit.team(
        actor=kit.vm_south, region=kit.world.south_one, unit=kit.world.street_unit_s
    )
    base = {
        "actor": kit.vm_north,
        "volunteer_id": v.pk,
        "hours": Decimal("2"),
        "service_date": timezone.localdate(),
        "title": "x",
        "organizer": "y",
        "region_id": kit.world.north_one.pk,
    }
    with pytest.raises(DomainError, match="队伍不存在或不在您的管辖范围内"):
        services.record_hours(**base, team_id=south_team.pk)
    _unchanged(v)


def test_a_team_sees_its_members_only_while_they_are_members(kit: Any, south_v: Any) -> None:
    """A southern volunteer who joins a northern team is visible to that team's unit; once
    they leave, the unit no longer sees their record (name, ID, phone, hours)."""
    team = kit.team()
    membership = services.add_member(actor=kit.world.root, team_id=team.pk, volunteer_id=south_v.pk)
    assert Volunteer.objects.visible_to(kit.vm_north).filter(pk=south_v.pk).exists()
    services.remove_member(actor=kit.vm_north, membership_id=membership.pk)
    assert not Volunteer.objects.visible_to(kit.vm_north).filter(pk=south_v.pk).exists()
    assert Volunteer.objects.visible_to(kit.vm_south).filter(pk=south_v.pk).exists()

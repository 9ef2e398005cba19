"""Non-finite and out-of-range hours get a Chinese message, never a server error."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.volunteers import services
from shegong.volunteers.models import HoursEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "sNaN", "0", "-3", "25", "1e30"])
def test_record_hours_service_rejects_bad_numbers(kit: Any, raw: str) -> None:
    v = kit.volunteer()
    with pytest.raises(DomainError, match="服务时长应"):
        services.record_hours(
            actor=kit.vm_north,
            volunteer_id=v.pk,
            hours=Decimal(raw),
            service_date=timezone.localdate(),
            title="t",
            organizer="o",
            region_id=kit.world.north_one.pk,
        )
    assert not HoursEntry.objects.filter(volunteer=v).exists()


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", "abc", "99"])
def test_record_hours_view_answers_in_chinese(kit: Any, client: Any, raw: str) -> None:
    v = kit.volunteer()
    client.force_login(kit.vm_north)
    client.raise_request_exception = False
    response = client.post(
        f"/volunteers/{v.pk}/hours/",
        {
            "hours": raw,
            "service_date": timezone.localdate().isoformat(),
            "region": kit.world.north_one.pk,
            "title": "t",
            "organizer": "o",
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "时长" in body
    assert not HoursEntry.objects.filter(volunteer=v).exists()


def test_confirm_hours_rejects_nan(kit: Any) -> None:
    activity = kit.activity(hours=2)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    services.manager_check(
        actor=kit.vm_north, signup_id=signup.pk, at=slot.starts_at, now=slot.starts_at
    )
    services.manager_check(
        actor=kit.vm_north, signup_id=signup.pk, at=slot.ends_at, now=slot.ends_at
    )
    for raw in ("NaN", "Infinity"):
        with pytest.raises(DomainError, match="服务时长应"):
            services.confirm_hours(
                actor=kit.vm_north, signup_id=signup.pk, hours=Decimal(raw), note="x"
            )
    assert not HoursEntry.objects.filter(volunteer=v).exists()

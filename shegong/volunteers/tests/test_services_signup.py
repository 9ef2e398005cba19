"""Sign-up, minors' rules, capacity, waitlist and cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.models import AuditEvent
from shegong.volunteers import services
from shegong.volunteers.models import Signup, Slot, Volunteer

from .conftest import make_id, make_phone

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock"),  # dated relative to now; see conftest
]


def test_register_validates_id_and_derives_birth_and_gender(kit: Any) -> None:
    with pytest.raises(DomainError, match="身份证号"):
        services.register_volunteer(
            actor=kit.vm_north,
            name="王五",
            id_number="339901199001011230",
            phone=make_phone(),
            region_id=kit.world.north_one.pk,
        )
    v = kit.volunteer(age=40)
    assert v.gender in ("M", "F")
    assert v.number.startswith("ZY")
    assert str(v.id_number).count("*") == 8  # masked by default
    assert AuditEvent.objects.filter(action="volunteer_registered", target_id=str(v.pk)).exists()
    with pytest.raises(DomainError, match="已注册"):
        services.register_volunteer(
            actor=kit.vm_north,
            name="重复",
            id_number=v.id_number.reveal(),
            phone=make_phone(),
            region_id=kit.world.north_one.pk,
        )


def test_minor_needs_guardian_consent_and_min_age(kit: Any) -> None:
    today = timezone.localdate()
    birth = today.replace(year=today.year - 15) - timedelta(days=10)
    with pytest.raises(DomainError, match="监护人"):
        services.register_volunteer(
            actor=kit.vm_north,
            name="小明",
            id_number=make_id(birth),
            phone=make_phone(),
            region_id=kit.world.north_one.pk,
        )
    too_young = today.replace(year=today.year - 12)
    with pytest.raises(DomainError, match="未满14周岁"):
        services.register_volunteer(
            actor=kit.vm_north,
            name="小小",
            id_number=make_id(too_young),
            phone=make_phone(),
            region_id=kit.world.north_one.pk,
            guardian_name="家长",
            guardian_phone="13600001111",
            guardian_consent=True,
        )
    minor = kit.volunteer(age=15)
    assert minor.guardian_consent_at is not None
    assert minor.guardian_name.reveal() == "张家长"


def test_portal_self_registration_needs_verified_phone(kit: Any) -> None:
    with pytest.raises(DomainError, match="验证"):
        services.register_volunteer(
            actor=None,
            name="自助",
            id_number=make_id(timezone.localdate().replace(year=1990)),
            phone=make_phone(),
            region_id=kit.world.north_one.pk,
            source="portal",
        )


def test_staff_cannot_register_outside_scope(kit: Any) -> None:
    with pytest.raises(DomainError, match="管辖范围"):
        kit.volunteer(actor=kit.vm_north, region=kit.world.south_one)
    assert not Volunteer.objects.exists()


def test_minors_are_not_offered_or_accepted_for_risky_or_age_limited_activities(kit: Any) -> None:
    team = kit.team()
    safe = kit.activity(team=team, title="图书整理")
    risky = kit.activity(team=team, title="防汛抢险", risky=True, insurance_confirmed=True)
    adults = kit.activity(team=team, title="夜间巡逻", min_age=18)
    minor = kit.volunteer(age=16)
    adult = kit.volunteer(age=30)
    offered = set(services.offered_activities(minor).values_list("title", flat=True))
    assert offered == {"图书整理"}
    assert set(services.offered_activities(adult).values_list("title", flat=True)) == {
        "图书整理",
        "防汛抢险",
        "夜间巡逻",
    }
    with pytest.raises(DomainError, match="未成年人不能参加"):
        services.sign_up(volunteer_id=minor.pk, slot_id=risky.slots.get().pk)
    with pytest.raises(DomainError, match="年满18周岁"):
        services.sign_up(volunteer_id=minor.pk, slot_id=adults.slots.get().pk)
    assert services.sign_up(volunteer_id=minor.pk, slot_id=safe.slots.get().pk).status == (
        "confirmed"
    )


def test_risky_activity_needs_insurance_before_publishing(kit: Any) -> None:
    activity = kit.activity(risky=True, publish=False)
    with pytest.raises(DomainError, match="保险"):
        services.change_activity_status(actor=kit.vm_north, activity_id=activity.pk, to="published")
    with pytest.raises(TransitionNotAllowed):
        services.change_activity_status(actor=kit.vm_north, activity_id=activity.pk, to="closed")


def test_required_skills(kit: Any) -> None:
    activity = kit.activity(skill_names=["急救"])
    plain = kit.volunteer()
    medic = kit.volunteer(skills=("急救",))
    with pytest.raises(DomainError, match="技能"):
        services.sign_up(volunteer_id=plain.pk, slot_id=activity.slots.get().pk)
    assert services.sign_up(volunteer_id=medic.pk, slot_id=activity.slots.get().pk)


def test_capacity_waitlist_and_promotion_on_cancellation(kit: Any) -> None:
    activity = kit.activity(capacity=1)
    slot = activity.slots.get()
    a, b, c = kit.volunteer(), kit.volunteer(), kit.volunteer()
    sa = services.sign_up(volunteer_id=a.pk, slot_id=slot.pk)
    sb = services.sign_up(volunteer_id=b.pk, slot_id=slot.pk)
    sc = services.sign_up(volunteer_id=c.pk, slot_id=slot.pk)
    assert (sa.status, sb.status, sc.status) == ("confirmed", "waitlisted", "waitlisted")
    assert services.waitlist_position(sc) == 2
    with pytest.raises(DomainError, match="已报名"):
        services.sign_up(volunteer_id=a.pk, slot_id=slot.pk)
    services.cancel_signup(signup_id=sa.pk, volunteer_id=a.pk)
    sb.refresh_from_db()
    sc.refresh_from_db()
    slot.refresh_from_db()
    assert sb.status == "confirmed"
    assert sb.promoted_at is not None
    assert sc.status == "waitlisted"
    assert slot.taken == 1
    # someone else's sign-up cannot be cancelled from the portal
    with pytest.raises(DomainError):
        services.cancel_signup(signup_id=sb.pk, volunteer_id=c.pk)


def test_late_cancellation_is_recorded(kit: Any) -> None:
    activity = kit.activity(start=timezone.now() + timedelta(hours=5))
    v = kit.volunteer()
    s = services.sign_up(volunteer_id=v.pk, slot_id=activity.slots.get().pk)
    services.cancel_signup(signup_id=s.pk, volunteer_id=v.pk)
    s.refresh_from_db()
    v.refresh_from_db()
    assert s.late_cancel
    assert v.late_cancellations == 1


def test_cannot_cancel_after_start(kit: Any) -> None:
    activity = kit.activity()
    slot = activity.slots.get()
    v = kit.volunteer()
    s = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    with pytest.raises(DomainError, match="已开始"):
        services.cancel_signup(
            signup_id=s.pk, volunteer_id=v.pk, now=slot.starts_at + timedelta(minutes=1)
        )


def test_time_clash_is_refused(kit: Any) -> None:
    team = kit.team()
    start = timezone.now() + timedelta(days=2)
    one = kit.activity(team=team, start=start)
    two = kit.activity(team=team, start=start + timedelta(hours=1), title="另一个")
    v = kit.volunteer()
    services.sign_up(volunteer_id=v.pk, slot_id=one.slots.get().pk)
    with pytest.raises(DomainError, match="冲突"):
        services.sign_up(volunteer_id=v.pk, slot_id=two.slots.get().pk)


def test_cancelling_activity_cancels_signups_and_frees_places(kit: Any) -> None:
    from shegong.core.notify import ConsoleSmsSender

    activity = kit.activity()
    slot = activity.slots.get()
    v = kit.volunteer()
    services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    ConsoleSmsSender.outbox.clear()
    with pytest.raises(DomainError, match="原因"):
        services.change_activity_status(actor=kit.vm_north, activity_id=activity.pk, to="cancelled")
    services.change_activity_status(
        actor=kit.vm_north, activity_id=activity.pk, to="cancelled", reason="天气原因"
    )
    assert not Signup.objects.filter(status="confirmed").exists()
    assert Slot.objects.get(pk=slot.pk).taken == 0


def test_staff_of_other_street_cannot_touch_activity(kit: Any) -> None:
    activity = kit.activity()
    with pytest.raises(DomainError, match="管辖范围"):
        services.change_activity_status(actor=kit.vm_south, activity_id=activity.pk, to="closed")
    activity.refresh_from_db()
    assert activity.status == "published"


def test_service_areas_count_as_near(kit: Any) -> None:
    team = kit.team(actor=kit.world.root, region=kit.world.south_one)
    kit.activity(team=team, actor=kit.world.root, title="南街活动", region=kit.world.south_one)
    kit.activity(title="北街活动")
    v = kit.volunteer()
    assert list(services.offered_activities(v).values_list("title", flat=True)) == [
        "北街活动",
        "南街活动",
    ]
    helper = kit.volunteer(service_region_ids=[kit.world.south.pk])
    offered = services.offered_activities(helper)
    assert {a.title: a.nearness for a in offered} == {"北街活动": 0, "南街活动": 0}

"""The portal's nearby list applies the claim's own rules (``matching.exclusion_reason``):
an order the volunteer may not claim is shown as not claimable, with the claim's Chinese
reason, instead of offering a 认领 button the claim then refuses."""

from __future__ import annotations

import pytest

from shegong.core.exceptions import DomainError
from shegong.serving import services
from shegong.serving.services.portal import nearby_orders
from shegong.volunteers.models import Volunteer

from .test_orders import need
from .test_views import volunteer_client

pytestmark = pytest.mark.django_db

NO_SHOW_REASON = "缺席3次，不安排服务困难群众"


def test_a_volunteer_with_too_many_no_shows_sees_a_vulnerable_order_as_not_claimable(
    world, kit
) -> None:
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    absent = kit.volunteer()
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    absent.refresh_from_db()
    (row,) = nearby_orders(absent)
    assert (row.order.pk, row.blocked) == (order.pk, NO_SHOW_REASON)


def test_the_claim_refuses_with_the_reason_the_list_shows(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    absent = kit.volunteer()
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    with pytest.raises(DomainError) as refused:
        services.claim_order(volunteer_id=absent.pk, order_id=order.pk)
    assert refused.value.message == f"不能认领：{NO_SHOW_REASON}"


def test_an_ordinary_order_stays_claimable_for_the_same_volunteer(world, kit) -> None:
    services.create_need(actor=world.street_north, data=need(world, title="更换楼道灯泡"))
    absent = kit.volunteer()
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    absent.refresh_from_db()
    assert [row.blocked for row in nearby_orders(absent)] == [""]


def test_a_volunteer_at_the_open_claims_limit_sees_the_reason(world, kit) -> None:
    volunteer = kit.volunteer()
    for n in range(3):
        taken = services.create_need(actor=world.street_north, data=need(world, title=f"服务{n}"))
        services.claim_order(volunteer_id=volunteer.pk, order_id=taken.pk)
    services.create_need(actor=world.street_north, data=need(world, title="第四项服务"))
    blocked = {row.order.title: row.blocked for row in nearby_orders(volunteer)}
    assert blocked["第四项服务"] == "已有3项服务未完成"


def test_the_pages_show_the_reason_and_no_claim_button(world, kit) -> None:
    order = services.create_need(
        actor=world.street_north, data=need(world, title="陪同独居老人复查", elderly_alone=True)
    )
    absent = kit.volunteer(phone="13977770031")
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    c = volunteer_client("13977770031")
    listed = c.get("/serving/nearby/").content.decode()
    page = c.get(f"/serving/nearby/{order.pk}/").content.decode()
    assert f"不能认领：{NO_SHOW_REASON}" in listed
    assert f"不能认领：{NO_SHOW_REASON}" in page
    assert 'data-testid="claim"' not in page


# ---- minors when vulnerable_adult_only is off (docs/rules/serving-rules.md) ------------


def _adult_only_off() -> None:
    from shegong.serving.services.common import get_policy

    policy = get_policy()
    policy.vulnerable_adult_only = False
    policy.save()


def test_with_the_switch_off_a_minor_with_consent_claims_a_vulnerable_order(world, kit) -> None:
    _adult_only_off()
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    minor = kit.volunteer(age=16)
    claim = services.claim_order(volunteer_id=minor.pk, order_id=order.pk)
    assert claim.order_id == order.pk


def test_with_the_switch_off_a_minor_without_consent_may_not_claim(world, kit) -> None:
    _adult_only_off()
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    minor = kit.volunteer(age=16)
    Volunteer.objects.filter(pk=minor.pk).update(guardian_consent_at=None)
    with pytest.raises(DomainError, match="未成年人须经监护人同意"):
        services.claim_order(volunteer_id=minor.pk, order_id=order.pk)


def test_a_minor_without_consent_sees_the_reason_in_the_list(world, kit) -> None:
    _adult_only_off()
    services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    minor = kit.volunteer(age=16)
    Volunteer.objects.filter(pk=minor.pk).update(guardian_consent_at=None)
    minor.refresh_from_db()
    assert [row.blocked for row in nearby_orders(minor)] == ["未成年人须经监护人同意"]


def test_with_the_switch_off_a_minor_with_consent_is_suggested(world, kit) -> None:
    _adult_only_off()
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    minor = kit.volunteer(age=16)
    result = services.rank(order)
    assert minor.pk in {s.volunteer_id for s in result.suggestions}

"""Issue 19 should-fixes: a reversed period, the cancel reason, a minor's nearby list, the
open-claims limit under a lock."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

REVERSED = "start=2026-03-01&end=2026-02-01"


def test_api_figures_with_start_after_end_is_refused_in_chinese(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/api/serving/figures?{REVERSED}")
    assert response.status_code == 422
    assert response.json()["detail"] == "开始日期不能晚于结束日期"


def test_figures_page_with_start_after_end_says_so_and_keeps_the_dates(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/serving/figures/?{REVERSED}")
    body = response.content.decode()
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in body
    assert 'value="2026-03-01"' in body
    assert 'value="2026-02-01"' in body


def test_figures_export_with_start_after_end_is_refused(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/serving/figures/?{REVERSED}&export=1")
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_a_cancel_reason_over_500_characters_is_refused(world) -> None:
    from shegong.core.exceptions import DomainError
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need

    order = services.create_need(actor=world.street_north, data=need(world))
    with pytest.raises(DomainError, match="取消原因不能超过500个字"):
        services.cancel_order(actor=world.street_north, order_id=order.pk, reason="因" * 501)
    order.refresh_from_db()
    assert order.status == "open"
    services.cancel_order(actor=world.street_north, order_id=order.pk, reason="因" * 500)
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_a_refused_cancel_shows_the_page_again_with_the_reason(world, kit, client_for) -> None:
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need

    from .conftest import at

    order = services.create_need(actor=world.street_north, data=need(world))
    volunteer = kit.volunteer()
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    services.scan(
        volunteer_id=volunteer.pk,
        token=services.checkin_token(order.pk),
        now=at(2026, 3, 5, 8, 55),
    )
    response = client_for(world.street_north).post(
        f"/serving/orders/{order.pk}/cancel/", {"reason": "居民临时外出，改日再约"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "已有志愿者签到" in body
    assert 'value="居民临时外出，改日再约"' in body
    order.refresh_from_db()
    assert order.status == "full"


def test_a_too_long_cancel_reason_on_the_page_is_refused_and_kept(world, client_for) -> None:
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need

    order = services.create_need(actor=world.street_north, data=need(world))
    reason = "因" * 501
    response = client_for(world.street_north).post(
        f"/serving/orders/{order.pk}/cancel/", {"reason": reason}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "取消原因不能超过500个字" in body
    assert reason in body
    assert 'maxlength="500"' in body
    order.refresh_from_db()
    assert order.status == "open"


def test_cancelling_a_cancelled_order_on_the_page_says_why(world, client_for) -> None:
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need

    order = services.create_need(actor=world.street_north, data=need(world))
    services.cancel_order(actor=world.street_north, order_id=order.pk, reason="居民已自行解决")
    response = client_for(world.street_north).post(
        f"/serving/orders/{order.pk}/cancel/", {"reason": "重复登记"}
    )
    assert response.status_code == 422
    assert "该服务订单已完成或已取消" in response.content.decode()


@pytest.mark.parametrize("flag", ["elderly_alone", "disabled", "minors"])
def test_a_minor_does_not_see_vulnerable_orders_nearby(world, kit, flag: str) -> None:
    """The nearby list leaves out what the claim would refuse (a minor, a vulnerable
    resident); an adult sees both orders, the minor only the ordinary one."""
    from shegong.serving import services
    from shegong.serving.services.portal import nearby_orders
    from shegong.serving.tests.test_orders import need

    vulnerable = services.create_need(actor=world.street_north, data=need(world, **{flag: True}))
    ordinary = services.create_need(
        actor=world.street_north, data=need(world, title="更换楼道灯泡")
    )
    minor = kit.volunteer(age=16)
    adult = kit.volunteer(age=30)
    assert [n.order.pk for n in nearby_orders(minor)] == [ordinary.pk]
    assert {n.order.pk for n in nearby_orders(adult)} == {vulnerable.pk, ordinary.pk}


def test_a_minor_sees_vulnerable_orders_when_the_policy_allows_it(world, kit) -> None:
    from shegong.serving import services
    from shegong.serving.services.common import get_policy
    from shegong.serving.services.portal import nearby_orders
    from shegong.serving.tests.test_orders import need

    policy = get_policy()
    policy.vulnerable_adult_only = False
    policy.save()
    order = services.create_need(actor=world.street_north, data=need(world, elderly_alone=True))
    minor = kit.volunteer(age=16)
    assert [n.order.pk for n in nearby_orders(minor)] == [order.pk]


def test_the_nearby_page_of_a_minor_leaves_out_a_vulnerable_order(world, kit) -> None:
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need
    from shegong.serving.tests.test_views import volunteer_client

    order = services.create_need(
        actor=world.street_north, data=need(world, title="陪同残疾人复查", disabled=True)
    )
    kit.volunteer(age=16, phone="13977770016")
    c = volunteer_client("13977770016")
    assert "陪同残疾人复查" not in c.get("/serving/nearby/").content.decode()
    assert c.get(f"/serving/nearby/{order.pk}/").status_code == 404

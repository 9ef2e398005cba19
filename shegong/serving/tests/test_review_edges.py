"""Second review: rules at their edges (hours inside the window, far-future windows,
over-long text) and bad input on the pages and API answered in Chinese."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.appeals.choices import AppealKind, AppealStatus, Channel, WorkOrderRole
from shegong.appeals.services import anonymise
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.appeals.services.merge import merge_appeals
from shegong.core.exceptions import DomainError
from shegong.core.pii import plain
from shegong.serving import services
from shegong.serving.choices import ClaimStatus

from .conftest import at

if TYPE_CHECKING:
    from conftest import World
    from shegong.appeals.models import Appeal
    from shegong.volunteers.tests.conftest import Kit

pytestmark = pytest.mark.django_db


def need(world: World, **extra: object) -> services.NeedData:
    data = services.NeedData(
        title="陪同独居老人就医",
        community_id=world.north_one.pk,
        address="北一社区5号楼",
        starts_at=at(2026, 3, 5, 9),
        ends_at=at(2026, 3, 5, 12),
    )
    for name, value in extra.items():
        setattr(data, name, value)
    return data


def test_hours_count_only_the_overlap_with_the_service_window(world: World, kit: Kit) -> None:
    """Checked out in the late margin after a 9–12 window: 3 hours, not the margin too."""
    order = services.create_need(actor=world.street_north, data=need(world))
    volunteer = kit.volunteer()
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 12, 50))
    claim = order.claims.get()
    assert (claim.status, claim.hours) == (ClaimStatus.OUT, Decimal("3.00"))


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (at(2027, 6, 1, 9), at(2027, 6, 1, 12)),  # more than a year ahead
        (at(2026, 3, 5, 9), at(2028, 3, 5, 12)),  # a window of two years
        (at(9999, 12, 30, 9), at(9999, 12, 31, 23, 59)),  # the calendar's end
    ],
)
def test_a_far_future_or_endless_window_is_refused(world: World, starts, ends) -> None:
    with pytest.raises(DomainError, match="一年"):
        services.create_need(
            actor=world.street_north, data=need(world, starts_at=starts, ends_at=ends)
        )


def test_the_page_refuses_a_far_future_window_in_chinese_keeping_the_input(
    world: World, client_for
) -> None:
    response = client_for(world.street_north).post(
        "/serving/orders/new/",
        {
            "kind": "wish",
            "title": "修理水龙头",
            "community": world.north_one.pk,
            "address": "北一社区3号楼",
            "starts_at": "9999-12-30T09:00",
            "ends_at": "9999-12-31T23:59",
            "people_needed": "1",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "一年" in body
    assert "修理水龙头" in body


def test_api_refuses_a_far_future_window_in_chinese(world: World, client_for) -> None:
    response = client_for(world.street_north).post(
        "/api/serving/orders",
        data=json.dumps(
            {
                "title": "陪同就医",
                "community_id": world.north_one.pk,
                "address": "1号楼",
                "starts_at": "9999-12-30T09:00:00",
                "ends_at": "9999-12-31T23:59:00",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code in (400, 409, 422)
    assert "一年" in response.json()["detail"]


def test_an_over_long_description_is_refused_in_chinese(world: World) -> None:
    with pytest.raises(DomainError, match="详细说明"):
        services.create_need(actor=world.street_north, data=need(world, description="很" * 5000))


def test_the_appeal_is_not_replied_around_an_open_service_order(
    world: World, signed_appeal: Appeal
) -> None:
    """The lead unit's ordinary reply (the appeals page) waits for the appeal's open service
    orders too — not only the reply with the service's evidence."""
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world)
    )
    lead = signed_appeal.work_orders.get(role=WorkOrderRole.LEAD)
    with pytest.raises(DomainError, match="未完成的服务订单"):
        wf.reply_order(actor=world.street_north, order_id=lead.pk, text="已联系社区安排志愿者")
    services.cancel_order(actor=world.street_north, order_id=order.pk, reason="居民已自行解决")
    wf.reply_order(actor=world.street_north, order_id=lead.pk, text="居民已自行解决，答复办结")
    signed_appeal.refresh_from_db()
    assert signed_appeal.status == AppealStatus.REPLIED


def test_an_appeal_with_an_open_service_order_is_not_merged_away(
    world: World, signed_appeal: Appeal
) -> None:
    """Merging cancels the appeal's work orders; its open service order would be left on a
    cancelled work order that can never be replied — refused until the order is cancelled."""
    other, _code = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title="独居老人就医无人陪同",
            body="北一社区5号楼独居老人下周复查需要陪同，家属不在本地。",
            region_id=world.north_one.pk,
            name="王阿姨",
            phone="13912345670",
        ),
    )
    services.convert_appeal(actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world))
    with pytest.raises(DomainError, match="未完成的服务订单"):
        merge_appeals(
            actor=world.dispatcher,
            lead_id=other.pk,
            duplicate_ids=[signed_appeal.pk],
            reason="同一老人同一事项",
        )
    signed_appeal.refresh_from_db()
    assert signed_appeal.status == AppealStatus.DISPATCHED


def test_an_anonymised_appeal_takes_the_residents_data_off_its_service_order(
    world: World, kit: Kit, signed_appeal: Appeal
) -> None:
    """Conversion copied the petitioner's name and phone onto the order; when the appeal is
    anonymised after its retention period, the order's copy goes too and its texts lose the
    name (appeals.hooks.appeal_anonymised)."""
    order = services.convert_appeal(
        actor=world.dispatcher,
        appeal_id=signed_appeal.pk,
        data=need(world, description="李大爷腿脚不便，电话13912345678"),
    )
    volunteer = kit.volunteer()
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 11, 20))
    services.submit_report(
        volunteer_id=volunteer.pk, order_id=order.pk, text="陪同李大爷完成复查并送回家中"
    )
    with time_machine.travel(at(2026, 3, 5, 12), tick=False):
        services.confirm_by_resident(order_id=order.pk, phone="13912345678")
        services.reply_appeal(actor=world.street_north, order_id=order.pk)
        services.close_with_service(actor=world.dispatcher, order_id=order.pk)
    anonymise.anonymise_due(now=at(2032, 6, 1, 4), years=5)
    signed_appeal.refresh_from_db()
    assert signed_appeal.anonymised_at is not None
    order.refresh_from_db()
    assert (plain(order.resident_name), plain(order.resident_phone)) == ("", "")
    assert order.resident_phone_bidx == ""
    texts = order.title + order.description + order.report
    assert [w for w in ("李大爷", "13912345678") if w in texts] == []
    assert "复查" in order.report


BIG = "99999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        "/serving/?start=0001-01-01&end=9999-12-31",
        "/serving/figures/?start=0001-01-01&end=9999-12-31",
        "/serving/figures/?start=0001-01-01&end=9999-12-31&export=1",
        "/api/serving/figures?start=0001-01-01&end=9999-12-31",
    ],
)
def test_the_calendars_ends_as_a_period_are_no_server_error(
    world: World, client_for, url: str
) -> None:
    assert client_for(world.street_north).get(url).status_code == 200


@pytest.mark.parametrize("bad", [{"community": BIG}, {"skills": BIG}, {"skills": "²"}])
def test_an_impossible_id_in_the_need_form_is_refused_in_chinese(
    world: World, client_for, bad: dict[str, str]
) -> None:
    form = {
        "kind": "wish",
        "title": "修理水龙头",
        "community": world.north_one.pk,
        "address": "北一社区3号楼",
        "starts_at": "2026-03-05T09:00",
        "ends_at": "2026-03-05T10:00",
        "people_needed": "1",
    }
    response = client_for(world.street_north).post("/serving/orders/new/", {**form, **bad})
    assert response.status_code == 422
    body = response.content.decode()
    assert "修理水龙头" in body
    assert "请选择" in body


def test_an_order_from_an_appeal_shows_the_petitioner_only_to_who_may_see_identity(
    world: World, client_for, signed_appeal: Appeal
) -> None:
    """The order page follows appeals' identity rule for the petitioner copied at
    conversion: a leader (服务订单 in scope, no 诉求人身份) sees neither the masked name nor
    the masked phone; the street staff who may see identity do."""
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world)
    )
    url = f"/serving/orders/{order.pk}/"
    hidden = client_for(world.users["leader"]).get(url)
    assert hidden.status_code == 200
    body = hidden.content.decode()
    assert "139****5678" not in body
    assert "李*" not in body
    assert "诉求人身份" in body
    shown = client_for(world.street_north).get(url).content.decode()
    assert "139****5678" in shown


def test_an_order_someone_has_checked_in_to_is_not_cancelled(world: World, kit: Kit) -> None:
    """Cancelling would leave the checked-in volunteer's hours nowhere: refused; the
    community confirms (or the volunteer checks out) instead."""
    order = services.create_need(actor=world.street_north, data=need(world))
    volunteer = kit.volunteer()
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    services.scan(
        volunteer_id=volunteer.pk,
        token=services.checkin_token(order.pk),
        now=at(2026, 3, 5, 8, 55),
    )
    with pytest.raises(DomainError, match="已有志愿者签到"):
        services.cancel_order(actor=world.street_north, order_id=order.pk, reason="居民临时外出")


@pytest.mark.parametrize("flag", ["elderly_alone", "disabled", "minors"])
def test_a_minor_is_not_assigned_to_a_vulnerable_resident_by_page_or_api(
    world: World, kit: Kit, client_for, flag: str
) -> None:
    """The exclusion holds on the staff paths too: the order page's 指派 and the API's
    assign refuse a minor (with the guardian's consent) in Chinese, and no claim is made."""
    minor = kit.volunteer(age=16)
    order = services.create_need(actor=world.street_north, data=need(world, **{flag: True}))
    c = client_for(world.street_north)
    page = c.post(f"/serving/orders/{order.pk}/assign/", {"volunteer": minor.pk}, follow=True)
    assert "未成年人不承担" in page.content.decode()
    api = c.post(
        f"/api/serving/orders/{order.pk}/assign",
        data=json.dumps({"volunteer_id": minor.pk}),
        content_type="application/json",
    )
    assert api.status_code in (400, 409, 422)
    assert "未成年人不承担" in api.json()["detail"]
    assert not order.claims.exists()


def test_confirmation_waits_for_a_volunteer_still_checked_in(world: World, kit: Kit) -> None:
    """A volunteer checked in and not yet out would keep an open claim for ever (it counts
    towards the workload limit) and lose the hours: the confirmation waits while they can
    still check out; once the check-out margin is over it goes ahead and their claim ends
    without hours."""
    order = services.create_need(actor=world.street_north, data=need(world, people_needed=2))
    done, still_in = kit.volunteer(), kit.volunteer()
    token = services.checkin_token(order.pk)
    for volunteer in (done, still_in):
        services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
        services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=done.pk, token=token, now=at(2026, 3, 5, 11, 20))
    with (
        time_machine.travel(at(2026, 3, 5, 11, 30), tick=False),
        pytest.raises(DomainError, match="未签退"),
    ):
        services.confirm_by_community(actor=world.street_north, order_id=order.pk)
    with time_machine.travel(at(2026, 3, 5, 14, 30), tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=order.pk)
    claims = {c.volunteer_id: c for c in order.claims.all()}
    assert claims[done.pk].status == ClaimStatus.OUT
    assert (claims[still_in.pk].status, claims[still_in.pk].hours) == (ClaimStatus.CANCELLED, None)

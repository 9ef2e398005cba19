"""The order page's staff tools: the audited reveal of the resident's phone (reason
required, scope 404, role 403, the appeal's identity rule) and the photo upload form (CSRF,
size bound, content sniffing, Chinese errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shegong.core.models import AuditEvent
from shegong.serving import services
from shegong.serving.models import OrderPhoto

from .conftest import NOW
from .test_orders import need

if TYPE_CHECKING:
    from conftest import World
    from shegong.appeals.models import Appeal
    from shegong.serving.models import ServiceOrder

pytestmark = pytest.mark.django_db

PHONE = "13912340000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


@pytest.fixture
def order(world: World) -> ServiceOrder:
    return services.create_need(
        actor=world.street_north, data=need(world, resident_name="王阿姨", resident_phone=PHONE)
    )


def contact_url(order: ServiceOrder) -> str:
    return f"/serving/orders/{order.pk}/contact/"


def photo_url(order: ServiceOrder) -> str:
    return f"/serving/orders/{order.pk}/photos/"


# --- the resident's phone -------------------------------------------------------------------


def test_the_page_masks_the_phone_and_offers_the_reveal(world, client_for, order) -> None:
    page = client_for(world.street_north).get(f"/serving/orders/{order.pk}/").content.decode()
    assert ("139****0000" in page, PHONE in page, contact_url(order) in page) == (
        True,
        False,
        True,
    )


def test_a_reveal_with_a_reason_shows_the_phone_and_is_audited(world, client_for, order) -> None:
    response = client_for(world.street_north).post(contact_url(order), {"reason": "联系上门时间"})
    assert (response.status_code, PHONE in response.content.decode()) == (200, True)
    event = AuditEvent.objects.get(action="pii_revealed")
    assert (event.actor_id, event.target_id, event.changes, event.note) == (
        world.street_north.pk,
        str(order.pk),
        {"field": "resident_phone"},
        "联系上门时间",
    )


def test_a_reveal_without_a_reason_is_refused_in_chinese(world, client_for, order) -> None:
    response = client_for(world.street_north).post(contact_url(order), {"reason": " "})
    body = response.content.decode()
    assert (response.status_code, "请填写查看原因" in body, PHONE in body) == (422, True, False)
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()


def test_out_of_scope_is_404(world, client_for, order) -> None:
    response = client_for(world.street_south).post(contact_url(order), {"reason": "联系居民"})
    assert response.status_code == 404


def test_a_role_that_may_not_see_personal_data_is_403(world, client_for, order) -> None:
    leader = client_for(world.leader)
    assert leader.get(f"/serving/orders/{order.pk}/").status_code == 200  # sees the order
    response = leader.post(contact_url(order), {"reason": "联系居民"})
    assert (response.status_code, PHONE in response.content.decode()) == (403, False)


def test_a_confidential_petitioner_stays_hidden_from_the_street(
    world, client_for, signed_appeal: Appeal
) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    type(signed_appeal).objects.filter(pk=signed_appeal.pk).update(identity_confidential=True)
    street = client_for(world.street_north)
    page = street.get(f"/serving/orders/{order.pk}/").content.decode()
    response = street.post(contact_url(order), {"reason": "联系居民"})
    assert (contact_url(order) in page, response.status_code) == (False, 403)
    revealed = client_for(world.dispatcher).post(contact_url(order), {"reason": "回访核实"})
    assert "13912345678" in revealed.content.decode()


def test_the_generic_reveal_route_keeps_the_identity_rule(
    world, client_for, signed_appeal: Appeal
) -> None:
    """core's /pii/… route reveals any scoped model's encrypted field: it asks the order too."""
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    type(signed_appeal).objects.filter(pk=signed_appeal.pk).update(identity_confidential=True)
    url = f"/pii/serving.ServiceOrder/{order.pk}/resident_phone/"
    response = client_for(world.street_north).post(url, {"reason": "联系居民"})
    assert (response.status_code, "13912345678" in response.content.decode()) == (403, False)


def test_the_generic_reveal_route_still_reveals_a_wish_phone(world, client_for, order) -> None:
    url = f"/pii/serving.ServiceOrder/{order.pk}/resident_phone/"
    response = client_for(world.street_north).post(url, {"reason": "联系居民"})
    assert (response.status_code, PHONE in response.content.decode()) == (200, True)


# --- photos ---------------------------------------------------------------------------------


def test_the_page_offers_the_upload_form_to_managers_only(world, client_for, order) -> None:
    url = f"/serving/orders/{order.pk}/"
    manager = client_for(world.street_north).get(url).content.decode()
    leader = client_for(world.leader).get(url).content.decode()
    assert ('data-testid="photo-form"' in manager, 'data-testid="photo-form"' in leader) == (
        True,
        False,
    )


def test_a_manager_uploads_a_photo(world, client_for, order) -> None:
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client_for(world.street_north).post(photo_url(order), {"photo": upload})
    assert response.status_code == 302
    photo = OrderPhoto.objects.get(order=order)
    assert (photo.content_type, photo.size, photo.claim_id) == ("image/png", len(PNG), None)
    assert AuditEvent.objects.filter(action="service_photo_added").count() == 1


def test_a_pdf_named_like_a_photo_is_refused(world, client_for, order) -> None:
    upload = SimpleUploadedFile("现场.png", PDF, content_type="image/png")
    response = client_for(world.street_north).post(photo_url(order), {"photo": upload})
    assert (
        response.status_code,
        "只能上传 JPG、PNG 或 WebP 照片" in response.content.decode(),
    ) == (
        422,
        True,
    )
    assert not OrderPhoto.objects.exists()


def test_a_photo_over_10_mb_is_refused(world, client_for, order) -> None:
    big = SimpleUploadedFile(
        "big.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png"
    )
    response = client_for(world.street_north).post(photo_url(order), {"photo": big})
    assert (response.status_code, "照片不能超过 10 MB" in response.content.decode()) == (422, True)
    assert not OrderPhoto.objects.exists()


def test_no_file_is_refused_in_chinese(world, client_for, order) -> None:
    response = client_for(world.street_north).post(photo_url(order), {})
    assert (response.status_code, "请选择照片" in response.content.decode()) == (422, True)


def test_the_upload_needs_the_csrf_token(world, order) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.street_north)
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    assert client.post(photo_url(order), {"photo": upload}).status_code == 403
    assert not OrderPhoto.objects.exists()


def test_upload_scope_404_and_role_403(world, kit, client_for, order) -> None:
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    south = client_for(world.street_south).post(photo_url(order), {"photo": upload})
    upload.seek(0)
    vm = client_for(kit.vm_north).post(photo_url(order), {"photo": upload})
    assert (south.status_code, vm.status_code, OrderPhoto.objects.count()) == (404, 403, 0)


def test_the_service_refuses_a_staff_photo_without_the_manage_role(world, kit, order) -> None:
    from django.core.exceptions import PermissionDenied

    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    with pytest.raises(PermissionDenied):
        services.add_photo(volunteer_id=None, actor=kit.vm_north, order_id=order.pk, upload=upload)

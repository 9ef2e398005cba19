"""What serving registers into lower apps' extension points (see apps.py)."""

from __future__ import annotations

from django.urls import reverse

from shegong.appeals.choices import AppealStatus
from shegong.appeals.hooks import AppealAnonymised, AppealLink, AppealPageLinks
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap
from shegong.lib.anonymise import scrub

from .models import ServiceOrder


def link_orders(page: AppealPageLinks) -> None:
    """The staff appeal page links to the service orders converted from it (those the
    viewer may see), and to the conversion form for those who may convert."""
    orders = ServiceOrder.objects.visible_to(page.user).filter(appeal=page.appeal)
    for order in orders.order_by("pk")[:5]:
        page.links.append(
            AppealLink(
                f"服务订单 {order.number}（{order.get_status_display()}） ›",
                reverse("serving:order", args=[order.pk]),
            )
        )
    if (
        has_capability(page.user, Cap.SERVING_CONVERT)
        and page.appeal.status == AppealStatus.DISPATCHED
    ):
        page.links.append(
            AppealLink("转为志愿服务订单 ›", reverse("serving:convert", args=[page.appeal.pk]))
        )


SCRUBBED_TEXTS = ("title", "description", "address", "report")


def scrub_orders(event: AppealAnonymised) -> None:
    """An anonymised appeal's service orders lose the resident's name and phone copied at
    conversion (the SMS confirmation is long over) and the names and numbers in their
    texts, each cut to its column's length; the service's matter, hours and ledger entries
    stay."""
    for order in ServiceOrder.objects.filter(appeal=event.appeal):
        for name in SCRUBBED_TEXTS:
            text = scrub(getattr(order, name) or "", event.names)
            limit = getattr(ServiceOrder._meta.get_field(name), "max_length", None)
            setattr(order, name, text[:limit] if isinstance(limit, int) else text)
        order.resident_name = ""
        order.resident_phone = ""
        order.save(
            update_fields=[
                *SCRUBBED_TEXTS,
                "resident_name",
                "resident_phone",
                "resident_phone_bidx",
            ]
        )

"""Permission-matrix rows of this app's routes (read by ``shegong/core/tests/routes.py``
and ``route_matrix_table.py``; see the former's notes)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, row, staff

if TYPE_CHECKING:
    from conftest import World

# Who sees service orders (Cap.SERVING_VIEW): everybody on staff but the auditor. The sample
# order is in 北一社区: outside 南街道 (street_south, vm_south) and outside the functional
# units' jurisdiction (the handlers: 404). Who manages (Cap.SERVING_MANAGE): the department
# and the street/community staff. Who converts appeals (Cap.SERVING_CONVERT): street staff,
# dispatchers and handlers; the sample appeal (北一社区, not dispatched) is out of the
# handlers' and 南街道's scope.
_VIEW = ("auditor=403",)
_OUT = "handler_unit_a handler_unit_b street_south vm_south=404"
_MANAGERS = "dept_admin street_north street_south community_north=ok"

PAGES: dict[str, Row] = {
    "serving:orders": staff("ok", *_VIEW),
    "serving:order-new": staff(403, _MANAGERS),
    "serving:order": staff("ok", *_VIEW, _OUT),
    # POST only; refused before the order is loaded when the role lacks the action's
    # capability (the sample action, confirm, is the community's); a manager outside
    # 北一社区 gets 404; a manager in scope is told the order has nobody checked out (302).
    "serving:order-action": staff(
        405, post=staff(403, "dept_admin street_north community_north=ok", "street_south=404")
    ),
    # Staff photo upload: the managers in scope (GET the form; POST without a file: 422).
    "serving:order-photo": staff(
        403,
        "dept_admin street_north community_north=ok",
        "street_south=404",
        post=staff(403, "dept_admin street_north community_north=422", "street_south=404"),
    ),
    # The resident's phone (POST, a reason required: none given, 422) for the roles that may
    # see personal data (pii.reveal) in scope; out of scope 404 before the role is asked;
    # leaders and the branch secretary see the order but not the phone: 403.
    "serving:order-contact": staff(
        405,
        post=staff(
            403,
            "dept_admin dispatcher street_north community_north vm_north=422",
            "handler_unit_a handler_unit_b street_south vm_south=404",
        ),
    ),
    # 补登签退 (POST only): the managers in scope; nothing posted: 422 (the page again).
    "serving:order-checkout": staff(
        405, post=staff(403, "dept_admin street_north community_north=422", "street_south=404")
    ),
    "serving:convert": staff(
        403,
        "dispatcher street_north community_north=ok",
        "handler_unit_a handler_unit_b street_south=404",
    ),
    "serving:photo": staff("ok", *_VIEW, _OUT),
    "serving:reports": staff("ok", *_VIEW),
    "serving:report-new": staff(403, _MANAGERS),
    "serving:report-end": staff(
        405, post=staff(403, "dept_admin street_north community_north=ok", "street_south=404")
    ),
    "serving:report-back": staff("ok", *_VIEW),
    "serving:figures": staff("ok", *_VIEW),
    "serving:policy": staff(403, "dept_admin=ok"),
    # The residents' portal pages are public; asking for an SMS code is POST only.
    "serving:wish": row("ok"),
    "serving:sms-code": row(405, post=row("ok")),
    "serving:confirm": row("ok"),
    # The volunteers' pages need the volunteer portal's sign-in (staff sessions do not count).
    "serving:nearby": row("login", "volunteer=ok"),
    "serving:portal-order": row("login", "volunteer=ok"),
    "serving:checkin": row("login", "volunteer=ok"),
}
_ORDER_READ = staff("ok", *_VIEW, _OUT)
API: dict[str, Row] = {
    "GET /api/serving/orders": staff("ok", *_VIEW),
    "GET /api/serving/orders/{order_id}": _ORDER_READ,
    "GET /api/serving/orders/{order_id}/suggestions": _ORDER_READ,
    # A manager of 南街道 may create orders, but not in 北一社区 (the body's community): 422.
    "POST /api/serving/orders": staff(403, _MANAGERS, "street_south=422"),
    # Assigning the schema's sample volunteer (no such volunteer): 422 for a manager in scope.
    "POST /api/serving/orders/{order_id}/assign": staff(
        403, "dept_admin street_north community_north=422", "street_south=404"
    ),
    "GET /api/serving/reports": staff("ok", *_VIEW),
    "GET /api/serving/figures": staff("ok", *_VIEW),
}


def _pk(key: str) -> Callable[[World, dict[str, object]], dict[str, object]]:
    return lambda w, o: {"pk": getattr(o[key], "pk", 0)}


SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "serving:order": _pk("serving_order"),
    "serving:order-action": lambda w, o: {
        "pk": getattr(o["serving_order"], "pk", 0),
        "action": "confirm",
    },
    "serving:order-photo": _pk("serving_order"),
    "serving:order-contact": _pk("serving_order"),
    "serving:order-checkout": _pk("serving_order"),
    "serving:convert": lambda w, o: {"appeal_pk": getattr(o["appeal"], "pk", 0)},
    "serving:photo": lambda w, o: {"token": getattr(o["serving_photo"], "token", "")},
    "serving:report-end": _pk("serving_report"),
    "serving:confirm": lambda w, o: {"number": getattr(o["serving_order"], "number", "")},
    "serving:portal-order": _pk("serving_order"),
    "serving:checkin": lambda w, o: {"token": str(o["serving_token"])},
}
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "order_id": lambda w, o: getattr(o["serving_order"], "pk", 0),
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """A 微心愿 in 北一社区 tomorrow morning (by 北街道), with a photo; the portal volunteer
    reported to 北一社区; the order's check-in token."""
    from django.utils import timezone

    from shegong.serving import services

    tomorrow = timezone.localdate() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    order = services.create_need(
        actor=world.street_north,
        data=services.NeedData(
            title="帮独居老人打扫卫生",
            community_id=world.north_one.pk,
            address="北一社区2号楼",
            starts_at=datetime.combine(tomorrow, time(9), tz),
            ends_at=datetime.combine(tomorrow, time(11), tz),
            resident_phone="13912340000",
        ),
    )
    photo = services.add_photo(
        volunteer_id=None, actor=world.street_north, order_id=order.pk, upload=io.BytesIO(PNG)
    )
    report = services.report_member(
        actor=world.street_north,
        volunteer_id=getattr(objects["volunteer"], "pk", 0),
        community_id=world.north_one.pk,
    )
    return {
        "serving_order": order,
        "serving_photo": photo,
        "serving_report": report,
        "serving_token": services.checkin_token(order.pk),
    }


__all__ = ["API", "PAGES", "SAMPLES", "objects", "row", "staff"]

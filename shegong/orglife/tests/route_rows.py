"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, row, staff

if TYPE_CHECKING:
    from conftest import World

# Who sees 组织生活 (Cap.ORGLIFE_VIEW): the department, street staff, leaders, secretaries;
# who changes it (Cap.ORGLIFE_MANAGE): the department, street staff, secretaries. The sample
# meeting is in 北一社区, outside 南街道 (street_south: 404).
_NO_VIEW = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
_MANAGE = "dept_admin street_north community_north secretary=ok"
_WRITE = staff(403, _MANAGE, "street_south=404")
_POST_ONLY = staff(
    403, "dept_admin street_north street_south community_north secretary=405", post=_WRITE
)

PAGES: dict[str, Row] = {
    "orglife:meetings": staff("ok", _NO_VIEW),
    "orglife:meeting-new": staff(
        403, "dept_admin street_north street_south community_north secretary=ok"
    ),
    "orglife:meeting": staff("ok", _NO_VIEW, "street_south=404"),
    "orglife:meeting-edit": _WRITE,
    "orglife:meeting-hold": _POST_ONLY,
    "orglife:meeting-cancel": _POST_ONLY,
    "orglife:meeting-minutes": _POST_ONLY,
    "orglife:meeting-attendance": _POST_ONLY,
    "orglife:meeting-resolution": _POST_ONLY,
    "orglife:meeting-grades": _POST_ONLY,
    "orglife:meeting-qr": staff(
        403, _MANAGE, "street_south=404", post=staff(403, "street_south=405")
    ),
    "orglife:photo-add": _POST_ONLY,
    "orglife:photo": staff("ok", _NO_VIEW, "street_south=404", post=staff(405)),
    "orglife:photo-delete": _POST_ONLY,
    "orglife:member": staff("ok", _NO_VIEW, "street_south=404"),
    "orglife:assignment-edit": _WRITE,
    "orglife:assignment-delete": _POST_ONLY,
    # The public page a member's phone opens from the QR code: a code that is not a valid,
    # current one is refused for everybody (410, "签到二维码无效"), signed in or not.
    "orglife:signin": row("410"),
    # Asking for an SMS code: POST only; with an invalid code it answers the Chinese refusal
    # in the status fragment (200) and sends nothing.
    "orglife:signin-sms": row(405, post=row("ok")),
}
API: dict[str, Row] = {
    "GET /api/orglife/meetings": staff("ok", _NO_VIEW),
    "GET /api/orglife/meetings/{meeting_id}": staff("ok", _NO_VIEW, "street_south=404"),
    "GET /api/orglife/meetings/{meeting_id}/attendance": staff("ok", _NO_VIEW, "street_south=404"),
    # street_south may plan meetings, but not for an organization outside its scope (422).
    "POST /api/orglife/meetings": staff(403, _MANAGE, "street_south=422"),
    "POST /api/orglife/meetings/{meeting_id}/hold": _WRITE,
    "POST /api/orglife/meetings/{meeting_id}/cancel": _WRITE,
    "POST /api/orglife/meetings/{meeting_id}/attendance": _WRITE,
    # Sign-in by a linked member account: no persona is a member on the roll, and the sample
    # token is not a current code: 422 with the Chinese reason.
    "POST /api/orglife/signin": staff("422"),
}
# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {}


def _pk(key: str) -> Callable[[World, dict[str, object]], dict[str, object]]:
    return lambda w, o: {"pk": getattr(o[key], "pk", 0)}


def _photo(w: World, o: dict[str, object]) -> dict[str, object]:
    return {
        "pk": getattr(o["orglife_meeting"], "pk", 0),
        "token": getattr(o["orglife_photo"], "token", ""),
    }


for _name in (
    "meeting",
    "meeting-edit",
    "meeting-hold",
    "meeting-cancel",
    "meeting-minutes",
    "meeting-attendance",
    "meeting-resolution",
    "meeting-grades",
    "meeting-qr",
    "photo-add",
):
    SAMPLES[f"orglife:{_name}"] = _pk("orglife_meeting")
SAMPLES["orglife:photo"] = _photo
SAMPLES["orglife:photo-delete"] = _photo
SAMPLES["orglife:member"] = _pk("orglife_member")
SAMPLES["orglife:assignment-edit"] = _pk("orglife_assignment")
SAMPLES["orglife:assignment-delete"] = _pk("orglife_assignment")
SAMPLES["orglife:signin"] = lambda w, o: {"token": "not-a-token"}
SAMPLES["orglife:signin-sms"] = lambda w, o: {"token": "not-a-token"}

# API path parameters of this app (merged into test_route_matrix.py's PATH_PARAMS).
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "meeting_id": lambda w, o: getattr(o["orglife_meeting"], "pk", 0),
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """This app's sample objects (built through its services): a planned 主题党日 today of
    the 北一社区党支部 (sample ``org``) with a photo, a member on its roll (a row: members
    are the members app's) with an assigned work."""
    from django.utils import timezone

    from shegong.lib.validators import id_check_digit
    from shegong.members.models import Member
    from shegong.orglife import services

    org = objects["org"]
    body = "33990119800501" + "9"
    body = body[:17] if len(body) >= 17 else body.ljust(17, "7")
    member = Member.objects.create(
        organization=org,
        name="王组织",
        gender="M",
        id_number=body + id_check_digit(body),
        phone="13977770001",
        stage="full",
        joined_branch_on=date(2020, 1, 1),
    )
    actor = world.dept_admin
    meeting = services.plan_meeting(
        actor=actor,
        organization_id=getattr(org, "pk", 0),
        data=services.MeetingData(
            kind="theme_day",
            title="学习主题党日",
            held_on=timezone.localdate(),
            place="党群服务中心",
        ),
    )
    photo = services.add_photo(
        actor=actor, meeting_id=meeting.pk, upload=io.BytesIO(PNG), name="现场.png"
    )
    assignment = services.create_assignment(
        actor=actor, member_id=member.pk, title="楼栋党员中心户", starts_on=date(2026, 1, 1)
    )
    return {
        "orglife_member": member,
        "orglife_meeting": meeting,
        "orglife_photo": photo,
        "orglife_assignment": assignment,
    }


__all__ = ["API", "PAGES", "SAMPLES", "objects", "row", "staff"]

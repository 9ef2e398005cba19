"""Search over masked text stays in SQL (issue #12 review, item 2).

A viewer who may not see the petitioner's identity searches the masked title and body, so
that a query cannot confirm a masked number. That text is stored on the row
(``Appeal.masked_search_text``) by every path that writes a title or body; the search never
masks rows in Python.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from shegong.appeals.choices import AppealKind, Channel, Stream
from shegong.appeals.models import Appeal
from shegong.appeals.services import identity
from shegong.appeals.services.intake import IntakeData, _prepare, write_batch
from shegong.appeals.services.merge import split_appeal

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
BODY = f"路灯坏了两周，请联系{PHONE}。"
MASKED = "路灯坏了两周，请联系139****5678。"


def stored(appeal_id: int) -> str:
    return Appeal.objects.values_list("masked_search_text", flat=True).get(pk=appeal_id)


def test_search_for_a_hidden_viewer_masks_nothing_in_python(world, make_appeal, monkeypatch):
    inside, _ = make_appeal(body=f"路灯坏了，请联系{PHONE}。")
    readable, _ = make_appeal(body="路灯坏了，编号1391234的灯杆倒了。")
    other, _ = make_appeal(body="路灯坏了，请联系13812345678。")

    def refuse(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("search masked a row in Python")

    monkeypatch.setattr(identity, "masked_text", refuse)
    monkeypatch.setattr(identity, "mask_identifiers", refuse)
    base = Appeal.objects.visible_to(world.leader)
    assert set(identity.search_free_text(base, "1391234", world.leader)) == {readable}
    assert set(identity.search_free_text(base, "139****5678", world.leader)) == {inside}
    by_number = set(identity.search_free_text(base, inside.number.lower(), world.leader))
    assert by_number == {inside}
    # whoever may see the identity searches the stored text
    dispatcher = Appeal.objects.visible_to(world.dispatcher)
    found = set(identity.search_free_text(dispatcher, PHONE, world.dispatcher))
    assert found == {inside}
    assert other not in set(identity.search_free_text(base, "81234", world.leader))


# --- every writer of a title or body fills the masked copy ---------------------------------


def test_staff_service_intake_fills_the_masked_copy(world, make_appeal) -> None:
    appeal, _ = make_appeal(title=f"回电{PHONE}", body=BODY)
    assert stored(appeal.pk) == f"回电139****5678\n{MASKED}"


def test_group_commit_batch_fills_the_masked_copy(world) -> None:
    data = IntakeData(
        kind=AppealKind.HL_COMPLAINT,
        channel=Channel.API,
        title="路灯不亮",
        body=BODY,
        region_id=world.north_one.pk,
        name="李四",
        phone=PHONE,
    )
    item = _prepare(
        actor=None, data=data, idempotency_key=None, now=timezone.now(), proxied=False, region=None
    )
    [(appeal, _code)] = write_batch([item])
    assert stored(appeal.pk) == f"路灯不亮\n{MASKED}"


def test_portal_submit_fills_the_masked_copy(world, settings) -> None:
    settings.SHEGONG_PORTAL_REQUIRE_SMS = False
    cache.clear()
    response = Client().post(
        f"/portal/submit/?stream={Stream.HOTLINE}",
        {
            "action": "submit",
            "stream": Stream.HOTLINE,
            "token": str(uuid.uuid4()),
            "kind": AppealKind.HL_COMPLAINT,
            "title": "小区路灯不亮",
            "body": BODY,
            "district": str(world.district.pk),
            "street": str(world.north.pk),
            "community": str(world.north_one.pk),
            "address": "",
            "name": "张小明",
            "phone": PHONE,
            "sms_code": "",
            "id_number": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    assert stored(Appeal.objects.get(title="小区路灯不亮").pk) == f"小区路灯不亮\n{MASKED}"


def test_open311_submit_fills_the_masked_copy(world) -> None:
    cache.clear()
    response = Client().post(
        "/open311/v2/requests.json",
        data=json.dumps(
            {
                "service_code": "hl_help",
                "description": BODY,
                "attribute": {"title": "路灯求助", "region_code": world.north_one.code},
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content.decode()[:1000]
    appeal = Appeal.objects.get(number=response.json()[0]["service_request_id"])
    assert stored(appeal.pk) == f"路灯求助\n{MASKED}"


def test_staff_registration_page_fills_the_masked_copy(world, client_for) -> None:
    response = client_for(world.street_north).post(
        "/appeals/new/",
        {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": "phone",
            "urgency": "normal",
            "title": "楼道堆物",
            "body": BODY,
            "region": [world.north.pk, world.north_one.pk],
            "name": "赵六",
            "phone": "13700005555",
            "submission_id": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    assert stored(Appeal.objects.get(title="楼道堆物").pk) == f"楼道堆物\n{MASKED}"


def test_api_create_fills_the_masked_copy(world, client_for) -> None:
    response = client_for(world.dispatcher).post(
        "/api/appeals",
        {
            "kind": "hl_help",
            "title": "独居老人求助",
            "body": BODY,
            "region_id": world.north_one.pk,
            "name": "赵六",
            "phone": "13600003333",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content.decode()[:1000]
    assert stored(response.json()["id"]) == f"独居老人求助\n{MASKED}"


def test_split_children_fill_the_masked_copy(world, make_appeal) -> None:
    parent, _ = make_appeal(body="路灯坏了，另外楼道堆物也没人管。")
    children = split_appeal(
        actor=world.dispatcher,
        appeal_id=parent.pk,
        parts=[
            {"title": "路灯坏了", "body": BODY},
            {"title": "楼道堆物", "body": "楼道堆物没人管，电话13812345678。"},
        ],
    )
    assert [stored(c.pk) for c in children] == [
        f"路灯坏了\n{MASKED}",
        "楼道堆物\n楼道堆物没人管，电话138****5678。",
    ]


def test_saving_a_new_body_refreshes_the_masked_copy(world, make_appeal) -> None:
    appeal, _ = make_appeal(body="路灯坏了两周。")
    appeal.body = BODY
    appeal.save(update_fields=["body"])
    assert stored(appeal.pk) == f"小区路灯不亮\n{MASKED}"


def test_migration_fills_rows_stored_before_the_column(world, make_appeal) -> None:
    import importlib

    migration = importlib.import_module("shegong.appeals.migrations.0012_appeal_masked_search_text")
    rows = [make_appeal(body=f"{BODY}{i}")[0] for i in range(3)]
    Appeal.objects.update(masked_search_text="")
    migration.BATCH = 2  # more than one batch
    migration.fill(apps, None)
    assert [stored(a.pk) for a in rows] == [f"小区路灯不亮\n{MASKED}{i}" for i in range(3)]

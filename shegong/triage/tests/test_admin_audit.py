"""Routing rules edited in Django admin are audited like every other change (issue 16 item 3)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from conftest import World
from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.triage.models import RoutingRule

URL = "/admin/triage/routingrule/"
ClientFor = Callable[..., Client]


def _form(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category_l1": "城乡建设",
        "category_l2": "",
        "region": "",
        "unit": world.unit_a.pk,
        "priority": 5,
        "is_active": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_a_rule_added_in_admin_is_audited(world: World, client_for: ClientFor) -> None:
    client_for(world.dept_admin).post(f"{URL}add/", _form(world))
    rule = RoutingRule.objects.get()
    event = AuditEvent.objects.get(action="admin_row_added")
    assert (event.target_type, event.target_id, event.actor_id) == (
        "triage.routingrule",
        str(rule.pk),
        world.dept_admin.pk,
    )


def test_a_rule_changed_in_admin_records_the_diff(world: World, client_for: ClientFor) -> None:
    rule = RoutingRule.objects.create(category_l1="城乡建设", unit=world.unit_a, priority=5)
    client_for(world.dept_admin).post(f"{URL}{rule.pk}/change/", _form(world, priority=9))
    event = AuditEvent.objects.get(action="admin_row_changed")
    assert event.changes == {"priority": [5, 9]}


def test_a_rule_deleted_in_admin_is_audited(world: World, client_for: ClientFor) -> None:
    rule = RoutingRule.objects.create(category_l1="城乡建设", unit=world.unit_a, priority=5)
    client_for(world.dept_admin).post(f"{URL}{rule.pk}/delete/", {"post": "yes"})
    event = AuditEvent.objects.get(action="admin_row_deleted")
    assert (event.target_id, event.changes["category_l1"]) == (str(rule.pk), ["城乡建设", None])


def test_admin_edits_keep_the_chain_whole(world: World, client_for: ClientFor) -> None:
    client_for(world.dept_admin).post(f"{URL}add/", _form(world))
    assert verify_chain(save=False).ok

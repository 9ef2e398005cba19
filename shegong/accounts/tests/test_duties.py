"""Issue 16 item 8: separation of duties (三员分立) — system, security and audit
administrators are distinct roles that cannot grant themselves or each other's powers;
every permission change is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from conftest import PASSWORD
from shegong.accounts import services
from shegong.core.models import AuditEvent
from shegong.core.roles import ADMIN_ROLES, ROLE_CAPABILITIES, Cap, Role

pytestmark = pytest.mark.django_db

DUTIES = {
    Role.SYSTEM_ADMIN: {Cap.REGIONS_MANAGE, Cap.UNITS_MANAGE, Cap.DOCUMENTS_MANAGE},
    Role.SECURITY_ADMIN: {Cap.ACCOUNTS_MANAGE},
    Role.AUDITOR: {Cap.AUDIT_VIEW},
}


@pytest.mark.parametrize("role", sorted(DUTIES))
def test_no_administrator_holds_another_administrators_duty(role: str) -> None:
    others = set().union(*(caps for r, caps in DUTIES.items() if r != role))
    assert not ROLE_CAPABILITIES[role] & others


def test_the_three_administrators_are_distinct_roles() -> None:
    assert {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR} == ADMIN_ROLES


def make(world, username: str, role: str):
    return services.create_user(
        actor=world.root,
        username=username,
        full_name=username,
        role=role,
        password=PASSWORD,
        region_id=world.city.pk,
    )


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES | {Role.DEPT_ADMIN}))
def test_the_security_administrator_cannot_grant_an_administrator_role(world, role) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=security, user_id=world.leader.pk, role=role)


def test_the_security_administrator_cannot_raise_their_own_role(world) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=security, user_id=security.pk, role=Role.HANDLER)


def test_nobody_changes_their_own_jurisdiction(world) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=security, user_id=security.pk, region_id=world.north.pk)


def test_the_security_administrator_cannot_change_another_administrator(world) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    system = make(world, "sys", Role.SYSTEM_ADMIN)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=security, user_id=system.pk, full_name="改名")


def test_the_security_administrator_cannot_reset_an_auditors_password(world) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.reset_password(
            actor=security, user_id=world.auditor.pk, new_password="Temp@Pass2026"
        )


def test_an_administrator_does_not_reset_their_own_password_through_user_management(
    world,
) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.reset_password(actor=security, user_id=security.pk, new_password="Other@Pass1x")


def test_the_security_administrator_manages_ordinary_accounts(world) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    services.update_user(actor=security, user_id=world.leader.pk, role=Role.HANDLER)
    event = AuditEvent.objects.get(action="user_role_changed", target_id=str(world.leader.pk))
    assert event.changes["role"] == [Role.LEADER, Role.HANDLER]


def test_the_system_administrator_cannot_manage_accounts(world) -> None:
    system = make(world, "sys", Role.SYSTEM_ADMIN)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=system, user_id=world.leader.pk, role=Role.HANDLER)


def test_the_auditor_cannot_manage_accounts(world) -> None:
    with pytest.raises(PermissionDenied):
        services.update_user(actor=world.auditor, user_id=world.leader.pk, role=Role.HANDLER)


@pytest.mark.parametrize(
    ("field", "value_of"),
    [("is_active", lambda w: False), ("region_id", lambda w: w.north.pk)],
)
def test_every_permission_change_is_audited(world, field, value_of) -> None:
    services.update_user(actor=world.root, user_id=world.leader.pk, **{field: value_of(world)})
    assert (
        AuditEvent.objects.filter(target_id=str(world.leader.pk))
        .filter(action__in=["user_changed", "user_role_changed"])
        .exists()
    )


def test_the_edit_page_refuses_a_change_of_ones_own_role(world, client_for) -> None:
    security = make(world, "sec", Role.SECURITY_ADMIN)
    client = client_for(security)
    client.post(
        f"/accounts/users/{security.pk}/edit/",
        {"full_name": "sec", "role": Role.HANDLER, "region_code": "339900", "is_active": "on"},
    )
    security.refresh_from_db()
    assert security.role == Role.SECURITY_ADMIN


def test_accounts_cannot_be_edited_in_django_admin_around_the_audit() -> None:
    from django.contrib import admin

    from shegong.accounts.models import User

    assert not admin.site.is_registered(User)

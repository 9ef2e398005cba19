from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from conftest import PASSWORD
from shegong.accounts import services
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_capability_set_and_admin_roles_are_separated() -> None:
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    assert Cap.AUDIT_VIEW not in ROLE_CAPABILITIES[Role.DEPT_ADMIN]
    assert not {Cap.ACCOUNTS_MANAGE, Cap.REGIONS_MANAGE} & ROLE_CAPABILITIES[Role.AUDITOR]


def test_admin_can_grant_only_within_own_scope(world) -> None:
    user = services.create_user(
        actor=world.dept_admin,
        username="new_handler",
        full_name="新人",
        role=Role.HANDLER,
        password=PASSWORD,
        unit_id=world.unit_b.pk,
    )
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="user_created", target_id=str(user.pk)).exists()
    admin = world.dept_admin
    admin.region = world.district_b
    admin.unit = None
    admin.save()
    admin = User.objects.get(pk=admin.pk)
    with pytest.raises(DomainError, match="超出您的管辖范围"):
        services.create_user(
            actor=admin,
            username="x1",
            full_name="x",
            role=Role.STREET_STAFF,
            password=PASSWORD,
            region_id=world.north.pk,
        )


def test_only_superuser_mints_admins_and_auditors(world) -> None:
    for role in (Role.DEPT_ADMIN, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            services.create_user(
                actor=world.dept_admin,
                username=f"x_{role}",
                full_name="x",
                role=role,
                password=PASSWORD,
                region_id=world.city.pk,
            )
        with pytest.raises(PermissionDenied):
            services.update_user(actor=world.dept_admin, user_id=world.leader.pk, role=role)
    with pytest.raises(PermissionDenied):
        services.update_user(actor=world.dept_admin, user_id=world.auditor.pk, is_active=False)


def test_weak_passwords_and_bad_phones_are_refused_in_chinese(world) -> None:
    with pytest.raises(DomainError, match="至少三类"):
        services.create_user(
            actor=world.dept_admin,
            username="weak",
            full_name="弱",
            role=Role.HANDLER,
            password="abcdefghij",
            unit_id=world.unit_a.pk,
        )
    with pytest.raises(DomainError, match="11位手机号码"):
        services.create_user(
            actor=world.dept_admin,
            username="ph",
            full_name="x",
            role=Role.HANDLER,
            password=PASSWORD,
            unit_id=world.unit_a.pk,
            phone="12345",
        )
    assert not User.objects.filter(username__in=["weak", "ph"]).exists()


def test_role_change_is_audited_with_before_and_after(world) -> None:
    services.update_user(
        actor=world.dept_admin, user_id=world.street_north.pk, role=Role.DISPATCHER
    )
    event = AuditEvent.objects.filter(action="user_role_changed").latest("seq")
    assert event.changes["role"] == [Role.STREET_STAFF, Role.DISPATCHER]


def test_out_of_scope_user_cannot_be_changed(world) -> None:
    with pytest.raises(PermissionDenied):
        services.update_user(actor=world.street_north, user_id=world.street_south.pk, full_name="x")
    admin = world.dept_admin
    admin.region = world.district_b
    admin.unit = None
    admin.save()
    admin = User.objects.get(pk=admin.pk)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.update_user(actor=admin, user_id=world.street_south.pk, full_name="x")
    assert User.objects.get(pk=world.street_south.pk).full_name == "street_south"


def test_users_cannot_deactivate_themselves(world) -> None:
    world.root.region = world.city
    world.root.save()
    with pytest.raises(DomainError, match="不能停用自己的账号"):
        services.update_user(actor=world.root, user_id=world.root.pk, is_active=False)


def test_staff_user_is_the_signed_in_user_and_refuses_anonymous(world) -> None:
    from django.contrib.auth.models import AnonymousUser

    from shegong.accounts.models import staff_user

    assert staff_user(world.dispatcher) is world.dispatcher
    with pytest.raises(PermissionDenied):
        staff_user(AnonymousUser())
    with pytest.raises(PermissionDenied):
        staff_user(None)

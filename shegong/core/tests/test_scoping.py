"""The one scope mechanism: each persona sees exactly its jurisdiction, everywhere."""

from __future__ import annotations

import pytest
from django.http import Http404

from conftest import World
from shegong.accounts.models import User
from shegong.core.models import AuditEvent
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_citywide_user_sees_everything(world) -> None:
    assert Region.objects.visible_to(world.dept_admin).count() == Region.objects.count()
    assert Unit.objects.visible_to(world.dispatcher).count() == Unit.objects.count()


def test_street_user_sees_own_subtree_only(world) -> None:
    visible = codes(Region.objects.visible_to(world.street_north))
    assert visible == {"339901001", "339901001001", "339901001002", "339901001001-01"}
    assert codes(Unit.objects.visible_to(world.street_north)) == {"U-SN"}


def test_unit_user_sees_own_unit_not_regions_of_the_city(world) -> None:
    assert codes(Unit.objects.visible_to(world.handler_unit_a)) == {"U-A"}
    assert not Unit.objects.visible_to(world.handler_unit_a).filter(code="U-B").exists()
    # A handler has regions.view but no region: no region rows.
    assert Region.objects.visible_to(world.handler_unit_a).count() == 0


def test_role_without_capability_sees_nothing_even_in_scope(world) -> None:
    # A branch secretary has no units.view capability.
    assert Unit.objects.visible_to(world.secretary).count() == 0
    assert User.objects.visible_to(world.secretary).count() == 0


def test_inactive_and_anonymous_users_see_nothing(world) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert Region.objects.visible_to(AnonymousUser()).count() == 0
    user = world.dept_admin
    user.is_active = False
    assert Region.objects.visible_to(user).count() == 0


def test_users_are_scoped_by_their_region_or_unit(world) -> None:
    seen = set(User.objects.visible_to(world.street_north).values_list("username", flat=True))
    assert seen == {"street_north", "community_north", "secretary"}


def test_out_of_scope_is_404(world) -> None:
    south = Region.objects.get(code="339901002")
    with pytest.raises(Http404):
        get_visible_or_404(Region, world.street_north, pk=south.pk)
    with pytest.raises(Http404):
        get_visible_or_404(Region, world.street_north, pk="not-a-number")


def test_audit_events_are_scoped_by_region_path(world) -> None:
    # A district-level auditor would see only events about that district's objects.
    world.auditor.region = world.district
    world.auditor.__dict__.pop("scope_region_path", None)
    world.auditor.__dict__.pop("has_citywide_scope", None)
    paths = set(AuditEvent.objects.visible_to(world.auditor).values_list("region_path", flat=True))
    assert paths
    assert all(p.startswith(world.district.path) for p in paths)


def test_every_scoped_model_has_a_working_visible_to(world) -> None:
    from django.apps import apps

    for model in apps.get_models():
        if getattr(model, "scope", None) is not None:
            for user in world.users.values():
                model.objects.visible_to(user).count()  # must not raise


def test_signed_in_refuses_anonymous_and_none(world) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from shegong.core.scoping import signed_in

    assert signed_in(world.dispatcher) is world.dispatcher
    with pytest.raises(PermissionDenied):
        signed_in(AnonymousUser())
    with pytest.raises(PermissionDenied):
        signed_in(None)


def test_anonymous_and_inactive_users_see_nothing(world) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Region.objects.visible_to(AnonymousUser()).exists()
    assert not Region.objects.visible_to(None).exists()
    world.dept_admin.is_active = False
    assert not Region.objects.visible_to(world.dept_admin).exists()


def test_get_visible_or_404_on_a_model_without_scope_is_a_programming_error(world) -> None:
    from shegong.core.models import CalendarDay

    with pytest.raises(TypeError):
        get_visible_or_404(CalendarDay, world.dept_admin, pk=1)


@pytest.mark.django_db
def test_a_key_beyond_any_column_is_a_404(world: World) -> None:
    from django.http import Http404

    from shegong.core.scoping import get_visible_or_404
    from shegong.units.models import Unit

    with pytest.raises(Http404):
        get_visible_or_404(Unit, world.dept_admin, pk=2**70)

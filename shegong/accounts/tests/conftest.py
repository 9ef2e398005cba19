"""The accounts tests sign in through the form as the world's people: they have changed the
first password an administrator chose for them (test_first_password.py tests that rule)."""

from __future__ import annotations

import pytest

from conftest import World, build_world


@pytest.fixture
def world(db: None) -> World:
    built = build_world()
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in built.users.values()]).update(
        must_change_password=False
    )
    for user in built.users.values():
        user.must_change_password = False
    return built

"""Policy editing: the statutory adult age is not editable, the registration age is
checked against it, and the (unenforced) recording deadline is not offered for editing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from shegong.core.exceptions import DomainError
from shegong.volunteers import services

pytestmark = pytest.mark.django_db


def test_adult_age_and_record_deadline_are_not_editable(kit: Any) -> None:
    admin = kit.world.dept_admin
    with pytest.raises(DomainError, match="不能修改"):
        services.update_policy(actor=admin, adult_age=16)
    with pytest.raises(DomainError, match="不能修改"):
        services.update_policy(actor=admin, record_deadline_working_days=30)
    policy = services.get_policy()
    assert policy.adult_age == 18
    assert policy.record_deadline_working_days == 10


def test_min_age_is_checked_against_the_stored_adult_age(kit: Any) -> None:
    admin = kit.world.dept_admin
    with pytest.raises(DomainError, match="0到18周岁"):
        services.update_policy(actor=admin, min_age=19)
    with pytest.raises(DomainError, match="0到18周岁"):
        services.update_policy(actor=admin, min_age=-1)
    assert services.update_policy(actor=admin, min_age=16).min_age == 16


def test_policy_page_posts_no_adult_age(kit: Any) -> None:
    c = Client()
    assert c.login(username=kit.world.dept_admin.username, password=PASSWORD)
    page = c.get("/volunteers/policy/").content.decode()
    assert 'name="adult_age"' not in page
    assert 'name="record_deadline_working_days"' not in page
    assert "法定，不可修改" in page
    assert "逾期确认须填写说明" in page

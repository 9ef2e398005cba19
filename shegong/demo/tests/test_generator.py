from __future__ import annotations

import pytest
from django.core.management import call_command

from shegong.accounts.models import User
from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.demo.generator import DEMO_PASSWORD, SIZES, generate, region_rows
from shegong.regions.models import Region
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


def test_small_city_goes_through_the_services_and_is_consistent() -> None:
    # Twenty appeals are enough here (the appeals demo has its own test at full size).
    result = generate("small", log=lambda _m: None, appeals=20)
    size = SIZES["small"]
    expected_regions = 1 + size.districts * (
        1 + size.streets * (1 + size.communities * (1 + size.grids))
    )
    assert result.regions == expected_regions == Region.objects.count()
    assert AuditEvent.objects.filter(action="regions_imported").count() == 1
    assert AuditEvent.objects.filter(action="unit_created").count() == Unit.objects.count()
    assert verify_chain().ok
    # Every path is consistent with its parent, and every unit path too.
    for region in Region.objects.select_related("parent"):
        expected = (region.parent.path if region.parent else "/") + region.code + "/"
        assert region.path == expected
    for unit in Unit.objects.select_related("parent"):
        assert unit.path.endswith(f"/{unit.pk}/")
    # One account per role can log in with the printed password and sees only its scope.
    street = User.objects.get(username="street")
    assert street.check_password(DEMO_PASSWORD)
    assert Region.objects.visible_to(street).count() == 1 + size.communities * (1 + size.grids)
    assert {u.role for u in User.objects.exclude(role="")} >= {
        "dept_admin",
        "dispatcher",
        "handler",
        "street_staff",
        "branch_secretary",
        "volunteer_manager",
        "leader",
        "auditor",
    }


def test_region_rows_have_valid_codes_for_every_size() -> None:
    from shegong.regions.services import LEVEL_NAMES, _check_code

    for name in SIZES:
        rows = region_rows(SIZES[name])
        codes = [row["区划代码"] for _, row in rows]
        assert len(codes) == len(set(codes)), name
        for _, row in rows[:2000]:
            assert _check_code(LEVEL_NAMES[row["层级"]], row["区划代码"]) is None


def test_demo_command_is_idempotent_with_if_empty(capsys) -> None:
    call_command("demo", "--size", "small", "--appeals", "10")
    call_command("demo", "--size", "small", "--if-empty")
    out = capsys.readouterr().out
    assert "演示城市已存在，跳过生成" in out
    assert "dept_admin" in out


def test_small_city_has_confirmed_service_orders_of_the_street() -> None:
    from shegong.serving.choices import OrderStatus
    from shegong.serving.models import ServiceOrder

    generate("small", log=lambda _m: None, appeals=20)
    street = User.objects.get(username="street")
    assert ServiceOrder.objects.visible_to(street).filter(status=OrderStatus.CONFIRMED).exists()

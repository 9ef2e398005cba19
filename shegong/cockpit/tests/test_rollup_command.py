from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core.management import call_command

from shegong.appeals.models import AppealDayStat

from .conftest import MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_rebuild_command_reports_in_chinese(world: World, make_appeal: MakeAppeal) -> None:
    make_appeal(now=at(2026, 3, 2, 9))
    make_appeal(now=at(2026, 3, 3, 9))
    out = StringIO()
    call_command("appeals_rollup", "--rebuild", stdout=out)
    assert (out.getvalue().strip(), AppealDayStat.objects.count()) == (
        "诉求日汇总已全部重算：共 2 行",
        2,
    )

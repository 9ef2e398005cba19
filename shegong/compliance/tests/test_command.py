"""``shegong compliance`` tells the person who runs it what it found, in Chinese."""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

if TYPE_CHECKING:
    from shegong.organizations.models import PartyOrganization

pytestmark = pytest.mark.django_db


def test_the_run_says_how_many_branches_and_findings(branch: PartyOrganization) -> None:
    out = StringIO()
    # A quarter with no meetings: the branch's first full quarter is judged and found wanting.
    call_command("compliance", today="2026-10-15", stdout=out)
    assert out.getvalue().startswith("已检查党支部 1 个：新发现问题 ")


def test_a_bad_date_is_refused_in_chinese(db: None) -> None:
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("compliance", today="2026-13-01")

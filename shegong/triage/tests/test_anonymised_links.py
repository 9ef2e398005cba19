"""An anonymised appeal keeps no triage link to the same person's other appeals
(appeals.hooks.appeal_anonymised → triage.extensions.forget_links; docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import World
from shegong.appeals.models import Appeal
from shegong.appeals.services import anonymise
from shegong.appeals.tests.conftest import at
from shegong.appeals.tests.test_anonymise import NOW, close
from shegong.triage.models import TriageResult
from shegong.triage.services import triage_appeal

pytestmark = pytest.mark.django_db

MakeAppeal = Callable[..., tuple[Appeal, str | None]]


@pytest.fixture
def pair(world: World, make_appeal: MakeAppeal) -> tuple[Appeal, Appeal]:
    """Two appeals of the same caller in March 2020, the second triaged (same person)."""
    first, _ = make_appeal(now=at(2020, 3, 2, 9))
    second, _ = make_appeal(now=at(2020, 3, 3, 9), title="路灯还是不亮")
    triage_appeal(second.pk, now=at(2020, 3, 3, 9, 5))
    close(world, first, at(2020, 3, 2, 9))
    close(world, second, at(2020, 3, 3, 9))
    return first, second


def test_the_same_person_link_is_there_before(pair: tuple[Appeal, Appeal]) -> None:
    first, second = pair
    assert first.pk in TriageResult.objects.get(appeal=second).same_person


def test_the_same_person_link_is_gone_after(pair: tuple[Appeal, Appeal]) -> None:
    _, second = pair
    anonymise.anonymise_due(now=NOW, years=5)
    assert TriageResult.objects.get(appeal=second).same_person == []

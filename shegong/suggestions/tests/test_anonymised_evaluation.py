"""An anonymised suggestion's evaluation loses the names and numbers in its reasons
(appeals.hooks.appeal_anonymised → suggestions.extensions.scrub_evaluation; docs/privacy.md)."""

from __future__ import annotations

import pytest

from conftest import World
from shegong.appeals.services import anonymise
from shegong.suggestions.choices import Outcome
from shegong.suggestions.models import SuggestionEvaluation
from shegong.suggestions.services import evaluation as ev

from .conftest import PHONE, Builder, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(world: World, b: Builder) -> SuggestionEvaluation:
    """A suggestion of 2020, evaluated with reasons that name the citizen, then closed."""
    appeal = b.dispatch(b.suggestion(now=at(2020, 3, 2, 9)), world.unit_a, now=at(2020, 3, 2, 10))
    ev.start_evaluation(actor=world.dispatcher, appeal_id=appeal.pk, now=at(2020, 3, 2, 11))
    result = ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=appeal.pk,
        outcome=Outcome.NOT_ADOPTED,
        reasons=f"已电话（{PHONE}）告知张三：该空地已规划为停车场",
        now=at(2020, 3, 3, 9),
    )
    b.close(appeal, now=at(2020, 3, 4, 9))
    return result


def test_the_reasons_lose_the_name_and_number(evaluated: SuggestionEvaluation) -> None:
    anonymise.anonymise_due(now=at(2026, 12, 7, 4), years=5)
    evaluated.refresh_from_db()
    assert [w for w in ("张三", PHONE) if w in evaluated.reasons] == []


def test_the_reasons_keep_the_matter(evaluated: SuggestionEvaluation) -> None:
    anonymise.anonymise_due(now=at(2026, 12, 7, 4), years=5)
    evaluated.refresh_from_db()
    assert "该空地已规划为停车场" in evaluated.reasons

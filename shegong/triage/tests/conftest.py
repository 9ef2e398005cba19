from __future__ import annotations

from collections.abc import Iterator

import pytest

from shegong.appeals.tests.conftest import make_appeal  # noqa: F401 — shared fixture


@pytest.fixture(autouse=True)
def _fresh_triage_caches() -> Iterator[None]:
    """Primary keys are reused between rolled-back tests: never keep an index, nor a
    ``triage.queued:<id>`` / ``triage.failed:<id>`` mark, across them."""
    from django.core.cache import cache

    from shegong.triage.services import reset_caches

    reset_caches()
    yield
    reset_caches()
    cache.clear()

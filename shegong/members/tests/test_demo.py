"""The members demo: through the services, the secretary's branch has members, every stage
of the path is there, and every history replays through the rules."""

from __future__ import annotations

import pytest

from shegong.demo.appeals import APPEAL_COUNTS
from shegong.demo.generator import generate
from shegong.lib.partyrules.development import stage_of
from shegong.members.models import Member
from shegong.members.services.development import history
from shegong.organizations.models import OrgAdministrator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _small_demo_built(module_db):
    """Built once for the module; each test reads it (its own changes roll back)."""
    with pytest.MonkeyPatch.context() as patch, module_db.unblock():
        patch.setitem(APPEAL_COUNTS, "small", 20)
        return generate("small", log=lambda _m: None)


@pytest.fixture
def small_demo(_small_demo_built, db):
    return _small_demo_built


def test_secretary_branch_has_members_at_every_stage(small_demo) -> None:
    branch = OrgAdministrator.objects.get(user__username="secretary").organization_id
    stages = set(Member.objects.filter(organization_id=branch).values_list("stage", flat=True))
    assert stages >= {"applicant", "activist", "candidate", "probationary", "full"}


def test_every_demo_history_replays_to_its_stage(small_demo) -> None:
    wrong = [
        m.pk
        for m in Member.objects.prefetch_related("development_events")
        if stage_of(history(m, m.development_events.all())).value != m.stage
    ]
    assert wrong == []

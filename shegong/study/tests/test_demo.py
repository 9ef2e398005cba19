"""The study demo generator: through the services, with and without member records."""

from __future__ import annotations

import random
from datetime import date

import pytest
import time_machine

from shegong.demo import party_study
from shegong.organizations.services import orgs
from shegong.study.models import SecretaryReview, StudyRecord, StudySession
from shegong.study.services import secretaries
from shegong.study.testing import make_member

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(world):
    world.root.username = "admin"
    world.root.save(update_fields=["username"])
    made = []
    for i, region in enumerate((world.north_one, world.south_one, world.north_one)):
        org = orgs.create_organization(
            actor=world.root,
            code=f"D-{i}",
            name=f"示范党支部{i}",
            kind="branch",
            region_id=region.pk,
        )
        orgs.add_committee_member(
            actor=world.root,
            org_id=org.pk,
            name=f"书记{i}",
            post="secretary",
            started_on=date(2023, 1, 1),
        )
        made.append(org)
    for org in made[:2]:  # the third branch has no member records
        for n in range(4):
            make_member(org, name=f"党员{n}")
    with time_machine.travel(at(2026, 6, 10), tick=False):
        party_study.generate("small", rng=random.Random(3), log=lambda _m: None)
        yield made


def test_the_demo_makes_sessions_for_every_branch(demo):
    with_sessions = set(StudySession.objects.values_list("organization_id", flat=True))
    assert {o.pk for o in demo} <= with_sessions


def test_the_demo_branch_without_members_has_no_member_records(demo):
    assert not StudyRecord.objects.filter(member__organization=demo[2]).exists()


def test_the_demo_leaves_a_branch_without_a_secretary(demo, world):
    assert secretaries.lacking_secretary(world.dept_admin).filter(pk__in=[o.pk for o in demo])


def test_the_demo_records_department_sessions(demo):
    assert StudySession.objects.filter(organization__isnull=True).exists()


def test_the_demo_reviews_last_year(demo):
    assert set(SecretaryReview.objects.values_list("year", flat=True)) == {2025}


def test_an_administered_branch_is_in_the_sample_however_small(world, monkeypatch):
    """Whoever logs in as the demo's secretary finds their branch's study, at any size."""
    world.root.username = "admin"
    world.root.save(update_fields=["username"])
    made = [
        orgs.create_organization(
            actor=world.root,
            code=f"S-{i}",
            name=f"抽样党支部{i}",
            kind="branch",
            region_id=world.north_one.pk,
        )
        for i in range(12)
    ]
    orgs.set_org_administrator(actor=world.root, org_id=made[4].pk, user_id=world.dept_admin.pk)
    monkeypatch.setitem(party_study.BRANCHES, "small", 1)
    with time_machine.travel(at(2026, 6, 10), tick=False):
        party_study.generate("small", rng=random.Random(3), log=lambda _m: None)
    assert StudySession.objects.filter(organization=made[4]).exists()

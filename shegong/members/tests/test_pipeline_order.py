"""The 发展党员 page orders by the stored nearest deadline (``Member.next_due_on``) in SQL,
before paginating; the services keep the stored value in step with the history."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from shegong.members.choices import EventKind
from shegong.members.models import Member
from shegong.members.services.development import StepInput, record_step
from shegong.members.services.people import MemberInput, update_member
from shegong.organizations.services import orgs

pytestmark = pytest.mark.django_db
PINNED = time_machine.travel("2026-06-30 10:00 +0800", tick=False)


def _step(actor, member, kind: str, on: date, **kw):
    return record_step(actor=actor, member_id=member.pk, step=StepInput(kind=kind, on=on, **kw))


def _stored(member: Member) -> tuple[date | None, str]:
    member.refresh_from_db()
    return member.next_due_on, member.next_due_code


@pytest.fixture
def crowd(world, party, make_member) -> dict:
    """60 applicants due soon in one branch, and one overdue applicant, created last, in a
    branch whose path sorts after theirs. Paths are made of ids, and ids of a different
    number of digits sort the other way as text ('/1000/' < '/997/'), so of two new branches
    the one that sorts first by path takes the 60."""
    with PINNED:
        branches = sorted(
            (
                orgs.create_organization(
                    actor=world.root,
                    code=f"N-B{n}",
                    name=f"测试N-B{n}",
                    kind="branch",
                    region_id=world.north_one.pk,
                    parent_id=party.committee.pk,
                )
                for n in (8, 9)
            ),
            key=lambda org: str(org.path),
        )
        early_branch, late_branch = branches
        for _ in range(60):
            make_member(early_branch, "applicant", applied_on=date(2026, 6, 1))
        late = make_member(late_branch, "applicant", applied_on=date(2026, 1, 5))
    return {"late": late, "late_branch": late_branch, "early_branch": early_branch}


@PINNED
def test_the_overdue_branch_sorts_last_by_path(crowd: dict) -> None:
    # the precondition of the next test: ordered by path, the overdue person is on page 2
    assert str(crowd["late_branch"].path) > str(crowd["early_branch"].path)


@PINNED
def test_the_earliest_deadline_is_first_on_page_one(world, client_for, crowd: dict) -> None:
    response = client_for(world.root).get("/members/development/")
    assert response.context["rows"][0].member.pk == crowd["late"].pk


@PINNED
def test_page_one_holds_fifty_rows(world, client_for, crowd: dict) -> None:
    response = client_for(world.root).get("/members/development/")
    assert len(response.context["rows"]) == 50


@PINNED
def test_the_overdue_row_shows_its_days_left(world, client_for, crowd: dict) -> None:
    response = client_for(world.root).get("/members/development/")
    assert response.context["rows"][0].next.days_left == (date(2026, 2, 5) - date(2026, 6, 30)).days


@pytest.fixture
def sponsor(party, make_member) -> Member:
    with PINNED:
        return make_member(party.branch)


@pytest.fixture
def applicant(party, make_member) -> Member:
    with PINNED:
        return make_member(party.branch, "applicant", applied_on=date(2026, 5, 4))


@PINNED
def test_an_entered_applicant_stores_the_talk_deadline(applicant: Member) -> None:
    assert _stored(applicant) == (date(2026, 6, 4), "talk")


@PINNED
def test_recording_the_talk_clears_the_deadline(world, applicant: Member) -> None:
    _step(world.secretary, applicant, EventKind.TALK, date(2026, 5, 20))
    assert _stored(applicant) == (None, "")


@PINNED
def test_confirming_the_activist_stores_the_assessment(
    world, applicant: Member, sponsor: Member
) -> None:
    _step(world.secretary, applicant, EventKind.TALK, date(2026, 5, 20))
    _step(
        world.secretary,
        applicant,
        EventKind.CONFIRM_ACTIVIST,
        date(2026, 6, 10),
        people_ids=[sponsor.pk],
    )
    assert _stored(applicant) == (date(2026, 12, 10), "assessment")


@PINNED
def test_a_roster_probationary_member_stores_the_end_of_probation(party, make_member) -> None:
    person = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 10))
    assert _stored(person) == (date(2027, 1, 10), "probation_end")


@PINNED
def test_correcting_the_roster_admission_moves_the_deadline(world, party, make_member) -> None:
    person = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 10))
    update_member(
        actor=world.root,
        member_id=person.pk,
        data=MemberInput(
            name="",
            id_number="",
            organization_id=party.branch.pk,
            admitted_on=date(2026, 2, 1),
        ),
    )
    assert _stored(person) == (date(2027, 2, 1), "probation_end")


def _historical_apps():
    """The app registry as of ``members.0003_next_due`` (what ``0004`` runs against)."""
    loader = MigrationExecutor(connection).loader
    return loader.project_state(("members", "0003_next_due")).apps


@PINNED
def test_the_migration_fills_existing_rows(world, applicant: Member) -> None:
    migration = importlib.import_module("shegong.members.migrations.0004_fill_next_due")
    Member.objects.filter(pk=applicant.pk).update(next_due_on=None, next_due_code="")
    migration.fill_next_due(_historical_apps(), None)
    assert _stored(applicant) == (date(2026, 6, 4), "talk")


@PINNED
def test_the_migration_fills_a_roster_probationary_member(world, party, make_member) -> None:
    migration = importlib.import_module("shegong.members.migrations.0004_fill_next_due")
    person = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 10))
    Member.objects.filter(pk=person.pk).update(next_due_on=None, next_due_code="")
    migration.fill_next_due(_historical_apps(), None)
    assert _stored(person) == (date(2027, 1, 10), "probation_end")


@PINNED
def test_the_migration_reads_only_the_people_on_the_path(world, party, make_member) -> None:
    migration = importlib.import_module("shegong.members.migrations.0004_fill_next_due")
    for _ in range(3):
        make_member(party.branch, "full")
    historical = _historical_apps()
    with CaptureQueriesContext(connection) as seen:
        migration.fill_next_due(historical, None)
    selects = [q["sql"] for q in seen.captured_queries if q["sql"].startswith("SELECT")]
    # one chunk of nobody: the 正式党员 are not read, and no policy row is fetched
    assert len(selects) == 1


@PINNED
def test_the_migration_does_not_load_personal_data(world, applicant: Member) -> None:
    migration = importlib.import_module("shegong.members.migrations.0004_fill_next_due")
    historical = _historical_apps()
    with CaptureQueriesContext(connection) as seen:
        migration.fill_next_due(historical, None)
    assert not any('"id_number"' in q["sql"] for q in seen.captured_queries)


@PINNED
def test_the_page_reads_the_policy_once(
    world, client_for, crowd: dict, django_assert_max_num_queries
) -> None:
    client = client_for(world.root)
    # 11 today; 50 rows reading the policy each (the N+1) would be over 60
    with django_assert_max_num_queries(15):
        client.get("/members/development/")

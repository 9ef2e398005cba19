"""发展党员 through the services: every step goes through ``partyrules.development``; the
edges the app adds (dates, 预审, who decides above the branch) are tested here, the library's
own edges in shegong/lib/partyrules/tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from shegong.core.models import AuditEvent
from shegong.members.choices import EventKind, Stage
from shegong.members.models import Member
from shegong.members.services.development import StepInput, StepRefused, record_step

from .conftest import id_number

pytestmark = pytest.mark.django_db
PINNED = time_machine.travel("2026-06-30 10:00 +0800", tick=False)


@pytest.fixture
def path(world, party, make_member) -> dict:
    """An applicant with two formal members in the branch to sponsor them."""
    with PINNED:
        sponsors = [make_member(party.branch), make_member(party.branch)]
        person = make_member(
            party.branch,
            "applicant",
            id_number=id_number(901, date(1995, 5, 5)),
            applied_on=date(2024, 3, 1),
        )
    return {"person": person, "sponsors": sponsors}


def _step(actor, member, kind: str, on: date, **kw):
    return record_step(actor=actor, member_id=member.pk, step=StepInput(kind=kind, on=on, **kw))


def _to_candidate(world, path: dict):
    person = path["person"]
    _step(world.secretary, person, EventKind.TALK, date(2024, 3, 15))
    _step(
        world.secretary,
        person,
        EventKind.CONFIRM_ACTIVIST,
        date(2024, 4, 10),
        people_ids=[path["sponsors"][0].pk],
    )
    _step(world.secretary, person, EventKind.CONFIRM_CANDIDATE, date(2025, 4, 10))
    return person


def _admit_facts(path: dict) -> dict:
    return {
        "people_ids": [s.pk for s in path["sponsors"]],
        "training_hours": Decimal(24),
        "volunteer_form_issued_on": date(2025, 5, 8),
        "publicity_first_day": date(2025, 5, 12),
        "publicity_last_day": date(2025, 5, 23),
    }


@PINNED
def test_applicant_entry_records_the_application(path: dict) -> None:
    assert list(path["person"].development_events.values_list("kind", flat=True)) == ["apply"]


@PINNED
def test_applicant_under_18_is_refused(world, party, make_member) -> None:
    from shegong.core.exceptions import DomainError

    with pytest.raises(DomainError, match="未满18周岁"):
        make_member(
            party.branch,
            "applicant",
            id_number=id_number(903, date(2008, 7, 1)),
            applied_on=date(2026, 6, 1),
        )


@PINNED
def test_activist_year_is_enforced_one_day_early(world, path: dict) -> None:
    person = path["person"]
    _step(world.secretary, person, EventKind.TALK, date(2024, 3, 15))
    _step(
        world.secretary,
        person,
        EventKind.CONFIRM_ACTIVIST,
        date(2024, 4, 10),
        people_ids=[path["sponsors"][0].pk],
    )
    with pytest.raises(StepRefused, match="最早可于2025-04-10"):
        _step(world.secretary, person, EventKind.CONFIRM_CANDIDATE, date(2025, 4, 9))


@PINNED
def test_activist_year_passes_on_the_anniversary(world, path: dict) -> None:
    person = _to_candidate(world, path)
    person.refresh_from_db()
    assert person.stage == Stage.CANDIDATE


@PINNED
def test_contact_must_be_a_formal_member(world, party, path: dict, make_member) -> None:
    probationary = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    with pytest.raises(StepRefused, match="正式党员作为培养联系人"):
        _step(
            world.secretary,
            path["person"],
            EventKind.CONFIRM_ACTIVIST,
            date(2024, 4, 10),
            people_ids=[probationary.pk],
        )


@PINNED
def test_a_step_dated_in_the_future_is_refused(world, path: dict) -> None:
    with pytest.raises(StepRefused, match="不能晚于今天"):
        _step(world.secretary, path["person"], EventKind.TALK, date(2026, 7, 1))


@PINNED
def test_pre_review_is_for_candidates_only(world, path: dict) -> None:
    with pytest.raises(StepRefused, match="预审针对发展对象"):
        _step(party_above(world), path["person"], EventKind.PRE_REVIEW, date(2024, 3, 20))


def party_above(world):
    from shegong.accounts.models import User

    return User.objects.get(username="above")


@PINNED
def test_branch_secretary_cannot_pre_review_own_branch(world, path: dict) -> None:
    person = _to_candidate(world, path)
    with pytest.raises(PermissionDenied):
        _step(world.secretary, person, EventKind.PRE_REVIEW, date(2025, 5, 6))


@PINNED
def test_admit_lists_every_violation_and_records_nothing(world, path: dict) -> None:
    person = _to_candidate(world, path)
    with pytest.raises(StepRefused) as refused:
        _step(world.secretary, person, EventKind.ADMIT, date(2025, 6, 10))
    assert {"须有2名正式党员作入党介绍人", "基层党委预审尚未通过", "尚未发放入党志愿书"} <= set(
        refused.value.violations
    )


@PINNED
def test_refused_admit_leaves_the_stage(world, path: dict) -> None:
    person = _to_candidate(world, path)
    with pytest.raises(StepRefused):
        _step(world.secretary, person, EventKind.ADMIT, date(2025, 6, 10))
    assert Member.objects.get(pk=person.pk).stage == Stage.CANDIDATE


@PINNED
def test_form_issued_before_pre_review_is_refused(world, path: dict) -> None:
    person = _to_candidate(world, path)
    _step(party_above(world), person, EventKind.PRE_REVIEW, date(2025, 5, 6))
    facts = {**_admit_facts(path), "volunteer_form_issued_on": date(2025, 5, 5)}
    with pytest.raises(StepRefused, match="预审通过后发放"):
        _step(world.secretary, person, EventKind.ADMIT, date(2025, 6, 10), **facts)


def _admitted(world, path: dict):
    person = _to_candidate(world, path)
    _step(party_above(world), person, EventKind.PRE_REVIEW, date(2025, 5, 6))
    _step(world.secretary, person, EventKind.ADMIT, date(2025, 6, 10), **_admit_facts(path))
    return Member.objects.get(pk=person.pk)


@PINNED
def test_admit_makes_a_probationary_member_from_the_meeting_date(world, path: dict) -> None:
    person = _admitted(world, path)
    assert (person.stage, person.admitted_on) == (Stage.PROBATIONARY, date(2025, 6, 10))


@PINNED
def test_admit_is_audited(world, path: dict) -> None:
    person = _admitted(world, path)
    assert (
        AuditEvent.objects.filter(
            action="member_development_recorded", target_id=str(person.pk)
        ).count()
        == 5
    )  # talk, activist, candidate, 预审, 接收


@PINNED
def test_branch_secretary_cannot_approve(world, path: dict) -> None:
    person = _admitted(world, path)
    with pytest.raises(PermissionDenied):
        _step(world.secretary, person, EventKind.APPROVE, date(2025, 7, 1))


@PINNED
def test_street_staff_in_scope_approves(world, path: dict) -> None:
    person = _admitted(world, path)
    event = _step(world.street_north, person, EventKind.APPROVE, date(2025, 7, 1))
    assert event.kind == EventKind.APPROVE


@PINNED
def test_street_staff_of_another_street_cannot_see_the_member(world, path: dict) -> None:
    from shegong.core.exceptions import DomainError

    person = _admitted(world, path)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        _step(world.street_south, person, EventKind.APPROVE, date(2025, 7, 1))


@PINNED
def test_approval_after_three_months_is_late(world, path: dict) -> None:
    person = _admitted(world, path)
    with pytest.raises(StepRefused, match="超过支部大会通过之日起3个月"):
        _step(world.street_north, person, EventKind.APPROVE, date(2025, 9, 11))


def _approved(world, path: dict):
    person = _admitted(world, path)
    _step(world.street_north, person, EventKind.APPROVE, date(2025, 7, 1))
    return person


FULL_PUBLICITY = {"publicity_first_day": date(2026, 5, 20), "publicity_last_day": date(2026, 6, 5)}


@PINNED
def test_confirm_full_the_day_before_probation_ends_is_refused(world, path: dict) -> None:
    person = _approved(world, path)
    with pytest.raises(StepRefused, match="预备期未满（2026-06-10期满）"):
        _step(world.secretary, person, EventKind.CONFIRM_FULL, date(2026, 6, 9), **FULL_PUBLICITY)


@PINNED
def test_confirm_full_on_the_day_makes_a_full_member(world, path: dict) -> None:
    person = _approved(world, path)
    _step(world.secretary, person, EventKind.CONFIRM_FULL, date(2026, 6, 10), **FULL_PUBLICITY)
    person.refresh_from_db()
    assert (person.stage, person.confirmed_on) == (Stage.FULL, date(2026, 6, 10))


@PINNED
def test_extension_of_13_months_is_refused(world, path: dict) -> None:
    person = _approved(world, path)
    with pytest.raises(StepRefused, match="6至12个月"):
        _step(
            world.secretary,
            person,
            EventKind.EXTEND_PROBATION,
            date(2026, 6, 10),
            extension_months=13,
        )


@PINNED
def test_extension_moves_the_probation_end(world, path: dict) -> None:
    person = _approved(world, path)
    _step(
        world.secretary, person, EventKind.EXTEND_PROBATION, date(2026, 6, 10), extension_months=6
    )
    with pytest.raises(StepRefused, match="2026-12-10期满"):
        _step(world.secretary, person, EventKind.CONFIRM_FULL, date(2026, 6, 20), **FULL_PUBLICITY)


@PINNED
def test_cancellation_ends_the_probation(world, path: dict) -> None:
    person = _approved(world, path)
    _step(world.secretary, person, EventKind.CANCEL_PROBATION, date(2026, 6, 1))
    person.refresh_from_db()
    assert person.stage == Stage.CANCELLED


@PINNED
def test_leaving_the_path(world, path: dict) -> None:
    _step(world.secretary, path["person"], EventKind.LEAVE, date(2024, 5, 1))
    assert Member.objects.get(pk=path["person"].pk).stage == Stage.LEFT


@PINNED
def test_roster_member_is_confirmed_from_the_end_of_probation(world, party, make_member) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2025, 6, 1))
    _step(world.secretary, member, EventKind.CONFIRM_FULL, date(2026, 6, 8), **FULL_PUBLICITY)
    member.refresh_from_db()
    assert (member.stage, member.confirmed_on) == (Stage.FULL, date(2026, 6, 1))

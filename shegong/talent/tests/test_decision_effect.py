"""An approved 晋升/降级 moves the person to the decided post; an approved 解聘 marks the
person as left; a rejected decision changes nothing. Atomic and audited."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.talent.models import Person
from shegong.talent.services import decisions, people

from .conftest import TalentKit, at


def _propose(kit: TalentKit, kind: str, post: str = "") -> int:
    return decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind=kind,
        title="岗位调整",
        basis="年度考核结果",
        post=post,
    ).pk


def _decide(kit: TalentKit, pk: int, approve: bool = True) -> None:
    decisions.decide(actor=kit.world.dept_admin, decision_id=pk, approve=approve, note="同意")


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approved_promotion_moves_the_person_to_the_new_post(kit: TalentKit) -> None:
    pk = _propose(kit, "promotion", "社区副职")
    before = Person.objects.get(pk=kit.worker.pk).post
    _decide(kit, pk)
    person = Person.objects.get(pk=kit.worker.pk)
    ladder = people.ladder_of(person, today=timezone.localdate())
    applied = AuditEvent.objects.filter(action="talent_decision_applied").get()
    assert (before, person.post, ladder is not None and ladder.post) == (
        "其他社区工作者",
        "社区副职",
        "社区副职",
    )
    assert applied.changes["post"] == ["其他社区工作者", "社区副职"]


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approved_demotion_moves_the_person_down(kit: TalentKit) -> None:
    Person.objects.filter(pk=kit.worker.pk).update(post="社区副职")
    pk = _propose(kit, "demotion", "其他社区工作者")
    _decide(kit, pk)
    assert Person.objects.get(pk=kit.worker.pk).post == "其他社区工作者"


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_rejected_promotion_changes_nothing(kit: TalentKit) -> None:
    pk = _propose(kit, "promotion", "社区副职")
    _decide(kit, pk, approve=False)
    assert (
        Person.objects.get(pk=kit.worker.pk).post,
        AuditEvent.objects.filter(action="talent_decision_applied").count(),
    ) == ("其他社区工作者", 0)


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approved_dismissal_marks_the_person_as_left(kit: TalentKit) -> None:
    pk = _propose(kit, "dismissal")
    _decide(kit, pk)
    person = Person.objects.get(pk=kit.worker.pk)
    assert (person.left_on, Person.objects.active().filter(pk=person.pk).exists()) == (
        timezone.localdate(),
        False,
    )


@pytest.mark.parametrize(
    ("kind", "post", "message"),
    [
        ("promotion", "", "请选择调整后的岗位"),
        ("promotion", "社区主任助理", "不在当前岗位等级序列"),
        ("promotion", "其他社区工作者", "与现岗位相同"),
        ("demotion", "社区正职", "降级后的岗位应低于现岗位"),
        ("promotion", "社区副职", None),
    ],
)
@time_machine.travel(at(2026, 1, 10), tick=False)
def test_a_post_change_needs_a_valid_new_post(
    kit: TalentKit, kind: str, post: str, message: str | None
) -> None:
    if message is None:
        assert _propose(kit, kind, post) > 0
        return
    with pytest.raises(DomainError, match=message):
        _propose(kit, kind, post)


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approval_is_refused_when_the_post_changed_meanwhile(kit: TalentKit) -> None:
    pk = _propose(kit, "promotion", "社区副职")
    Person.objects.filter(pk=kit.worker.pk).update(post="社区正职")
    with pytest.raises(DomainError, match="岗位已变更"):
        _decide(kit, pk)
    assert Person.objects.get(pk=kit.worker.pk).post == "社区正职"


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approval_is_refused_when_the_post_left_the_current_ladder(kit: TalentKit) -> None:
    """Proposed on 三岗十八级, the ladder switched to 四岗二十四级 before approval: the
    proposed post is no longer a post of the current ladder, so it is not applied."""
    from shegong.talent.services import policy

    Person.objects.filter(pk=kit.worker.pk).update(post="社区副职")
    pk = _propose(kit, "demotion", "其他社区工作者")
    policy.adopt_four_posts(actor=kit.world.root)
    with pytest.raises(DomainError, match="不在当前岗位等级序列"):
        _decide(kit, pk)
    assert (
        Person.objects.get(pk=kit.worker.pk).post,
        decisions.Decision.objects.get(pk=pk).status,
    ) == ("社区副职", "proposed")


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approval_of_a_post_change_is_refused_for_a_person_who_left(kit: TalentKit) -> None:
    pk = _propose(kit, "promotion", "社区副职")
    Person.objects.filter(pk=kit.worker.pk).update(left_on=timezone.localdate())
    with pytest.raises(DomainError, match="离岗，不能调整岗位"):
        _decide(kit, pk)
    assert Person.objects.get(pk=kit.worker.pk).post == "其他社区工作者"

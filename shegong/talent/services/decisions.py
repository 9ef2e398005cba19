"""Incentives and consequences as decisions with their basis; approval by ``TALENT_DECIDE``.
Nothing is decided automatically: ``suggestions`` only says what the record would support.

An approved decision takes effect on the person in the approval's transaction (audited as
``talent_decision_applied``): 晋升/降级 move the person to the post named when proposing
(a post of the current ladder, above resp. below the current one — checked again at
approval, as the ladder may have been switched or edited meanwhile; refused for a person
who has left; the level then follows from the ladder), 解聘 marks the person as left on
the approval day. 表彰奖励 changes no record field."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from .. import rules
from ..choices import DecisionKind, DecisionStatus
from ..models import Decision, Person, PostLadder
from .common import BASIS_MAX, OPINION_MAX, clean_text, load_person, policy
from .evaluation import history


@dataclass(frozen=True)
class Suggestion:
    kind: str
    text: str


def suggestions(person: Person) -> list[Suggestion]:
    """What the grade history would support (shown beside the person; never acted on)."""
    p = policy()
    graded = [(e.cycle.year, e.grade) for e in history(person)]
    out: list[Suggestion] = []
    streak = rules.failing_streak(graded, p.failing)
    if streak >= p.failing_years:
        out.append(
            Suggestion(DecisionKind.DISMISSAL, f"连续{streak}年考核{p.failing}，可依规提出解聘")
        )
    elif streak == 1:
        out.append(
            Suggestion(DecisionKind.DEMOTION, f"最近一年考核{p.failing}，可依规提出降级或诫勉")
        )
    excellent = rules.failing_streak(graded, p.excellent)
    if excellent >= 1:
        out.append(
            Suggestion(DecisionKind.AWARD, f"连续{excellent}年考核{p.excellent}，可提出表彰或晋升")
        )
    return out


POST_CHANGES = (DecisionKind.PROMOTION, DecisionKind.DEMOTION)


def _check_post(kind: str, current: str, post: str) -> None:
    """A 晋升/降级 names a post of the current ladder, above resp. below the current one
    (by the top level of each post's range; an unplaced person may be placed anywhere)."""
    label = DecisionKind(kind).label
    if not post:
        raise DomainError(f"{label}请选择调整后的岗位")
    ladder = PostLadder.current()
    target = ladder.range_of(post)
    if target is None:
        raise DomainError(f"岗位「{post}」不在当前岗位等级序列（{ladder.name}）中")
    if post == current:
        raise DomainError("调整后的岗位与现岗位相同")
    now = ladder.range_of(current)
    if now is None:
        return
    if kind == DecisionKind.PROMOTION and target[1] <= now[1]:
        raise DomainError(f"晋升后的岗位应高于现岗位「{current}」")
    if kind == DecisionKind.DEMOTION and target[1] >= now[1]:
        raise DomainError(f"降级后的岗位应低于现岗位「{current}」")


def propose(
    *, actor: User, person_id: int, kind: str, title: str, basis: str, post: str = ""
) -> Decision:
    """``post``: for 晋升/降级 the post the person is to hold (ignored for other kinds)."""
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能提出激励或处理建议")
    if kind not in DecisionKind.values:
        raise DomainError("决定类型不正确")
    title = clean_text(title, "事项", 120, required="请填写事项和依据")
    basis = clean_text(basis, "依据", BASIS_MAX, required="请填写事项和依据")
    post = post.strip() if kind in POST_CHANGES else ""
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        if person.account_id == actor.pk:
            raise DomainError("不能对本人提出激励或处理建议")
        if kind in POST_CHANGES:
            _check_post(kind, person.post, post)
        facts = {
            "grades": {str(e.cycle.year): e.grade for e in history(person)},
            "suggestions": [s.text for s in suggestions(person)],
        }
        decision = Decision.objects.create(
            person=person,
            kind=kind,
            title=title.strip(),
            basis=basis,
            basis_facts=facts,
            post_from=person.post if kind in POST_CHANGES else "",
            post_to=post,
            proposed_by=actor,
            proposed_at=timezone.now(),
        )
        audit.record(
            "talent_decision_proposed",
            actor=actor,
            target=decision,
            changes={"kind": [None, kind], **({"post": [person.post, post]} if post else {})},
        )
    return decision


def _apply(actor: User, decision: Decision) -> None:
    """The approved decision's effect on the person (inside ``decide``'s transaction)."""
    if decision.kind not in (*POST_CHANGES, DecisionKind.DISMISSAL):
        return
    person = Person.objects.select_for_update().get(pk=decision.person_id)
    if decision.kind == DecisionKind.DISMISSAL:
        if person.left_on is not None:
            return
        person.left_on = timezone.localdate()
        person.save(update_fields=["left_on", "updated_at"])
        changes = {"left_on": [None, str(person.left_on)]}
    else:
        if person.left_on is not None:
            raise DomainError(f"该人员已于{person.left_on:%Y年%m月%d日}离岗，不能调整岗位")
        if person.post != decision.post_from:
            raise DomainError(
                f"提出后该人员岗位已变更（现为「{person.post or '未定岗'}」），请重新提出"
            )
        # the ladder may have been switched or edited since the proposal
        _check_post(decision.kind, person.post, decision.post_to)
        person.post = decision.post_to
        person.save(update_fields=["post", "updated_at"])
        changes = {"post": [decision.post_from, decision.post_to]}
    audit.record(
        "talent_decision_applied",
        actor=actor,
        target=person,
        changes={"decision": [None, decision.pk], **changes},
    )


def decide(*, actor: User, decision_id: int, approve: bool, note: str) -> Decision:
    require_capability(actor, Cap.TALENT_DECIDE, "您的角色不能审批激励与处理决定")
    note = clean_text(note, "审批意见", OPINION_MAX, required="请填写审批意见")
    with transaction.atomic():
        decision = (
            Decision.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("person", "person__region")
            .filter(pk=decision_id)
            .first()
        )
        if decision is None:
            raise DomainError("决定不存在或不在您的管辖范围内", code="not_found")
        if decision.status != DecisionStatus.PROPOSED:
            raise DomainError("该决定已审批")
        if decision.proposed_by_id == actor.pk:
            raise DomainError("提出人不能审批自己提出的决定")
        if decision.person.account_id == actor.pk:
            raise DomainError("不能审批关于本人的决定")
        decision.status = DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED
        decision.decided_by, decision.decided_at = actor, timezone.now()
        decision.decision_note = note
        decision.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            _apply(actor, decision)
        audit.record(
            "talent_decision_decided",
            actor=actor,
            target=decision,
            changes={"status": [DecisionStatus.PROPOSED, decision.status]},
        )
    return decision

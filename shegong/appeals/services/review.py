"""复查 and 复核 (信访工作条例 第三十五、三十六条) and the finality rule at intake.

* 复查: requested within 30 days of receiving the written reply, to the body one level above
  the original handler, decided within 30 days of the request.
* 复核: requested within 30 days of receiving the 复查 opinion, to the body one level above
  the 复查 body, decided within 30 days; 听证 time is not counted.
* After a 复核 opinion, the same facts and reasons are not accepted again
  (第三十六条第三款): :func:`finality_conflict` is checked by intake.
Windows and limits come from the appeal's policy (clock keys review_request, …).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ..choices import (
    AppealStatus,
    ClockKey,
    EventKind,
    ReviewLevel,
    ReviewOutcome,
    Stream,
    WorkOrderRole,
)
from ..models import Appeal, Petitioner, Review
from .common import accused_conflict, acts_for_unit, event
from .policies import compute_deadline
from .workflow import _load_appeal, _unit_users

STATUTE = "《信访工作条例》第三十六条第三款"


def _body_above(unit: Unit) -> Unit:
    """The body one level above ``unit`` (第三十五条: 复查 by the body above the original
    handler; 第三十六条: 复核 by the body above the 复查 body): the unit's 上级行政机关, or its
    tree parent when none is set (:meth:`Unit.administrative_superior`). Never a guess by
    place: a street office or district is not above a city bureau."""
    above, _ = unit.administrative_superior()
    if above is None:
        raise DomainError(
            f"“{unit.name}”未设置上级行政机关，无法确定复查/复核机关；"
            "请先在单位信息中填写“上级行政机关编码”"
        )
    if not above.is_active:
        raise DomainError(f"“{unit.name}”的上级行政机关“{above.name}”已停用，请先更正单位信息")
    return above


def _level_above(appeal: Appeal, unit: Unit, label: str) -> tuple[Unit, list[Unit]]:
    """The 复查/复核 body for ``unit``'s decision and the bodies passed over on the way.

    信访工作条例 第三十条: a 检举控告 is never handed to the accused unit or a unit below it
    (:func:`accused_conflict`) — not for a review either. When the body above is accused,
    the review goes one level higher (提级: the accused body's own 上级行政机关, which
    supervises it); when there is none (or the chain loops), it is refused and the clerk is
    told what to fix."""
    above = _body_above(unit)
    passed: list[Unit] = []
    seen = {unit.pk}
    while accused_conflict(appeal, above):
        passed.append(above)
        seen.add(above.pk)
        higher, _ = above.administrative_superior()
        if higher is None or higher.pk in seen or not higher.is_active:
            raise DomainError(
                f"“{unit.name}”的上级行政机关“{passed[0].name}”是被检举控告单位（或其下级），"
                f"依照《信访工作条例》第三十条不能由其办理{label}，"
                f"而“{passed[-1].name}”没有有效的上级行政机关可以提级办理；"
                f"请先在单位信息中为“{passed[-1].name}”填写上级行政机关，再登记{label}申请"
            )
        above = higher
    return above, passed


def request_review(
    *, actor: User, appeal_id: int, level: str, text: str, now: datetime | None = None
) -> Review:
    """Register a 复查 or 复核 request (the 信访 clerk records it for the petitioner)."""
    require_capability(actor, Cap.APPEALS_DISPATCH, "只有信访部门可以登记复查/复核申请")
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) < 5:
        raise DomainError("请写明请求复查/复核的事实和理由")
    if level not in ReviewLevel.values:
        raise DomainError("请选择复查或复核")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        if appeal.stream != Stream.PETITION:
            raise DomainError("复查、复核只适用于信访事项")
        if (
            appeal.status not in (AppealStatus.REPLIED, AppealStatus.CLOSED)
            or appeal.replied_at is None
        ):
            raise DomainError("收到书面答复后才能请求复查")
        if appeal.reviews.filter(level=level).exists():
            raise DomainError(f"该事项已经申请过{ReviewLevel(level).label}")
        if level == ReviewLevel.REVIEW:
            start = appeal.replied_at
            window = compute_deadline(appeal.policy, ClockKey.REVIEW_REQUEST, start)
            lead = (
                appeal.work_orders.filter(role=WorkOrderRole.LEAD)
                .exclude(replied_at=None)
                .select_related("unit")
                .order_by("-replied_at")
                .first()
            )
            if lead is None:
                raise DomainError("没有原办理单位的答复")
            reviewer, passed = _level_above(appeal, lead.unit, ReviewLevel(level).label)
            decide_key = ClockKey.REVIEW_DECIDE
        else:
            review = appeal.reviews.filter(level=ReviewLevel.REVIEW).first()
            if review is None or review.decided_at is None:
                raise DomainError("收到复查意见后才能请求复核")
            start = review.decided_at
            window = compute_deadline(appeal.policy, ClockKey.RECHECK_REQUEST, start)
            reviewer, passed = _level_above(appeal, review.reviewer_unit, ReviewLevel(level).label)
            decide_key = ClockKey.RECHECK_DECIDE
        if window is None:
            raise DomainError("该类诉求的规则未设置复查/复核期限")
        if now > window.due:
            raise DomainError(
                f"已超过{ReviewLevel(level).label}申请期限（{timezone.localtime(window.due):%Y-%m-%d}），"
                "依照《信访工作条例》第三十五、三十六条不予受理"
            )
        decide = compute_deadline(appeal.policy, decide_key, now)
        assert decide is not None
        item = Review.objects.create(
            appeal=appeal,
            level=level,
            requested_at=now,
            request_text=text,
            window_end=window.due,
            reviewer_unit=reviewer,
            due_at=decide.due,
            registered_by=actor,
        )
        label = ReviewLevel(level).label
        raised = (
            f"（“{passed[0].name}”是被检举控告单位，依照《信访工作条例》第三十条提级办理）"
            if passed
            else ""
        )
        event(
            appeal,
            EventKind.REVIEW_REQUESTED,
            actor=actor,
            at=now,
            note=f"请求{label}，由{reviewer.name}办理{raised}：{text[:200]}",
            public_note=f"您的{label}请求已登记，由{reviewer.name}在{timezone.localtime(decide.due):%Y-%m-%d}前提出意见",
            clock_due_at=window.due,
            clock_met=True,
        )
        notify(
            _unit_users(reviewer),
            f"{label}申请待办理：{appeal.title}",
            f"{appeal.number}，请在{timezone.localtime(decide.due):%Y-%m-%d}前提出{label}意见",
            url=f"/appeals/{appeal.pk}/",
        )
        audit.record(
            "appeal_review_requested",
            actor=actor,
            target=appeal,
            at=now,
            changes={
                "level": level,
                "reviewer": reviewer.code,
                "passed_over_accused": [unit.code for unit in passed],
            },
        )
    return item


def _load_review(actor: User, review_id: int) -> Review:
    review = (
        Review.objects.select_for_update()
        .select_related("appeal", "reviewer_unit")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not Appeal.objects.visible_to(actor).filter(pk=review.appeal_id).exists():
        raise DomainError("复查/复核记录不存在或不在您的管辖范围内", code="not_found")
    if not (
        actor.has_capability(Cap.APPEALS_DISPATCH) or acts_for_unit(actor, review.reviewer_unit)
    ):
        raise DomainError("只有复查/复核机关可以办理", code="not_found")
    return review


def start_hearing(*, actor: User, review_id: int, now: datetime | None = None) -> Review:
    now = now or timezone.now()
    with transaction.atomic():
        review = _load_review(actor, review_id)
        if review.decided_at or review.hearing_started_at:
            raise DomainError("当前不能开始听证")
        review.hearing_started_at = now
        review.save(update_fields=["hearing_started_at"])
        event(
            review.appeal,
            EventKind.HEARING,
            actor=actor,
            at=now,
            note="听证开始（听证时间不计入办理期限）",
        )
        audit.record("review_hearing_started", actor=actor, target=review.appeal, at=now)
    return review


def end_hearing(*, actor: User, review_id: int, now: datetime | None = None) -> Review:
    """The hearing's duration is added to the decision deadline (第三十六条第二款)."""
    now = now or timezone.now()
    with transaction.atomic():
        review = _load_review(actor, review_id)
        if review.hearing_started_at is None:
            raise DomainError("没有进行中的听证")
        spent = now - review.hearing_started_at
        review.hearing_seconds += int(spent.total_seconds())
        review.due_at = review.due_at + spent
        review.hearing_started_at = None
        review.save(update_fields=["hearing_seconds", "due_at", "hearing_started_at"])
        event(
            review.appeal,
            EventKind.HEARING,
            actor=actor,
            at=now,
            note=f"听证结束，办理期限顺延至{timezone.localtime(review.due_at):%Y-%m-%d %H:%M}",
        )
        audit.record(
            "review_hearing_ended",
            actor=actor,
            target=review.appeal,
            at=now,
            changes={"seconds": int(spent.total_seconds())},
        )
    return review


def decide_review(
    *, actor: User, review_id: int, outcome: str, opinion: str, now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    if outcome not in ReviewOutcome.values:
        raise DomainError("请选择复查/复核结论")
    opinion = (opinion or "").strip()
    if len(opinion) < 5:
        raise DomainError("请填写复查/复核意见")
    with transaction.atomic():
        review = _load_review(actor, review_id)
        if review.decided_at is not None:
            raise DomainError("已经提出过意见")
        if review.hearing_started_at is not None:
            raise DomainError("请先结束听证")
        review.decided_at = now
        review.outcome = outcome
        review.opinion = opinion
        review.decided_by = actor
        review.save(update_fields=["decided_at", "outcome", "opinion", "decided_by"])
        appeal = review.appeal
        label = review.get_level_display()
        met = now <= review.due_at
        if review.level == ReviewLevel.RECHECK:
            Appeal.objects.filter(pk=appeal.pk).update(finality_at=now)
        event(
            appeal,
            EventKind.REVIEW_DECIDED,
            actor=actor,
            at=now,
            note=f"{label}意见（{ReviewOutcome(outcome).label}）：{opinion}",
            public_note=f"{label}意见：{opinion}"
            + (
                f"。依照{STATUTE}，同一事实和理由不再受理"
                if review.level == ReviewLevel.RECHECK
                else ""
            ),
            clock_due_at=review.due_at,
            clock_met=met,
        )
        audit.record(
            "appeal_review_decided",
            actor=actor,
            target=appeal,
            at=now,
            changes={"level": review.level, "outcome": outcome, "on_time": met},
        )
    return review


def _bigrams(text: str) -> set[str]:
    cleaned = "".join(ch for ch in text if ch.isalnum())
    return {cleaned[i : i + 2] for i in range(len(cleaned) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (enough to recognise a re-submitted matter)."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


FINALITY_THRESHOLD = 0.5


def final_appeals_of(*, phone_bidx: str, id_bidx: str) -> QuerySet[Appeal]:
    """The person's appeals closed by 复核 (none when neither blind index is known).

    The few final appeals first (the partial index ``appeal_finality_set``), then the
    person among them: every 信访 intake asks this."""
    if not (phone_bidx or id_bidx):
        return Appeal.objects.none()
    people = Petitioner.objects.same_person(phone_bidx=phone_bidx, id_bidx=id_bidx)
    return Appeal.objects.filter(finality_at__isnull=False, petitioner_id__in=people.values("pk"))


def finality_conflict(*, phone_bidx: str, id_bidx: str, text: str) -> Appeal | None:
    """An appeal of the same person closed by 复核 whose matter is near-same as ``text``."""
    finals = final_appeals_of(phone_bidx=phone_bidx, id_bidx=id_bidx)
    for earlier in finals.only("title", "body", "number"):
        if similarity(f"{earlier.title}{earlier.body}", text) >= FINALITY_THRESHOLD:
            return earlier
    return None

"""Annual evaluation: cycles, self-report, review with the evidence and the 优秀 quota,
publicity, appeal of a grade; the grade history across years."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from .. import rules
from ..choices import CycleStatus
from ..models import Cycle, Evaluation, Person
from .common import OPINION_MAX, SELF_REPORT_MAX, clean_text, own_person, policy, visible_region
from .evidence import evidence_for, frozen


def open_cycle(*, actor: User, year: int, region_id: int, name: str = "") -> Cycle:
    """A cycle for the people serving inside ``region`` (an evaluation row each)."""
    require_capability(actor, Cap.TALENT_EVALUATE, "您的角色不能组织考核")
    if not 2000 <= year <= 2100:
        raise DomainError("考核年度不正确")
    name = clean_text(name, "考核名称", 100)
    region = visible_region(actor, region_id)
    with transaction.atomic():
        # one evaluation per person per year: a cycle of the same year for this region,
        # an area above it or an area inside it would evaluate someone twice
        path = str(region.path)
        for other in Cycle.objects.filter(year=year).select_related("region"):
            other_path = str(other.region.path)
            if path.startswith(other_path) or other_path.startswith(path):
                raise DomainError(
                    f"{other.region.name}{year}年度考核已建立，与{region.name}的范围重叠"
                    "（同一人一年只考核一次）"
                )
        cycle = Cycle.objects.create(
            year=year, region=region, name=name.strip() or f"{region.name}{year}年度考核"
        )
        people = Person.objects.active().filter(region__path__startswith=region.path)
        Evaluation.objects.bulk_create(
            [Evaluation(cycle=cycle, person=p, unit_id=p.unit_id) for p in people]
        )
        audit.record(
            "talent_cycle_opened",
            actor=actor,
            target=cycle,
            changes={"people": [None, len(people)]},
        )
    return cycle


def _load_cycle(actor: User, cycle_id: int) -> Cycle:
    cycle = (
        Cycle.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("region")
        .filter(pk=cycle_id)
        .first()
    )
    if cycle is None:
        raise DomainError("考核周期不存在或不在您的管辖范围内", code="not_found")
    return cycle


STAGES = [CycleStatus.SELF, CycleStatus.REVIEW, CycleStatus.PUBLICITY, CycleStatus.CLOSED]


def advance(*, actor: User, cycle_id: int, publicity_until: date | None = None) -> Cycle:
    """述职 → 评定 → 公示 → 归档. Publicity needs every grade and a closing date."""
    require_capability(actor, Cap.TALENT_EVALUATE, "您的角色不能组织考核")
    with transaction.atomic():
        cycle = _load_cycle(actor, cycle_id)
        index = STAGES.index(CycleStatus(cycle.status))
        if index == len(STAGES) - 1:
            raise DomainError("考核已归档")
        target = STAGES[index + 1]
        if target == CycleStatus.PUBLICITY:
            if cycle.evaluations.filter(grade="").exists():
                raise DomainError("尚有人员未评定等次，不能公示")
            if publicity_until is None or publicity_until <= timezone.localdate():
                raise DomainError("请填写公示截止日期（晚于今天）")
            cycle.publicity_until = publicity_until
        if target == CycleStatus.CLOSED:
            until = cycle.publicity_until
            if until is not None and timezone.localdate() <= until:
                raise DomainError(f"公示期至{until:%Y年%m月%d日}，公示期满后才能归档")
            if cycle.evaluations.exclude(appealed_at=None).filter(appeal_result="").exists():
                raise DomainError("尚有复核申请未答复，不能归档")
        before = cycle.status
        cycle.status = target
        cycle.save(update_fields=["status", "publicity_until"])
        audit.record(
            "talent_cycle_advanced", actor=actor, target=cycle, changes={"status": [before, target]}
        )
    return cycle


def submit_self_report(*, actor: User, evaluation_id: int, text: str) -> Evaluation:
    """The person's own 述职 (through their linked account)."""
    text = clean_text(text, "述职内容", SELF_REPORT_MAX, required="请填写述职内容")
    with transaction.atomic():
        person = own_person(actor)
        evaluation = (
            Evaluation.objects.select_for_update()
            .select_related("cycle")
            .filter(pk=evaluation_id, person=person)
            .first()
        )
        if evaluation is None:
            raise DomainError("考核记录不存在", code="not_found")
        if evaluation.cycle.status not in (CycleStatus.SELF, CycleStatus.REVIEW):
            raise DomainError("述职阶段已结束")
        evaluation.self_report = text
        evaluation.save(update_fields=["self_report"])
        audit.record("talent_self_report", actor=actor, target=person)
    return evaluation


def grade(*, actor: User, evaluation_id: int, grade: str, comment: str) -> Evaluation:
    """The reviewer's grade, with the evidence they saw frozen beside it. The cycle row is
    locked first, so two reviewers cannot both take the last 优秀 place of a unit."""
    require_capability(actor, Cap.TALENT_EVALUATE, "您的角色不能评定考核等次")
    p = policy()
    if grade not in p.grade_list:
        raise DomainError("考核等次不正确")
    comment = clean_text(comment, "评定意见", OPINION_MAX, required="请填写评定意见")
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.visible_to(actor)
            .select_related("person", "person__unit", "cycle")
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None:
            raise DomainError("考核记录不存在或不在您的管辖范围内", code="not_found")
        if evaluation.person.account_id == actor.pk:
            raise DomainError("不能评定本人的考核等次")
        cycle = _load_cycle(actor, evaluation.cycle_id)
        if cycle.status not in (CycleStatus.SELF, CycleStatus.REVIEW):
            raise DomainError("考核已进入公示或归档，不能修改等次")
        if grade == p.excellent and evaluation.grade != p.excellent:
            peers = Evaluation.objects.filter(cycle=cycle, unit_id=evaluation.unit_id)
            quota = rules.excellent_quota(peers.count(), p.excellent_quota_percent)
            taken = peers.filter(grade=p.excellent).count()
            if taken >= quota:
                raise DomainError(
                    f"本单位{peers.count()}人参加考核，{p.excellent}等次不超过"
                    f"{p.excellent_quota_percent}%（至多{quota}人），已评{taken}人",
                    code="quota",
                )
        before = evaluation.grade
        evaluation.grade = grade
        evaluation.comment = comment
        evaluation.reviewer = actor
        evaluation.reviewed_at = timezone.now()
        evaluation.evidence = frozen(evidence_for(evaluation.person, cycle.year))
        evaluation.save(update_fields=["grade", "comment", "reviewer", "reviewed_at", "evidence"])
        audit.record(
            "talent_graded", actor=actor, target=evaluation, changes={"grade": [before, grade]}
        )
    return evaluation


def appeal_grade(*, actor: User, evaluation_id: int, text: str) -> Evaluation:
    """The person asks for a review of their grade during publicity."""
    text = clean_text(text, "复核理由", OPINION_MAX, required="请填写复核理由")
    with transaction.atomic():
        person = own_person(actor)
        evaluation = (
            Evaluation.objects.select_for_update()
            .select_related("cycle")
            .filter(pk=evaluation_id, person=person)
            .first()
        )
        if evaluation is None:
            raise DomainError("考核记录不存在", code="not_found")
        cycle = evaluation.cycle
        today = timezone.localdate()
        if cycle.status != CycleStatus.PUBLICITY or (
            cycle.publicity_until is not None and today > cycle.publicity_until
        ):
            raise DomainError("只能在公示期内申请复核")
        if evaluation.appealed_at is not None:
            raise DomainError("已申请复核")
        evaluation.appeal_text, evaluation.appealed_at = text, timezone.now()
        evaluation.save(update_fields=["appeal_text", "appealed_at"])
        audit.record("talent_grade_appealed", actor=actor, target=evaluation)
    return evaluation


def answer_appeal(
    *, actor: User, evaluation_id: int, result: str, new_grade: str = ""
) -> Evaluation:
    require_capability(actor, Cap.TALENT_EVALUATE, "您的角色不能答复复核")
    p = policy()
    result = clean_text(result, "复核结果", OPINION_MAX, required="请填写复核结果")
    if new_grade and new_grade not in p.grade_list:
        raise DomainError("考核等次不正确")
    with transaction.atomic():
        # The cycle row first, as ``grade`` takes it: the lock of the unit's 优秀 quota.
        Cycle.objects.visible_to(actor).select_for_update(of=("self",)).filter(
            evaluations__pk=evaluation_id
        ).first()
        evaluation = (
            Evaluation.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("person", "person__region")
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None or evaluation.appealed_at is None:
            raise DomainError("没有待答复的复核申请", code="not_found")
        if evaluation.person.account_id == actor.pk:
            raise DomainError("不能答复本人的复核申请")
        if evaluation.appeal_result:
            raise DomainError("复核已答复")
        before = evaluation.grade
        evaluation.appeal_result = result
        if new_grade and new_grade != before:
            if new_grade == p.excellent:
                peers = Evaluation.objects.filter(
                    cycle_id=evaluation.cycle_id, unit_id=evaluation.unit_id
                )
                quota = rules.excellent_quota(peers.count(), p.excellent_quota_percent)
                if peers.filter(grade=p.excellent).count() >= quota:
                    raise DomainError("复核改为优秀将超过优秀比例上限", code="quota")
            evaluation.grade = new_grade
        evaluation.save(update_fields=["appeal_result", "grade"])
        audit.record(
            "talent_appeal_answered",
            actor=actor,
            target=evaluation,
            changes={"grade": [before, evaluation.grade]},
        )
    return evaluation


@dataclass(frozen=True)
class UnitQuota:
    """What the 优秀 quota comes to for one unit in one cycle, said plainly where it is
    shown: the rule rounds down (``rules.excellent_quota``), so a small unit may have no
    place at all — unchanged until the department confirms otherwise."""

    unit_id: int
    unit_name: str
    assessed: int
    taken: int
    quota: int
    percent: int
    excellent: str

    @property
    def text(self) -> str:
        return (
            f"本单位共{self.assessed}人，按{self.percent}%计{self.excellent}名额为"
            f"{self.quota}个，已评{self.taken}个"
        )

    @property
    def note(self) -> str:
        """Why a unit has no place (empty when it has one)."""
        if self.quota or self.percent <= 0:
            return ""
        needed = -(-100 // self.percent)  # the smallest unit with one place
        return (
            f"不足{needed}人的单位按现行规则没有{self.excellent}名额"
            "（按比例向下取整；规则如需调整，须经部门确认）"
        )


def unit_quotas(cycle: Cycle, unit_ids: Iterable[int]) -> list[UnitQuota]:
    """The quota of each of ``unit_ids`` in ``cycle`` (one query), counted as ``grade``
    counts it: every evaluation of the unit in the cycle."""
    p = policy()
    rows = (
        Evaluation.objects.filter(cycle=cycle, unit_id__in=list(unit_ids))
        .values("unit_id", "unit__name")
        .annotate(assessed=Count("pk"), taken=Count("pk", filter=Q(grade=p.excellent)))
        .order_by("unit__name", "unit_id")
    )
    return [
        UnitQuota(
            unit_id=r["unit_id"],
            unit_name=r["unit__name"],
            assessed=r["assessed"],
            taken=r["taken"],
            quota=rules.excellent_quota(r["assessed"], p.excellent_quota_percent),
            percent=p.excellent_quota_percent,
            excellent=p.excellent,
        )
        for r in rows
    ]


def history(person: Person) -> list[Evaluation]:
    """Graded years, newest first."""
    return list(
        Evaluation.objects.filter(person=person)
        .exclude(grade="")
        .select_related("cycle")
        .order_by("-cycle__year")
    )

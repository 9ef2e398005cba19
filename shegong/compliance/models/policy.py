"""``CompliancePolicy``: the parameters of the compliance rules (one current row)."""

from __future__ import annotations

from fractions import Fraction

from django.db import models

from shegong.lib.partyrules.lapse import DEFAULT_LAPSE_POLICY, LapsePolicy
from shegong.lib.partyrules.meetings import (
    DEFAULT_MEETING_POLICY,
    MeetingPolicy,
    MeetingType,
    Schedule,
)


def default_schedules() -> dict[str, list[int]]:
    """``{kind: [period_months, min_count, window_first, window_last]}`` (window 0 = none),
    from ``partyrules.meetings`` (D12)."""
    out: dict[str, list[int]] = {}
    for kind, s in DEFAULT_MEETING_POLICY.schedules.items():
        first, last = s.window or (0, 0)
        out[kind.value] = [s.period_months, s.min_count, first, last]
    return out


class CompliancePolicy(models.Model):
    """What the engine expects. Defaults: ``partyrules`` (schedules D12, lapse D6/D7) and
    the platform defaults documented in ``docs/compliance.md`` (minutes lateness, attendance
    threshold, escalation). Only ``services.policy.update_policy`` writes it (audited)."""

    schedules = models.JSONField("各类会议的应开次数", default=default_schedules)
    expected_kinds = models.JSONField(
        "纳入合规检查的会议类型",
        default=list,
        blank=True,
        help_text="为空表示全部类型；支委会只对设支委会的支部检查，党小组会只对设党小组的支部检查",
    )
    committee_min_formal = models.PositiveSmallIntegerField(
        "检查支委会的正式党员数",
        default=7,
        help_text="支部工作条例第六章：正式党员7人以上的设支部委员会；不足的只设书记，不检查支委会",
    )
    group_min_members = models.PositiveSmallIntegerField(
        "检查党小组会的党员数",
        default=10,
        help_text="平台默认值：党员（含预备党员）达到此数的支部视为划分党小组，检查党小组会；0表示所有支部",
    )
    lapse_months = models.PositiveSmallIntegerField(
        "连续未参加组织生活等的月数",
        default=DEFAULT_LAPSE_POLICY.months,
        help_text="党章第九条：连续6个月",
    )
    count_partial_join_month = models.BooleanField(
        "转入当月计入",
        default=DEFAULT_LAPSE_POLICY.count_partial_join_month,
        help_text="决定D7：月中转入的，当月不计",
    )
    minutes_late_days = models.PositiveSmallIntegerField(
        "会议记录应在会后几日内录入",
        default=7,
        help_text="平台默认值（各地自定）",
    )
    attendance_min_percent = models.PositiveSmallIntegerField(
        "出席率下限（%）",
        default=80,
        help_text="平台默认值：低于此出席率提示支部",
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        "问题未处理多少天后上报上级党组织",
        default=30,
        help_text="平台默认值",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "组织生活合规参数"
        verbose_name_plural = "组织生活合规参数"

    def __str__(self) -> str:
        return "组织生活合规参数"

    @classmethod
    def current(cls) -> CompliancePolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy

    def meeting_policy(self) -> MeetingPolicy:
        schedules: dict[MeetingType, Schedule] = {}
        for kind in MeetingType:
            raw = self.schedules.get(kind.value) or default_schedules()[kind.value]
            months, count, first, last = ([*list(raw), 0, 0, 0, 0])[:4]
            window = (int(first), int(last)) if first and last else None
            schedules[kind] = Schedule(int(months), int(count), window)
        return MeetingPolicy(
            schedules=schedules,
            assembly_quorum_share=DEFAULT_MEETING_POLICY.assembly_quorum_share,
            assembly_pass_share=DEFAULT_MEETING_POLICY.assembly_pass_share,
            committee_quorum_share=DEFAULT_MEETING_POLICY.committee_quorum_share,
            excellent_share=DEFAULT_MEETING_POLICY.excellent_share,
        )

    def kinds(self) -> list[MeetingType]:
        chosen = [MeetingType(k) for k in self.expected_kinds if k in set(MeetingType)]
        return chosen or list(MeetingType)

    def kinds_for(self, formal: int, total: int) -> list[MeetingType]:
        """The kinds expected of a branch with ``formal`` 正式党员 and ``total`` members:
        支委会 only with a 支部委员会 (``formal`` ≥ ``committee_min_formal``), 党小组会 only
        with 党小组 (``total`` ≥ ``group_min_members``; the model stores no groups)."""
        out = []
        for kind in self.kinds():
            if kind is MeetingType.COMMITTEE and formal < self.committee_min_formal:
                continue
            if kind is MeetingType.GROUP and total < self.group_min_members:
                continue
            out.append(kind)
        return out

    def lapse_policy(self) -> LapsePolicy:
        return LapsePolicy(
            months=self.lapse_months, count_partial_join_month=self.count_partial_join_month
        )

    @property
    def attendance_share(self) -> Fraction:
        return Fraction(self.attendance_min_percent, 100)

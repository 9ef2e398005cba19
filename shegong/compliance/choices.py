"""Choices of the compliance engine."""

from __future__ import annotations

from django.db import models


class Rule(models.TextChoices):
    MEETINGS_SHORT = "meetings_short", "会议次数不足"
    ASSEMBLY_QUORUM = "assembly_quorum", "党员大会未达法定人数"
    LOW_ATTENDANCE = "low_attendance", "出席率偏低"
    NO_MINUTES = "no_minutes", "缺少会议记录"
    LATE_MINUTES = "late_minutes", "会议记录逾期"
    LAPSE_RISK = "lapse_risk", "连续6个月未参加组织生活/交纳党费/做党分配的工作"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ESCALATED = "escalated", "已上报上级"
    HANDLED = "handled", "已处理"
    AUTO_RESOLVED = "auto_resolved", "已自动消除"
    ORG_CLOSED = "org_closed", "党组织已撤销、合并或改设"


OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.ESCALATED)
# A finding in one of these statuses keeps its key: the engine does not open it again.
KEPT_STATUSES = (FindingStatus.OPEN, FindingStatus.ESCALATED, FindingStatus.HANDLED)

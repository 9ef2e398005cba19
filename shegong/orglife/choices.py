"""Choices of 组织生活. ``MeetingKind`` values are ``partyrules.meetings.MeetingType``'s."""

from __future__ import annotations

from django.db import models


class MeetingKind(models.TextChoices):
    ASSEMBLY = "assembly", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    ORG_LIFE = "org_life", "组织生活会"
    EVALUATION = "evaluation", "民主评议党员"
    HEART_TALK = "heart_talk", "谈心谈话"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "已计划"
    HELD = "held", "已召开"
    CANCELLED = "cancelled", "已取消"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class AttendanceMethod(models.TextChoices):
    QR = "qr", "扫码签到"
    MANUAL = "manual", "手工登记"


class Grade(models.TextChoices):
    """民主评议 grades (``partyrules.meetings.Grade``)."""

    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


# Meetings of the whole branch: every party member on the roll is expected (absent rows are
# added when the meeting is held). Other kinds record their participants only.
ROLL_KINDS = frozenset(
    {
        MeetingKind.ASSEMBLY,
        MeetingKind.LECTURE,
        MeetingKind.THEME_DAY,
        MeetingKind.ORG_LIFE,
        MeetingKind.EVALUATION,
    }
)

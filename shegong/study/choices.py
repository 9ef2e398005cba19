"""Choices of 理论学习 and the 党组织书记 profiles."""

from __future__ import annotations

from django.db import models


class StudyKind(models.TextChoices):
    TOPIC = "topic", "专题学习"
    SEMINAR = "seminar", "研讨交流"
    LECTURE = "lecture", "党课"
    TRAINING = "training", "集中培训"
    ONLINE = "online", "网络学习"
    SELF = "self", "个人自学"


# A session (集体学习) is one of these; the rest are individual records.
SESSION_KINDS = (StudyKind.TOPIC, StudyKind.SEMINAR, StudyKind.LECTURE)
INDIVIDUAL_KINDS = (StudyKind.TRAINING, StudyKind.ONLINE, StudyKind.SELF)


class ReviewGrade(models.TextChoices):
    """述职评议考核 grades (the usual four-step scale of 基层党组织书记抓党建述职评议考核)."""

    GOOD = "good", "好"
    FAIRLY_GOOD = "fairly_good", "较好"
    FAIR = "fair", "一般"
    POOR = "poor", "差"

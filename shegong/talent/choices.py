"""Choices of the talent app (Chinese labels)."""

from django.db import models


class Category(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "社会工作者"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    CADRE = "cadre", "基层干部"


class Degree(models.TextChoices):
    NONE = "", "无/其他"
    BACHELOR = "bachelor", "学士"
    MASTER = "master", "硕士"
    DOCTOR = "doctor", "博士"


class CredentialLevel(models.TextChoices):
    ASSISTANT = "assistant", "助理社会工作师"
    INTERMEDIATE = "intermediate", "社会工作师"
    SENIOR = "senior", "高级社会工作师"
    OTHER = "other", "其他证书"


class CredentialState(models.TextChoices):
    UNREGISTERED = "unregistered", "待首次登记"
    LAPSED_FIRST = "lapsed_first", "逾期未登记"
    VALID = "valid", "有效"
    RENEWAL = "renewal", "再登记期内"
    EXPIRED = "expired", "已过期"


class HoursSource(models.TextChoices):
    CLASS = "class", "平台培训班"
    MANUAL = "manual", "录入（附证明）"
    DEGREE = "degree", "社会工作学历教育"


class ClassKind(models.TextChoices):
    TOPIC = "topic", "专题培训"
    COURSE = "course", "培训班"


class PostingKind(models.TextChoices):
    SECONDMENT = "secondment", "挂职"
    ROTATION = "rotation", "轮岗"
    SINK = "sink", "下沉社区"


class CycleStatus(models.TextChoices):
    SELF = "self", "个人述职"
    REVIEW = "review", "审核评定"
    PUBLICITY = "publicity", "结果公示"
    CLOSED = "closed", "已归档"


class DecisionKind(models.TextChoices):
    AWARD = "award", "表彰奖励"
    PROMOTION = "promotion", "晋升"
    DEMOTION = "demotion", "降级"
    DISMISSAL = "dismissal", "解聘"


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"

"""Choices of the serving app (双报到, 微心愿, service orders)."""

from django.db import models


class ReportKind(models.TextChoices):
    MEMBER = "member", "在职党员"
    ORGANIZATION = "organization", "单位党组织"


class NeedKind(models.TextChoices):
    WISH = "wish", "微心愿"
    APPEAL = "appeal", "诉求转服务"
    PROJECT = "project", "社区项目"


class OrderStatus(models.TextChoices):
    OPEN = "open", "待认领"
    FULL = "full", "已满员"
    DONE = "done", "待确认"
    CONFIRMED = "confirmed", "已确认完成"
    CANCELLED = "cancelled", "已取消"


OPEN_ORDER_STATES = {OrderStatus.OPEN, OrderStatus.FULL}


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "已认领"
    ASSIGNED = "assigned", "已指派"
    IN = "in", "服务中"
    OUT = "out", "已签退"
    CANCELLED = "cancelled", "已取消"


LIVE_CLAIM_STATES = {ClaimStatus.CLAIMED, ClaimStatus.ASSIGNED, ClaimStatus.IN, ClaimStatus.OUT}


class ConfirmMethod(models.TextChoices):
    SMS = "sms", "居民短信验证码确认"
    COMMUNITY = "community", "社区确认"

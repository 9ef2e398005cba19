"""The city's volunteer-service policy (one row)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

# Defaults with their sources (domain-rules §7); the admin edits VolunteerPolicy.
DEFAULT_STAR_THRESHOLDS = [100, 300, 600, 1000, 1500]  # 民政部 2012 志愿服务记录办法; 团中央 办法


def default_star_thresholds() -> list[int]:
    return list(DEFAULT_STAR_THRESHOLDS)


class VolunteerPolicy(models.Model):
    """The city's volunteer-service policy (one row, pk=1), edited by ``volunteers.policy``.

    Each default cites its source; where the regulations are silent the default is a
    documented design decision (docs/volunteers.md).
    """

    star_thresholds = models.JSONField(
        "星级门槛（小时，一星至五星）",
        default=default_star_thresholds,
        help_text="民政部2012年《志愿服务记录办法》/团中央办法：100、300、600、1000、1500小时",
    )
    min_age = models.PositiveSmallIntegerField(
        "最低注册年龄", default=14, help_text="团中央《中国注册志愿者管理办法》第四条：14周岁"
    )
    adult_age = models.PositiveSmallIntegerField(
        "成年年龄", default=18, help_text="民法典第十七条：18周岁以上为成年人"
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        "时长取整（分钟，向下）",
        default=15,
        help_text="记录办法第七条第二款：服务时间以小时为单位，由组织科学合理确定",
    )
    max_hours_per_day = models.DecimalField(
        "每人每日时长上限（小时）", max_digits=5, decimal_places=2, default=Decimal("12")
    )
    early_checkin_minutes = models.PositiveSmallIntegerField("最早提前签到（分钟）", default=30)
    late_checkout_minutes = models.PositiveSmallIntegerField(
        "时段结束后可签退（分钟）", default=120
    )
    # Short, so a forwarded link is stale before it can be used far away (review: 30 s).
    token_ttl_seconds = models.PositiveIntegerField("签到二维码有效期（秒）", default=30)
    cancel_hours_before = models.PositiveSmallIntegerField(
        "开始前多少小时内不能自行取消", default=24
    )
    record_deadline_working_days = models.PositiveSmallIntegerField(
        "活动结束后记录时限（工作日）",
        default=10,
        help_text="志愿服务记录与证明出具办法第十一条：10个工作日",
    )
    issuer_name = models.CharField("证明出具单位（平台）", max_length=100, default="市志愿服务平台")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "志愿服务规则"
        verbose_name_plural = "志愿服务规则"

    def __str__(self) -> str:
        return "志愿服务规则"

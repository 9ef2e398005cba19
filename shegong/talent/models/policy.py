"""``TalentPolicy`` (one current row) and ``PostLadder`` (the post ladders as data)."""

from __future__ import annotations

from django.db import models

DEFAULT_GRADES = ["优秀", "称职", "基本称职", "不称职"]

# 三岗十八级 (中办国办《关于加强社区工作者队伍建设的意见》 and local schemes):
# post → [lowest level, highest level]; degree → equivalent years of service.
DEFAULT_POSTS = {"社区正职": [7, 18], "社区副职": [4, 15], "其他社区工作者": [1, 12]}
DEFAULT_DEGREE_YEARS = {"bachelor": 3, "master": 5, "doctor": 7}
# 四岗二十四级: the ladder some provinces publish instead of 三岗十八级 (domain rules §8:
# e.g. 宁夏 2025, one step every 2 years). Adopted from the parameters page
# (``services.policy.adopt_four_posts``), then edited there like any ladder. What is sourced
# and what is assumed (docs/rules/talent-rules.md repeats it):
# - sourced (secondary, not checked against the local document): four posts, levels 1–24,
#   one level every 2 years;
# - post names: the commonly used 社区正职 / 社区副职 / 社区委员 / 社区专职工作者;
# - ASSUMED, no source found: each post's range. Built like 三岗十八级 (where each post's
#   range lies 3 levels above the next one's): each post spans 15 levels, 3 above the next,
#   the top post ending at 24;
# - ASSUMED: the degree equivalents of 三岗十八级 (学士 3, 硕士 5, 博士 7 years).
FOUR_POSTS_NAME = "四岗二十四级"
FOUR_POSTS_TEMPLATE = {
    "社区正职": [10, 24],
    "社区副职": [7, 21],
    "社区委员": [4, 18],
    "社区专职工作者": [1, 15],
}
FOUR_POSTS_YEARS_PER_STEP = 2


class PostLadder(models.Model):
    """A post ladder: post types with their level ranges, years per step, degree
    equivalents. Exactly one is current (``is_current``); people on a post of it get their
    level computed (``rules.ladder_level``)."""

    name = models.CharField("名称", max_length=50, unique=True)
    posts = models.JSONField("岗位及等级范围", default=dict)
    years_per_step = models.PositiveSmallIntegerField("每晋一级所需年限", default=3)
    degree_years = models.JSONField("学历折算年限", default=dict)
    is_current = models.BooleanField("当前使用", default=False)

    class Meta:
        verbose_name = "岗位等级序列"
        verbose_name_plural = "岗位等级序列"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> PostLadder:
        ladder = cls.objects.filter(is_current=True).first()
        if ladder is None:
            ladder, _ = cls.objects.get_or_create(
                name="三岗十八级",
                defaults={
                    "posts": DEFAULT_POSTS,
                    "years_per_step": 3,
                    "degree_years": DEFAULT_DEGREE_YEARS,
                    "is_current": True,
                },
            )
        return ladder

    def range_of(self, post: str) -> tuple[int, int] | None:
        raw = self.posts.get(post)
        if not raw or len(raw) != 2:
            return None
        return int(raw[0]), int(raw[1])


class TalentPolicy(models.Model):
    """The rule parameters (domain-rules §8 defaults). Only ``services.policy.update_policy``
    writes it (audited)."""

    hours_assistant = models.PositiveSmallIntegerField(
        "助理社会工作师每登记周期继续教育学时", default=72, help_text="民发〔2009〕123号"
    )
    hours_intermediate = models.PositiveSmallIntegerField(
        "社会工作师、高级社会工作师每登记周期继续教育学时",
        default=90,
        help_text="民发〔2009〕123号",
    )
    degree_hours = models.PositiveSmallIntegerField(
        "社会工作学历教育折算学时", default=90, help_text="完成社会工作学历教育的，一次计90学时"
    )
    validity_years = models.PositiveSmallIntegerField("登记有效期（年）", default=3)
    first_registration_months = models.PositiveSmallIntegerField(
        "通过考试后首次登记期限（月）", default=12
    )
    renewal_window_months = models.PositiveSmallIntegerField("有效期满前再登记期（月）", default=3)
    warn_days = models.PositiveSmallIntegerField(
        "周期结束前提醒（天）", default=90, help_text="平台默认值"
    )
    grades = models.JSONField("考核等次（由高到低）", default=list)
    excellent_quota_percent = models.PositiveSmallIntegerField(
        "优秀等次比例上限（%）", default=20, help_text="各地多为15%–20%"
    )
    failing_years = models.PositiveSmallIntegerField("连续不称职年数（提示解聘）", default=2)
    staffing_per_10k = models.PositiveSmallIntegerField(
        "每万名城镇常住人口配备社区工作者数", default=18
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人才工作参数"
        verbose_name_plural = "人才工作参数"

    def __str__(self) -> str:
        return "人才工作参数"

    @classmethod
    def current(cls) -> TalentPolicy:
        policy, _ = cls.objects.get_or_create(pk=1, defaults={"grades": DEFAULT_GRADES})
        return policy

    @property
    def grade_list(self) -> list[str]:
        return [str(g) for g in self.grades] or list(DEFAULT_GRADES)

    @property
    def excellent(self) -> str:
        return self.grade_list[0]

    @property
    def failing(self) -> str:
        return self.grade_list[-1]

    def required_hours(self, level: str) -> int:
        return self.hours_assistant if level == "assistant" else self.hours_intermediate

"""Party organizations (a tree), their administrators, committees and history, and the
coverage policy; ``OrgAwareQuerySet``: a party secretary (``OrgAdministrator``) also sees
the subtrees of the organizations they administer."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import TreeNode, TreeQuerySet, subtree_q

from ..choices import (
    CommitteePost,
    HistoryKind,
    OrgKind,
    OrgStatus,
)


def administered_paths(user: Any) -> list[str]:
    """Paths of the organizations ``user`` administers (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return []
    cached = getattr(user, "_org_admin_paths", None)
    if cached is None:
        cached = list(
            OrgAdministrator.objects.filter(user=user, organization__status=OrgStatus.ACTIVE)
            .values_list("organization__path", flat=True)
            .order_by("organization__path")
        )
        user._org_admin_paths = cached
    return cached


def _org_q(paths: list[str], field: str) -> models.Q:
    condition = models.Q()
    for path in paths:
        condition |= subtree_q(path, field)
    return condition


class OrgAwareQuerySet(ScopedQuerySet):
    """``visible_to`` = the jurisdiction scope OR the administered organization subtrees."""

    org_path_fields: tuple[str, ...] = ()

    def visible_to(self, user: Any) -> Self:
        base = super().visible_to(user)
        scope: Scope = self.model.scope  # type: ignore[attr-defined]
        if (
            user is None
            or not getattr(user, "is_authenticated", False)
            or user.is_superuser
            or not user.is_active
            or (scope.capability and not user.has_capability(scope.capability))
            or user.has_citywide_scope
        ):
            return base
        paths = administered_paths(user)
        if not paths:
            return base
        extra = models.Q()
        for field in self.org_path_fields:
            extra |= _org_q(paths, field)
        inner = self.model._base_manager.filter(extra).values("pk")
        return self.filter(models.Q(pk__in=base.values("pk")) | models.Q(pk__in=inner))


class CoveragePolicy(models.Model):
    """The thresholds the rules engine uses; one current row (pk=1), edited by administrators.

    Defaults come from ../shared/docs/domain-rules.md §4.1, §4.2, §6 and §11; each field's
    help text names its source. Changes are audited (``services.policy.update_policy``).
    """

    # 党章 第三十条; 支部工作条例（试行）第二章: ≥3 formal members → set up a 党支部.
    branch_min_formal = models.PositiveSmallIntegerField(
        "成立党支部的正式党员数", default=3, help_text="党章第三十条；支部工作条例第二章"
    )
    # 支部工作条例 第六章: ≥7 formal members → 支部委员会 (3–5, normally ≤7 members).
    committee_threshold = models.PositiveSmallIntegerField(
        "应设支部委员会的正式党员数", default=7, help_text="支部工作条例第六章"
    )
    committee_min_members = models.PositiveSmallIntegerField(
        "支部委员会最少委员数", default=3, help_text="支部工作条例第六章（一般3至5人）"
    )
    # 支部工作条例 第二章: a branch normally has ≤ 50 members.
    branch_soft_max = models.PositiveSmallIntegerField(
        "党支部党员人数上限", default=50, help_text="支部工作条例第二章（一般不超过50人）"
    )
    # 支部工作条例 第二章: a 联合党支部 covers ≤ 5 units.
    joint_branch_max_units = models.PositiveSmallIntegerField(
        "联合党支部覆盖单位数上限", default=5, help_text="支部工作条例第二章（一般不超过5个）"
    )
    # 党章 第三十一条 (3–5 years); 支部工作条例 第六章 (村/社区 5, others 3); 机关条例 (党委 5).
    term_years_committee = models.PositiveSmallIntegerField(
        "党委任期（年）", default=5, help_text="党章第三十一条；机关基层组织工作条例"
    )
    term_years_general_branch = models.PositiveSmallIntegerField(
        "党总支任期（年）", default=3, help_text="党章第三十一条；机关基层组织工作条例"
    )
    term_years_branch = models.PositiveSmallIntegerField(
        "党支部任期（年）", default=3, help_text="支部工作条例第六章"
    )
    term_years_community_branch = models.PositiveSmallIntegerField(
        "村、社区党支部任期（年）", default=5, help_text="支部工作条例第六章"
    )
    # 基层组织选举工作条例(2020) 第三条: early/late re-election by approval, shift ≤ 1 year.
    term_grace_days = models.PositiveSmallIntegerField(
        "届满后宽限天数",
        default=0,
        help_text="选举工作条例第三条：经批准可延期换届，一般不超过1年；0表示届满即提示",
    )
    # 党和国家机关基层组织工作条例(2019) 第六条 / 第五条 (the same figures are used for 两新):
    # 党员 50–99 → 党总支, ≥ 100 → 党的基层委员会 (below the figure only with approval).
    general_branch_threshold = models.PositiveSmallIntegerField(
        "应设党总支的党员数",
        default=50,
        help_text="机关基层组织工作条例第六条：党员50人以上、100人以下的，设立党的总支部委员会",
    )
    party_committee_threshold = models.PositiveSmallIntegerField(
        "应设基层党委的党员数",
        default=100,
        help_text="机关基层组织工作条例第五条：党员100人以上的，设立党的基层委员会",
    )
    # Reminders before a term ends (platform defaults; 0 switches a reminder off).
    term_reminder_first_months = models.PositiveSmallIntegerField(
        "任期届满前第一次提醒（月）",
        default=6,
        help_text="平台默认值：届满前6个月提醒筹备换届；0表示不提醒",
    )
    term_reminder_second_months = models.PositiveSmallIntegerField(
        "任期届满前第二次提醒（月）",
        default=3,
        help_text="平台默认值：届满前3个月再次提醒；0表示不提醒",
    )
    # Platform default (no national number): which entities must be reached first.
    large_entity_employees = models.PositiveIntegerField(
        "须实现“两个覆盖”的从业人员数",
        default=50,
        help_text="平台默认值（各地自定）：从业人员达到此数的两新组织应有党组织或党建指导员",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "覆盖规则参数"
        verbose_name_plural = "覆盖规则参数"

    def __str__(self) -> str:
        return "两新党建覆盖规则参数"

    @classmethod
    def current(cls) -> CoveragePolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class OrgQuerySet(OrgAwareQuerySet, TreeQuerySet):  # type: ignore[misc, override]
    org_path_fields = ("path",)

    def active(self) -> OrgQuerySet:
        return self.filter(status=OrgStatus.ACTIVE)


class PartyOrganization(TreeNode):
    """A grass-roots party organization in the 隶属 tree (党委 → 党总支 → 党支部).

    Invariant: ``path`` follows ``parent`` (``core.tree``); only services write it. A merged
    or dissolved organization keeps its row (history) with ``status`` ≠ active.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField("组织编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=150)
    kind = models.CharField("类别", max_length=20, choices=OrgKind.choices)
    status = models.CharField(
        "状态", max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在区划",
        on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    is_community = models.BooleanField(
        "村、社区党组织", default=False, help_text="村、社区党支部任期5年"
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    term_started_on = models.DateField(
        "本届任期开始", null=True, blank=True, help_text="最近一次换届（或成立）日期"
    )
    term_years = models.PositiveSmallIntegerField(
        "任期（年）", null=True, blank=True, help_text="留空按规则参数"
    )
    formal_members = models.PositiveIntegerField("正式党员数", default=0)
    probationary_members = models.PositiveIntegerField("预备党员数", default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
    )
    ended_on = models.DateField("撤销/合并日期", null=True, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region="region")
    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path

    @property
    def members_total(self) -> int:
        return self.formal_members + self.probationary_members

    def term_ends_on(self, policy: CoveragePolicy) -> date | None:
        if self.term_started_on is None:
            return None
        years = self.term_years or default_term_years(self, policy)
        start = self.term_started_on
        try:
            return start.replace(year=start.year + years)
        except ValueError:  # 29 February
            return start.replace(year=start.year + years, day=28)


def default_term_years(org: PartyOrganization, policy: CoveragePolicy) -> int:
    if org.kind == OrgKind.COMMITTEE:
        return policy.term_years_committee
    if org.kind == OrgKind.GENERAL_BRANCH:
        return policy.term_years_general_branch
    if org.is_community:
        return policy.term_years_community_branch
    return policy.term_years_branch


class OrgAdministrator(models.Model):
    """Which organizations a user (usually a 党组织书记) administers: their subtree is in scope.

    A link model rather than a field on ``accounts.User`` so accounts stays unchanged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="administered_orgs"
    )
    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="administrators"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "党组织管理员"
        verbose_name_plural = "党组织管理员"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="org_admin_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"


class CommitteeMember(models.Model):
    """A secretary or committee member for one term; ``ended_on`` set when the term ends."""

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="committee"
    )
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=20, choices=CommitteePost.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["ended_on", "post", "started_on"]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.name}"


class OrgHistory(models.Model):
    """Readable history of an organization (founding, moves, merges, 换届, dissolution)."""

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="history"
    )
    kind = models.CharField("事项", max_length=20, choices=HistoryKind.choices)
    happened_on = models.DateField("日期")
    detail = models.CharField("说明", max_length=500, blank=True)
    related = models.ForeignKey(
        PartyOrganization,
        verbose_name="相关组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "党组织沿革"
        verbose_name_plural = "党组织沿革"
        ordering = ["-happened_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.get_kind_display()}"

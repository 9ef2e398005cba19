"""Party organizations, the 两新 entity registry, coverage, findings and snapshots.

Scope (``core.scoping``): every row has a region (the entity's or organization's place) and
is visible in that region's subtree. A user linked to organizations through
:class:`OrgAdministrator` (a 党组织书记) additionally sees those organizations' subtrees and
the entities, findings and committee rows that hang off them.

Party members are counted here (formal / probationary) on the organization and on the
entity. A later member-records app replaces the counts by ``COUNT`` over member rows; every
reader goes through :func:`services.coverage` / ``member_counts`` so only that function
changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import TreeNode, TreeQuerySet, subtree_q

from .choices import (
    OPEN_FINDING_STATUSES,
    CommitteePost,
    CoverageMode,
    EntityKind,
    FindingStatus,
    HistoryKind,
    Industry,
    InstructorRole,
    OrgKind,
    OrgStatus,
    Rule,
    SizeBand,
    WorkerGroup,
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


class _OrgAwareQuerySet(ScopedQuerySet):
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


class OrgQuerySet(_OrgAwareQuerySet, TreeQuerySet):  # type: ignore[misc, override]
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


class EntityQuerySet(_OrgAwareQuerySet):
    org_path_fields = ("organization__path",)

    def active(self) -> EntityQuerySet:
        return self.filter(is_active=True)


class Entity(models.Model):
    """One 两新 organization keyed by its 统一社会信用代码, with its coverage facts.

    Coverage columns live on the row (not a side table) so the coverage page is one
    ``GROUP BY`` over indexed columns. ``region_path`` and ``street`` are copies of the
    region's path and its 街道 ancestor, maintained by the services that set ``region``.
    """

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=EntityKind.choices)
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices, blank=True)
    employees = models.PositiveIntegerField("从业人员数", default=0)
    size_band = models.CharField("规模", max_length=10, choices=SizeBand.choices)
    address = models.CharField("地址", max_length=255, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    street = models.ForeignKey(
        "regions.Region",
        verbose_name="所在街道/乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervising_unit = models.CharField(
        "业务主管单位", max_length=150, blank=True, help_text="行业协会商会、社会组织填写"
    )
    is_active = models.BooleanField("存续", default=True)
    # Coverage (组织覆盖 / 工作覆盖) and members employed here.
    coverage_mode = models.CharField(
        "组织覆盖方式", max_length=10, choices=CoverageMode.choices, default=CoverageMode.NONE
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name="覆盖党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="covered_entities",
    )
    has_instructor = models.BooleanField("已派党建指导员/联络员", default=False)
    formal_members = models.PositiveIntegerField("正式党员数", default=0)
    probationary_members = models.PositiveIntegerField("预备党员数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="region_path")
    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = "两新组织"
        verbose_name_plural = "两新组织"
        ordering = ["credit_code"]
        indexes = [
            models.Index(fields=["street", "kind"], name="entity_street_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region_path

    @property
    def org_covered(self) -> bool:
        return self.coverage_mode != CoverageMode.NONE

    @property
    def work_covered(self) -> bool:
        return self.org_covered or self.has_instructor


class InstructorQuerySet(_OrgAwareQuerySet):
    org_path_fields = ("entity__organization__path",)


class Instructor(models.Model):
    """A 党建工作指导员 / 联络员 assigned to an entity (工作覆盖 where no organization exists)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="instructors")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField(
        "身份", max_length=20, choices=InstructorRole.choices, default=InstructorRole.INSTRUCTOR
    )
    phone = EncryptedField("手机号码", kind="phone")
    phone_bidx = BlindIndexField(source="phone")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    assigned_on = models.DateField("选派日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="entity__region_path")
    objects = InstructorQuerySet.as_manager()

    class Meta:
        verbose_name = "党建指导员"
        verbose_name_plural = "党建指导员"
        ordering = ["ended_on", "-assigned_on"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    @property
    def audit_region_path(self) -> str:
        return self.entity.region_path


class PlatformWorkforceQuerySet(ScopedQuerySet):
    pass


class PlatformWorkforce(models.Model):
    """Workers of a new-employment-group platform in one region (e.g. 外卖骑手 in a district)."""

    platform = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="workforce")
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField("群体", max_length=20, choices=WorkerGroup.choices)
    workers = models.PositiveIntegerField("从业人数", default=0)
    formal_members = models.PositiveIntegerField("其中正式党员", default=0)
    probationary_members = models.PositiveIntegerField("其中预备党员", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region="region")
    objects = PlatformWorkforceQuerySet.as_manager()

    class Meta:
        verbose_name = "新就业群体"
        verbose_name_plural = "新就业群体"
        ordering = ["platform", "region__code", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "region", "group"], name="workforce_once_per_region_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.workers}"


class FindingQuerySet(_OrgAwareQuerySet):
    org_path_fields = ("organization__path", "entity__organization__path")

    def open(self) -> FindingQuerySet:
        return self.filter(status__in=OPEN_FINDING_STATUSES)


class Finding(models.Model):
    """A gap the rules engine found, and the task to close it.

    Idempotent by ``(rule, subject_key)``: at most one open finding per rule and subject
    (partial unique constraint). Re-running the engine updates the evidence of open
    findings, opens new ones and auto-resolves those whose condition no longer holds.
    """

    rule = models.CharField("规则", max_length=30, choices=Rule.choices)
    subject_key = models.CharField("对象键", max_length=60)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    organization = models.ForeignKey(
        PartyOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    street = models.ForeignKey(
        "regions.Region",
        verbose_name="街道/乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_name = models.CharField("对象", max_length=200)
    evidence = models.CharField("依据事实", max_length=500)
    legal_basis = models.CharField("依据", max_length=200)
    responsible_level = models.CharField("责任主体", max_length=200)
    status = models.CharField(
        "状态", max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField("完成时限", null=True, blank=True)
    opened_at = models.DateTimeField("发现时间")
    last_seen_at = models.DateTimeField("最近核查")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_note = models.CharField("办结说明", max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="region_path")
    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "覆盖问题"
        verbose_name_plural = "覆盖问题"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status__in=["open", "assigned"]),
                name="finding_open_once",
            )
        ]
        indexes = [models.Index(fields=["status", "street"], name="finding_status_street_idx")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}：{self.subject_name}"

    @property
    def audit_region_path(self) -> str:
        return self.region_path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FINDING_STATUSES


class CoverageCellQuerySet(ScopedQuerySet):
    pass


class CoverageCell(models.Model):
    """Pre-aggregated coverage of the active entities of one street (街道/乡镇) by kind ×
    industry × size band. Rebuilt for the affected streets by every service that changes
    entities (``services.coverage.refresh_cells``, same transaction), and in full by the
    daily snapshot job, so the coverage page of a district reads a few thousand rows
    instead of grouping 50,000 entities. Invariant: equal to the live ``GROUP BY`` over
    ``Entity`` (tested). Street-level rows are only used for users whose jurisdiction
    contains whole streets; others get the live aggregation of their own rows.
    """

    street = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    street_path = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    industry = models.CharField(max_length=1, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices)
    total = models.PositiveIntegerField(default=0)
    org_covered = models.PositiveIntegerField(default=0)
    work_covered = models.PositiveIntegerField(default=0)
    instructor_only = models.PositiveIntegerField(default=0)
    single = models.PositiveIntegerField(default=0)
    joint = models.PositiveIntegerField(default=0)
    attached = models.PositiveIntegerField(default=0)
    formal_members = models.PositiveIntegerField(default=0)
    probationary_members = models.PositiveIntegerField(default=0)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="street_path")
    objects = CoverageCellQuerySet.as_manager()

    class Meta:
        verbose_name = "覆盖率汇总"
        verbose_name_plural = "覆盖率汇总"
        indexes = [models.Index(fields=["street_path"], name="cell_street_path_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "kind", "industry", "size_band"], name="coverage_cell_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_id} {self.kind} {self.industry} {self.size_band}: {self.total}"


class CoverageSnapshot(models.Model):
    """Coverage figures of the whole city on one day (rows per street × entity kind)."""

    taken_on = models.DateField("日期", unique=True)
    taken_at = models.DateTimeField("生成时间")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField("来源", max_length=20, default="periodic")

    class Meta:
        verbose_name = "覆盖率快照"
        verbose_name_plural = "覆盖率快照"
        ordering = ["taken_on"]

    def __str__(self) -> str:
        return f"覆盖率快照 {self.taken_on}"


class CoverageSnapshotRow(models.Model):
    snapshot = models.ForeignKey(CoverageSnapshot, on_delete=models.CASCADE, related_name="rows")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    total = models.PositiveIntegerField(default=0)
    org_covered = models.PositiveIntegerField(default=0)
    work_covered = models.PositiveIntegerField(default=0)
    formal_members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "覆盖率快照明细"
        verbose_name_plural = "覆盖率快照明细"

    def __str__(self) -> str:
        return f"{self.region_id} {self.kind} {self.org_covered}/{self.total}"

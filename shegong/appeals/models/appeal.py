"""The appeal, its petitioner and the policy that sets its clocks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet, ScopedUser
from shegong.core.tree import path_prefixes
from shegong.lib.masking import mask_identifiers

from ..choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    RedirectChannel,
    Stream,
    TimeUnit,
    Urgency,
)

APPEALS_VIEW = Cap.APPEALS_VIEW


def masked_copy(*texts: str | None) -> str:
    """``texts`` with identifiers masked, one per line: what a viewer who may not see the
    petitioner's identity reads, stored so that search filters it in SQL."""
    return "\n".join(mask_identifiers(t) for t in texts)


class MaskedCopyField(models.TextField):  # type: ignore[type-arg]
    """A read-only copy of other text fields of the row with identifiers masked
    (``masked_copy``), computed in ``pre_save``: ``save()``, ``objects.create``,
    ``bulk_create`` and ``core.db.bulk_insert`` all write it. ``QuerySet.update`` and
    ``bulk_update`` do not call ``pre_save``: a path that writes the sources that way must
    write this column too."""

    def __init__(self, *args: Any, sources: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = masked_copy(*(getattr(model_instance, s) for s in self.sources))
        setattr(model_instance, self.attname, value)
        return value


class AppealPolicy(models.Model):
    """The rules one kind of appeal runs under: clocks and limits, with their legal basis.

    Versioned and immutable once used: an appeal keeps the policy version it was registered
    under (``Appeal.policy``); changing a rule publishes a new version with its own
    ``effective_from`` (``services.policies.publish_policy_version``). A version may be
    limited to a region subtree (local rules, domain-rules §1.6); the most specific wins.
    """

    kind = models.CharField("诉求类别", max_length=30, choices=AppealKind.choices)
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateTimeField("生效时间")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="适用区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="留空表示全市适用",
    )
    name = models.CharField("名称", max_length=100)
    legal_basis = models.CharField("依据", max_length=255, blank=True)
    max_representatives = models.PositiveSmallIntegerField("集体访代表人数上限", default=5)
    max_extension_days = models.PositiveSmallIntegerField("延期上限（天）", default=30)
    max_extensions = models.PositiveSmallIntegerField("可延期次数", default=1)
    returns_before_escalation = models.PositiveSmallIntegerField(
        "退单几次后提级（属地兜底）", default=2
    )
    warn_hours = models.PositiveIntegerField("到期前提醒（小时）", default=24)
    escalate_after_hours = models.PositiveIntegerField("超期后再升级到部门（小时）", default=24)
    redo_target = models.CharField(
        "不满意重办交由",
        max_length=10,
        default="same",
        choices=[("same", "原承办单位"), ("above", "上一级单位")],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "办理规则"
        verbose_name_plural = "办理规则"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region", "version"], name="policy_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def clock(self, key: str, variant: str = "") -> PolicyClock | None:
        clocks = {(c.key, c.variant): c for c in self.clocks.all()}
        return clocks.get((key, variant)) or clocks.get((key, ""))


class PolicyClock(models.Model):
    """One time limit of a policy: value + unit (natural/working day, hour) + legal basis."""

    policy = models.ForeignKey(AppealPolicy, on_delete=models.CASCADE, related_name="clocks")
    key = models.CharField("时限", max_length=20, choices=ClockKey.choices)
    variant = models.CharField(
        "适用紧急程度",
        max_length=20,
        blank=True,
        choices=Urgency.choices,
        help_text="留空表示各紧急程度通用",
    )
    value = models.PositiveIntegerField("数值")
    unit = models.CharField("单位", max_length=20, choices=TimeUnit.choices)
    legal_basis = models.CharField("依据", max_length=255, blank=True)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        constraints = [
            models.UniqueConstraint(fields=["policy", "key", "variant"], name="policy_clock_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.value}{self.get_unit_display()}"


class PetitionerQuerySet(ScopedQuerySet):
    def same_person(self, *, phone_bidx: str = "", id_bidx: str = "") -> PetitionerQuerySet:
        """The petitioner rows of one person: same phone or same ID number (blind indexes).

        Filter appeals with ``petitioner_id__in=Petitioner.objects.same_person(…).values("pk")``,
        never with ``Q(petitioner__phone_bidx=…) | Q(petitioner__id_number_bidx=…)``: an OR
        across the join leaves SQLite no index to start from, and it scans every appeal (0.2 s
        at 50,000 appeals, linear in the table). This way it reads the two blind-index
        entries, then the appeals by ``petitioner_id``."""
        person = Q(pk__in=[])
        if phone_bidx:
            person |= Q(phone_bidx=phone_bidx)
        if id_bidx:
            person |= Q(id_number_bidx=id_bidx)
        return self.filter(person)


class Petitioner(models.Model):
    """A person who brings appeals. Identity is encrypted; the blind indexes link one
    person's appeals across channels (person history) without decrypting anything."""

    name = EncryptedField("姓名", kind="name")
    phone = EncryptedField("联系电话", kind="phone")
    phone_bidx = BlindIndexField(source="phone")
    id_number = EncryptedField("身份证号", kind="id_number")
    id_number_bidx = BlindIndexField(source="id_number")
    address = EncryptedField("住址", kind="text")
    phone_verified_at = models.DateTimeField("手机验证时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Person history is for roles that may see identities, within their region.
    scope = Scope(capability=Cap.APPEALS_PERSON_HISTORY, region=("appeals__region",))
    objects = PetitionerQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求人"
        verbose_name_plural = "诉求人"

    def __str__(self) -> str:
        return str(self.name) or "匿名"


def accused_hidden_q(user: ScopedUser | AnonymousUser | None, *, via: str = "") -> Q | None:
    """The 检举控告 ``user`` may not see (信访工作条例 第三十条): those against the user's
    unit or a unit above it; None when nothing is hidden (no unit, a superuser). ``via``:
    the foreign key from the queried model to the appeal (``"appeal"`` for work orders),
    ``""`` for appeals themselves."""
    unit_path = getattr(user, "scope_unit_path", None)
    if not unit_path or getattr(user, "is_superuser", False):
        return None
    accused = Appeal.accused_units.through.objects.filter(
        unit__path__in=path_prefixes(unit_path)
    ).values("appeal_id")
    kind = f"{via}__kind" if via else "kind"
    key = f"{via}_id" if via else "pk"
    return Q(**{kind: AppealKind.XF_ACCUSATION}) & Q(**{f"{key}__in": accused})


class AppealQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> AppealQuerySet:
        """Scope, then 信访工作条例 第三十条: the accused unit (and anyone inside it) never
        sees a 检举控告 against it. The units above it (its supervisors) may handle it."""
        qs = super().visible_to(user)
        hidden = accused_hidden_q(user)
        return qs.exclude(hidden) if hidden is not None else qs

    def open(self) -> AppealQuerySet:
        return self.filter(
            status__in=[
                AppealStatus.REGISTERED,
                AppealStatus.ACCEPTED,
                AppealStatus.DISPATCHED,
                AppealStatus.REPLIED,
            ]
        )


class Appeal(models.Model):
    """One matter a citizen raised. Status changes only in ``appeals.services``."""

    number = models.CharField("登记编号", max_length=32, unique=True)
    tracking_hash = models.CharField(max_length=64, editable=False)
    kind = models.CharField("类别", max_length=30, choices=AppealKind.choices)
    stream = models.CharField("来源体系", max_length=20, choices=Stream.choices, db_index=True)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    urgency = models.CharField(
        "紧急程度", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    # Title and body with identifiers masked, for search by viewers who may not see the
    # petitioner's identity (``services.identity.search_free_text``); written on every save.
    masked_search_text = MaskedCopyField("标题和内容（已脱敏）", sources=("title", "body"))
    region = models.ForeignKey(
        "regions.Region", verbose_name="发生地", on_delete=models.PROTECT, related_name="appeals"
    )
    address = models.CharField("详细地点", max_length=255, blank=True)
    petitioner = models.ForeignKey(
        Petitioner,
        verbose_name="诉求人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    identity_confidential = models.BooleanField(
        "身份保密",
        default=False,
        help_text="诉求人要求保密或检举控告：仅派单员及以上可见身份",
    )
    is_group = models.BooleanField("集体访/联名", default=False)
    headcount = models.PositiveIntegerField("人数", default=1)
    representatives = models.ManyToManyField(
        Petitioner, verbose_name="代表", blank=True, related_name="represented_appeals"
    )
    accused_units = models.ManyToManyField(
        "units.Unit", verbose_name="被检举控告单位", blank=True, related_name="accused_in"
    )
    proxied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代填人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proxy_note = models.CharField("代填说明", max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField("登记时间", db_index=True)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=AppealStatus.choices,
        default=AppealStatus.REGISTERED,
        db_index=True,
    )
    policy = models.ForeignKey(AppealPolicy, verbose_name="办理规则", on_delete=models.PROTECT)
    triage_due_at = models.DateTimeField("受理/告知期限", null=True, blank=True)
    triage_provisional = models.BooleanField(default=False)
    triage_breached_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decision_reason = models.TextField("不予受理/告知理由", blank=True)
    redirect_channel = models.CharField(
        "告知途径", max_length=30, blank=True, choices=RedirectChannel.choices
    )
    lead_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_appeals",
    )
    # The dispatcher's final category (taxonomy.csv 一级/二级): set when dispatching or
    # accepting a triage suggestion, correctable later. The label `shegong triage train`
    # learns from — the city's own practice, not the model's guess.
    category_l1 = models.CharField("诉求类别（一级）", max_length=50, blank=True)
    category_l2 = models.CharField("诉求类别（二级）", max_length=50, blank=True)
    category_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="定类人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returns = models.PositiveSmallIntegerField("退单次数", default=0)
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    revisit_due_at = models.DateTimeField("回访期限", null=True, blank=True)
    finality_at = models.DateTimeField(
        "复核终结时间",
        null=True,
        blank=True,
        help_text="信访工作条例 第三十六条第三款：同一事实和理由不再受理",
    )
    reply_text = models.TextField("答复意见", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Set when the petitioner's identity and the identifiers in the texts were erased
    # (services.anonymise, N years after the last step); irreversible.
    anonymised_at = models.DateTimeField("匿名化时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
        db_index=False,  # a partial index (Meta.indexes): almost every row is NULL
    )
    split_from = models.ForeignKey(
        "self",
        verbose_name="拆分自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="split_children",
        db_index=False,  # a partial index (Meta.indexes): almost every row is NULL
    )
    source_ref = models.CharField("外部编号", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    # Seen by the units that handle it and by the 复查/复核 bodies its reviews went to (the
    # body one level above may be outside the place's region and not a handling unit).
    scope = Scope(
        capability=APPEALS_VIEW,
        region="region",
        unit=("work_orders__unit", "reviews__reviewer_unit"),
    )
    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["status", "registered_at"]),
            models.Index(fields=["region", "registered_at"]),
            # The cockpit's rollup (``appeals.rollup.sync``) reads the appeals written since
            # its last run.
            models.Index(fields=["updated_at"], name="appeal_updated_at"),
            # Columns NULL in almost every row: a full index on them looks useless to the
            # planner's statistics (SQLite counts all NULLs as one value), so the merged or
            # split appeals of one appeal were found by scanning another index. A partial
            # index holds only the rows that have a value; ``merged_into_id = ?`` implies
            # the condition, on SQLite and PostgreSQL alike.
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="appeal_merged_into_set",
            ),
            models.Index(
                fields=["split_from"],
                condition=Q(split_from__isnull=False),
                name="appeal_split_from_set",
            ),
            # 复核终结 appeals are a handful: intake of every 信访 checks them for the same
            # person (``review.finality_conflict``), which scanned the table without this.
            models.Index(
                fields=["finality_at"],
                condition=Q(finality_at__isnull=False),
                name="appeal_finality_set",
            ),
            # The dispatcher's queues (``views_workbench._queues``): one open status each,
            # ordered by its own clock. The open rows of a status are a small share of the
            # table, so a partial index per queue holds only them, serves the ORDER BY and
            # the count; ``status = 'registered'`` implies the condition on both databases.
            # The daily anonymisation (services.anonymise.due_appeals): closed appeals not yet
            # anonymised, by closing time; the anonymised (old) rows leave the index.
            models.Index(
                fields=["closed_at"],
                condition=Q(anonymised_at__isnull=True, closed_at__isnull=False),
                name="appeal_to_anonymise",
            ),
            models.Index(
                fields=["triage_due_at"],
                condition=Q(status=AppealStatus.REGISTERED),
                name="appeal_queue_to_accept",
            ),
            models.Index(
                fields=["accepted_at"],
                condition=Q(status=AppealStatus.ACCEPTED),
                name="appeal_queue_to_dispatch",
            ),
            models.Index(
                fields=["replied_at"],
                condition=Q(status=AppealStatus.REPLIED),
                name="appeal_queue_to_close",
            ),
            # 人民建议 are a small share of the appeals: the cockpit's 人民建议 panel and the
            # suggestions list read one period of them in a region subtree (``stream =
            # 'suggestion'`` implies the condition). With (region, registered_at) the planner,
            # which starts from the regions, reads only the suggestions (bench/README.md:
            # 0.78 s → 0.04 s for a city's year at 600,000 appeals on SQLite). ``kind``, ``id``
            # and ``stream`` make it covering (the panel's count also filters on kind and
            # stream and joins the evaluations by id; SQLite covers only the columns in the
            # index, the condition's too): an index-only scan, where at 5,000,000 appeals
            # PostgreSQL read one heap page per suggestion (a district's year: 354 → 41 ms).
            models.Index(
                fields=["region", "registered_at", "kind", "id", "stream"],
                condition=Q(stream=Stream.SUGGESTION),
                name="appeal_suggestion_covering",
            ),
            # The same suggestions by time, for a viewer whose region is the whole tree (the
            # city: no region condition, so the index above cannot seek): SQLite otherwise
            # read the whole year of every appeal through ``registered_at`` and checked each
            # row's stream (the panel's count: 305 → 26 ms on the metro world with
            # 1,000,000 appeals, bench/README.md).
            models.Index(
                fields=["registered_at", "kind", "id", "stream"],
                condition=Q(stream=Stream.SUGGESTION),
                name="appeal_suggestion_period",
            ),
        ]

    def __str__(self) -> str:
        # The audit chain's ``target_repr`` is this (``audit.record(target=appeal)``) and the
        # chain can never be rewritten: the number only, never the title, which may carry a
        # name that anonymisation must be able to erase (docs/privacy.md).
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A save of only some fields that include the title or body refreshes the masked copy.
        fields = kwargs.get("update_fields")
        if fields is not None and {"title", "body"} & set(fields):
            kwargs["update_fields"] = [*fields, "masked_search_text"]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in {
            AppealStatus.REGISTERED,
            AppealStatus.ACCEPTED,
            AppealStatus.DISPATCHED,
            AppealStatus.REPLIED,
        }

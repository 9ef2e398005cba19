"""Training, award and evaluation records (记录办法 第八至十条)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    AwardLevel,
    EvaluationRating,
    RecordStatus,
)
from .activities import Activity, Signup
from .common import VOLUNTEERS_VIEW
from .people import Team, Volunteer


class RecordQuerySet(ScopedQuerySet):
    def valid(self) -> RecordQuerySet:
        return self.filter(status=RecordStatus.VALID)


# Who may read — and, through the services, correct or void — a record: staff whose region
# holds the volunteer's residence region, and staff of the unit that recorded it
# (``recorder_unit``: the recording team's unit, or the recording person's unit) or of a
# unit above it. Team membership is deliberately not a path: a volunteer's current or past
# team gives its unit no hold over records another unit made.
RECORD_SCOPE = Scope(
    capability=VOLUNTEERS_VIEW,
    region="volunteer__region",
    unit=("recorder_unit", "team__unit"),
)


class VolunteerRecord(models.Model):
    """Common part of the training, award and evaluation records.

    Invariants: written only by ``services.records`` (audited). A correction (第十三条)
    edits the row in place, increments ``revision`` and records the old/new values in the
    audit trail; voiding sets ``status=voided`` with a reason and keeps the row — records
    are never deleted. ``recorded_at`` (entry) and the event date are both kept, so an
    evaluation made later than 10 working days after the service is visible (第十一条,
    which covers service and evaluation records). ``recorder_unit`` scopes the record
    (``RECORD_SCOPE``).
    """

    team = models.ForeignKey(
        Team,
        verbose_name="记录队伍",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder_name = models.CharField("记录单位", max_length=100)
    # The unit that made the record (the team's unit, else the recording person's unit;
    # imports too): it scopes who may read and change the record (``RECORD_SCOPE``).
    recorder_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="记录机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.VALID
    )
    revision = models.PositiveIntegerField("版本", default=1)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField("作废原因", max_length=255, blank=True)

    scope = RECORD_SCOPE
    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_valid(self) -> bool:
        return self.status == RecordStatus.VALID

    @property
    def audit_region_path(self) -> str:
        """Audit events about the record are filed under the volunteer's region."""
        return str(self.volunteer.region.path)  # type: ignore[attr-defined]


class TrainingRecord(VolunteerRecord):
    """培训记录 (记录办法 第八条): 名称、主要内容、学习时长、举办单位、日期."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField("培训名称", max_length=120)
    content = models.CharField("主要内容", max_length=255)
    hours = models.DecimalField("学习时长（小时）", max_digits=6, decimal_places=2)
    organizer = models.CharField("举办单位", max_length=100)
    held_on = models.DateField("培训日期")

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-held_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="vol_training_hours")]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on}"

    @property
    def event_date(self) -> Any:
        return self.held_on


class AwardRecord(VolunteerRecord):
    """表彰奖励记录 (记录办法 第九条): 名称、日期、授予单位. A government award at county
    level or higher (``government`` and ``level`` in ``PROOF_LEVELS``) is recorded only with
    the proof the volunteer provided (``proof_note``: document number / attachment note)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField("表彰奖励名称", max_length=120)
    awarded_on = models.DateField("表彰日期")
    grantor = models.CharField("授予单位", max_length=100)
    level = models.CharField(
        "授予级别", max_length=12, choices=AwardLevel.choices, default=AwardLevel.OTHER
    )
    government = models.BooleanField("人民政府或其部门授予", default=False)
    proof_note = models.CharField("证明材料", max_length=255, blank=True)

    class Meta:
        verbose_name = "表彰奖励记录"
        verbose_name_plural = "表彰奖励记录"
        ordering = ["-awarded_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} {self.awarded_on}"

    @property
    def event_date(self) -> Any:
        return self.awarded_on


class EvaluationRecord(VolunteerRecord):
    """服务评价 (记录办法 第十条): the organising team's 服务质量评价 and 评价日期 of one
    service — a confirmed sign-up (``signup``; at most one valid evaluation each) or a
    service named by ``title``/``service_date``."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="evaluations")
    signup = models.ForeignKey(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("服务项目", max_length=120)
    service_date = models.DateField("服务日期")
    rating = models.CharField("服务质量评价", max_length=10, choices=EvaluationRating.choices)
    comment = models.CharField("评语", max_length=255, blank=True)
    evaluated_on = models.DateField("评价日期")

    class Meta:
        verbose_name = "服务评价"
        verbose_name_plural = "服务评价"
        ordering = ["-evaluated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(status="valid", signup__isnull=False),
                name="vol_one_eval_per_signup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.get_rating_display()}"

    @property
    def event_date(self) -> Any:
        return self.service_date

"""What a meeting leaves behind besides its minutes: photos, voted resolutions, 民主评议
grades."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import Grade
from .meetings import Meeting


class MeetingRowQuerySet(OrgAwareQuerySet):
    org_path_fields = ("meeting__organization__path",)


def photo_path(instance: MeetingPhoto, filename: str) -> str:
    return f"orglife/{instance.meeting_id}/{instance.token}{instance.extension}"


class MeetingPhoto(models.Model):
    """A photo of the meeting. Type checked by content, stored under a random name outside
    any public URL, served only through ``orglife:photo`` (meeting loaded via visible_to)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=photo_path, max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField("大小")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="meeting__organization__region")
    objects = MeetingRowQuerySet.as_manager()

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Resolution(models.Model):
    """A decision of the meeting. At a 支部党员大会 a vote is recorded (yes/no/abstain of the
    voting members present) and ``passed`` follows the two-step rule
    (``partyrules.meetings.assembly_passes``: quorum, then yes > half of voting members due)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    text = models.CharField("决议事项", max_length=500)
    yes = models.PositiveSmallIntegerField("赞成", null=True, blank=True)
    no = models.PositiveSmallIntegerField("反对", null=True, blank=True)
    abstain = models.PositiveSmallIntegerField("弃权", null=True, blank=True)
    voting_due = models.PositiveSmallIntegerField("应到有表决权党员", null=True, blank=True)
    voting_present = models.PositiveSmallIntegerField("实到有表决权党员", null=True, blank=True)
    passed = models.BooleanField("通过", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="meeting__organization__region")
    objects = MeetingRowQuerySet.as_manager()

    class Meta:
        verbose_name = "决议"
        verbose_name_plural = "决议"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class EvaluationGrade(models.Model):
    """民主评议 grade of one member at an EVALUATION meeting (预备党员 are never graded)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="grades")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="evaluation_grades"
    )
    grade = models.CharField("评议等次", max_length=20, choices=Grade.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="meeting__organization__region")
    objects = MeetingRowQuerySet.as_manager()

    class Meta:
        verbose_name = "民主评议等次"
        verbose_name_plural = "民主评议等次"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="evaluation_grade_once")
        ]

    def __str__(self) -> str:
        return self.get_grade_display()

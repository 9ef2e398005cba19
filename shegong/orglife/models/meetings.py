"""``Meeting`` and ``Attendance``.

Contract read by ``compliance``:

* A meeting counts as held for its kind in the period containing ``held_on`` when
  ``status == held``. ``minutes_recorded_at`` is when minutes were **first** saved (later
  corrections keep it; late minutes are a compliance finding); ``minutes`` is their text.
* ``Attendance`` has one row per (meeting, member) for every member expected at the meeting;
  ``status`` says present / leave / absent. For the meetings of the whole branch
  (``choices.ROLL_KINDS``: 支部党员大会, 党课, 主题党日, 组织生活会, 民主评议党员) that is every
  party member (预备 and 正式) on the branch roll when it is held: ``services.hold_meeting``
  adds an ``absent`` row for each one without a row. For 支委会, 党小组会 and 谈心谈话 only the
  participants recorded have rows (nobody else is marked absent). A member's 组织生活 in a
  month = an attendance row with ``status == present`` at a held meeting of the member's
  branch in that month. Read path: ``Attendance.objects.filter(status=present,
  meeting__status=held, meeting__held_on__range=…)``.
* ``Meeting.quorum_met`` is stored when the meeting is held (and refreshed when attendance
  changes afterwards): True/False for 支部党员大会 (D13 voting members) and 支委会 (null while
  the committee counts are missing), null for kinds without a quorum rule. Minutes are late
  when the local date of ``minutes_recorded_at`` is after ``held_on`` +
  ``services.minutes_due_days()`` (setting ``SHEGONG_ORGLIFE_MINUTES_DUE_DAYS``, default 7),
  or missing after that day. Photos, voted resolutions and 民主评议 grades are in
  ``models.records`` (``MeetingPhoto``, ``Resolution``, ``EvaluationGrade``).
* ``WorkAssignment``: work the branch assigned to a member (设岗定责, 党员承诺, a 双报到
  post …). A member has assigned work in a month when an assignment's
  ``[starts_on, ends_on]`` (``ends_on`` null = open) overlaps that month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import AttendanceMethod, AttendanceStatus, MeetingKind, MeetingStatus


class MeetingQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)

    def held(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.HELD)


class Meeting(models.Model):
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField("类型", max_length=20, choices=MeetingKind.choices)
    title = models.CharField("主题", max_length=200)
    held_on = models.DateField("日期")
    starts_at = models.DateTimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    agenda = models.TextField("议程", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField("会议记录", blank=True)
    minutes_recorded_at = models.DateTimeField("记录提交时间", null=True, blank=True)
    resolutions = models.TextField("决议", blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    committee_size = models.PositiveSmallIntegerField(
        "应到委员数", null=True, blank=True, help_text="支委会：在任支委人数"
    )
    committee_present = models.PositiveSmallIntegerField("实到委员数", null=True, blank=True)
    quorum_met = models.BooleanField("达到法定人数", null=True, blank=True)
    held_recorded_at = models.DateTimeField("登记召开时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="organization__region")
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活会议"
        verbose_name_plural = "组织生活会议"
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["organization", "kind", "held_on"], name="meeting_org_idx"),
            models.Index(fields=["held_on", "kind"], name="meeting_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}：{self.title}"

    @property
    def audit_region_path(self) -> str:
        return str(self.organization.region.path)


class AttendanceQuerySet(OrgAwareQuerySet):
    org_path_fields = ("meeting__organization__path",)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField("出席情况", max_length=10, choices=AttendanceStatus.choices)
    method = models.CharField(
        "登记方式", max_length=10, choices=AttendanceMethod.choices, blank=True
    )
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now=True)

    # Not stored: set by the QR sign-in service when the member had already signed in
    # (a second tap on 确认签到), so the page says "已签到" instead of signing in again.
    already_present: bool = False

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="meeting__organization__region")
    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class WorkAssignmentQuerySet(OrgAwareQuerySet):
    org_path_fields = ("member__organization__path",)


class WorkAssignment(models.Model):
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="work_assignments"
    )
    title = models.CharField("工作内容", max_length=200)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.ORGLIFE_VIEW, region="member__organization__region")
    objects = WorkAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "党员分配的工作"
        verbose_name_plural = "党员分配的工作"
        indexes = [models.Index(fields=["member", "starts_on"], name="assignment_member_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return str(self.member.organization.region.path)

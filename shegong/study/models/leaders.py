"""党组织书记 profiles and their 述职评议 results.

The secretary and the term are ``organizations.CommitteeMember`` rows with post 书记 (the
organizations app owns them: 换届, 增补, 离任). A ``SecretaryProfile`` adds what the study app
needs to that row: which ``Member`` record (if any) is the person, so their training hours
are read from ``StudyRecord``. ``SecretaryReview`` is one year's 述职评议 result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import ReviewGrade


class SecretaryProfileQuerySet(OrgAwareQuerySet):
    org_path_fields = ("committee_member__organization__path",)


class SecretaryProfile(models.Model):
    committee_member = models.OneToOneField(
        "organizations.CommitteeMember",
        verbose_name="班子任职",
        on_delete=models.CASCADE,
        related_name="study_profile",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="secretary_profiles",
    )
    note = models.CharField("备注", max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.STUDY_VIEW, region="committee_member__organization__region")
    objects = SecretaryProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "书记档案"
        verbose_name_plural = "书记档案"

    def __str__(self) -> str:
        return str(self.committee_member)

    @property
    def audit_region_path(self) -> str:
        return str(self.committee_member.organization.region.path)


class SecretaryReviewQuerySet(OrgAwareQuerySet):
    org_path_fields = ("committee_member__organization__path",)


class SecretaryReview(models.Model):
    """One year's 述职评议 of a secretary (one row per term row and year)."""

    committee_member = models.ForeignKey(
        "organizations.CommitteeMember",
        verbose_name="书记任职",
        on_delete=models.CASCADE,
        related_name="study_reviews",
    )
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField("评议等次", max_length=20, choices=ReviewGrade.choices)
    evaluator = models.CharField("评议主体", max_length=100)
    comments = models.TextField("评议意见", blank=True)
    reviewed_on = models.DateField("评议日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.STUDY_VIEW, region="committee_member__organization__region")
    objects = SecretaryReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "述职评议"
        verbose_name_plural = "述职评议"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee_member", "year"], name="secretary_review_once_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.get_grade_display()}"

    @property
    def audit_region_path(self) -> str:
        return str(self.committee_member.organization.region.path)

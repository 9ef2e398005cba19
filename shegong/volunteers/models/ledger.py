"""The append-only, hash-chained hours ledger, certificates and ledger verifications."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    AwardLevel,
    CertificateStatus,
    EntryKind,
)
from .activities import Activity
from .common import VOLUNTEERS_VIEW
from .people import Team, Volunteer


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("hours entries are append-only: add a reversing entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("hours entries are append-only: add a reversing entry instead")


class HoursEntry(models.Model):
    """One entry of a volunteer's hours ledger (append-only, hash-chained per volunteer).

    ``hours`` is negative only for a REVERSAL, which names the entry it reverses
    (``reverses``); an entry is reversed at most once. ``hash = SM3(canonical JSON incl.
    prev_hash)`` — see ``services.ledger.entry_hash``. ``source_ref`` lets later apps (the
    双报到 party-member register) link their own record ("party.member:123").
    """

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField("类型", max_length=12, choices=EntryKind.choices)
    hours = models.DecimalField("时长（小时）", max_digits=7, decimal_places=2)
    service_date = models.DateField("服务日期")
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="服务地点", on_delete=models.PROTECT, related_name="+"
    )
    report_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("活动名称", max_length=120)
    content = models.CharField("服务内容", max_length=255, blank=True)
    organizer = models.CharField("活动组织单位", max_length=100)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmer_repr = models.CharField("确认人", max_length=150)
    recorded_at = models.DateTimeField("记录时间")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField("冲正原因", max_length=255, blank=True)
    source_ref = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="region", unit="team__unit")
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "服务时长记录"
        verbose_name_plural = "服务时长记录"
        ordering = ["volunteer_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "seq"], name="vol_entry_seq"),
        ]
        # The cockpit's period (service date): without it a period's sums were found region
        # by region through every region of the city. Covering (region, volunteer, hours):
        # a metro year's 21,000 rows are summed from the index alone (0.3 s → see
        # docs/cockpit.md).
        indexes = [
            models.Index(
                fields=["service_date", "region", "volunteer", "hours"], name="vol_entry_date_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.hours}h"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("hours entries are append-only: add a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("hours entries are append-only: add a reversing entry instead")


class CertificateQuerySet(ScopedQuerySet):
    pass


class Certificate(models.Model):
    """A 志愿服务记录证明 (记录办法 第十四、十五、十七条): the hours and service records of a
    volunteer up to ledger entry ``ledger_seq`` whose hash was ``ledger_hash``.

    ``signature`` is an HMAC over the printed contents (so an edit of this row is detected);
    the verification page also re-walks the volunteer's chain up to ``ledger_seq`` (so an
    edit of the ledger is detected). Revocation keeps the row.
    """

    number = models.CharField("证明编号", max_length=32, unique=True)
    verify_code = models.CharField(max_length=40, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    issuer_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField("记录单位", max_length=100)
    name_masked = models.CharField(max_length=50)
    id_masked = models.CharField(max_length=30)
    hours = models.DecimalField("服务时长", max_digits=10, decimal_places=2)
    entry_count = models.PositiveIntegerField()
    ledger_seq = models.PositiveIntegerField()
    ledger_hash = models.CharField(max_length=64)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=255, blank=True)
    # 记录办法 第十四条: other recorded information may be added. When chosen, the training
    # and award records printed on the certificate are kept here (as printed, with each
    # record's id and revision) and covered by the signature.
    include_records = models.BooleanField("包含培训与表彰记录", default=False)
    records = models.JSONField("证明所列培训与表彰记录", default=list, blank=True)
    signature = models.CharField(max_length=64)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="volunteer__region", unit="issuer_team__unit")
    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务记录证明"
        verbose_name_plural = "志愿服务记录证明"
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def records_display(self) -> list[dict[str, Any]]:
        """``records`` for pages and the PDF: the signed records keep the award level's
        stored value (``county``); people read its label (县（区）级)."""
        labels = dict(AwardLevel.choices)
        return [
            {**item, "level": labels.get(item["level"], item["level"])} if "level" in item else item
            for item in self.records
        ]


class LedgerVerification(models.Model):
    """Outcome of ``shegong verify-volunteer-ledger`` (kept for the audit page)."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    volunteers_checked = models.PositiveIntegerField()
    entries_checked = models.PositiveIntegerField()
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"

"""``Transfer``: one 组织关系转接 of one member, and its ``TransferStep`` timeline.

Invariants (enforced by ``services.workflow``, the only writer):

* a member has **at most one open transfer** (``OPEN_STATUSES``) — the partial unique index
  ``transfer_one_open_per_member`` makes the database refuse a second one even when two
  requests race past the service's own check;
* ``Member.organization`` always names exactly one branch: a 市内 transfer moves it in the
  same transaction that completes the transfer (the member row locked with
  ``select_for_update``); the member stays on the old branch's roll, ``standing =
  transferring``, until the receiving end accepts.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import OPEN_STATUSES, TransferAction, TransferKind, TransferStatus


class TransferQuerySet(OrgAwareQuerySet):
    """Visible where either end lies in the user's jurisdiction or administered subtree."""

    org_path_fields = ("from_organization__path", "to_organization__path")

    def open(self) -> TransferQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Transfer(models.Model):
    number = models.CharField("介绍信编号", max_length=30, blank=True, db_index=True)
    kind = models.CharField("转接类型", max_length=10, choices=TransferKind.choices)
    status = models.CharField("状态", max_length=20, choices=TransferStatus.choices)
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="transfers"
    )
    from_organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="转出党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="接收党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    outside_organization = models.CharField(
        "外地党组织", max_length=200, blank=True, help_text="转出本市的去向，或转入的来源"
    )
    outside_letter_number = models.CharField("外地介绍信编号", max_length=60, blank=True)
    reason = models.CharField("转接原因", max_length=200, blank=True)
    dues_paid_through = models.DateField(
        "党费交到", null=True, blank=True, help_text="该月第一天，表示党费已交至该月"
    )
    started_on = models.DateField("发起日期")
    letter_issued_on = models.DateField("介绍信开具日期", null=True, blank=True)
    letter_valid_until = models.DateField("介绍信有效期至", null=True, blank=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)
    created_member = models.BooleanField(
        "转入时新建党员记录", default=False, help_text="撤销时据此恢复党员记录的在册状态"
    )
    previous_standing = models.CharField("发起前在册状态", max_length=20, blank=True)
    previous_organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="转入前记录所在党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="重新转入本市时，原记录所在的党组织（撤销时恢复）",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(
        capability=Cap.MEMBERS_VIEW,
        region=("from_organization__region", "to_organization__region"),
    )
    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=OPEN_STATUSES),
                name="transfer_one_open_per_member",
                violation_error_message="该党员已有正在办理的组织关系转接",
            ),
            models.CheckConstraint(
                condition=Q(kind=TransferKind.IN) | Q(from_organization__isnull=False),
                name="transfer_from_required",
            ),
            models.CheckConstraint(
                condition=Q(kind=TransferKind.OUT) | Q(to_organization__isnull=False),
                name="transfer_to_required",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="transfer_status_idx")]

    def __str__(self) -> str:
        return f"组织关系转接 {self.number or self.pk}"

    @property
    def audit_region_path(self) -> str:
        org = self.from_organization or self.to_organization
        return str(org.region.path) if org is not None else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def from_label(self) -> str:
        if self.from_organization is not None:
            return self.from_organization.name
        return self.outside_organization or "外地党组织"

    @property
    def to_label(self) -> str:
        if self.to_organization is not None:
            return self.to_organization.name
        return self.outside_organization or "外地党组织"

    def letter_expired(self, today: date) -> bool:
        """The 介绍信 is past its 有效期 while the receiving end has not accepted."""
        return (
            self.letter_valid_until is not None
            and self.status == TransferStatus.PENDING_IN
            and today > self.letter_valid_until
        )

    @property
    def has_letter(self) -> bool:
        return self.letter_issued_on is not None


class TransferStep(models.Model):
    """One step of a transfer's timeline (who did what, when, with which note)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=20, choices=TransferAction.choices)
    from_status = models.CharField(
        "原状态", max_length=20, choices=TransferStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=20, choices=TransferStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("意见", max_length=300, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "转接步骤"
        verbose_name_plural = "转接步骤"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"

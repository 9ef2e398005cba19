"""Reminders before each 发展党员 window closes (the talk within a month, the half-yearly
assessment, the 党委 approval within 3 months, the end of 预备期).

Daily job ``members.remind_development_deadlines``: for every person on the path, each open
deadline due within ``MembersPolicy.remind_days_before`` days sends one notice to the
branch's administrators, and one more once it is overdue. ``DeadlineReminder`` (unique per
member, deadline, due date and overdue flag) makes the job idempotent: running it twice,
or every day of the window, sends each notice once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.notify import notify
from shegong.organizations.models import OrgAdministrator

from ..choices import PIPELINE_STAGES
from ..models import DeadlineReminder, Member, MembersPolicy
from .development import library_policy, pipeline

CHUNK = 1000


def remind_development_deadlines(today: date | None = None) -> int:
    """Send the due reminders; returns how many notices went out."""
    today = today or timezone.localdate()
    members_policy = MembersPolicy.current()
    window = members_policy.remind_days_before
    policy = library_policy(members_policy)
    base = Member.objects.on_roll().filter(stage__in=PIPELINE_STAGES).select_related("organization")
    sent = 0
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return sent
        last = chunk[-1].pk
        admins: dict[int, list[User]] = defaultdict(list)
        for link in OrgAdministrator.objects.filter(
            organization__in={m.organization_id for m in chunk}
        ).select_related("user"):
            admins[link.organization_id].append(link.user)
        for row in pipeline(chunk, today, policy):
            for deadline in row.deadlines:
                overdue = deadline.days_left < 0
                if not overdue and deadline.days_left > window:
                    continue
                try:
                    with transaction.atomic():
                        DeadlineReminder.objects.create(
                            member=row.member, code=deadline.code, due=deadline.due, overdue=overdue
                        )
                except IntegrityError:
                    continue  # already sent
                member = row.member
                state = (
                    f"已逾期 {-deadline.days_left} 天"
                    if overdue
                    else f"还有 {deadline.days_left} 天"
                )
                sent += notify(
                    admins[member.organization_id],
                    f"发展党员期限提醒：{deadline.what}",
                    f"{member.organization.name} {member.name}（{member.get_stage_display()}）："
                    f"{deadline.what}，期限 {deadline.due:%Y-%m-%d}，{state}。"
                    f"依据：{deadline.basis}",
                    url=reverse("members:detail", args=[member.pk]),
                    level="danger" if overdue else "warning",
                )

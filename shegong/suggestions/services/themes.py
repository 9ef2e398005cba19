"""专项征集 themes: create, edit, publish, close, conclude; link suggestions to a theme.

上海市人民建议征集若干规定 第八、十一条: a solicitation publishes its topic, channels and
deadline; 第十二条: results of a solicitation may be published collectively (``summary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal
from shegong.core import audit
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.permissions import require_capability
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..choices import (
    LINKABLE_THEME_STATES,
    THEME_TRANSITIONS,
    ThemeAction,
    ThemeStatus,
)
from ..models import SolicitationTheme, ThemeSubmission
from .common import MANAGE, load_suggestion, text_required

EDITABLE_FIELDS = (
    "title",
    "description",
    "background",
    "channel_note",
    "start_date",
    "end_date",
    "region_id",
    "owner_unit_id",
)


@dataclass
class ThemeData:
    title: str
    description: str
    start_date: date
    end_date: date
    owner_unit_id: int
    region_id: int | None = None
    background: str = ""
    channel_note: str = ""


def _next_status(theme: SolicitationTheme, action: str) -> str:
    target = THEME_TRANSITIONS.get((theme.status, action))
    if target is None:
        raise TransitionNotAllowed(
            f"主题当前为“{ThemeStatus(theme.status).label}”，不能“{ThemeAction(action).label}”"
        )
    return target


def _clean(actor: User, data: ThemeData) -> dict[str, Any]:
    errors: list[str] = []
    title = (data.title or "").strip()
    if not 2 <= len(title) <= 200:
        errors.append("请填写征集主题（2–200字）")
    description = (data.description or "").strip()
    if len(description) < 10:
        errors.append("请写清征集内容与要求（至少10个字）")
    if data.start_date is None or data.end_date is None:
        errors.append("请填写征集起止日期")
    elif data.end_date < data.start_date:
        errors.append("截止日期不能早于开始日期")
    unit = Unit.objects.visible_to(actor).filter(pk=data.owner_unit_id, is_active=True).first()
    if unit is None:
        errors.append("发起单位不存在或不在您的管辖范围内")
    region = None
    if data.region_id:
        region = Region.objects.visible_to(actor).filter(pk=data.region_id).first()
        if region is None:
            errors.append("征集范围不在您的管辖范围内")
    elif not (actor.is_superuser or actor.has_citywide_scope):
        errors.append("只有全市管辖范围的人员可以发起全市征集，请选择征集范围")
    if errors:
        raise DomainError("；".join(errors))
    return {
        "title": title,
        "description": description,
        "background": (data.background or "").strip(),
        "channel_note": (data.channel_note or "").strip()[:255],
        "start_date": data.start_date,
        "end_date": data.end_date,
        "region_id": region.pk if region else None,
        "owner_unit_id": unit.pk if unit else None,
    }


def _load(actor: User, theme_id: int) -> SolicitationTheme:
    theme = (
        SolicitationTheme.objects.visible_to(actor).select_for_update().filter(pk=theme_id).first()
    )
    if theme is None:
        raise DomainError("征集主题不存在或不在您的管辖范围内", code="not_found")
    return theme


def create_theme(*, actor: User, data: ThemeData) -> SolicitationTheme:
    """A draft theme; nothing is public until :func:`publish_theme`."""
    require_capability(actor, MANAGE, "您的角色不能发起征集")
    values = _clean(actor, data)
    with transaction.atomic():
        theme = SolicitationTheme.objects.create(created_by=actor, **values)
        audit.record(
            "solicitation_theme_created",
            actor=actor,
            target=theme,
            changes=audit.snapshot(theme, ["title", "start_date", "end_date", "region"]),
        )
    return theme


def update_theme(*, actor: User, theme_id: int, data: ThemeData) -> SolicitationTheme:
    """Edit a draft or open theme (a closed one is history: only its result may change)."""
    require_capability(actor, MANAGE, "您的角色不能修改征集主题")
    values = _clean(actor, data)
    with transaction.atomic():
        theme = _load(actor, theme_id)
        if theme.status not in (ThemeStatus.DRAFT, ThemeStatus.OPEN):
            raise DomainError("征集已结束，不能再修改主题内容")
        before = audit.snapshot(theme)
        for key, value in values.items():
            setattr(theme, key, value)
        theme.save()
        # The edit may have moved the theme out of the actor's own scope (house rule 3).
        if not SolicitationTheme.objects.visible_to(actor).filter(pk=theme.pk).exists():
            raise PermissionDenied("修改后的主题将不在您的管辖范围内")
        audit.record(
            "solicitation_theme_updated",
            actor=actor,
            target=theme,
            changes=audit.diff(before, audit.snapshot(theme)),
        )
    return theme


def publish_theme(*, actor: User, theme_id: int, now: datetime | None = None) -> SolicitationTheme:
    """draft → open: the theme appears on the portal from its start date."""
    require_capability(actor, MANAGE, "您的角色不能发布征集")
    now = now or timezone.now()
    with transaction.atomic():
        theme = _load(actor, theme_id)
        target = _next_status(theme, ThemeAction.PUBLISH)
        if theme.end_date < timezone.localdate(now):
            raise DomainError("截止日期已过，请先修改征集起止日期")
        before = theme.status
        theme.status = target
        theme.published_at = now
        theme.save(update_fields=["status", "published_at", "updated_at"])
        audit.record(
            "solicitation_theme_published",
            actor=actor,
            target=theme,
            at=now,
            changes={"status": [before, theme.status]},
        )
    return theme


def close_theme(*, actor: User, theme_id: int, now: datetime | None = None) -> SolicitationTheme:
    """open → closed (before or after the end date; the portal stops accepting)."""
    require_capability(actor, MANAGE, "您的角色不能结束征集")
    now = now or timezone.now()
    with transaction.atomic():
        theme = _load(actor, theme_id)
        before = theme.status
        theme.status = _next_status(theme, ThemeAction.CLOSE)
        theme.closed_at = now
        theme.save(update_fields=["status", "closed_at", "updated_at"])
        audit.record(
            "solicitation_theme_closed",
            actor=actor,
            target=theme,
            at=now,
            changes={"status": [before, theme.status]},
        )
    return theme


def conclude_theme(
    *, actor: User, theme_id: int, summary: str, now: datetime | None = None
) -> SolicitationTheme:
    """closed → concluded with the results published on the portal (上海 第十二条)."""
    require_capability(actor, MANAGE, "您的角色不能公布征集结果")
    now = now or timezone.now()
    summary = text_required(summary, "征集结果", minimum=10)
    with transaction.atomic():
        theme = _load(actor, theme_id)
        before = theme.status
        theme.status = _next_status(theme, ThemeAction.CONCLUDE)
        theme.summary = summary
        theme.concluded_at = now
        theme.save(update_fields=["status", "summary", "concluded_at", "updated_at"])
        audit.record(
            "solicitation_theme_concluded",
            actor=actor,
            target=theme,
            at=now,
            changes={"status": [before, theme.status], "summary_length": len(summary)},
        )
    return theme


def close_expired_themes(now: datetime | None = None) -> int:
    """Periodic: close open themes whose end date has passed. Compare-and-swap per theme,
    so two workers never close (or audit) one theme twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    closed = 0
    for theme in SolicitationTheme.objects.filter(status=ThemeStatus.OPEN, end_date__lt=today):
        with transaction.atomic():
            won = SolicitationTheme.objects.filter(pk=theme.pk, status=ThemeStatus.OPEN).update(
                status=ThemeStatus.CLOSED, closed_at=now, updated_at=now
            )
            if won:
                audit.record(
                    "solicitation_theme_closed",
                    actor=None,
                    target=theme,
                    at=now,
                    changes={"status": [ThemeStatus.OPEN, ThemeStatus.CLOSED]},
                    note="征集截止日期已过，自动结束",
                )
                closed += 1
    return closed


# --- linking suggestions to themes ------------------------------------------------------------


def open_theme_for_portal(theme_id: Any, today: date | None = None) -> SolicitationTheme | None:
    """The theme a portal visitor may submit to, or None (bad id, draft, outside window)."""
    try:
        pk = int(str(theme_id))
    except (TypeError, ValueError):
        return None
    today = today or timezone.localdate()
    return SolicitationTheme.objects.accepting(today).filter(pk=pk).first()


def link_submission(
    appeal: Appeal, theme_id: Any, *, now: datetime | None = None
) -> ThemeSubmission | None:
    """Portal hook: link a suggestion the citizen just submitted from a theme page.

    Called by the portal's submit view after ``submit_appeal`` with the ``theme`` value the
    theme page put in the URL. It never raises — a stale or forged theme id must not break a
    citizen's submission — and returns the link, or None when nothing was linked (no theme,
    theme not accepting today, appeal not a 人民建议, appeal already linked). Idempotent.
    """
    if theme_id in (None, "") or appeal is None or appeal.pk is None:
        return None
    if appeal.kind != AppealKind.PEOPLE_SUGGESTION:
        return None
    now = now or timezone.now()
    theme = open_theme_for_portal(theme_id, timezone.localdate(now))
    if theme is None:
        return None
    with transaction.atomic():
        link, created = ThemeSubmission.objects.get_or_create(
            appeal=appeal, defaults={"theme": theme, "via_portal": True, "linked_at": now}
        )
        if not created:
            return link if link.theme_id == theme.pk else None
        audit.record(
            "theme_submission_linked",
            actor=None,
            target=link,
            at=now,
            changes={"theme": theme.pk, "appeal": appeal.number, "via": "portal"},
        )
    return link


def link_appeal_to_theme(
    *, actor: User, appeal_id: int, theme_id: int, now: datetime | None = None
) -> ThemeSubmission:
    """Staff: link (or move) a suggestion to a theme — e.g. a letter answering 每月一题, or
    a portal submission made before the portal hook existed."""
    require_capability(actor, MANAGE, "您的角色不能关联征集主题")
    now = now or timezone.now()
    with transaction.atomic():
        appeal = load_suggestion(actor, appeal_id, lock=True)
        theme = SolicitationTheme.objects.visible_to(actor).filter(pk=theme_id).first()
        if theme is None:
            raise DomainError("征集主题不存在或不在您的管辖范围内")
        if theme.status not in LINKABLE_THEME_STATES:
            raise DomainError(f"主题“{theme.title}”{theme.get_status_display()}，不能再关联建议")
        link = ThemeSubmission.objects.select_for_update().filter(appeal=appeal).first()
        before = link.theme_id if link is not None else None
        if link is not None and link.theme_id == theme.pk:
            return link
        if link is None:
            link = ThemeSubmission.objects.create(
                theme=theme, appeal=appeal, linked_at=now, linked_by=actor
            )
        else:
            link.theme = theme
            link.linked_at = now
            link.linked_by = actor
            link.via_portal = False
            link.save(update_fields=["theme", "linked_at", "linked_by", "via_portal"])
        audit.record(
            "theme_submission_linked",
            actor=actor,
            target=link,
            at=now,
            changes={"theme": [before, theme.pk], "appeal": appeal.number, "via": "staff"},
        )
    return link


def unlink_appeal_from_theme(*, actor: User, appeal_id: int) -> None:
    require_capability(actor, MANAGE, "您的角色不能关联征集主题")
    with transaction.atomic():
        appeal = load_suggestion(actor, appeal_id, lock=True)
        link = ThemeSubmission.objects.filter(appeal=appeal).first()
        if link is None:
            return
        audit.record(
            "theme_submission_unlinked",
            actor=actor,
            target=link,
            changes={"theme": [link.theme_id, None], "appeal": appeal.number},
        )
        link.delete()


# --- what the portal reads ------------------------------------------------------------------


def portal_themes(today: date | None = None) -> dict[str, Any]:
    """Open themes (accepting now), upcoming ones, and recent past ones with their results."""
    today = today or timezone.localdate()
    public = SolicitationTheme.objects.public().select_related("region", "owner_unit")
    return {
        "accepting": list(public.accepting(today).order_by("end_date")),
        "upcoming": list(
            public.filter(status=ThemeStatus.OPEN, start_date__gt=today).order_by("start_date")
        ),
        "past": list(
            public.exclude(status=ThemeStatus.OPEN, end_date__gte=today).order_by(
                "-end_date", "-pk"
            )[:20]
        ),
    }


def portal_theme(pk: int) -> SolicitationTheme | None:
    """A theme the public may read (never a draft), with ``submission_count``."""
    from django.db.models import Count

    return (
        SolicitationTheme.objects.public()
        .select_related("region", "owner_unit")
        .annotate(submission_count=Count("submissions"))
        .filter(pk=pk)
        .first()
    )

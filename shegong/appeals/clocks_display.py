"""Countdown text and colour for a due time (green on time, amber in the warning window,
red breached — with words as well as colour, ui-style.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


def humanize(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes} 分"
    return f"{minutes} 分钟"


def clock_state(
    due: datetime | None,
    *,
    warn_hours: int = 24,
    now: datetime | None = None,
    done_at: datetime | None = None,
    label: str = "",
) -> dict[str, str] | None:
    if due is None:
        return None
    now = now or timezone.now()
    if done_at is not None:
        on_time = done_at <= due
        return {
            "css": "sg-clock-ok" if on_time else "sg-clock-late",
            "text": "按期完成" if on_time else f"超期 {humanize(done_at - due)} 完成",
            "state": "met" if on_time else "missed",
        }
    if now > due:
        return {
            "css": "sg-clock-late",
            "text": f"{label}已超期 {humanize(now - due)}",
            "state": "late",
        }
    css = "sg-clock-warn" if due - now <= timedelta(hours=warn_hours) else "sg-clock-ok"
    return {
        "css": css,
        "text": f"{label}剩余 {humanize(due - now)}",
        "state": "warn" if css == "sg-clock-warn" else "ok",
    }

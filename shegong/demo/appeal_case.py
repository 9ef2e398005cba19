"""One simulated appeal's decisions (:class:`Case`), the reply a unit writes, and the
office-hours helpers — shared by the step-by-step simulation (``appeal_sim``) and the bulk
history plan (``appeal_history``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from shegong.appeals.choices import KIND_STREAM, AppealKind, Channel, Urgency
from shegong.units.models import Unit

from .appeal_city import Place
from .appeal_texts import (
    CONSULT_REPLY,
    HOUSING,
    REPLY_FRAGMENTS,
    REPLY_TEMPLATES,
    SUGGEST_REPLY,
    UNRESOLVED_REPLY,
    Message,
)


@dataclass(eq=False)
class Case:
    """The decisions for one appeal and the ids the simulation needs along the way."""

    rng: random.Random
    message: Message
    place: Place
    kind: str = AppealKind.HL_COMPLAINT
    channel: str = Channel.PHONE
    urgency: str = Urgency.NORMAL
    dept: int = HOUSING
    returns: int = 0  # planned 退单 (2 = escalated by the service)
    stall: str = ""  # "triage" | "sign" | "reply" | "close": stops there (open / overdue)
    late: bool = False
    appeal_id: int = 0
    title: str = ""
    lead_id: int = 0  # the open 主办 work order
    lead_unit: Unit | None = None
    extra: list[tuple[int, int]] = field(default_factory=list)  # (order id, unit id)

    @property
    def stream(self) -> str:
        return KIND_STREAM[self.kind]


def office_hours(t: datetime, rng: random.Random) -> datetime:
    """Move a handling step that falls at night to the next morning."""
    local = timezone.localtime(t)
    if 8 <= local.hour < 19:
        return t
    morning = local.replace(hour=8, minute=30, second=0, microsecond=0)
    if local.hour >= 19:
        morning += timedelta(days=1)
    return morning + timedelta(minutes=rng.randrange(120))


def hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def reply_text(case: Case, unit: str) -> str:
    """The lead unit's answer to the citizen (draws from the case's generator)."""
    if case.kind == AppealKind.HL_CONSULT:
        return CONSULT_REPLY.format(title=case.title, unit=unit)
    if case.kind in (AppealKind.HL_SUGGEST, AppealKind.PEOPLE_SUGGESTION, AppealKind.XF_SUGGESTION):
        return SUGGEST_REPLY.format(unit=unit)
    if case.rng.random() < 0.08:
        return UNRESOLVED_REPLY.format(unit=unit)
    return case.rng.choice(REPLY_TEMPLATES).format(
        title=case.title, unit=unit, fragment=REPLY_FRAGMENTS[case.message.category]
    )

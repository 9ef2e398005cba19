"""The citizen portal's promises in plain words, from the city-wide policies (never from
numbers in code): what each stream promises, the next step after a submission, and which
legal basis may be cited to a citizen. Used by the portal's pages and the staff's
办理规则 page."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .choices import AppealKind, ClockKey, Stream, TimeUnit, Urgency
from .models import Appeal, AppealPolicy, PolicyClock
from .services.policies import ensure_default_policies

# The kind whose city-wide policy describes each stream on the home page.
STREAM_SAMPLE_KIND: dict[str, str] = {
    Stream.HOTLINE: AppealKind.HL_COMPLAINT,
    Stream.PETITION: AppealKind.XF_CLAIM,
    Stream.SUGGESTION: AppealKind.PEOPLE_SUGGESTION,
}


def clock_text(clock: PolicyClock | None) -> str:
    """``15日`` / ``5个工作日`` / ``2小时``; empty when the policy has no such clock."""
    if clock is None:
        return ""
    if clock.unit == TimeUnit.WORKING_DAY:
        return f"{clock.value}个工作日"
    if clock.unit == TimeUnit.HOUR:
        return f"{clock.value}小时"
    return f"{clock.value}日"


def city_policy(kind: str, now: datetime | None = None) -> AppealPolicy | None:
    """The city-wide policy version in force for ``kind`` (regional versions aside)."""
    now = now or timezone.now()
    qs = (
        AppealPolicy.objects.filter(kind=kind, region__isnull=True, effective_from__lte=now)
        .order_by("-effective_from", "-version")
        .prefetch_related("clocks")
    )
    policy = qs.first()
    if policy is None:
        ensure_default_policies()
        policy = qs.first()
    return policy


def stream_promises(stream: str, policy: AppealPolicy | None) -> list[str]:
    """What the citizen can expect, in plain words, from the policy's clocks."""
    if policy is None:
        return []
    triage = clock_text(policy.clock(ClockKey.TRIAGE))
    handle = clock_text(policy.clock(ClockKey.HANDLE))
    lines: list[str] = []
    if stream == Stream.HOTLINE:
        if triage:
            lines.append(f"网上提交后{triage}内受理，即时派单到承办单位")
        variants = [
            ("紧急事项", Urgency.URGENT),
            ("水电气热", Urgency.UTILITY),
            ("一般诉求", Urgency.NORMAL),
            ("复杂疑难", Urgency.COMPLEX),
        ]
        parts = [
            f"{label}{text}"
            for label, variant in variants
            if (text := clock_text(policy.clock(ClockKey.HANDLE, variant)))
        ]
        if parts:
            lines.append("办理答复时限：" + "、".join(parts))
    else:
        if triage:
            lines.append(f"{triage}内告知您是否受理")
        if handle:
            verb = "办结" if stream == Stream.PETITION else "办理并反馈"
            lines.append(f"受理后{handle}内{verb}")
        if stream == Stream.PETITION and policy.max_extension_days:
            lines.append(f"情况复杂需要延期的，最多延长{policy.max_extension_days}日并告知您理由")
    return lines


def _local(dt: datetime, with_time: bool) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if with_time else f"{dt:%Y-%m-%d}"


def next_step(appeal: Appeal) -> dict[str, str]:
    """The statutory next step after registration, from the appeal's own policy version."""
    policy = appeal.policy
    clock = policy.clock(ClockKey.TRIAGE)
    limit = clock_text(clock)
    due = ""
    if appeal.triage_due_at:
        local = timezone.localtime(appeal.triage_due_at)
        due = _local(local, clock is not None and clock.unit == TimeUnit.HOUR)
    if appeal.stream == Stream.HOTLINE:
        handle = clock_text(policy.clock(ClockKey.HANDLE, appeal.urgency))
        text = f"我们将在{limit}内受理并派单给承办单位" if limit else "我们将尽快受理并派单"
        if due:
            text += f"（{due}前）"
        if handle:
            text += f"，承办单位一般在{handle}内答复您"
    else:
        text = f"我们将在{limit}内告知您是否受理" if limit else "我们将尽快告知您是否受理"
        if due:
            text += f"（{due}前）"
    return {
        "text": text + "。",
        "basis": citable_basis(clock.legal_basis if clock else policy.legal_basis),
    }


# A citizen is told the rule only when it is law in force: a draft standard (征求意见稿, 草案)
# — in the defaults, another city's — or a platform default is where a number came from, for
# the staff's 办理规则 page, not a basis to cite on a receipt.
NOT_CITABLE = ("征求意见稿", "草案", "平台默认", "DB11")


def citable_basis(basis: str) -> str:
    """``basis`` with every part that is not citable to a citizen left out ("" if none is);
    parts are separated by "；" as in the policy defaults."""
    parts = [p.strip() for p in (basis or "").split("；")]
    return "；".join(p for p in parts if p and not any(m in p for m in NOT_CITABLE))

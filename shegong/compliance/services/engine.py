"""The compliance engine: judge every branch for the previous and the current quarter,
materialise ``BranchQuarter`` rows, and reconcile ``ComplianceFinding`` (open new ones,
refresh the evidence of open ones, auto-resolve those whose condition no longer holds,
escalate those left open too long to the organization above).

Idempotent: a second run over unchanged facts writes the same rows and opens nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.partyrules.lapse import LapseKind, lapse_flags
from shegong.lib.partyrules.meetings import MeetingType
from shegong.lib.partyrules.months import Month
from shegong.organizations.choices import BRANCH_KINDS, OrgStatus
from shegong.organizations.models import Entity, PartyOrganization
from shegong.regions.models import Region

from ..choices import KEPT_STATUSES, OPEN_STATUSES, Rule
from ..models import BranchQuarter, ComplianceFinding, CompliancePolicy
from .closing import close_findings_of_closed_branches
from .facts import (
    BranchProfile,
    MemberFacts,
    branch_profiles,
    held_meetings,
    meetings_by_id,
    month_facts,
    party_members,
)
from .judge import (
    Violation,
    judge_quarter,
    meeting_violations,
    quarter_bounds,
    quarter_of,
    quarter_plan,
    sized_days,
    sized_plan,
)
from .reconcile import reconcile
from .totals import refresh_area_quarters

# How far back a lapse run is traced (so its first month, part of the finding's key, is
# stable while the run goes on).
LAPSE_LOOKBACK_MONTHS = 36
CHUNK = 500
# Branches whose members' month facts are held in memory at once (the nightly member check).
MEMBER_BRANCHES = 50
MEETING_RULES = (Rule.ASSEMBLY_QUORUM, Rule.LOW_ATTENDANCE, Rule.NO_MINUTES, Rule.LATE_MINUTES)


@dataclass
class RunResult:
    branches: int = 0
    opened: int = 0
    refreshed: int = 0
    auto_resolved: int = 0
    escalated: int = 0
    closed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "branches": self.branches,
            "opened": self.opened,
            "refreshed": self.refreshed,
            "auto_resolved": self.auto_resolved,
            "escalated": self.escalated,
            "closed": self.closed,
        }


def branches_for(actor: User | None, org_ids: Iterable[int] | None = None) -> list[int]:
    """Active branches (党支部 / 联合党支部 / 临时党支部) in the actor's scope, or all."""
    qs = (
        PartyOrganization.objects.visible_to(actor)
        if actor is not None
        else PartyOrganization.objects.all()
    )
    qs = qs.filter(status=OrgStatus.ACTIVE, kind__in=BRANCH_KINDS)
    if org_ids is not None:
        qs = qs.filter(pk__in=list(org_ids))
    return list(qs.order_by("pk").values_list("pk", flat=True))


def _places(org_ids: list[int]) -> dict[int, tuple[str, int | None, int | None, bool]]:
    """org id → (region path, district id, street id, covers a 两新 entity)."""
    rows = PartyOrganization.objects.filter(pk__in=org_ids).values_list("pk", "region__path")
    two_new = set(
        Entity.objects.filter(organization_id__in=org_ids, is_active=True).values_list(
            "organization_id", flat=True
        )
    )
    paths = dict(rows)
    codes: set[str] = set()
    for path in paths.values():
        parts = [p for p in path.strip("/").split("/") if p]
        codes.update(parts[1:3])
    ids = dict(Region.objects.filter(code__in=codes).values_list("code", "pk"))
    out = {}
    for pk, path in paths.items():
        parts = [p for p in path.strip("/").split("/") if p]
        district = ids.get(parts[1]) if len(parts) > 1 else None
        street = ids.get(parts[2]) if len(parts) > 2 else None
        out[pk] = (path, district, street, pk in two_new)
    return out


def run_compliance(
    *,
    actor: User | None = None,
    org_ids: Iterable[int] | None = None,
    today: date | None = None,
    now: datetime | None = None,
    quarters: Iterable[int] | None = None,
    check_members: bool = True,
) -> RunResult:
    """Judge the branches (all, or those in ``actor``'s scope, optionally only ``org_ids``)
    for ``quarters`` (default: the previous and the current quarter)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if actor is not None:
        require_capability(actor, Cap.COMPLIANCE_VIEW, "您的角色不能运行合规检查")
    policy = CompliancePolicy.current()
    current = quarter_of(today)
    wanted = sorted(set(quarters) if quarters is not None else {current - 1, current})
    ids = branches_for(actor, org_ids)
    result = RunResult(branches=len(ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        with transaction.atomic():
            _run_chunk(chunk, wanted, today, now, policy, result, check_members)
    if org_ids is None:
        with transaction.atomic():
            result.closed = close_findings_of_closed_branches(actor, now)
    refresh_area_quarters(wanted)  # the city table's sums (whole quarters: cheap and exact)
    with transaction.atomic():
        audit.record(
            "compliance_run",
            actor=actor,
            target_type="compliance.compliancefinding",
            target_repr="组织生活合规检查",
            changes=result.as_dict(),
        )
    return result


def lapse_violations(
    members: list[MemberFacts],
    through: Month,
    policy: CompliancePolicy,
    known: dict[tuple[int, str], list[tuple[Month, str]]] | None = None,
) -> tuple[list[Violation], set[int]]:
    """Ongoing lapse runs as violations keyed ``member:<id>:<kind>:<first month>``. A run
    traced back to the lookback floor (it may be longer than ``LAPSE_LOOKBACK_MONTHS``)
    keeps the key of the finding already kept for it (``known``: (member, kind) → the
    first months and keys of kept findings), so the key does not move with the floor."""
    out: list[Violation] = []
    flagged: set[int] = set()
    lapse = policy.lapse_policy()
    floor = through.plus(-LAPSE_LOOKBACK_MONTHS + 1)
    for m in members:
        for flag in lapse_flags(m.months, _start(m.joined, through), through, lapse):
            if not flag.ongoing or flag.kind is LapseKind.WORK:
                continue  # WORK: the contract cannot say work was not done (facts.py)
            flagged.add(m.pk)
            key = f"member:{m.pk}:{flag.kind.value}:{flag.first}"
            if flag.first <= floor and known:
                earlier = [k for k in known.get((m.pk, flag.kind.value), []) if k[0] <= floor]
                if earlier:
                    key = max(earlier)[1]
            out.append(
                Violation(
                    Rule.LAPSE_RISK,
                    key,
                    f"{flag.first}至{flag.last}",
                    flag.message,
                    member_id=m.pk,
                )
            )
    return out, flagged


def _known_lapse_keys(org_ids: list[int]) -> dict[tuple[int, str], list[tuple[Month, str]]]:
    out: dict[tuple[int, str], list[tuple[Month, str]]] = {}
    for member_id, key in ComplianceFinding.objects.filter(
        rule=Rule.LAPSE_RISK,
        organization_id__in=org_ids,
        status__in=KEPT_STATUSES,
        member_id__isnull=False,
    ).values_list("member_id", "subject_key"):
        parts = key.split(":")
        try:
            year, month = (int(x) for x in parts[3].split("-"))
            first = Month(year, month)
        except (IndexError, ValueError):
            continue
        out.setdefault((member_id, parts[2]), []).append((first, key))
    return out


def _start(joined: date, through: Month) -> date:
    floor = through.plus(-LAPSE_LOOKBACK_MONTHS + 1).first_day
    return max(joined, floor)


def _member_checks(
    chunk: list[int],
    members: dict[int, list[MemberFacts]],
    through: Month,
    policy: CompliancePolicy,
) -> tuple[dict[int, list[Violation]], dict[int, int]]:
    """Lapse risks per branch, ``MEMBER_BRANCHES`` branches at a time: each batch reads
    one row per member and month (aggregated in SQL) and drops its facts before the next,
    so memory is bounded by the batch, not by the chunk."""
    known = _known_lapse_keys(chunk)
    found: dict[int, list[Violation]] = {}
    flagged: dict[int, int] = {}
    for i in range(0, len(chunk), MEMBER_BRANCHES):
        batch = chunk[i : i + MEMBER_BRANCHES]
        every = [m for org_id in batch for m in members.get(org_id, [])]
        if every:
            month_facts(every, through.plus(-LAPSE_LOOKBACK_MONTHS + 1), through)
        for org_id in batch:
            v, who = lapse_violations(members.get(org_id, []), through, policy, known)
            found[org_id] = v
            flagged[org_id] = len(who)
        for m in every:
            m.months = {}
    return found, flagged


def _run_chunk(
    chunk: list[int],
    wanted: list[int],
    today: date,
    now: datetime,
    policy: CompliancePolicy,
    result: RunResult,
    check_members: bool = True,
) -> None:
    mp = policy.meeting_policy()
    first = date(quarter_bounds(wanted[0])[0].year, 1, 1)
    last = quarter_bounds(wanted[-1])[1]
    meetings = held_meetings(chunk, first, last)
    members = party_members(chunk)
    every_kind = policy.kinds()
    full_plans = {q: quarter_plan(q, mp, every_kind) for q in wanted}
    profiles = branch_profiles(chunk, sized_days(full_plans.values(), policy.kinds_for))
    through = Month.of(today).plus(-1)  # the last complete month
    lapse: dict[int, list[Violation]] = {}
    flagged: dict[int, int] = {}
    if check_members:
        lapse, flagged = _member_checks(chunk, members, through, policy)
    places = _places(chunk)
    kinds_by_size: dict[tuple[int, int], list[MeetingType]] = {}
    violations: dict[int, list[Violation]] = {}
    rows: list[BranchQuarter] = []
    for org_id in chunk:
        profile = profiles[org_id]
        found = list(lapse.get(org_id, []))
        for q in wanted:
            if profile.founded_on and quarter_bounds(q)[1] < profile.founded_on:
                continue  # the branch did not exist yet: nothing to judge
            plan = sized_plan(full_plans[q], profile.figures_on, policy.kinds_for, kinds_by_size)
            j = judge_quarter(
                org_id,
                meetings.get(org_id, []),
                q,
                today,
                policy=mp,
                kinds=every_kind,
                minutes_late_days=policy.minutes_late_days,
                attendance_share=policy.attendance_share,
                plan=plan,
                founded_on=profile.founded_on,
            )
            found.extend(replace(v, quarter=q) for v in j.violations)
            path, district, street, two_new = places[org_id]
            rows.append(
                BranchQuarter(
                    organization_id=org_id,
                    quarter=q,
                    region_path=path,
                    district_id=district,
                    street_id=street,
                    two_new=two_new,
                    members=len(members.get(org_id, [])),
                    expected=j.expected,
                    held=j.held,
                    missing=j.missing,
                    kinds_short=j.kinds_short,
                    compliant=j.compliant,
                    quorum_failed=j.quorum_failed,
                    low_attendance=j.low_attendance,
                    minutes_missing=j.minutes_missing,
                    minutes_late=j.minutes_late,
                    lapse_risks=flagged.get(org_id, 0),
                    detail=j.detail,
                    computed_at=now,
                )
            )
        violations[org_id] = found
    recheck_keys = _recheck_earlier_meetings(chunk, wanted, today, policy, profiles, violations)
    BranchQuarter.objects.filter(organization_id__in=chunk, quarter__in=wanted).delete()
    BranchQuarter.objects.bulk_create(rows, batch_size=1000)
    counts = reconcile(violations, places, wanted, now, policy, check_members, recheck_keys)
    result.opened += counts["opened"]
    result.refreshed += counts["refreshed"]
    result.auto_resolved += counts["auto_resolved"]
    result.escalated += counts["escalated"]


def _recheck_earlier_meetings(
    chunk: list[int],
    wanted: list[int],
    today: date,
    policy: CompliancePolicy,
    profiles: dict[int, BranchProfile],
    violations: dict[int, list[Violation]],
) -> list[str]:
    """Open per-meeting findings of quarters not judged in this run are judged again from
    their meeting as it is now (minutes added, attendance corrected, the meeting cancelled
    or deleted): adds the violations that still hold to ``violations`` and returns the
    subject keys re-checked (reconcile resolves those no longer found)."""
    rows = list(
        ComplianceFinding.objects.filter(
            organization_id__in=chunk, status__in=OPEN_STATUSES, rule__in=MEETING_RULES
        )
        .exclude(quarter__in=wanted)
        .values_list("organization_id", "subject_key", "meeting_id", "quarter")
    )
    if not rows:
        return []
    ids = sorted({meeting_id for _, _, meeting_id, _ in rows if meeting_id is not None})
    facts = {
        m.pk: m
        for i in range(0, len(ids), 900)
        for ms in meetings_by_id(ids[i : i + 900]).values()
        for m in ms
    }
    done: set[int] = set()
    for org_id, _, meeting_id, quarter in rows:
        m = facts.get(meeting_id) if meeting_id is not None else None
        if m is None or m.organization_id != org_id or m.pk in done:
            continue
        founded = profiles[org_id].founded_on
        if founded is not None and m.held_on < founded:
            continue
        done.add(m.pk)
        found = meeting_violations(m, today, policy.minutes_late_days, policy.attendance_share)
        violations[org_id].extend(replace(v, quarter=quarter) for v in found)
    return sorted({key for _, key, _, _ in rows} | {f"meeting:{pk}" for pk in done})


def escalation_cutoff(now: datetime, policy: CompliancePolicy) -> datetime:
    return now - timedelta(days=policy.escalate_after_days)

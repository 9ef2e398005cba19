"""Suggest people for an order: nearby in the region tree, with the skills asked for,
available at the time, reliable and not overloaded — each with its reasons; minors and
unsuitable people excluded (the volunteer rules, docs/rules/serving-rules.md).

Cost: the pool is read ring by ring (the community, then its street, then its district),
each ring at most ``POOL`` rows through the volunteers' region index, so a suggestion
reads a few hundred rows whatever the size of the registry (bench/matching.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.lib.masking import mask_name
from shegong.regions.models import Region
from shegong.volunteers.choices import Availability, VolunteerStatus
from shegong.volunteers.models import Volunteer
from shegong.volunteers.services.common import age_on
from shegong.volunteers.services.common import get_policy as volunteer_policy

from ..choices import LIVE_CLAIM_STATES, ClaimStatus
from ..models import Claim, DualReport, ServiceOrder, ServingPolicy
from .common import get_policy, load_order

POOL = 150
EXCLUDED_SHOWN = 20
DISTANCE_SCORE = {0: 1.0, 1: 0.6, 2: 0.3}
DISTANCE_LABEL = {0: "同社区", 1: "同街道", 2: "同区县"}
ACTIVE_CLAIMS = [ClaimStatus.CLAIMED, ClaimStatus.ASSIGNED, ClaimStatus.IN]


@dataclass
class Suggestion:
    volunteer_id: int
    name: str
    score: float
    distance: int
    reasons: list[str] = field(default_factory=list)
    reported: bool = False


@dataclass
class Exclusion:
    volunteer_id: int
    name: str
    reason: str


@dataclass
class Result:
    suggestions: list[Suggestion]
    excluded: list[Exclusion]


@dataclass
class Person:
    """What matching reads of a volunteer (read as plain tuples: no model instances, no
    decryption, for a few hundred candidates per suggestion)."""

    pk: int
    birth_date: date
    status: str
    guardian_consent_at: datetime | None
    availability: list[str]
    no_shows: int
    late_cancellations: int


PERSON_FIELDS = (
    "pk",
    "birth_date",
    "status",
    "guardian_consent_at",
    "availability",
    "no_shows",
    "late_cancellations",
)


def _people(qs: QuerySet[Volunteer], limit: int) -> list[Person]:
    return [Person(*row) for row in qs.values_list(*PERSON_FIELDS)[:limit]]


def slot_of(moment: datetime) -> str:
    """The volunteers' availability choice a moment falls in."""
    local = timezone.localtime(moment)
    if local.weekday() >= 5:
        return Availability.WEEKEND
    return Availability.WEEKDAY_EVENING if local.hour >= 18 else Availability.WEEKDAY_DAY


def exclusion_reason(
    volunteer: Volunteer | Person,
    order: ServiceOrder,
    *,
    today: date,
    policy: ServingPolicy,
    adult_age: int,
    open_claims: int,
) -> str | None:
    """Why this volunteer may not serve this order, or None (the same rules for a
    suggestion, a claim and an assignment)."""
    if volunteer.status != VolunteerStatus.ACTIVE:
        return "志愿者状态不是在册"
    minor = age_on(volunteer.birth_date, today) < adult_age
    if minor and order.vulnerable and policy.vulnerable_adult_only:
        return "未成年人不承担独居老人、残疾人、未成年人的上门服务"
    if minor and volunteer.guardian_consent_at is None:
        return "未成年人须经监护人同意"
    if order.vulnerable and volunteer.no_shows > policy.max_no_shows_vulnerable:
        return f"缺席{volunteer.no_shows}次，不安排服务困难群众"
    if open_claims >= policy.max_open_claims:
        return f"已有{open_claims}项服务未完成"
    return None


def _ring(order_region: Region, distance: int) -> Region | None:
    node: Region | None = order_region
    for _ in range(distance):
        node = node.parent if node is not None else None
    return node


def candidates(
    order: ServiceOrder, skills: list[int], *, pool: int = POOL
) -> dict[int, tuple[Person, int]]:
    """volunteer id → (person, distance) for the reported members of the community
    (distance 0) and the volunteers living ring by ring around it."""
    found: dict[int, tuple[Person, int]] = {}
    reported = (
        DualReport.objects.active()
        .filter(community_id=order.community_id, volunteer__isnull=False)
        .values_list("volunteer_id", flat=True)[:pool]
    )
    for person in _people(Volunteer.objects.filter(pk__in=list(reported)), pool):
        found[person.pk] = (person, 0)
    seen_regions: set[int] = set()
    for distance in (0, 1, 2):
        ring = _ring(order.community, distance)
        if ring is None:
            break
        # The ring's regions first (a small range scan of the region tree), then the
        # volunteers through their region index.
        region_ids = [
            pk
            for pk in Region.objects.filter(subtree_q(ring.path)).values_list("pk", flat=True)
            if pk not in seen_regions
        ]
        seen_regions.update(region_ids)
        base = Volunteer.objects.filter(region_id__in=region_ids, status=VolunteerStatus.ACTIVE)
        rows: list[Person] = []
        if skills:
            rows += _people(base.filter(skills__in=skills).distinct(), pool // 2)
        rows += _people(base, pool)
        for person in rows:
            found.setdefault(person.pk, (person, distance))
        if len(found) >= pool:
            break
    return found


def suggest(*, actor: User, order_id: int, limit: int = 10, now: datetime | None = None) -> Result:
    require_capability(actor, Cap.SERVING_VIEW, "您的角色不能查看服务订单")
    order = load_order(actor, order_id)
    return rank(order, limit=limit, now=now)


def rank(order: ServiceOrder, *, limit: int = 10, now: datetime | None = None) -> Result:
    """The scoring itself (no permission check: the callers check)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = get_policy()
    adult_age = volunteer_policy().adult_age
    names = dict(order.skills.values_list("pk", "name"))
    skills_wanted = set(names)
    pool = candidates(order, sorted(skills_wanted))
    ids = list(pool)
    have: dict[int, set[int]] = defaultdict(set)
    for vid, sid in Volunteer.skills.through.objects.filter(
        volunteer_id__in=ids, skill_id__in=skills_wanted
    ).values_list("volunteer_id", "skill_id"):
        have[vid].add(sid)
    open_claims = dict(
        Claim.objects.filter(volunteer_id__in=ids, status__in=ACTIVE_CLAIMS)
        .values("volunteer_id")
        .annotate(n=Count("id"))
        .values_list("volunteer_id", "n")
    )
    taken = set(
        Claim.objects.filter(
            order=order, volunteer_id__in=ids, status__in=LIVE_CLAIM_STATES
        ).values_list("volunteer_id", flat=True)
    )
    reported = set(
        DualReport.objects.active()
        .filter(community_id=order.community_id, volunteer_id__in=ids)
        .values_list("volunteer_id", flat=True)
    )
    slot = slot_of(order.starts_at)
    weights = (
        policy.weight_distance,
        policy.weight_skills,
        policy.weight_reliability,
        policy.weight_workload,
    )
    total_weight = sum(weights) or 1
    suggestions: list[Suggestion] = []
    excluded: list[Exclusion] = []
    for vid, (volunteer, distance) in pool.items():
        name = ""
        if vid in taken:
            continue
        load = open_claims.get(vid, 0)
        why_not = exclusion_reason(
            volunteer, order, today=today, policy=policy, adult_age=adult_age, open_claims=load
        )
        if why_not:
            excluded.append(Exclusion(vid, name, why_not))
            continue
        reasons = [DISTANCE_LABEL[distance]]
        if vid in reported:
            reasons.insert(0, "已向本社区报到的在职党员")
        matched = have.get(vid, set())
        skill_score = len(matched) / len(skills_wanted) if skills_wanted else 1.0
        if skills_wanted:
            if matched:
                reasons.append("具备技能：" + "、".join(sorted(names[s] for s in matched)))
            else:
                reasons.append("不具备所需技能")
        avail = volunteer.availability or []
        avail_factor = 1.0
        if avail and slot not in avail:
            avail_factor = 0.5
            reasons.append("登记的可服务时间不含该时段")
        elif avail:
            reasons.append("可服务时间相符")
        misses = volunteer.no_shows + 0.5 * volunteer.late_cancellations
        reliability = 1.0 / (1.0 + misses)
        if misses:
            reasons.append(f"缺席{volunteer.no_shows}次、临时取消{volunteer.late_cancellations}次")
        workload = 1.0 - load / max(1, policy.max_open_claims)
        if load:
            reasons.append(f"在办服务{load}项")
        parts = (DISTANCE_SCORE[distance], skill_score, reliability, workload)
        score = sum(w * p for w, p in zip(weights, parts, strict=True)) / total_weight
        score *= avail_factor
        suggestions.append(
            Suggestion(vid, name, round(score * 100, 1), distance, reasons, vid in reported)
        )
    suggestions.sort(key=lambda s: (-s.score, s.distance, s.volunteer_id))
    shown, excluded = suggestions[:limit], excluded[:EXCLUDED_SHOWN]
    names = {
        v.pk: mask_name(plain(v.name))
        for v in Volunteer.objects.filter(
            pk__in=[s.volunteer_id for s in shown] + [e.volunteer_id for e in excluded]
        ).only("pk", "name")
    }
    for suggestion in shown:
        suggestion.name = names.get(suggestion.volunteer_id, "")
    for exclusion in excluded:
        exclusion.name = names.get(exclusion.volunteer_id, "")
    return Result(shown, excluded)

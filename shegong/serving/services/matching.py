"""Suggest people for an order: nearby in the region tree, with the skills asked for,
available at the time, reliable and not overloaded — each with its reasons; minors and
unsuitable people excluded (the volunteer rules, docs/rules/serving-rules.md).

Cost: the pool of ``POOL`` people is filled in order — the community's reported members,
then ring by ring (the community, then its street, then its district) the ring's skill
holders and as many other residents as it still lacks — through the region path index
joined to the volunteers' region index, so a suggestion reads a few hundred rows whatever the size
of the registry, in a fixed number of queries: the two policies, the skills asked for, the
community's path, the reported members, one or two per ring read, the skills held, the
claims (workload and who is already on the order, one query) and the shown names — at
most 14 for ``rank`` (``suggest`` first loads the order in scope), 7 to 10 when the
community alone fills the pool (tests/test_matching.py, bench/matching.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.core.tree import path_prefixes, subtree_q
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


def _people(rows: QuerySet[Volunteer], limit: int) -> list[tuple[Person, bool]]:
    """(person, reported to the order's community) for at most ``limit`` rows."""
    return [
        (Person(*row[:-1]), bool(row[-1]))
        for row in rows.values_list(*PERSON_FIELDS, "reported")[:limit]
    ]


def slot_of(moment: datetime) -> str:
    """The volunteers' availability choice a moment falls in."""
    local = timezone.localtime(moment)
    if local.weekday() >= 5:
        return Availability.WEEKEND
    return Availability.WEEKDAY_EVENING if local.hour >= 18 else Availability.WEEKDAY_DAY


def barred_as_minor(
    volunteer: Volunteer | Person,
    order: ServiceOrder,
    *,
    today: date,
    policy: ServingPolicy,
    adult_age: int,
) -> bool:
    """A minor is not sent to a vulnerable resident (elderly alone, disabled, minors) while
    the policy says so — for a suggestion, a claim, an assignment and the portal's nearby
    list alike."""
    return (
        order.vulnerable
        and policy.vulnerable_adult_only
        and age_on(volunteer.birth_date, today) < adult_age
    )


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
    if barred_as_minor(volunteer, order, today=today, policy=policy, adult_age=adult_age):
        return "未成年人不承担独居老人、残疾人、未成年人的上门服务"
    if minor and volunteer.guardian_consent_at is None:
        return "未成年人须经监护人同意"
    if order.vulnerable and volunteer.no_shows > policy.max_no_shows_vulnerable:
        return f"缺席{volunteer.no_shows}次，不安排服务困难群众"
    if open_claims >= policy.max_open_claims:
        return f"已有{open_claims}项服务未完成"
    return None


def open_claims_of(volunteer_id: int) -> int:
    """The volunteer's claims not yet served (the open-claims limit counts these) — read
    the same way by a claim and by the portal's nearby list."""
    return Claim.objects.filter(volunteer_id=volunteer_id, status__in=ACTIVE_CLAIMS).count()


def ring_paths(community_path: str) -> list[str]:
    """The paths of the rings around a community: itself, its street, its district."""
    return list(reversed(path_prefixes(community_path)))[: len(DISTANCE_SCORE)]


def candidates(
    order: ServiceOrder, skills: list[int], *, community_path: str, pool: int = POOL
) -> dict[int, tuple[Person, int, bool]]:
    """volunteer id → (person, distance, reported) for the reported members of the
    community (distance 0) and the active volunteers living ring by ring around it.

    Bounded: one query for the reported members (``LIMIT pool``) and, per ring until
    ``pool`` people are found, at most two: the ring's skill holders (``LIMIT pool/2``,
    always read, so a skill is found even when reported members fill the pool), then
    anyone living there, only as many as the pool still lacks. Each is a range scan of the
    region path index joined to the volunteers' region index, the ring's inner ring left
    out, the 双报到 flag read per row through the open-report index. Whatever the size of
    the registry, a suggestion reads at most ``pool + 3 × 1.5 pool`` rows in at most seven
    queries; where the community's reported members fill the pool, ``pool + pool/2`` rows
    in two."""
    found: dict[int, tuple[Person, int, bool]] = {}
    reported_rows = (
        DualReport.objects.active()
        .filter(community_id=order.community_id, volunteer__isnull=False)
        .values_list(*(f"volunteer__{f}" for f in PERSON_FIELDS))[:pool]
    )
    for row in reported_rows:
        found[row[0]] = (Person(*row), 0, True)
    reported_here = Exists(
        DualReport.objects.active().filter(
            community_id=order.community_id, volunteer_id=OuterRef("pk")
        )
    )
    inner = ""
    for distance, path in enumerate(ring_paths(community_path)):
        ring = subtree_q(path, "region__path")
        if inner:
            ring &= ~subtree_q(inner, "region__path")
        inner = path
        base = Volunteer.objects.filter(ring, status=VolunteerStatus.ACTIVE).annotate(
            reported=reported_here
        )
        rows: list[tuple[Person, bool]] = []
        if skills:
            holds = Volunteer.skills.through.objects.filter(
                volunteer_id=OuterRef("pk"), skill_id__in=skills
            )
            rows += _people(base.filter(Exists(holds)), pool // 2)
        if len(found) < pool:
            rows += _people(base, pool - len(found))
        for person, reported in rows:
            found.setdefault(person.pk, (person, distance, reported))
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
    community_path = Region.objects.filter(pk=order.community_id).values_list("path", flat=True)
    pool = candidates(order, sorted(skills_wanted), community_path=community_path.get(), pool=POOL)
    ids = list(pool)
    have: dict[int, set[int]] = defaultdict(set)
    if skills_wanted:
        for vid, sid in Volunteer.skills.through.objects.filter(
            volunteer_id__in=ids, skill_id__in=skills_wanted
        ).values_list("volunteer_id", "skill_id"):
            have[vid].add(sid)
    # Workload and the people already on this order in one pass over their claims.
    open_claims: dict[int, int] = defaultdict(int)
    taken: set[int] = set()
    for vid, order_id, status in Claim.objects.filter(
        Q(status__in=ACTIVE_CLAIMS) | Q(order_id=order.pk, status__in=LIVE_CLAIM_STATES),
        volunteer_id__in=ids,
    ).values_list("volunteer_id", "order_id", "status"):
        if status in ACTIVE_CLAIMS:
            open_claims[vid] += 1
        if order_id == order.pk and status in LIVE_CLAIM_STATES:
            taken.add(vid)
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
    for vid, (volunteer, distance, reported) in pool.items():
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
        if reported:
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
            Suggestion(vid, name, round(score * 100, 1), distance, reasons, reported)
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

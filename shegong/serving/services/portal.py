"""What the portal pages read (no staff user: the volunteer's own rows and the open orders
near them; a resident's order by its number). Kept here so the portal views stay free of
unscoped queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from shegong.core.tree import subtree_q
from shegong.volunteers.models import Volunteer
from shegong.volunteers.services.common import get_policy as volunteer_policy

from ..choices import OPEN_ORDER_STATES, ClaimStatus
from ..models import Claim, DualReport, ServiceOrder
from .common import get_policy
from .matching import barred_as_minor, exclusion_reason, open_claims_of


@dataclass
class Nearby:
    order: ServiceOrder
    distance: str
    claimed: bool
    # why the volunteer may not claim it (the claim's own reason), or ""
    blocked: str = ""


def _district_path(volunteer: Volunteer) -> str:
    """The volunteer's district (区县) path: the first two segments of the home path."""
    parts = [p for p in volunteer.region.path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/"


def nearby_orders(volunteer: Volunteer, limit: int = 50) -> list[Nearby]:
    """Open orders in the communities the volunteer reported to or in their district,
    nearest first (own community, reported community, street, district); for a minor,
    without the vulnerable residents' orders a claim would refuse (``barred_as_minor``).

    Each order not yet claimed carries ``blocked``: the reason the claim would refuse it
    (``matching.exclusion_reason`` with the same open-claims count — not in the register,
    no guardian consent, too many no-shows for a vulnerable resident, too many open
    claims), so the list never offers what the claim refuses."""
    reported = list(
        DualReport.objects.active()
        .filter(volunteer=volunteer)
        .values_list("community_id", flat=True)
    )
    qs = (
        ServiceOrder.objects.filter(status__in=OPEN_ORDER_STATES)
        .filter(
            Q(community_id__in=reported) | subtree_q(_district_path(volunteer), "community__path")
        )
        .select_related("community")
        .order_by("starts_at", "pk")[:500]
    )
    mine = set(
        Claim.objects.live()
        .filter(volunteer=volunteer, order__in=[o.pk for o in qs])
        .values_list("order_id", flat=True)
    )
    home = volunteer.region.path
    today, policy, adult_age = timezone.localdate(), get_policy(), volunteer_policy().adult_age
    open_claims = open_claims_of(volunteer.pk)
    rows = []
    for order in qs:
        if barred_as_minor(volunteer, order, today=today, policy=policy, adult_age=adult_age):
            continue
        blocked = ""
        if order.pk not in mine:
            blocked = (
                exclusion_reason(
                    volunteer,
                    order,
                    today=today,
                    policy=policy,
                    adult_age=adult_age,
                    open_claims=open_claims,
                )
                or ""
            )
        path = order.community.path
        if home.startswith(path):
            rank, label = 0, "本社区"
        elif order.community_id in reported:
            rank, label = 1, "报到社区"
        elif home.startswith(path.rsplit("/", 2)[0] + "/"):
            rank, label = 2, "同街道"
        else:
            rank, label = 3, "同区县"
        rows.append((rank, Nearby(order, label, order.pk in mine, blocked)))
    rows.sort(key=lambda r: (r[0], r[1].order.starts_at))
    return [r[1] for r in rows[:limit]]


def my_claims(volunteer: Volunteer) -> list[Claim]:
    return list(
        Claim.objects.live()
        .filter(volunteer=volunteer)
        .select_related("order__community")
        .order_by("-claimed_at")[:30]
    )


def order_for_volunteer(
    volunteer: Volunteer, order_id: int
) -> tuple[ServiceOrder, Claim | None, str]:
    """An order the volunteer may see: one near them, or one they claimed; with the reason
    they may not claim it (the nearby list's ``blocked``), or ""."""
    order = ServiceOrder.objects.select_related("community").filter(pk=order_id).first()
    claim = (
        Claim.objects.live().filter(order_id=order_id, volunteer=volunteer).first()
        if order
        else None
    )
    if order is None:
        raise LookupError(order_id)
    if claim is not None:
        return order, claim, ""
    row = next((n for n in nearby_orders(volunteer, 500) if n.order.pk == order.pk), None)
    if row is None:
        raise LookupError(order_id)
    return order, None, row.blocked


def order_by_number(number: str) -> ServiceOrder | None:
    return ServiceOrder.objects.select_related("community").filter(number=number).first()


def claim_of(volunteer: Volunteer, order_id: int) -> Claim | None:
    return (
        Claim.objects.exclude(status=ClaimStatus.CANCELLED)
        .filter(order_id=order_id, volunteer=volunteer)
        .select_related("order")
        .first()
    )

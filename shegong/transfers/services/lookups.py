"""Read helpers for the pages and the API (querysets start from ``visible_to``)."""

from __future__ import annotations

from django.db.models import Q

from shegong.accounts.models import User
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization

from ..choices import OPEN_STATUSES, actor_side, allowed_actions
from ..models import Transfer, TransferQuerySet
from .scope import can_act, covers

MAX_CHOICES = 200


def receiving_candidates(
    query: str = "", *, exclude_id: int | None = None
) -> list[tuple[int, str]]:
    """Active organizations anywhere in the city that may receive a member (a receiving
    branch need not be in the sender's scope), filtered by name or code."""
    qs = PartyOrganization.objects.filter(status=OrgStatus.ACTIVE)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(code=query))
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return [(org.pk, org.name) for org in qs.order_by("path")[:MAX_CHOICES]]


def covered_organizations(user: User) -> list[tuple[int, str]]:
    """Organizations the user may register an arrival for."""
    orgs = PartyOrganization.objects.visible_to(user).filter(status=OrgStatus.ACTIVE)
    orgs = orgs.select_related("region").order_by("path")
    return [(org.pk, org.name) for org in orgs[: MAX_CHOICES * 5] if covers(user, org)][
        :MAX_CHOICES
    ]


def filtered_transfers(
    user: User, *, direction: str = "", open_only: bool = False, status: str = "", kind: str = ""
) -> TransferQuerySet:
    """The user's transfers: ``direction`` "out" (from an organization they can see), "in"
    (to one), anything else both."""
    qs = Transfer.objects.visible_to(user)
    if direction in ("in", "out"):
        visible = PartyOrganization.objects.visible_to(user).values("pk")
        field = "to_organization_id__in" if direction == "in" else "from_organization_id__in"
        qs = qs.filter(**{field: visible})
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("member", "from_organization", "to_organization").order_by(
        "-started_on", "-pk"
    )


def actions_for(user: User, transfer: Transfer) -> list[str]:
    """The actions of the transfer's state that ``user`` may take (buttons shown)."""
    return [
        action
        for action in allowed_actions(transfer.kind, transfer.status)
        if can_act(user, transfer, actor_side(transfer.kind, transfer.status, action))
    ]

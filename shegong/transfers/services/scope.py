"""Who may act for which end of a transfer.

An actor covers an organization when they hold ``Cap.TRANSFERS_MANAGE`` and either
administer it or an organization above it (``OrgAdministrator``), or — for department and
street staff, not branch secretaries — its region lies in their jurisdiction. A branch
secretary's own region does not make them an approver of other branches in it.
"""

from __future__ import annotations

from shegong.accounts.models import User
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap, Role
from shegong.organizations.models import PartyOrganization
from shegong.organizations.models.orgs import administered_paths

from ..choices import Side
from ..models import Transfer


def covers(actor: User, org: PartyOrganization | None) -> bool:
    if org is None or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if not has_capability(actor, Cap.TRANSFERS_MANAGE):
        return False
    if any(org.path.startswith(path) for path in administered_paths(actor)):
        return True
    if actor.role == Role.BRANCH_SECRETARY:
        return False
    if actor.has_citywide_scope:
        return True
    region_path = actor.scope_region_path
    if not region_path:
        return False
    return org.region.path.startswith(region_path)


def superior_of(org: PartyOrganization) -> PartyOrganization | None:
    """The sending branch's 上级党委; ``None`` at the top of the tree (no branch approves
    its own transfer out)."""
    return org.parent


def side_organization(transfer: Transfer, side: str) -> PartyOrganization | None:
    """The organization whose coverage ``side`` needs for ``transfer`` (``None`` for the
    approval of a branch without a 上级党委: see :func:`can_act`)."""
    if side == Side.OUT_SUPERIOR:
        origin = transfer.from_organization
        return superior_of(origin) if origin is not None else None
    if side == Side.RECEIVER:
        return transfer.to_organization
    # the starting end: the sending branch, or the receiving branch of an inbound transfer
    return transfer.from_organization or transfer.to_organization


def can_act(actor: User, transfer: Transfer, side: str) -> bool:
    """Whether ``actor`` acts for ``side``. A sending organization with no 上级党委 is
    approved by department or street staff whose jurisdiction covers it, never by its own
    secretary."""
    origin = transfer.from_organization
    if side == Side.OUT_SUPERIOR and origin is not None and origin.parent_id is None:
        return _covers_by_jurisdiction(actor, origin)
    return covers(actor, side_organization(transfer, side))


def _covers_by_jurisdiction(actor: User, org: PartyOrganization) -> bool:
    """Department or street staff (not an administrator of ``org`` itself) in scope."""
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if not has_capability(actor, Cap.TRANSFERS_MANAGE) or actor.role == Role.BRANCH_SECRETARY:
        return False
    if actor.has_citywide_scope:
        return True
    region_path = actor.scope_region_path
    if not region_path:
        return False
    return org.region.path.startswith(region_path)

"""Roles and capabilities live in :mod:`shegong.core.roles` (every app, core included, may
use them); this module re-exports them for the existing ``accounts.roles`` imports."""

from shegong.core.roles import (
    ADMIN_ROLES,
    ROLE_CAPABILITIES,
    Cap,
    Role,
    capabilities_of,
    roles_needing_second_factor,
)

__all__ = [
    "ADMIN_ROLES",
    "ROLE_CAPABILITIES",
    "Cap",
    "Role",
    "capabilities_of",
    "roles_needing_second_factor",
]

"""Roles and capabilities live in :mod:`shegong.core.roles` (every app, core included, may
use them); this module re-exports them for the existing ``accounts.roles`` imports."""

from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role, capabilities_of

__all__ = ["ROLE_CAPABILITIES", "Cap", "Role", "capabilities_of"]

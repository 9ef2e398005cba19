"""Names the volunteer models share."""

from __future__ import annotations

from shegong.core.roles import Cap

VOLUNTEERS_VIEW = Cap.VOLUNTEERS_VIEW
GENESIS = "0" * 64

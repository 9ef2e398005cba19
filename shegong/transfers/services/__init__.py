"""The only writers of transfers (and of ``Member.organization`` / ``standing`` /
``joined_branch_on``)."""

from .lookups import actions_for, covered_organizations, filtered_transfers, receiving_candidates
from .scope import can_act, covers
from .suggestions import away_members, away_suggestions, suggestion_of
from .workflow import (
    InboundPerson,
    act_on_transfer,
    start_inbound_transfer,
    start_transfer,
)

__all__ = [
    "InboundPerson",
    "act_on_transfer",
    "actions_for",
    "away_members",
    "away_suggestions",
    "can_act",
    "covered_organizations",
    "covers",
    "filtered_transfers",
    "receiving_candidates",
    "start_inbound_transfer",
    "start_transfer",
    "suggestion_of",
]

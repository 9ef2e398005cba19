"""Demo party members and branch life (issue 15), through the same services as real input.

Each app's generator lives in its own module (``party_<app>.py``) and runs in this order:
the community branches (``party_branches``), members (the people), then transfers, dues,
组织生活, study, and the compliance run that judges what the others produced.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import (
    party_branches,
    party_compliance,
    party_dues,
    party_members,
    party_orglife,
    party_study,
    party_transfers,
)


def generate_party(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    for module in (
        party_branches,
        party_members,
        party_transfers,
        party_dues,
        party_orglife,
        party_study,
        party_compliance,
    ):
        module.generate(size_name, rng=rng, log=log)

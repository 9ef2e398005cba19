"""Demo data of the compliance app (issue 15): runs the compliance engine over what the
apps before it generated (members, dues, 组织生活, study); see ``party.py``.

The engine is the same one the daily job runs: it judges every branch for the previous and
the current quarter, materialises ``BranchQuarter`` rows and opens findings. Nothing is
invented here: a branch the demo gave no meetings is shown as short of them."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    from shegong.compliance.services.engine import run_compliance

    start = time.monotonic()
    result = run_compliance()
    log(
        f"组织生活合规检查：{result.branches} 个党支部，新发现问题 {result.opened} 个，"
        f"用时 {time.monotonic() - start:.1f} 秒"
    )

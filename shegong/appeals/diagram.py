"""The workflow diagrams in docs/appeals.md, generated from the transition tables.

``python -m shegong.appeals.diagram`` prints them; a test fails if the docs drift.
"""

from __future__ import annotations

from typing import Any

from .choices import (
    APPEAL_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    AppealAction,
    AppealStatus,
    WorkOrderAction,
    WorkOrderStatus,
)


def _diagram(transitions: dict[tuple[str, str], str], states: Any, actions: Any) -> str:
    lines = ["```mermaid", "stateDiagram-v2"]
    for (source, action), target in transitions.items():
        lines.append(f"    {source} --> {target}: {actions(action).label}")
    for state in states:
        lines.append(f"    {state.value}: {state.label}")
    lines.append("```")
    return "\n".join(lines)


def appeal_diagram() -> str:
    return _diagram(APPEAL_TRANSITIONS, AppealStatus, AppealAction)


def work_order_diagram() -> str:
    return _diagram(WORK_ORDER_TRANSITIONS, WorkOrderStatus, WorkOrderAction)


if __name__ == "__main__":  # pragma: no cover
    print(appeal_diagram())
    print()
    print(work_order_diagram())

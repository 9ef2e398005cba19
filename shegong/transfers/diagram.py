"""The state diagrams in docs/transfers.md, generated from ``TRANSITIONS``.

``python -m shegong.transfers.diagram`` prints them; a test fails if the docs drift.
"""

from __future__ import annotations

from .choices import START_STATUS, TRANSITIONS, TransferAction, TransferKind, TransferStatus


def diagram(kind: str) -> str:
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {START_STATUS[kind]}: 发起"]
    states: list[str] = [START_STATUS[kind]]
    for (source, action), target in TRANSITIONS[kind].items():
        lines.append(f"    {source} --> {target}: {TransferAction(action).label}")
        for state in (source, target):
            if state not in states:
                states.append(state)
    for state in states:
        lines.append(f"    {state}: {TransferStatus(state).label}")
    lines.append("```")
    return "\n".join(lines)


def all_diagrams() -> str:
    return "\n\n".join(f"### {kind.label}\n\n{diagram(kind)}" for kind in TransferKind)


if __name__ == "__main__":  # pragma: no cover
    print(all_diagrams())

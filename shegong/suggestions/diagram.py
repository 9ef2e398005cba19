"""The theme state diagram in docs/suggestions.md, generated from THEME_TRANSITIONS.

``python -m shegong.suggestions.diagram`` prints it; a test fails if the docs drift.
"""

from __future__ import annotations

from .choices import THEME_TRANSITIONS, ThemeAction, ThemeStatus


def theme_diagram() -> str:
    lines = ["```mermaid", "stateDiagram-v2"]
    for (source, action), target in THEME_TRANSITIONS.items():
        lines.append(f"    {source} --> {target}: {ThemeAction(action).label}")
    for state in ThemeStatus:
        lines.append(f"    {state.value}: {state.label}")
    lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(theme_diagram())

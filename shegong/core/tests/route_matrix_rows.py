"""Personas and the row helpers of the permission matrix (``route_matrix_table.py`` and the
party apps' ``tests/route_rows.py`` build their rows with them)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Personas of conftest.build_world plus the volunteer managers of volunteers' Kit, a
# volunteer signed in on the volunteer portal, and nobody.
PERSONAS = (
    "dept_admin",
    "dispatcher",
    "handler_unit_a",
    "handler_unit_b",
    "street_north",
    "street_south",
    "community_north",
    "district_leader",
    "leader",
    "auditor",
    "secretary",
    "vm_north",
    "vm_south",
    "volunteer",
    "anon",
)


# An expected outcome: "ok", "login", an HTTP status as a number (403, 404, 405) or as text.
Outcome = int | str


@dataclass(frozen=True)
class Row:
    default: Outcome
    overrides: dict[str, Outcome] = field(default_factory=dict)
    post: Row | None = None

    def expected(self, persona: str) -> Outcome:
        return self.overrides.get(persona, self.default)


def _outcome(text: str) -> Outcome:
    return int(text) if text in ("403", "404", "405") else text


def row(default: Outcome, *exceptions: str, post: Row | None = None) -> Row:
    overrides: dict[str, Outcome] = {}
    for spec in exceptions:
        personas, _, outcome = spec.rpartition("=")
        for persona in personas.split():
            assert persona in PERSONAS, f"unknown persona {persona!r}"
            overrides[persona] = _outcome(outcome)
    return Row(default, overrides, post)


def staff(default: Outcome, *exceptions: str, post: Row | None = None) -> Row:
    """A staff page or operation: nobody signed in and the portal volunteer go to login."""
    return row(default, *exceptions, "volunteer anon=login", post=post)

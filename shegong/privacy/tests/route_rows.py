"""Permission-matrix rows of this app's routes (read by ``shegong/core/tests/routes.py``
and ``route_matrix_table.py``; see the former's notes).

Who: ``privacy.request`` **and** a citywide scope (services.may_request): the department
administrator (the privacy officer's account). The dispatcher, handlers, street and
community staff and the volunteer managers hold ``pii.reveal`` but not ``privacy.request``
and are refused (403), as is every role without it; a city-level handler and a city-level
volunteer manager are checked in ``test_person_request.py`` (no matrix persona has that
scope). A refused POST writes nothing (the matrix checks the audit trail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

PAGES: dict[str, Row] = {
    "privacy:person-request": staff(403, "dept_admin=ok"),
}
API: dict[str, Row] = {}
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    return {}

"""Permission-matrix rows of this app's routes (read by ``shegong/core/tests/routes.py``
and ``route_matrix_table.py``; see the former's notes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# Who opens the cockpit (Cap.COCKPIT_VIEW): the department, leaders and street staff; each
# sees the figures of its own jurisdiction (a region subtree), so no sample is out of scope.
_VIEW = "dept_admin leader district_leader street_north street_south community_north=ok"
_PAGE = staff(403, _VIEW, post=staff(403, _VIEW.replace("=ok", "=405")))

PAGES: dict[str, Row] = {
    "cockpit:cockpit": _PAGE,
    "cockpit:summary": _PAGE,
    # One panel (the page loads each by HTMX): the sample is the appeals panel, which every
    # cockpit viewer has.
    "cockpit:panel": _PAGE,
    "cockpit:boundaries-json": _PAGE,
    # Uploading the map's boundaries (Cap.REPORTS_MANAGE): the department only.
    "cockpit:boundaries": staff(403, "dept_admin=ok"),
}
API: dict[str, Row] = {
    "GET /api/cockpit/panels": staff(403, _VIEW),
    "GET /api/cockpit/panels/{panel_key}": staff(403, _VIEW),
}
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "cockpit:panel": lambda w, o: {"key": "appeals"},
}
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "panel_key": lambda w, o: "appeals",
}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    return {}

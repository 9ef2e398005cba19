"""Permission-matrix rows of this app's routes (read by ``shegong/core/tests/routes.py``
and ``route_matrix_table.py``; see the former's notes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# Who reads reports (Cap.REPORTS_VIEW): the department, leaders and street/community staff;
# who generates them (Cap.REPORTS_MANAGE): the department. The sample report is 西城区's:
# the city-level users see it, the 东城区 leader and the 东城区 street/community staff do
# not (404) — a district's report is seen inside that district only (docs/reports.md).
_READERS_OUT = "district_leader street_north street_south community_north=404"
_CITY = "dept_admin leader=ok"

PAGES: dict[str, Row] = {
    "reports:archive": staff(
        403, "dept_admin leader district_leader street_north street_south community_north=ok"
    ),
    # POST only; the department opening it with GET gets 405 (its POST of the matrix's
    # dummy body would be a 422 form error, not sent: allowed writes are not).
    "reports:generate": staff(403, "dept_admin=405", post=staff(403, "dept_admin=422")),
    "reports:download": staff(403, _CITY, _READERS_OUT),
    "reports:appeals-export": staff(403, _CITY, _READERS_OUT),
}
API: dict[str, Row] = {
    "GET /api/reports": staff(
        403, "dept_admin leader district_leader street_north street_south community_north=ok"
    ),
    "GET /api/reports/{report_id}/files/{fmt}": staff(403, _CITY, _READERS_OUT),
}


def _report(w: World, o: dict[str, object]) -> dict[str, object]:
    return {"pk": getattr(o["report"], "pk", 0)}


SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "reports:download": lambda w, o: {**_report(w, o), "fmt": "pdf"},
    "reports:appeals-export": _report,
}
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "report_id": lambda w, o: getattr(o["report"], "pk", 0),
    "fmt": lambda w, o: "pdf",
}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """A generated monthly report of 西城区 (through the schedule's own service)."""
    from shegong.reports import services
    from shegong.reports.choices import ReportKind, Trigger
    from shegong.reports.periods import last_closed

    period = last_closed(ReportKind.MONTHLY_APPEALS)
    row = services.new_row(
        ReportKind.MONTHLY_APPEALS, period, world.district_b, Trigger.SCHEDULE, None
    )
    return {"report": services.generate(row.pk)}

"""Every talent export — the figures (``/talent/figures/?format=``) and a class's
enrolments (``/talent/classes/<pk>/?format=``) — needs ``Cap.EXPORT`` as the other apps'
exports do: without it the 403 page in Chinese and nothing exported (no
``data_exported`` row); with it the file, audited. The figures export used to need only
``Cap.TALENT_VIEW``. Every role holding TALENT_VIEW also holds EXPORT today, so the
refusal is seen with street staff stripped of EXPORT (as ``dues`` tests it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shegong.core.models import AuditEvent
from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role
from shegong.talent.models import TrainingClass
from shegong.talent.services import training

from .conftest import ClientFor, TalentKit, at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def north_class(kit: TalentKit) -> TrainingClass:
    w = kit.world
    now = timezone.now()
    klass = training.create_class(
        actor=w.dept_admin,
        title="社区工作者专题培训",
        kind="topic",
        unit_id=w.street_unit_n.pk,
        region_id=w.north_one.pk,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=3),
        capacity=10,
        hours=3,
    )
    training.enrol(actor=w.dept_admin, class_id=klass.pk, person_id=kit.worker.pk)
    return klass


@pytest.fixture
def no_export(monkeypatch: pytest.MonkeyPatch) -> None:
    caps = ROLE_CAPABILITIES[Role.STREET_STAFF] - {Cap.EXPORT}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.STREET_STAFF, caps)


def _exports(what: str) -> int:
    return AuditEvent.objects.filter(action="data_exported", target_type=what).count()


@time_machine.travel(at(2026, 6, 10), tick=False)
@pytest.mark.usefixtures("no_export")
def test_the_figures_export_is_refused_without_the_export_capability(
    kit: TalentKit, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get("/talent/figures/?format=xlsx")
    body = response.content.decode(errors="replace")
    assert (response.status_code, "无权访问" in body, _exports("talent.figures")) == (403, True, 0)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_figures_export_is_a_file_with_the_export_capability(
    kit: TalentKit, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get("/talent/figures/?format=xlsx")
    assert (response.status_code, response["Content-Type"], _exports("talent.figures")) == (
        200,
        XLSX,
        1,
    )


@time_machine.travel(at(2026, 6, 10), tick=False)
@pytest.mark.usefixtures("no_export")
def test_the_figures_page_still_opens_without_the_export_capability(
    kit: TalentKit, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get("/talent/figures/")
    assert (response.status_code, "?format=xlsx" in response.content.decode()) == (200, False)


@time_machine.travel(at(2026, 6, 10), tick=False)
@pytest.mark.usefixtures("no_export")
def test_the_enrolment_export_is_refused_without_the_export_capability(
    kit: TalentKit, north_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(
        f"/talent/classes/{north_class.pk}/?format=xlsx"
    )
    body = response.content.decode(errors="replace")
    assert (response.status_code, "无权访问" in body, _exports("talent.enrolment")) == (
        403,
        True,
        0,
    )


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_enrolment_export_is_a_file_with_the_export_capability(
    kit: TalentKit, north_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(
        f"/talent/classes/{north_class.pk}/?format=xlsx"
    )
    assert (response.status_code, response["Content-Type"], _exports("talent.enrolment")) == (
        200,
        XLSX,
        1,
    )

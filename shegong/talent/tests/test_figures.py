"""The figures: hours completion in a fixed number of queries; the cockpit panel narrowed
to the query's region (still inside the viewer's scope)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shegong.core.panels import CockpitQuery, Figure, panel
from shegong.core.scoping import ScopedUser
from shegong.regions.models import Region
from shegong.talent.models import Credential, HoursRecord, Person
from shegong.talent.sample import make_person
from shegong.talent.services import credentials, figures

from .conftest import TalentKit, at


def _credential(kit: TalentKit, person_id: int, number: str, level: str = "assistant") -> None:
    credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=person_id,
        level=level,
        number=number,
        passed_on=date(2025, 1, 10),
        registered_on=date(2025, 3, 1),
    )


def _hours(person: Person, amount: str, on: date) -> None:
    HoursRecord.objects.create(
        person=person, source="manual", hours=Decimal(amount), studied_on=on, title="课"
    )


def _queries(kit: TalentKit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        figures.hours_completion(kit.world.dept_admin, timezone.localdate())
    return len(ctx.captured_queries)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_hours_completion_counts_met_periods(kit: TalentKit) -> None:
    _credential(kit, kit.worker.pk, "H-1")  # assistant: 72 h
    _credential(kit, kit.colleague.pk, "H-2", level="intermediate")  # 90 h
    _credential(kit, kit.south_worker.pk, "H-3")
    _hours(kit.worker, "72", date(2026, 1, 5))  # met
    _hours(kit.colleague, "80", date(2026, 1, 5))  # short of 90
    _hours(kit.south_worker, "72", date(2025, 2, 1))  # before the period: not counted
    row = figures.hours_completion(kit.world.dept_admin, timezone.localdate())
    expected = sum(
        1
        for c in Credential.objects.filter(period_start__lte=timezone.localdate())
        if credentials.period_progress(c).met
    )
    assert (row.numerator, row.denominator, expected) == (1, 3, 1)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_hours_completion_queries_do_not_grow_with_credentials(kit: TalentKit) -> None:
    _credential(kit, kit.worker.pk, "Q-0")
    figures.hours_completion(kit.world.dept_admin, timezone.localdate())  # warm the policy
    one = _queries(kit)
    for seq in range(10, 16):
        person = make_person(
            kit.world.dept_admin,
            seq=seq,
            unit_id=kit.world.street_unit_n.pk,
            region_id=kit.world.north_one.pk,
        )
        _credential(kit, person.pk, f"Q-{seq}")
        _hours(person, "80", date(2026, 2, 1))
    assert (one, _queries(kit)) == (one, one)
    assert one <= 3


def _figure(figs: list[Figure], key: str) -> Figure:
    return next(f for f in figs if f.key == key)


def _panel(user: ScopedUser, region: Region) -> list[Figure]:
    provider = panel("talent")
    assert provider is not None
    today = timezone.localdate()
    query = CockpitQuery(
        user=user, start=today, end=today, region_id=region.pk, region_path=region.path
    )
    return provider.figures(query)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_panel_region_filter_equals_the_direct_count(kit: TalentKit) -> None:
    _credential(kit, kit.worker.pk, "R-1")
    _credential(kit, kit.south_worker.pk, "R-2")
    _hours(kit.south_worker, "72", date(2026, 1, 5))
    admin, today = kit.world.dept_admin, timezone.localdate()
    for region in (kit.world.north, kit.world.south):
        figs = _panel(admin, region)
        people = Person.objects.filter(left_on=None, region__path__startswith=region.path)
        held = (
            people.filter(credentials__period_start__lte=today, credentials__valid_until__gte=today)
            .distinct()
            .count()
        )
        creds = Credential.objects.filter(
            person__in=people, period_start__lte=today, valid_until__gte=today
        )
        met = sum(1 for c in creds if credentials.period_progress(c).met)
        certified = _figure(figs, "talent.certified").series[0].points[0]
        hours = _figure(figs, "talent.hours").series[0].points[0]
        streets = [p.label for p in _figure(figs, "talent.by_street").series[0].points]
        assert (certified.value, hours.value, streets) == (
            round(held * 100 / people.count(), 1),
            round(met * 100 / creds.count(), 1),
            [region.name],
        )
        assert f"region={region.pk}" in str(certified.url)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_panel_region_filter_stays_inside_the_viewers_scope(kit: TalentKit) -> None:
    _credential(kit, kit.south_worker.pk, "S-1")
    # the north street's staff asking for the south street: build_query refuses the region,
    # and a provider handed it anyway still counts only the viewer's rows
    figs = _panel(kit.world.street_north, kit.world.south)
    certified = _figure(figs, "talent.certified")
    assert certified.note.count("（0）") == 2

"""The demo city as the appeal simulation sees it: places, units, handling accounts."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from shegong.accounts import services as account_services
from shegong.accounts.models import User
from shegong.core.roles import Role
from shegong.regions.models import Region
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .appeal_texts import (
    CITY_MGMT,
    CIVIL,
    ECOLOGY,
    HOUSING,
    MARKET,
    STREET,
    WATER,
    mobile,
    person_name,
)
from .people import DEMO_PASSWORD


@dataclass(frozen=True)
class Place:
    region_id: int
    name: str
    code: str
    street_code: str
    district_code: str
    district_name: str


@dataclass
class City:
    places: list[Place]
    cum_weights: list[float]
    city_depts: dict[int, Unit]
    district_depts: dict[tuple[str, int], Unit]
    street_offices: dict[str, Unit]
    communities: dict[str, Unit]
    handlers: dict[int, User]
    whistlers: dict[int, User]
    proxies: dict[str, User]
    dispatcher: User
    city_name: str
    units_by_id: dict[int, Unit]

    def lead_for(self, place: Place, dept: int, rng: random.Random) -> Unit:
        if dept == STREET:
            return self.street_offices[place.street_code]
        local = self.district_depts.get((place.district_code, dept))
        if local is not None and rng.random() < 0.6:
            return local
        return self.city_depts[dept]

    def other_unit(self, place: Place, not_unit: Unit, rng: random.Random) -> Unit:
        """A different plausible unit (after a return, or as 协办)."""
        for _ in range(8):
            dept = rng.choice([STREET, HOUSING, CITY_MGMT, CIVIL, MARKET, ECOLOGY, WATER])
            unit = self.lead_for(place, dept, rng)
            if unit.pk != not_unit.pk:
                return unit
        return self.street_offices[place.street_code]


def build_city(root: User, rng: random.Random, log: Callable[[str], object]) -> City:
    regions = {
        r.code: r
        for r in Region.objects.filter(code__startswith="3399", level__lte=4).only(
            "pk", "code", "name", "level", "path", "population"
        )
    }
    places: list[Place] = []
    weights: list[float] = []
    for region in sorted(regions.values(), key=lambda r: r.code):
        if region.level != 4:
            continue
        parts = [p for p in region.path.strip("/").split("/") if p]
        district = regions[parts[1]]
        places.append(
            Place(region.pk, region.name, region.code, parts[2], district.code, district.name)
        )
        weights.append(float(region.population or 5000))
    units = {
        u.code: u for u in Unit.objects.filter(code__startswith="SG-").select_related("region")
    }
    city_depts = {int(code[4:]) - 1: u for code, u in units.items() if code.startswith("SG-C")}
    district_depts: dict[tuple[str, int], Unit] = {}
    street_offices: dict[str, Unit] = {}
    communities: dict[str, Unit] = {}
    district_govs: list[Unit] = []
    for code, unit in units.items():
        if code.startswith("SG-D") and unit.kind == UnitKind.FUNCTIONAL:
            d_code, j = code[4:].split("-")
            district_depts[(d_code, int(j) - 1)] = unit
        elif code.startswith("SG-D"):
            district_govs.append(unit)
        elif code.startswith("SG-S"):
            street_offices[unit.region.code] = unit
        elif code.startswith("SG-M"):
            communities[unit.region.code] = unit
    # One 承办人 per unit that can receive work orders (the demo's own "handler" and
    # "handler_edu" serve the city 住建局 and 教育局), bound to the unit only; and per street
    # office a street staff member bound to the street and the office, who blows the whistle
    # (吹哨 needs the street role). Handling through the unit-only account also keeps the
    # scoped order look-up cheap (see the report on WorkOrderQuerySet.visible_to).
    handlers: dict[int, User] = {
        u.unit_id: u for u in User.objects.filter(unit__isnull=False, role=Role.HANDLER)
    }
    whistlers: dict[int, User] = {}
    password = DEMO_PASSWORD
    created = 0
    for unit in sorted(units.values(), key=lambda u: u.code):
        if unit.kind in (UnitKind.DEPARTMENT, UnitKind.COMMUNITY):
            continue
        accounts: list[tuple[str, str, int | None]] = []
        if unit.pk not in handlers:
            accounts.append(("h", Role.HANDLER, None))
        if unit.kind == UnitKind.STREET_OFFICE:
            accounts.append(("c", Role.STREET_STAFF, unit.region_id))
        for prefix, role, region_id in accounts:
            user = account_services.create_user(
                actor=root,
                username=prefix + unit.code[3:].lower(),
                full_name=person_name(rng),
                role=role,
                password=password,
                region_id=region_id,
                unit_id=unit.pk,
                must_change_password=False,  # the published demo password
                phone=mobile(rng),
            )
            (whistlers if prefix == "c" else handlers)[unit.pk] = user
            created += 1
    example = next(iter(street_offices))
    log(
        f"  承办账号 {created} 个（h+单位编码为承办人，如 hc003、hs{example}；"
        f"cs{example} 为街道吹哨）"
    )
    proxies = {
        u.region.code: u
        for u in User.objects.filter(
            role=Role.STREET_STAFF, unit__isnull=True, region__level=3
        ).select_related("region")
    }
    dispatcher = User.objects.get(username="dispatcher")
    return City(
        places=places,
        cum_weights=list(itertools.accumulate(weights)),
        city_depts=city_depts,
        district_depts=district_depts,
        street_offices=street_offices,
        communities=communities,
        handlers=handlers,
        whistlers=whistlers,
        proxies=proxies,
        dispatcher=dispatcher,
        city_name=str(getattr(settings, "SHEGONG_CITY_NAME", "示范市")),
        units_by_id={u.pk: u for u in units.values()},
    )

"""Sample rows built through the services: valid synthetic ID numbers and a person with
defaults. Used by the demo (``demo.py``) and by the tests; it is ordinary application code
(no test framework), so the demo does not depend on test helpers."""

from __future__ import annotations

from datetime import date, timedelta

from shegong.accounts.models import User
from shegong.lib.validators import id_check_digit

from .models import Person
from .services.people import PersonInput, create_person


def id_number(seq: int, born: date = date(1990, 1, 1)) -> str:
    """A valid ID number, distinct for every ``seq`` ≥ 0: the sequence code carries
    ``seq % 1000`` and the birth date moves one day per thousand (no wrap-around)."""
    day = born + timedelta(days=seq // 1000)
    first17 = f"330101{day:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_person(
    actor: User,
    *,
    seq: int,
    unit_id: int,
    region_id: int,
    category: str = "community_worker",
    name: str = "",
    post: str = "",
    started_on: date | None = None,
    degree: str = "",
    phone: str = "",
) -> Person:
    return create_person(
        actor=actor,
        data=PersonInput(
            category=category,
            name=name or f"人员{seq}",
            id_number=id_number(seq),
            unit_id=unit_id,
            region_id=region_id,
            phone=phone or f"139{seq:08d}",
            post=post,
            started_on=started_on,
            degree=degree,
        ),
    )

"""An id in a URL belongs to the parent in the same URL (else 404)."""

from __future__ import annotations

from datetime import date

import time_machine

from shegong.talent.models import Credential
from shegong.talent.services import credentials

from .conftest import ClientFor, TalentKit, at


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_credential_of_another_person_is_not_found(kit: TalentKit, client_for: ClientFor) -> None:
    other = credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.colleague.pk,
        level="assistant",
        number="A-9",
        passed_on=date(2026, 6, 1),
    )
    response = client_for(kit.world.dept_admin).post(
        f"/talent/people/{kit.worker.pk}/credentials/{other.pk}/register/",
        {"on": "2026-10-20", "first": "1"},
    )
    registered = Credential.objects.get(pk=other.pk).valid_until is not None
    assert (response.status_code, registered) == (404, False)

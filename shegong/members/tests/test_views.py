"""Pages, export and API: scope (a secretary of one branch cannot read or change another
street's members by URL, API or export), masking, the refused step re-rendered."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from shegong.core.models import AuditEvent
from shegong.members.models import Member

from .conftest import id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(world, party, make_member) -> dict:
    return {
        "mine": make_member(party.branch, name="北方党员", id_number=id_number(21)),
        "theirs": make_member(party.south, name="南方党员", id_number=id_number(23)),
    }


def test_list_shows_own_branch_masked(world, two: dict, client_for) -> None:
    body = client_for(world.secretary).get("/members/").content.decode()
    assert ("北*" in body, "北方党员" in body) == (True, False)


def test_list_leaves_out_another_street(world, two: dict, client_for) -> None:
    body = client_for(world.secretary).get("/members/").content.decode()
    assert f"/members/{two['theirs'].pk}/" not in body


def test_detail_of_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).get(f"/members/{two['theirs'].pk}/")
    assert response.status_code == 404


def test_edit_of_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).post(
        f"/members/{two['theirs'].pk}/edit/", {"ethnicity": "回族"}
    )
    assert response.status_code == 404


def test_step_on_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).post(
        f"/members/{two['theirs'].pk}/steps/", {"kind": "confirm_full", "on": "2026-01-01"}
    )
    assert response.status_code == 404


def test_api_detail_of_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).get(f"/api/members/{two['theirs'].pk}")
    assert response.status_code == 404


def test_api_list_leaves_out_another_street(world, two: dict, client_for) -> None:
    ids = {m["id"] for m in client_for(world.secretary).get("/api/members").json()["items"]}
    assert ids == {two["mine"].pk}


def test_api_update_of_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).put(
        f"/api/members/{two['theirs'].pk}",
        {"name": "", "id_number": "", "organization_id": 0},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_api_step_on_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.secretary).post(
        f"/api/members/{two['theirs'].pk}/development",
        {"kind": "talk", "on": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 404


def _export_names(client) -> list[str]:
    response = client.get("/members/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_secretary_cannot_export(world, two: dict, client_for) -> None:
    assert client_for(world.secretary).get("/members/export/").status_code == 403


def test_export_holds_only_the_own_scope_masked(world, two: dict, client_for) -> None:
    assert _export_names(client_for(world.street_north)) == [str(two["mine"].name)]


def test_export_never_holds_the_whole_id(world, two: dict, client_for) -> None:
    response = client_for(world.dept_admin).get("/members/export/?format=csv")
    assert id_number(21) not in response.content.decode("utf-8-sig")


def test_reveal_is_audited(world, two: dict, client_for) -> None:
    response = client_for(world.street_north).post(
        f"/pii/members.Member/{two['mine'].pk}/id_number/", {"reason": "核对党员身份"}
    )
    assert (
        id_number(21) in response.content.decode(),
        AuditEvent.objects.filter(action="pii_revealed", target_id=str(two["mine"].pk)).exists(),
    ) == (True, True)


def test_reveal_of_another_street_is_404(world, two: dict, client_for) -> None:
    response = client_for(world.street_north).post(
        f"/pii/members.Member/{two['theirs'].pk}/id_number/", {"reason": "核对"}
    )
    assert response.status_code == 404


def test_create_page_keeps_values_on_error(world, party, client_for) -> None:
    response = client_for(world.secretary).post(
        "/members/new/",
        {"name": "李四", "id_number": "123", "organization_code": "N-B1", "stage": "full"},
    )
    body = response.content.decode()
    assert (response.status_code, "身份证号长度应为18位" in body, 'value="李四"' in body) == (
        422,
        True,
        True,
    )


def test_create_page_creates(world, party, client_for) -> None:
    client_for(world.secretary).post(
        "/members/new/",
        {
            "name": "李四",
            "id_number": id_number(31),
            "organization_code": "N-B1",
            "stage": "full",
            "admitted_on": "2010-07-01",
            "confirmed_on": "2011-07-01",
        },
    )
    assert Member.objects.filter(organization=party.branch).count() == 1


def test_create_in_another_street_is_refused(world, party, client_for) -> None:
    response = client_for(world.secretary).post(
        "/members/new/",
        {
            "name": "李四",
            "id_number": id_number(33),
            "organization_code": "S-B1",
            "stage": "full",
            "admitted_on": "2010-07-01",
            "confirmed_on": "2011-07-01",
        },
    )
    assert (response.status_code, Member.objects.count()) == (422, 0)


def test_refused_step_rerenders_violations_and_values(
    world, party, make_member, client_for
) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    response = client_for(world.secretary).post(
        f"/members/{member.pk}/steps/",
        {"kind": "confirm_full", "on": "2026-02-01", "document_ref": "支部大会记录第3号"},
    )
    body = response.content.decode()
    assert (response.status_code, "预备期未满" in body, "支部大会记录第3号" in body) == (
        422,
        True,
        True,
    )


def test_api_refused_step_lists_violations(world, party, make_member, client_for) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    response = client_for(world.secretary).post(
        f"/api/members/{member.pk}/development",
        {"kind": "confirm_full", "on": "2026-02-01"},
        content_type="application/json",
    )
    assert "预备期未满（2027-01-05期满）" in response.json()["violations"]


def test_api_create(world, party, client_for) -> None:
    response = client_for(world.secretary).post(
        "/api/members",
        {
            "name": "赵六",
            "id_number": id_number(35),
            "organization_id": party.branch.pk,
            "stage": "probationary",
            "admitted_on": "2026-01-05",
        },
        content_type="application/json",
    )
    assert (response.status_code, response.json()["name_masked"]) == (201, "赵*")


def test_pipeline_page_lists_the_applicant(world, party, make_member, client_for) -> None:
    person = make_member(party.branch, "applicant", applied_on=date(2026, 1, 5))
    body = client_for(world.secretary).get("/members/development/").content.decode()
    assert f"/members/{person.pk}/" in body

"""Member records: identity from the ID number, roster stages, 党龄, duplicates, and the
organization member counts switching from the imported figures to the records."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.members.services.people import MemberInput, update_member
from shegong.organizations.services.coverage import member_count_of, member_totals

from .conftest import id_number

pytestmark = pytest.mark.django_db


def test_birth_date_comes_from_the_id_number(party, make_member) -> None:
    member = make_member(party.branch, id_number=id_number(5, date(1988, 2, 29)))
    assert member.birth_date == date(1988, 2, 29)


def test_sex_comes_from_the_id_number(party, make_member) -> None:
    member = make_member(party.branch, id_number=id_number(4))
    assert member.gender == "F"


def test_bad_check_digit_is_a_chinese_error(party, make_member) -> None:
    good = id_number(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(DomainError, match="身份证号校验位错误"):
        make_member(party.branch, id_number=bad)


def test_duplicate_id_number_is_refused(party, make_member) -> None:
    make_member(party.branch, id_number=id_number(9))
    with pytest.raises(DomainError, match="已有党员档案"):
        make_member(party.south, id_number=id_number(9))


def test_full_member_needs_a_confirmation_date(party, make_member) -> None:
    with pytest.raises(DomainError, match="正式党员请填写转正日期"):
        make_member(party.branch, confirmed_on=None)


def test_floating_member_needs_a_destination(party, make_member) -> None:
    with pytest.raises(DomainError, match="外出去向"):
        make_member(party.branch, is_floating=True)


@time_machine.travel("2026-07-01 10:00 +0800", tick=False)
def test_party_standing_counts_from_confirmation(party, make_member) -> None:
    member = make_member(party.branch, admitted_on=date(2014, 7, 1), confirmed_on=date(2015, 7, 1))
    assert member.party_standing_years(date(2026, 7, 1)) == 11


def test_probationary_member_has_no_party_standing(party, make_member) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    assert member.party_standing_years(date(2026, 7, 1)) is None


def test_platform_must_be_a_registered_platform(world, party, make_member) -> None:
    from shegong.organizations.services import entities
    from shegong.organizations.testing import credit_code

    company = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(1),
        name="普通企业",
        kind="enterprise",
        region_id=world.north_one.pk,
    )
    with pytest.raises(DomainError, match="平台企业"):
        make_member(party.branch, worker_group="delivery_rider", platform_id=company.pk)


def test_rider_on_a_platform(world, party, make_member) -> None:
    from shegong.organizations.services import entities
    from shegong.organizations.testing import credit_code

    platform = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(2),
        name="某外卖平台",
        kind="platform",
        region_id=world.south_one.pk,
    )
    member = make_member(party.branch, worker_group="delivery_rider", platform_id=platform.pk)
    assert member.platform_id == platform.pk


def test_edit_keeps_blank_personal_data(world, party, make_member) -> None:
    member = make_member(party.branch, id_number=id_number(11), name="王小明")
    update_member(
        actor=world.secretary,
        member_id=member.pk,
        data=MemberInput(name="", id_number="", organization_id=0, ethnicity="回族"),
    )
    member.refresh_from_db()
    assert (member.name.reveal(), member.ethnicity) == ("王小明", "回族")


def test_edit_of_another_street_is_not_found(world, party, make_member) -> None:
    member = make_member(party.south)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        update_member(
            actor=world.secretary,
            member_id=member.pk,
            data=MemberInput(name="", id_number="", organization_id=0),
        )


# --- counts: imported until the branch has records ---------------------------------------


def test_counts_are_the_imported_figures_without_records(party) -> None:
    count = member_count_of(party.branch)
    assert (count.formal, count.from_records) == (8, False)


def test_counts_come_from_records_once_there_is_one(party, make_member) -> None:
    make_member(party.branch)
    make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    count = member_count_of(party.branch)
    assert (count.formal, count.probationary, count.source) == (1, 1, "党员名册")


def test_applicants_are_not_counted_as_members(party, make_member) -> None:
    make_member(party.branch, "applicant", applied_on=date(2026, 1, 5))
    count = member_count_of(party.branch)
    assert (count.formal, count.probationary, count.from_records) == (0, 0, True)


def test_totals_mix_sources_and_say_so(party, make_member) -> None:
    from shegong.organizations.models import PartyOrganization

    make_member(party.branch)
    totals = member_totals(
        PartyOrganization.objects.filter(pk__in=[party.branch.pk, party.south.pk])
    )
    assert (totals.formal, totals.orgs_from_records, totals.orgs_imported) == (1 + 5, 1, 1)


def test_org_page_names_the_source(world, party, make_member, client_for) -> None:
    make_member(party.branch)
    body = (
        client_for(world.secretary).get(f"/organizations/orgs/{party.branch.pk}/").content.decode()
    )
    assert "来源：党员名册" in body

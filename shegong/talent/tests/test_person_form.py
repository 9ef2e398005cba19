"""Editing a person keeps what is not retyped; creating with an account is all or nothing;
accounts are linked only from the actor's scope."""

from __future__ import annotations

import time_machine

from shegong.accounts.models import User
from shegong.core.pii import plain
from shegong.core.roles import Role
from shegong.talent.models import Person
from shegong.talent.sample import id_number

from .conftest import ClientFor, TalentKit, at


def _north_account(kit: TalentKit) -> User:
    from shegong.accounts import services as accounts

    return accounts.create_user(
        actor=kit.world.root,
        username="sw_north_free",
        full_name="赵社工",
        role=Role.HANDLER,
        password="x-Pass-12345",
        unit_id=kit.world.street_unit_n.pk,
        phone="13700004444",
        must_change_password=False,
    )


def _form(kit: TalentKit, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "community_worker",
        "name": "",
        "id_number": "",
        "phone": "",
        "unit": kit.world.street_unit_n.pk,
        "region": kit.world.north_one.pk,
        "note": "调岗",
    }
    data.update(extra)
    return data


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_edit_with_blank_personal_data_keeps_it(kit: TalentKit, client_for: ClientFor) -> None:
    client_for(kit.world.dept_admin).post(f"/talent/people/{kit.colleague.pk}/edit/", _form(kit))
    person = Person.objects.get(pk=kit.colleague.pk)
    assert (plain(person.name), plain(person.id_number), plain(person.phone), person.note) == (
        "李社工",
        id_number(2),
        "13900000002",
        "调岗",
    )


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_edit_overwrites_only_what_is_typed(kit: TalentKit, client_for: ClientFor) -> None:
    client_for(kit.world.dept_admin).post(
        f"/talent/people/{kit.colleague.pk}/edit/", _form(kit, phone="13811112222")
    )
    person = Person.objects.get(pk=kit.colleague.pk)
    assert (plain(person.name), plain(person.phone)) == ("李社工", "13811112222")


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_create_with_a_bad_account_creates_nothing(kit: TalentKit, client_for: ClientFor) -> None:
    before = Person.objects.count()
    response = client_for(kit.world.dept_admin).post(
        "/talent/new/",
        _form(kit, name="周社工", id_number=id_number(501), account="no_such_user"),
    )
    body = response.content.decode()
    assert (Person.objects.count(), 'value="周社工"' in body, "不存在" in body) == (
        before,
        True,
        True,
    )


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_account_out_of_scope_is_not_linked(kit: TalentKit, client_for: ClientFor) -> None:
    account = _north_account(kit)
    response = client_for(kit.world.street_south).post(
        f"/talent/people/{kit.south_worker.pk}/edit/",
        _form(
            kit,
            unit=kit.world.street_unit_s.pk,
            region=kit.world.south_one.pk,
            account=account.username,
        ),
    )
    linked = Person.objects.get(pk=kit.south_worker.pk).account_id
    assert (linked, "不在您的管辖范围内" in response.content.decode()) == (None, True)


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_account_in_scope_is_linked(kit: TalentKit, client_for: ClientFor) -> None:
    account = _north_account(kit)
    client_for(kit.world.street_north).post(
        f"/talent/people/{kit.colleague.pk}/edit/", _form(kit, account=account.username)
    )
    assert Person.objects.get(pk=kit.colleague.pk).account_id == account.pk

"""A person's data on lawful request (个人信息保护法 第四十五条): who may ask, how the person is
found, what the workbook holds and what the audit keeps."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import PASSWORD, World
from shegong.accounts import services as accounts
from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind, Channel
from shegong.appeals.models import Appeal
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.core.audit import AuditEvent
from shegong.core.pii import blind_index
from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role
from shegong.lib.validators import id_check_digit
from shegong.members.models import Member
from shegong.members.services.people import MemberInput, create_member
from shegong.organizations.services import orgs
from shegong.volunteers.models import Volunteer
from shegong.volunteers.services.registry import register_volunteer

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], Client]


@dataclass
class Person:
    appeals: list[Appeal]
    other: Appeal
    volunteer: Volunteer
    member: Member


URL = "/privacy/person-request/"
ID = "339901199001010" + "01"
ID = ID + id_check_digit(ID)
OTHER_ID = "339901198502020" + "13"
OTHER_ID = OTHER_ID + id_check_digit(OTHER_ID)
PHONE = "13912345678"
BASIS = "本人书面申请（2026年12月7日，编号 SQ-001），已核验身份证原件"


def appeal_for(
    world: World,
    id_number: str,
    phone: str,
    name: str,
    title: str,
    *,
    kind: str = AppealKind.HL_COMPLAINT,
    confidential: bool = False,
    accused: list[int] | None = None,
) -> Appeal:
    data = IntakeData(
        kind=kind,
        identity_confidential=confidential,
        accused_unit_ids=accused or [],
        channel=Channel.PORTAL,
        title=title,
        body="北一社区3号楼前路灯坏了两周。",
        region_id=world.north_one.pk,
        name=name,
        phone=phone,
        id_number=id_number,
    )
    return submit_appeal(actor=None, data=data)[0]


@pytest.fixture
def person(world: World) -> Person:
    """张三: a petitioner (two appeals), a volunteer and a party member; 李四 someone else."""
    first = appeal_for(world, ID, PHONE, "张三", "路灯不亮")
    second = appeal_for(world, ID, "13800002222", "张三", "噪音扰民")
    other = appeal_for(world, OTHER_ID, "13700003333", "李四", "李四的诉求")
    volunteer = register_volunteer(
        actor=world.root,
        name="张三",
        id_number=ID,
        phone=PHONE,
        region_id=world.north_one.pk,
    )
    branch = orgs.create_organization(
        actor=world.root,
        code="N-B1",
        name="测试支部",
        kind="branch",
        region_id=world.north_one.pk,
        formal_members=3,
    )
    member = create_member(
        actor=world.root,
        data=MemberInput(
            name="张三",
            id_number=ID,
            organization_id=branch.pk,
            stage="full",
            admitted_on=date(2010, 7, 1),
            confirmed_on=date(2011, 7, 1),
        ),
    )
    return Person(appeals=[first, second], other=other, volunteer=volunteer, member=member)


@pytest.fixture
def officer(world: World, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch) -> Client:
    """The privacy officer: the department administrator's account, in a deployment that
    also grants it the petitioner-identity capabilities (docs/privacy.md)."""
    caps = ROLE_CAPABILITIES[Role.DEPT_ADMIN] | {
        Cap.APPEALS_IDENTITY,
        Cap.APPEALS_CONFIDENTIAL_IDENTITY,
    }
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.DEPT_ADMIN, caps)
    return client_for(world.dept_admin)


def city_user(world: World, username: str, role: str) -> User:
    return accounts.create_user(
        actor=world.root,
        username=username,
        full_name=username,
        role=role,
        password=PASSWORD,
        region_id=world.city.pk,
        unit_id=world.unit_a.pk if role == Role.HANDLER else None,
        phone="13700001111",
        must_change_password=False,
    )


def ask(
    client: Client, value: str = ID, kind: str = "id_number", basis: str = BASIS
) -> HttpResponse:
    return client.post(URL, {"kind": kind, "value": value, "basis": basis})


def sheets(response: HttpResponse) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(response.content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def cells(rows: list[tuple[object, ...]]) -> set[object]:
    return {value for row in rows for value in row}


# --- who may ask ---------------------------------------------------------------------------


def test_the_department_administrator_opens_the_page(world: World, client_for: ClientFor) -> None:
    assert client_for(world.dept_admin).get(URL).status_code == 200


def test_street_staff_are_refused_the_page(world: World, client_for: ClientFor) -> None:
    assert client_for(world.street_north).get(URL).status_code == 403


def test_street_staff_cannot_post_by_url(
    world: World, client_for: ClientFor, person: Person
) -> None:
    assert ask(client_for(world.street_north)).status_code == 403


def test_a_refused_post_writes_no_audit_event(
    world: World, client_for: ClientFor, person: Person
) -> None:
    ask(client_for(world.street_north))
    assert not AuditEvent.objects.filter(action="person_data_exported").exists()


def test_a_handling_unit_is_refused(world: World, client_for: ClientFor) -> None:
    """pii.reveal without a region: not citywide."""
    assert client_for(world.handler_unit_a).get(URL).status_code == 403


def test_a_session_without_the_second_factor_is_sent_to_it(world: World) -> None:
    """The role needs a second factor (pii.reveal): a password alone does not open the page."""
    client = Client(REMOTE_ADDR="10.2.0.9")
    with time_machine.travel("2026-12-07 09:00 +0800", tick=False):
        client.post("/accounts/login/", {"username": "dept_admin", "password": PASSWORD})
        response = client.get(URL)
    assert response["Location"].startswith("/accounts/second-factor/")


def test_the_api_offers_no_way_around(world: World, client_for: ClientFor) -> None:
    """The export is a page only: no API operation serves it (a token cannot reach it)."""
    schema = client_for(world.street_north).get("/api/openapi.json").json()
    # (/api/talent/people/{person_id} is a talent record, not this export.)
    assert [p for p in schema["paths"] if "privacy" in p or "person-request" in p] == []


def test_the_sidebar_shows_the_page_to_citywide_staff_only(
    world: World, client_for: ClientFor
) -> None:
    admin = client_for(world.dept_admin).get("/").content.decode()
    street = client_for(world.street_north).get("/").content.decode()
    assert (URL in admin, URL in street) == (True, False)


# --- bad input -----------------------------------------------------------------------------


def test_a_wrong_check_digit_is_refused_in_chinese(world: World, client_for: ClientFor) -> None:
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    response = ask(client_for(world.dept_admin), value=wrong)
    assert "身份证号不正确：校验位错误" in response.content.decode()


def test_a_malformed_id_answers_400(world: World, client_for: ClientFor) -> None:
    assert ask(client_for(world.dept_admin), value="12345").status_code == 400


def test_the_legal_basis_is_required(world: World, client_for: ClientFor) -> None:
    response = ask(client_for(world.dept_admin), basis=" ")
    assert "请填写本次查阅申请的依据" in response.content.decode()


def test_bad_input_keeps_what_was_typed(world: World, client_for: ClientFor) -> None:
    response = ask(client_for(world.dept_admin), value="12345")
    assert "SQ-001" in response.content.decode()


def test_bad_input_writes_no_audit_event(world: World, client_for: ClientFor) -> None:
    ask(client_for(world.dept_admin), value="12345")
    assert not AuditEvent.objects.filter(action="person_data_exported").exists()


# --- the workbook --------------------------------------------------------------------------


def test_the_answer_is_an_xlsx_download(
    world: World, client_for: ClientFor, person: Person
) -> None:
    response = ask(client_for(world.dept_admin))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_the_download_is_not_cached(world: World, client_for: ClientFor, person: Person) -> None:
    assert "no-store" in ask(client_for(world.dept_admin))["Cache-Control"]


def test_the_cover_states_who_when_and_the_basis(
    world: World, client_for: ClientFor, person: Person
) -> None:
    with time_machine.travel("2026-12-07 10:30 +0800", tick=False):
        cover = cells(sheets(ask(client_for(world.dept_admin)))["说明"])
    assert {BASIS, "dept_admin（dept_admin）", "2026-12-07 10:30"} <= cover


def test_both_appeals_of_the_person_are_listed(officer: Client, person: Person) -> None:
    rows = sheets(ask(officer))["诉求"]
    assert sorted(r[0] for r in rows[1:]) == sorted(a.number for a in person.appeals)


def test_someone_elses_appeal_is_not_listed(officer: Client, person: Person) -> None:
    rows = sheets(ask(officer))["诉求"]
    assert person.other.number not in cells(rows)


def test_the_petitioner_records_are_in_clear(officer: Client, person: Person) -> None:
    rows = sheets(ask(officer))["诉求人记录"]
    assert [(r[1], r[2]) for r in rows[1:]] == [("张三", ID), ("张三", ID)]


def test_the_timeline_is_included(officer: Client, person: Person) -> None:
    rows = sheets(ask(officer))["办理过程"]
    assert {r[0] for r in rows[1:]} == {a.number for a in person.appeals}


def test_the_volunteer_record_is_included(
    world: World, client_for: ClientFor, person: Person
) -> None:
    rows = sheets(ask(client_for(world.dept_admin)))["志愿者"]
    assert [r[0] for r in rows[1:]] == [person.volunteer.number]


def test_the_party_member_record_is_included(
    world: World, client_for: ClientFor, person: Person
) -> None:
    rows = sheets(ask(client_for(world.dept_admin)))["党员"]
    assert [(r[0], r[4]) for r in rows[1:]] == [("测试支部", ID)]


def test_a_phone_lookup_leaves_out_records_with_an_id_number(
    officer: Client, person: Person
) -> None:
    """A phone is not unique: the appeal registered with an ID number is found by it only."""
    rows = sheets(ask(officer, value=PHONE, kind="phone"))["诉求"]
    assert rows[1:] == []


def test_a_phone_lookup_leaves_out_the_volunteer_with_an_id_number(
    officer: Client, person: Person
) -> None:
    rows = sheets(ask(officer, value=PHONE, kind="phone"))["志愿者"]
    assert rows[1:] == []


def test_a_phone_lookup_finds_a_phone_only_petitioner(
    world: World, officer: Client, person: Person
) -> None:
    phone_only = appeal_for(world, "", PHONE, "王五", "王五的诉求")
    rows = sheets(ask(officer, value=PHONE, kind="phone"))["诉求"]
    assert [r[0] for r in rows[1:]] == [phone_only.number]


def test_a_phone_lookup_is_marked_for_manual_check(officer: Client, person: Person) -> None:
    cover = sheets(ask(officer, value=PHONE, kind="phone"))["说明"]
    assert "需人工核对" in cells(cover)


def test_the_petitioner_table_is_searched_by_blind_index_only(
    officer: Client, person: Person
) -> None:
    client = officer
    with CaptureQueriesContext(connection) as queries:
        ask(client)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "appeals_petitioner"' in q["sql"] and "SELECT" in q["sql"]
    ]
    assert reads
    assert [sql for sql in reads if "bidx" not in sql and "appeals_appeal" not in sql] == []


# --- the audit -----------------------------------------------------------------------------


def test_the_request_is_audited_with_the_blind_index(
    world: World, client_for: ClientFor, person: Person
) -> None:
    ask(client_for(world.dept_admin))
    event = AuditEvent.objects.get(action="person_data_exported")
    assert (event.actor_id, event.target_id) == (world.dept_admin.pk, blind_index("id_number", ID))


def test_the_audit_keeps_the_basis(world: World, client_for: ClientFor, person: Person) -> None:
    ask(client_for(world.dept_admin))
    assert AuditEvent.objects.get(action="person_data_exported").changes["basis"] == BASIS


def test_the_audit_never_holds_the_clear_number(
    world: World, client_for: ClientFor, person: Person
) -> None:
    ask(client_for(world.dept_admin))
    event = AuditEvent.objects.get(action="person_data_exported")
    text = f"{event.changes} {event.note} {event.target_repr} {event.target_id}"
    assert [v for v in (ID, ID[-6:], "张三") if v in text] == []


# --- the export shows no more than the requester may see -----------------------------------


def test_the_dispatcher_is_refused(world: World, client_for: ClientFor, person: Person) -> None:
    assert ask(client_for(world.dispatcher)).status_code == 403


def test_a_city_level_handler_is_refused(
    world: World, client_for: ClientFor, person: Person
) -> None:
    assert ask(client_for(city_user(world, "city_handler", Role.HANDLER))).status_code == 403


def test_a_city_level_volunteer_manager_is_refused(
    world: World, client_for: ClientFor, person: Person
) -> None:
    user = city_user(world, "city_vm", Role.VOLUNTEER_MANAGER)
    assert ask(client_for(user)).status_code == 403


def test_by_id_number_the_persons_own_appeals_are_exported(
    world: World, client_for: ClientFor, person: Person
) -> None:
    """The officer holds no ``appeals.identity``, but the ID number names the person: their
    own appeals are theirs to have."""
    assert person.appeals[0].number in cells(sheets(ask(client_for(world.dept_admin)))["诉求"])


def test_by_id_number_a_confidential_appeal_of_the_person_is_theirs(
    world: World, client_for: ClientFor, person: Person
) -> None:
    secret = appeal_for(world, ID, PHONE, "张三", "保密诉求", confidential=True)
    rows = sheets(ask(client_for(world.dept_admin)))["诉求"]
    assert secret.number in cells(rows)


def test_by_phone_without_identity_rights_no_appeal_is_exported(
    world: World, client_for: ClientFor, person: Person
) -> None:
    response = ask(client_for(world.dept_admin), kind="phone", value=PHONE)
    assert "诉求" not in sheets(response)


def test_by_phone_without_identity_rights_the_cover_says_what_was_withheld(
    world: World, client_for: ClientFor, person: Person
) -> None:
    response = ask(client_for(world.dept_admin), kind="phone", value=PHONE)
    assert "诉求（经办人无查看诉求人身份的权限）" in cells(sheets(response)["说明"])


def test_by_phone_a_confidential_petitioner_needs_the_confidential_capability(
    world: World, client_for: ClientFor, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = appeal_for(world, "", PHONE, "张三", "保密诉求", confidential=True)
    caps = ROLE_CAPABILITIES[Role.DEPT_ADMIN] | {Cap.APPEALS_IDENTITY}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.DEPT_ADMIN, caps)
    response = ask(client_for(world.dept_admin), kind="phone", value=PHONE)
    assert secret.number not in cells(sheets(response)["诉求"])


def test_an_accusation_against_the_requesters_unit_is_never_served(
    world: World, officer: Client, person: Person
) -> None:
    accusation = appeal_for(
        world,
        ID,
        PHONE,
        "张三",
        "检举本部门",
        kind=AppealKind.XF_ACCUSATION,
        accused=[world.dept.pk],
    )
    rows = sheets(ask(officer))["诉求"]
    assert accusation.number not in cells(rows)


def test_without_members_view_no_member_sheet(
    world: World, client_for: ClientFor, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    caps = ROLE_CAPABILITIES[Role.DEPT_ADMIN] - {Cap.MEMBERS_VIEW}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.DEPT_ADMIN, caps)
    assert "党员" not in sheets(ask(client_for(world.dept_admin)))


def test_without_volunteers_view_no_volunteer_sheet(
    world: World, client_for: ClientFor, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    caps = ROLE_CAPABILITIES[Role.DEPT_ADMIN] - {Cap.VOLUNTEERS_VIEW}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.DEPT_ADMIN, caps)
    assert "志愿者" not in sheets(ask(client_for(world.dept_admin)))


# --- the legal basis keeps no identifier ---------------------------------------------------


def test_a_basis_holding_the_id_number_is_refused(
    world: World, client_for: ClientFor, person: Person
) -> None:
    response = ask(client_for(world.dept_admin), basis=f"已核验身份证{ID}")
    assert "申请依据中不能填写身份证号" in response.content.decode()


def test_a_basis_holding_part_of_the_id_number_is_refused(
    world: World, client_for: ClientFor, person: Person
) -> None:
    response = ask(client_for(world.dept_admin), basis=f"已核验身份证{ID[:10]}…")
    assert response.status_code == 400


def test_a_refused_basis_writes_no_audit_event(
    world: World, client_for: ClientFor, person: Person
) -> None:
    ask(client_for(world.dept_admin), basis=f"已核验身份证{ID}")
    assert not AuditEvent.objects.filter(action="person_data_exported").exists()


# --- what the workbook holds and says it holds ---------------------------------------------


def test_every_member_column_is_exported(
    world: World, client_for: ClientFor, person: Person
) -> None:
    headers = sheets(ask(client_for(world.dept_admin)))["党员"][0]
    assert {"民族", "学历", "党纪处分", "递交入党申请日期", "流动党员", "备注"} <= set(headers)


def test_every_volunteer_column_is_exported(
    world: World, client_for: ClientFor, person: Person
) -> None:
    headers = sheets(ask(client_for(world.dept_admin)))["志愿者"][0]
    assert {"监护人姓名", "专业技能", "服务区域", "服务类别", "缺席次数"} <= set(headers)


def test_the_attachments_are_listed(officer: Client, person: Person) -> None:
    assert "附件清单" in sheets(ask(officer))


def test_the_cover_makes_no_claim_of_completeness(
    world: World, client_for: ClientFor, person: Person
) -> None:
    cover = " ".join(str(v) for v in cells(sheets(ask(client_for(world.dept_admin)))["说明"]))
    assert ("全部个人信息" in cover, "未包含" in cover) == (False, True)

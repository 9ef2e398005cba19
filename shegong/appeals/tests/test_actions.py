"""The appeal page's buttons (``actions.ACTIONS`` through ``views.act``): unknown actions,
capability refusals and invalid forms answer on the page in Chinese and change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from conftest import World
from shegong.accounts.models import User
from shegong.appeals.actions import ACTIONS, Ctx, Need
from shegong.appeals.choices import AppealStatus, WorkOrderRole, WorkOrderStatus
from shegong.appeals.forms import STALE_PAGE
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "appeals"


def _page(response) -> str:
    return response.content.decode()


def _buttons_of_the_page() -> set[str]:
    source = (TEMPLATES / "detail.html").read_text(encoding="utf-8")
    return set(re.findall(r"'appeals:act' appeal\.pk '([a-z_]+)'", source))


def test_the_page_names_its_buttons_the_way_the_scan_reads_them() -> None:
    # Guards the scan below: a changed template syntax must not make it find nothing.
    assert len(_buttons_of_the_page()) >= 20


def test_every_button_of_the_appeal_page_has_a_row() -> None:
    named = _buttons_of_the_page() | {"hearing_start", "hearing_end"}  # chosen by yesno
    assert named - set(ACTIONS) == set()


def test_an_unknown_action_is_404(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(f"/appeals/{appeal.pk}/act/explode/", {})
    assert response.status_code == 404


def test_a_button_opened_with_get_is_405(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/act/accept/")
    assert response.status_code == 405


def test_dispatch_without_a_lead_unit_says_so_and_changes_nothing(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal()
    wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk)
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/dispatch/", {"lead_unit": "abc"}, follow=True
    )
    assert "请选择主办单位" in _page(response)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ACCEPTED


def test_categorize_without_a_category_says_so(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/categorize/", {"category": "|"}, follow=True
    )
    assert "请选择诉求类别" in _page(response)


def test_every_problem_of_a_form_is_shown_at_once(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    response = client_for(world.handler_unit_a).post(
        f"/appeals/{appeal.pk}/act/extend/", {"days": "三天", "reason": "材料未到"}, follow=True
    )
    assert "请选择工单；请填写延期天数" in _page(response)


def test_an_invalid_deadline_is_named_once(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.leader).post(
        f"/appeals/{appeal.pk}/act/supervise/",
        {"title": "督办", "instruction": "尽快", "deadline": "明天", "report_every_days": "七"},
        follow=True,
    )
    assert _page(response).count("请填写正确的办结期限和报告间隔") == 1


def test_a_refused_role_reads_the_services_own_words(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    response = client_for(world.handler_unit_a).post(
        f"/appeals/{appeal.pk}/act/extension_decide/", {"request": "1", "approve": "1"}, follow=True
    )
    assert "您的角色不能审批延期" in _page(response)


def test_a_refused_role_is_refused_before_its_form_is_read(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.street_north).post(
        f"/appeals/{appeal.pk}/act/dispatch/", {}, follow=True
    )
    assert "您的角色不能执行此操作" in _page(response)


def test_merge_with_a_number_out_of_reach_changes_nothing(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/merge/",
        {"numbers": "NOPE-1，NOPE-2", "reason": "重复"},
        follow=True,
    )
    assert "部分编号不存在或不在您的管辖范围内" in _page(response)
    assert not Appeal.objects.filter(merged_into=appeal).exists()


def test_split_names_the_new_appeals(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/split/",
        {
            "part_title": ["路灯不亮", "井盖缺失", ""],
            "part_body": ["3号楼前路灯坏了两周。", "5号楼前井盖缺失。", "空"],
        },
        follow=True,
    )
    children = Appeal.objects.filter(title__in=["路灯不亮", "井盖缺失"]).order_by("pk")
    assert "已拆分为：" + "、".join(c.number for c in children) in _page(response)


def test_a_handler_signs_and_replies_through_the_page(world, client_for, make_appeal) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    handler = client_for(world.handler_unit_a)
    handler.post(f"/appeals/{appeal.pk}/act/sign/", {"order": order.pk, "version": order.version})
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SIGNED
    handler.post(
        f"/appeals/{appeal.pk}/act/reply/",
        {"order": order.pk, "text": "已修复路灯并电话告知诉求人", "version": order.version},
    )
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.REPLIED


# --- every row, through HTTP ------------------------------------------------------------------
#
# Each row of ``ACTIONS`` is posted with a valid body as a user who holds its needs, with the
# service the adapter calls replaced by a recorder: the service must receive the actor, the
# appeal (or the order/request/review posted) and the form's values. Then, as a user lacking
# a need, the page must show the need's message and the real service, called through the
# adapter with the same body, must refuse with the same words (the table and the services
# agree). A new row without a case here fails ``test_every_row_has_a_case``.


@dataclass(frozen=True)
class Scene:
    """A dispatched appeal (its lead order at ``unit_a``) and another appeal to merge."""

    world: World
    appeal: Appeal
    order: WorkOrder
    duplicate: Appeal


Value = object  # a literal, or a callable of the scene (ids the scene made)


def _resolve(values: dict[str, Value], scene: Scene) -> dict[str, object]:
    return {k: v(scene) if callable(v) else v for k, v in values.items()}


APPEAL_ID: Callable[[Scene], int] = lambda s: s.appeal.pk  # noqa: E731
ORDER_ID: Callable[[Scene], int] = lambda s: s.order.pk  # noqa: E731


def _scan(scene: Scene) -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4 letter", content_type="application/pdf")


@dataclass(frozen=True)
class Case:
    """One row posted: by whom, the body, the service the adapter calls and what it gets."""

    actor: str  # a world user holding the row's needs
    body: dict[str, Value]
    service: str  # dotted path of the function the adapter calls
    expected: dict[str, Value]  # a subset of the keyword arguments (besides ``actor``)
    returns: object = None  # what the recorder answers (the adapter reads it)
    refused: str | None = None  # a world user who sees the appeal but lacks a need


WF = "shegong.appeals.services.workflow"

CASES: dict[str, Case] = {
    "accept": Case(
        "dispatcher",
        {"note": "材料齐全，予以受理", "version": "3"},
        f"{WF}.accept_appeal",
        {"appeal_id": APPEAL_ID, "note": "材料齐全，予以受理", "expected_version": 3},
        refused="handler_unit_a",
    ),
    "reject": Case(
        "dispatcher",
        {"reason": "不属于受理范围", "version": "3"},
        f"{WF}.reject_appeal",
        {"appeal_id": APPEAL_ID, "reason": "不属于受理范围", "expected_version": 3},
        refused="leader",
    ),
    "redirect": Case(
        "dispatcher",
        {"channel": "court", "reason": "属于诉讼事项", "version": "3"},
        f"{WF}.redirect_appeal",
        {
            "appeal_id": APPEAL_ID,
            "channel": "court",
            "reason": "属于诉讼事项",
            "expected_version": 3,
        },
        refused="handler_unit_a",
    ),
    "forward": Case(
        "dispatcher",
        {"organ": "市公安局", "reason": "属公安机关职责", "version": "3"},
        f"{WF}.forward_appeal",
        {
            "appeal_id": APPEAL_ID,
            "organ": "市公安局",
            "reason": "属公安机关职责",
            "expected_version": 3,
        },
        refused="street_north",
    ),
    "dispatch": Case(
        "dispatcher",
        {
            "lead_unit": "5",
            "assist_units": ["6", "7"],
            "instructions": "三日内联系诉求人",
            "category": "城乡建设|市政设施",
            "version": "3",
        },
        f"{WF}.dispatch_appeal",
        {
            "appeal_id": APPEAL_ID,
            "lead_unit_id": 5,
            "assist_unit_ids": [6, 7],
            "instructions": "三日内联系诉求人",
            "category_l1": "城乡建设",
            "category_l2": "市政设施",
            "expected_version": 3,
        },
        refused="handler_unit_a",
    ),
    "categorize": Case(
        "dispatcher",
        {"category": "城乡建设|市政设施", "version": "3"},
        f"{WF}.set_category",
        {
            "appeal_id": APPEAL_ID,
            "category_l1": "城乡建设",
            "category_l2": "市政设施",
            "expected_version": 3,
        },
        refused="leader",
    ),
    "reassign": Case(
        "dispatcher",
        {"lead_unit": "5", "assist_units": ["6"], "reason": "职能不符", "version": "3"},
        f"{WF}.reassign_appeal",
        {
            "appeal_id": APPEAL_ID,
            "lead_unit_id": 5,
            "assist_unit_ids": [6],
            "reason": "职能不符",
            "expected_version": 3,
        },
        refused="handler_unit_a",
    ),
    "close": Case(
        "dispatcher",
        {"note": "已答复，诉求人满意", "version": "4"},
        f"{WF}.close_appeal",
        {"appeal_id": APPEAL_ID, "note": "已答复，诉求人满意", "expected_version": 4},
        refused="leader",
    ),
    "whistle": Case(
        "street_north",
        {"units": ["5", "6"], "note": "请各部门到场"},
        f"{WF}.blow_whistle",
        {"appeal_id": APPEAL_ID, "unit_ids": [5, 6], "note": "请各部门到场"},
        refused="dispatcher",
    ),
    "merge": Case(
        "dispatcher",
        {"numbers": lambda s: f" {s.duplicate.number.lower()}，", "reason": "同一路灯"},
        "shegong.appeals.services.merge.merge_appeals",
        {
            "lead_id": APPEAL_ID,
            "duplicate_ids": lambda s: [s.duplicate.pk],
            "reason": "同一路灯",
        },
        refused="leader",
    ),
    "split": Case(
        "dispatcher",
        {"part_title": ["路灯不亮", "井盖缺失", ""], "part_body": ["3号楼前", "5号楼前", "空"]},
        "shegong.appeals.services.merge.split_appeal",
        {
            "appeal_id": APPEAL_ID,
            "parts": [
                {"title": "路灯不亮", "body": "3号楼前"},
                {"title": "井盖缺失", "body": "5号楼前"},
            ],
        },
        returns=[],
        refused="handler_unit_a",
    ),
    "attach": Case(
        "dispatcher",
        {"confidential": "1", "files": _scan},
        "shegong.appeals.attachments.add_attachment",
        {"appeal": lambda s: s.appeal, "name": "scan.pdf", "confidential": True},
        refused="leader",
    ),
    "extension_decide": Case(
        "dispatcher",
        {"request": "7", "approve": "1", "note": "同意延期"},
        f"{WF}.decide_extension",
        {"request_id": 7, "approve": True, "note": "同意延期"},
        refused="handler_unit_a",
    ),
    "sign": Case(
        "handler_unit_a",
        {"order": ORDER_ID, "version": "2"},
        f"{WF}.sign_order",
        {"order_id": ORDER_ID, "expected_version": 2},
        refused="leader",
    ),
    "return": Case(
        "handler_unit_a",
        {"order": ORDER_ID, "reason": "非本单位职责", "version": "2"},
        f"{WF}.return_order",
        {"order_id": ORDER_ID, "reason": "非本单位职责", "expected_version": 2},
        refused="dispatcher",
    ),
    "note": Case(
        "handler_unit_a",
        {"order": ORDER_ID, "note": "已电话联系诉求人", "contacted": "1"},
        f"{WF}.add_handling_note",
        {"order_id": ORDER_ID, "note": "已电话联系诉求人", "contacted": True},
        refused="leader",
    ),
    "extend": Case(
        "handler_unit_a",
        {"order": ORDER_ID, "days": "5", "reason": "材料未到"},
        f"{WF}.request_extension",
        {"order_id": ORDER_ID, "days": 5, "reason": "材料未到"},
        refused="dispatcher",
    ),
    "reply": Case(
        "handler_unit_a",
        {"order": ORDER_ID, "text": "已修复路灯", "version": "2"},
        f"{WF}.reply_order",
        {"order_id": ORDER_ID, "text": "已修复路灯", "expected_version": 2},
        refused="leader",
    ),
    "revisit": Case(
        "dispatcher",
        {
            "method": "sms",
            "contacted": "yes",
            "resolved": "yes",
            "satisfaction": "basic",
            "comment": "路灯已亮",
        },
        "shegong.appeals.services.revisit.record_revisit",
        {
            "appeal_id": APPEAL_ID,
            "method": "sms",
            "contacted": True,
            "resolved": True,
            "satisfaction": "basic",
            "comment": "路灯已亮",
        },
        refused="handler_unit_a",
    ),
    "review_request": Case(
        "dispatcher",
        {"level": "review", "text": "对处理意见不服，请求复查"},
        "shegong.appeals.services.review.request_review",
        {"appeal_id": APPEAL_ID, "level": "review", "text": "对处理意见不服，请求复查"},
        refused="leader",
    ),
    "review_decide": Case(
        "dispatcher",
        {"review": "9", "outcome": "uphold", "opinion": "维持原处理意见"},
        "shegong.appeals.services.review.decide_review",
        {"review_id": 9, "outcome": "uphold", "opinion": "维持原处理意见"},
    ),
    "hearing_start": Case(
        "dispatcher",
        {"review": "9"},
        "shegong.appeals.services.review.start_hearing",
        {"review_id": 9},
    ),
    "hearing_end": Case(
        "dispatcher",
        {"review": "9"},
        "shegong.appeals.services.review.end_hearing",
        {"review_id": 9},
    ),
    "supervise": Case(
        "leader",
        {
            "title": "路灯久拖未修",
            "instruction": "五日内办结",
            "deadline": "2027-01-10T18:00",
            "report_every_days": "3",
        },
        "shegong.appeals.services.supervision.create_supervision",
        {
            "appeal_ids": lambda s: [s.appeal.pk],
            "title": "路灯久拖未修",
            "instruction": "五日内办结",
            "deadline": datetime(2027, 1, 10, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
            "report_every_days": 3,
        },
        returns=SimpleNamespace(pk=1),
        refused="dispatcher",
    ),
}


@pytest.fixture
def scene(world, make_appeal) -> Scene:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    duplicate, _ = make_appeal(title="3号楼路灯又坏了")
    appeal.refresh_from_db()
    return Scene(world, appeal, appeal.work_orders.get(role=WorkOrderRole.LEAD), duplicate)


def test_every_row_has_a_case() -> None:
    assert set(CASES) == set(ACTIONS)


def test_every_row_with_needs_has_a_refused_user() -> None:
    needing = {name for name, row in ACTIONS.items() if row.needs}
    assert needing == {name for name, case in CASES.items() if case.refused}


@pytest.mark.parametrize("name", list(CASES))
def test_a_button_hands_its_form_to_its_service(
    name: str, scene: Scene, client_for, monkeypatch
) -> None:
    case = CASES[name]
    user: User = getattr(scene.world, case.actor)
    calls: list[dict[str, object]] = []

    def recorder(**kwargs: object) -> object:
        calls.append(kwargs)
        return case.returns

    monkeypatch.setattr(case.service, recorder)
    client_for(user).post(f"/appeals/{scene.appeal.pk}/act/{name}/", _resolve(case.body, scene))
    expected = {"actor": user, **_resolve(case.expected, scene)}
    assert [{k: call.get(k) for k in expected} for call in calls] == [expected]


def _first_need_lacked(name: str, user: User) -> Need:
    lacked = [n for n in ACTIONS[name].needs if not any(has_capability(user, c) for c in n.any_of)]
    assert lacked, f"{user} holds every need of {name}"
    return lacked[0]


def _message(exc: Exception) -> str:
    return exc.message if isinstance(exc, DomainError) else str(exc)


REFUSED = [name for name, case in CASES.items() if case.refused]


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_button_reads_its_needs_message(name: str, scene: Scene, client_for) -> None:
    case = CASES[name]
    user: User = getattr(scene.world, str(case.refused))
    response = client_for(user).post(
        f"/appeals/{scene.appeal.pk}/act/{name}/", _resolve(case.body, scene), follow=True
    )
    assert _first_need_lacked(name, user).message in _page(response)


@pytest.mark.parametrize("name", REFUSED)
def test_the_service_refuses_as_its_row_does(name: str, scene: Scene) -> None:
    """The row's adapter, its needs skipped, calls the real service with the same body:
    the service's own check must refuse with the row's words."""
    case, row = CASES[name], ACTIONS[name]
    user: User = getattr(scene.world, str(case.refused))
    posted = _resolve(case.body, scene)
    uploads = {k: v for k, v in posted.items() if isinstance(v, SimpleUploadedFile)}
    data = MultiValueDict(
        {k: v if isinstance(v, list) else [v] for k, v in posted.items() if k not in uploads}
    )
    form = row.form(data, MultiValueDict({k: [v] for k, v in uploads.items()}))
    assert form.is_valid(), form.errors
    with pytest.raises((PermissionDenied, DomainError)) as refused:
        row.run(Ctx(user=user, appeal=scene.appeal), form)
    assert _message(refused.value) == _first_need_lacked(name, user).message


def test_a_version_that_is_not_a_number_is_refused_and_changes_nothing(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(
        f"/appeals/{appeal.pk}/act/accept/", {"version": "²"}, follow=True
    )
    assert STALE_PAGE in _page(response)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED

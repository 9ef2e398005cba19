"""The appeal page's buttons (``actions.ACTIONS`` through ``views.act``): unknown actions,
capability refusals and invalid forms answer on the page in Chinese and change nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms

from shegong.appeals.actions import ACTIONS
from shegong.appeals.choices import AppealStatus, WorkOrderRole
from shegong.appeals.models import Appeal
from shegong.appeals.services import workflow as wf

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "appeals"


def _page(response) -> str:
    return response.content.decode()


def test_every_button_of_the_appeal_page_has_a_row() -> None:
    source = (TEMPLATES / "detail.html").read_text(encoding="utf-8")
    named = set(re.findall(r"'appeals:act' appeal\.pk '([a-z_]+)'", source))
    named |= {"hearing_start", "hearing_end"}  # chosen by yesno in the template
    assert named - set(ACTIONS) == set()


def test_every_row_binds_a_django_form() -> None:
    assert all(issubclass(row.form, forms.Form) for row in ACTIONS.values())


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
    response = handler.post(
        f"/appeals/{appeal.pk}/act/note/",
        {"order": order.pk, "note": "已电话联系诉求人", "contacted": "1"},
        follow=True,
    )
    assert "操作成功" in _page(response)

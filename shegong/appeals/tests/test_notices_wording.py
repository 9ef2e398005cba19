"""The notices' wording (``NoticeTemplate`` rows, Django template syntax): editing in the
admin, validation, audit, permission."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from shegong.appeals import notices
from shegong.appeals.admin import NoticeTemplateAdmin
from shegong.appeals.models import NoticeKind, NoticeTemplate
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent

from .notices_support import (
    build,
)

pytestmark = pytest.mark.django_db

# --- the template admin ---------------------------------------------------------------------


def change_url(template: NoticeTemplate) -> str:
    return f"/admin/appeals/noticetemplate/{template.pk}/change/"


def form_data(template: NoticeTemplate, **changes: str) -> dict[str, str]:
    data = {"title": template.title, "body": template.body, "issuer": template.issuer}
    data.update(changes)
    return data


def test_template_edit_with_broken_tag_is_rejected(world, client_for) -> None:
    template = NoticeTemplate.objects.get(kind=NoticeKind.REPLY)
    before = template.body
    client = client_for(world.dept_admin)
    for broken, message in [
        ("{% if %}答复{% endif %}", "文书模板语法错误"),
        ("{{ reply|nosuchfilter }}", "文书模板语法错误"),
        ("{% for x in %}", "文书模板语法错误"),
        ("{% load static %}{{ reply }}", "不能使用"),
        ("{% include 'base.html' %}", "不能使用"),
        ("{% url 'appeals:detail' 1 %}", "不能使用"),
    ]:
        response = client.post(change_url(template), form_data(template, body=broken))
        assert response.status_code == 200, broken
        assert message in response.content.decode(), broken
    template.refresh_from_db()
    assert template.body == before
    assert not AuditEvent.objects.filter(action="notice_template_changed").exists()


def test_template_edit_is_saved_audited_and_used(world, make_appeal, client_for) -> None:
    template = NoticeTemplate.objects.get(kind=NoticeKind.REPLY)
    body = "{{ petitioner_name }}：\n关于“{{ title }}”，答复如下：\n{{ reply }}"
    response = client_for(world.dept_admin).post(
        change_url(template), form_data(template, body=body, issuer="示范市北街道办事处")
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == body
    event = AuditEvent.objects.get(action="notice_template_changed")
    assert event.changes["issuer"] == ["中共示范市委社会工作部", "示范市北街道办事处"]
    appeal = build(world, make_appeal, "replied")
    notice = notices.render_notice(appeal, NoticeKind.REPLY, viewer=world.dispatcher)
    assert notice.issuer == "示范市北街道办事处"
    assert notice.paragraphs[1] == "关于“小区路灯长期不亮”，答复如下："


def test_template_admin_only_for_policy_capability(world, client_for) -> None:
    factory = RequestFactory()
    admin = NoticeTemplateAdmin(NoticeTemplate, django_admin.site)
    for user, allowed in [
        (world.dept_admin, True),
        (world.dispatcher, False),
        (world.leader, False),
    ]:
        request = factory.get("/admin/")
        request.user = user
        assert admin.has_module_permission(request) is allowed
        assert admin.has_change_permission(request) is allowed
        assert admin.has_delete_permission(request) is False
        assert admin.has_add_permission(request) is False  # all five kinds exist
    assert client_for(world.dispatcher).get("/admin/appeals/noticetemplate/").status_code == 302
    response = client_for(world.dept_admin).get("/admin/appeals/noticetemplate/")
    assert response.status_code == 200
    assert "答复意见书" in response.content.decode()


def test_default_templates_validate_and_service_checks(world) -> None:
    assert NoticeTemplate.objects.count() == 5
    for template in NoticeTemplate.objects.all():
        notices.validate_template_body(template.body)
    with pytest.raises(ValidationError, match="不能使用"):
        notices.validate_template_body("{% debug %}")
    with pytest.raises(ValidationError, match="为空"):
        notices.validate_template_body("   ")
    template = NoticeTemplate.objects.get(kind=NoticeKind.ACCEPTANCE)
    with pytest.raises(PermissionDenied):
        notices.save_notice_template(actor=world.dispatcher, template=template)
    template.body = "{% if %}"
    with pytest.raises(DomainError, match="文书模板语法错误"):
        notices.save_notice_template(actor=world.dept_admin, template=template)
    template.refresh_from_db()
    assert template.body.startswith("{{ petitioner_name")

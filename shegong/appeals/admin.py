"""Django admin for the written-notice templates (``appeals.policy`` only).

Edits are validated (the body must compile and render as a Django template) and saved
through ``notices.save_notice_template`` so they are audited. Templates are never deleted:
a missing template would make its notice impossible to issue.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from shegong.accounts.roles import Cap
from shegong.core.admin import can

from . import notices
from .models import NoticeKind, NoticeTemplate

CONTEXT_HELP = (
    "Django 模板语法，每行为一个自然段；首行以“：”结尾的为称谓（顶格）。可用变量："
    "{{ petitioner_name }} {{ number }} {{ title }} {{ body }} {{ kind_label }} "
    "{{ matter }} {{ registered_date }} {{ accepted_date }} {{ unit }} {{ assist_units }} "
    "{{ due_date }} {{ instructions }} {{ reason }} {{ redirect_label }} {{ reply }} "
    "{{ issuer }} {{ today }} {{ review_days }} {{ appeal.channel_label }} "
    "{{ appeal.region_name }} 等，详见 docs/appeals-notices.md。"
    "不能使用 load、include、extends、url、debug 标签。"
)


class NoticeTemplateForm(forms.ModelForm):
    class Meta:
        model = NoticeTemplate
        fields = ["kind", "title", "body", "issuer"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "cols": 100})}
        help_texts = {"body": CONTEXT_HELP}

    def clean_body(self) -> str:
        body: str = self.cleaned_data.get("body") or ""
        notices.validate_template_body(body)
        return body

    def clean_title(self) -> str:
        title: str = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise ValidationError("请填写标题")
        return title


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    """Visible and editable only for roles with ``appeals.policy``."""

    form = NoticeTemplateForm
    list_display = ["title", "kind", "issuer", "updated_at"]
    ordering = ["kind"]
    search_fields = ["title", "body"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request, Cap.APPEALS_POLICY)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Only to recreate a kind that has no template (one row per kind)."""
        if not self.has_module_permission(request):
            return False
        existing = set(NoticeTemplate.objects.values_list("kind", flat=True))
        return bool(set(NoticeKind.values) - existing)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["kind"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: NoticeTemplate, form: Any, change: bool
    ) -> None:
        notices.save_notice_template(actor=request.user, template=obj)

"""Django admin for the editable holiday calendar and read-only audit views, and
:class:`AuditedAdmin`, the base of every admin page that edits rows.

Calendar edits go through the services so they are audited and reset the calendar cache.
Other rows edited in the admin (routing rules, notice templates, skills) are audited by
:class:`AuditedAdmin`: one event per row added, changed or deleted, with the diff, in the
admin's transaction — the admin is no back door around the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from . import audit, services
from .models import AuditEvent, AuditVerification, CalendarDay, CalendarYear, SmsMessage
from .permissions import has_capability
from .roles import Cap
from .scoping import signed_in


class AuditedAdmin(admin.ModelAdmin):
    """Rows saved or deleted here are audited (``admin_row_added`` / ``_changed`` /
    ``_deleted``), like every change made through the services."""

    def save_model(
        self,
        request: HttpRequest,
        obj: models.Model,
        form: ModelForm,
        change: bool,
    ) -> None:
        before: dict[str, object] = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit.snapshot(stored) if stored is not None else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                "admin_row_changed" if change else "admin_row_added",
                actor=signed_in(request.user),
                target=obj,
                changes=audit.diff(before, audit.snapshot(obj)),
                note=f"系统管理后台：{obj._meta.verbose_name}",
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        label, pk, shown = obj._meta.label_lower, str(obj.pk), str(obj)[:255]
        before = audit.snapshot(obj)
        with transaction.atomic():
            super().delete_model(request, obj)
            audit.record(
                "admin_row_deleted",
                actor=signed_in(request.user),
                target_type=label,
                target_id=pk,
                target_repr=shown,
                changes=audit.diff(before, {}),
                note=f"系统管理后台：{obj._meta.verbose_name}",
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[models.Model]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class CalendarManagerAdmin(admin.ModelAdmin):
    """Visible and editable only for roles with ``calendar.manage``."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Cap.CALENDAR_MANAGE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarManagerAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name", "source"]

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        services.set_calendar_day(
            actor=request.user,
            day=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
            source=obj.source,
        )

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.delete_calendar_day(actor=request.user, day=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarManagerAdmin):
    list_display = ["year", "complete", "source", "updated_at"]
    list_filter = ["complete"]
    search_fields = ["source"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        services.mark_calendar_year(
            actor=request.user, year=obj.year, complete=obj.complete, source=obj.source
        )

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        services.mark_calendar_year(
            actor=request.user, year=obj.year, complete=False, source=obj.source
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Cap.AUDIT_VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "ok", "events_checked", "first_bad_seq", "detail"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor_repr", "action", "target_repr"]
    list_filter = ["action"]
    search_fields = ["target_repr", "actor_repr", "target_id"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return AuditEvent.objects.visible_to(request.user)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    """短信发送记录: what the gateway refused (filter 发送失败) and why. Numbers are masked and
    the text is not shown: the list is for operating the gateway, not for reading messages."""

    COLUMNS = (
        "created_at",
        "purpose",
        "masked_phone",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_display = COLUMNS
    list_filter = ("status", "purpose")
    fields = COLUMNS
    readonly_fields = COLUMNS
    actions = ["resend_unknown"]

    @admin.action(description="已向服务商核实未收到，重新发送所选“结果未知”的短信")
    def resend_unknown(self, request: HttpRequest, queryset: Any) -> None:
        from .notify import resend_unknown

        ids = list(queryset.values_list("pk", flat=True))
        count = resend_unknown(actor=request.user, message_ids=ids)
        self.message_user(request, f"已重新发送 {count} 条短信（只处理状态为“结果未知”的短信）")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # The department administrator who runs the system (accounts) runs the gateway too.
        return has_capability(request.user, Cap.ACCOUNTS_MANAGE)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: SmsMessage) -> str:
        from shegong.lib.masking import mask_phone

        from .pii import plain

        return mask_phone(plain(obj.phone))

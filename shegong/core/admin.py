"""Django admin for the editable holiday calendar and read-only audit views.

Calendar edits go through the services so they are audited and reset the calendar cache.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import services
from .models import AuditEvent, AuditVerification, CalendarDay, CalendarYear, SmsMessage


def can(request: HttpRequest, capability: str) -> bool:
    """The admin asks for module permissions on its login page too, where the user is
    anonymous (no ``has_capability``): nobody signed in may do anything."""
    check = getattr(request.user, "has_capability", None)
    return bool(check and check(capability))


class CalendarManagerAdmin(admin.ModelAdmin):
    """Visible and editable only for roles with ``calendar.manage``."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request, "calendar.manage")

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
        return can(request, "audit.view")

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

    def has_module_permission(self, request: HttpRequest) -> bool:
        # The department administrator who runs the system (accounts) runs the gateway too.
        return can(request, "accounts.manage")

    @admin.display(description="手机号码")
    def masked_phone(self, obj: SmsMessage) -> str:
        from .notify import mask_phone
        from .pii import plain

        return mask_phone(plain(obj.phone))

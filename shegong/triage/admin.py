from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shegong.core.admin import AuditedAdmin
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap

from .models import RoutingRule


class PolicyManagerAdmin(AuditedAdmin):
    """Visible and editable only for roles with ``appeals.policy``."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Cap.APPEALS_POLICY)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(RoutingRule)
class RoutingRuleAdmin(PolicyManagerAdmin):
    list_display = ["category_l1", "category_l2", "region", "unit", "priority", "is_active"]
    list_filter = ["is_active", "category_l1"]
    search_fields = ["category_l1", "category_l2", "note"]
    raw_id_fields = ["region", "unit"]

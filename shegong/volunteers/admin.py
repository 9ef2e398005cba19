from django.contrib import admin

from shegong.core.admin import AuditedAdmin

from .models import Skill, VolunteerPolicy


@admin.register(VolunteerPolicy)
class VolunteerPolicyAdmin(admin.ModelAdmin):
    """Read-only here: edit on the 志愿服务规则 page so changes are audited and star levels
    are re-rated (services.update_policy)."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.register(Skill, AuditedAdmin)

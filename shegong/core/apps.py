from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shegong.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.utils.module_loading import autodiscover_modules

        from . import checks, headers, periodic  # noqa: F401  (registers checks and periodic jobs)
        from .db import protect_sqlite_files
        from .nav import NavItem, register
        from .roles import Cap

        # Each app's audit_labels module names its audit actions in Chinese (audit_display).
        autodiscover_modules("audit_labels")
        connection_created.connect(protect_sqlite_files, dispatch_uid="core.protect_sqlite")

        register(
            NavItem("系统", "审计日志", "core:audit-list", Cap.AUDIT_VIEW, order=30),
            NavItem("系统", "节假日与期限", "core:calendar", Cap.CALENDAR_VIEW, order=40),
            NavItem("系统", "Word 文书模板", "documents:list", Cap.DOCUMENTS_MANAGE, order=50),
        )

from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "shegong.appeals"
    label = "appeals"
    verbose_name = "群众诉求"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from shegong.core import documents
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap
        from shegong.core.tree import register_path_copy
        from shegong.regions.models import Region

        from . import rollup
        from .cockpit import AppealsPanel
        from .models import AppealDayStat, AppealMonthStat
        from .notices.docx import document_kinds
        from .search import ensure_text_index
        from .search_short import ensure_grams_index, register_sqlite_function

        register_panel(AppealsPanel())  # the cockpit's 群众诉求 panel (docs/cockpit.md)
        # The rollup's copies of the region path follow a region move (docs/cockpit.md).
        # (under the sync's lock: a sync racing the move neither keeps nor writes old paths)
        register_path_copy(Region, AppealDayStat, "region_path", lock=rollup.lock_for_move)
        register_path_copy(Region, AppealMonthStat, "region_path", lock=rollup.lock_for_move)
        documents.register(*document_kinds())  # the notices' Office templates (文书模板)
        # A table rebuild (AlterField on SQLite) drops the text index's triggers.
        post_migrate.connect(ensure_text_index, sender=self, dispatch_uid="appeals-text-index")
        # The short-term gram index: its SQLite triggers call a function of every connection.
        connection_created.connect(register_sqlite_function, dispatch_uid="appeals-grams-fn")
        post_migrate.connect(ensure_grams_index, sender=self, dispatch_uid="appeals-grams-index")

        register(
            NavItem("群众诉求", "工作台", "appeals:workbench", Cap.APPEALS_VIEW, order=10),
            NavItem("群众诉求", "登记诉求", "appeals:register", Cap.APPEALS_REGISTER, order=20),
            NavItem("群众诉求", "诉求查询", "appeals:search", Cap.APPEALS_VIEW, order=30),
            NavItem("群众诉求", "督办", "appeals:supervisions", Cap.APPEALS_VIEW, order=40),
            NavItem("群众诉求", "三率考核", "appeals:ranking", Cap.APPEALS_VIEW, order=50),
            NavItem("群众诉求", "考核申诉", "appeals:score-appeals", Cap.APPEALS_VIEW, order=60),
            NavItem("群众诉求", "办理规则", "appeals:policies", Cap.APPEALS_POLICY_VIEW, order=90),
        )

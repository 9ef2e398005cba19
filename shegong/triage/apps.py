from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "shegong.triage"
    label = "triage"
    verbose_name = "智能分拣"

    def ready(self) -> None:
        from shegong.appeals import hooks
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .cockpit import HotspotsPanel
        from .extensions import advisor, forget_links, queue_triage

        register_panel(HotspotsPanel())  # the cockpit's panel (docs/cockpit.md)

        # appeals declares these points and never imports triage (docs/architecture.md).
        hooks.appeals_registered.register(queue_triage)
        hooks.dispatch_advisor.register(advisor)
        hooks.appeal_anonymised.register(forget_links)

        register(NavItem("群众诉求", "诉求热点", "triage:hotspots", Cap.APPEALS_DISPATCH, order=35))

    def worker_preload(self) -> None:
        """``shegong worker`` calls this once at start: the model and the indexes are
        loaded before the first task instead of inside it."""
        from .services import preload

        preload()

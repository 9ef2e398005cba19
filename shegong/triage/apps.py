from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "shegong.triage"
    label = "triage"
    verbose_name = "智能分拣"

    def ready(self) -> None:
        from shegong.accounts.roles import Cap
        from shegong.core.nav import NavItem, register

        register(NavItem("群众诉求", "诉求热点", "triage:hotspots", Cap.APPEALS_DISPATCH, order=35))

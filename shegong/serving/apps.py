from django.apps import AppConfig


class ServingConfig(AppConfig):
    """Members and volunteers serving where people live (issue 19, docs/service-orders.md): 双报到,
    微心愿, service orders converted from appeals, matching, check-in and proof, hours on the
    volunteer ledger, the appeal closed with the service's evidence."""

    name = "shegong.serving"
    label = "serving"
    verbose_name = "双报到与服务订单"

    def ready(self) -> None:
        from shegong.appeals import hooks
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from . import audit_labels  # noqa: F401 — registers the Chinese action names
        from .extensions import link_orders, scrub_orders
        from .figures import ServingPanel
        from .services.follow import follow_lead, refuse_while_serving

        register(
            NavItem("双报到与服务", "服务订单", "serving:orders", Cap.SERVING_VIEW, order=10),
            NavItem("双报到与服务", "双报到", "serving:reports", Cap.SERVING_VIEW, order=20),
            NavItem("双报到与服务", "服务统计", "serving:figures", Cap.SERVING_VIEW, order=30),
            NavItem("双报到与服务", "服务规则", "serving:policy", Cap.SERVING_POLICY, order=40),
        )
        hooks.appeal_page_links.register(link_orders)
        register_panel(ServingPanel())
        hooks.work_order_created.register(follow_lead)
        hooks.lead_closing.register(refuse_while_serving)
        hooks.appeal_anonymised.register(scrub_orders)

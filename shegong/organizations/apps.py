from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "shegong.organizations"
    label = "organizations"
    verbose_name = "党组织与两新覆盖"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .cockpit import CoveragePanel

        register_panel(CoveragePanel())  # the cockpit's panel (docs/cockpit.md)

        register(
            NavItem("党建", "两新覆盖", "organizations:coverage", Cap.ORGS_VIEW, order=10),
            NavItem("党建", "覆盖问题", "organizations:findings", Cap.ORGS_VIEW, order=12),
            NavItem("党建", "两新组织", "organizations:entities", Cap.ORGS_VIEW, order=14),
            NavItem("党建", "党组织", "organizations:orgs", Cap.ORGS_VIEW, order=16),
            NavItem("党建", "覆盖规则", "organizations:policy", Cap.ORGS_POLICY, order=18),
        )

from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "shegong.organizations"
    label = "organizations"
    verbose_name = "党组织与两新覆盖"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap
        from shegong.core.tree import register_path_copy
        from shegong.regions.models import Region

        from .cockpit import CoveragePanel
        from .models import CoverageCell, Entity, Finding

        register_panel(CoveragePanel())  # the cockpit's panel (docs/cockpit.md)
        # Scoped by their copies of the region's path: the copies follow a region move
        # (core.tree.register_path_copy), or the old street would keep seeing them.
        register_path_copy(Region, Entity, "region_path")
        register_path_copy(Region, Finding, "region_path")
        register_path_copy(Region, CoverageCell, "street_path")

        register(
            NavItem("党建", "两新覆盖", "organizations:coverage", Cap.ORGS_VIEW, order=10),
            NavItem("党建", "覆盖问题", "organizations:findings", Cap.ORGS_VIEW, order=12),
            NavItem("党建", "两新组织", "organizations:entities", Cap.ORGS_VIEW, order=14),
            NavItem("党建", "党组织", "organizations:orgs", Cap.ORGS_VIEW, order=16),
            NavItem("党建", "覆盖规则", "organizations:policy", Cap.ORGS_POLICY, order=18),
        )

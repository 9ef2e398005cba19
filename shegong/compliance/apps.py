from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "shegong.compliance"
    label = "compliance"
    verbose_name = "组织生活合规"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap
        from shegong.core.tree import register_path_copy
        from shegong.regions.models import Region

        from .cockpit import CompliancePanel
        from .models import AreaQuarter, BranchQuarter, ComplianceFinding

        register_panel(CompliancePanel())  # the cockpit's 组织生活合规 panel (docs/cockpit.md)
        # Scoped by their copies of the region's path: the copies follow a region move
        # (core.tree.register_path_copy) instead of waiting for the engine's next run.
        register_path_copy(Region, BranchQuarter, "region_path")
        register_path_copy(Region, AreaQuarter, "region_path")
        register_path_copy(Region, ComplianceFinding, "region_path")

        register(
            NavItem("党建", "组织生活合规", "compliance:home", Cap.COMPLIANCE_VIEW, order=60),
            NavItem("党建", "合规问题", "compliance:findings", Cap.COMPLIANCE_VIEW, order=61),
            NavItem("党建", "合规参数", "compliance:policy", Cap.COMPLIANCE_POLICY, order=69),
        )

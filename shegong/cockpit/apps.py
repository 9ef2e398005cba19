from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """The leaders' cockpit and scheduled reports (issue 17, docs/cockpit.md): one screen of
    the city's social work, every figure scoped to the viewer and drillable to its records.
    Above every domain app; it draws their figures through ``core.panels``, never by
    importing them."""

    name = "shegong.cockpit"
    label = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(
            NavItem("领导驾驶舱", "驾驶舱", "cockpit:cockpit", Cap.COCKPIT_VIEW, order=10),
            NavItem(
                "领导驾驶舱", "地图区划边界", "cockpit:boundaries", Cap.REPORTS_MANAGE, order=90
            ),
        )

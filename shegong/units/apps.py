from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "shegong.units"
    label = "units"
    verbose_name = "单位"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(NavItem("基础数据", "单位", "units:list", Cap.UNITS_VIEW, order=20))

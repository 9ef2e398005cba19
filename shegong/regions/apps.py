from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "shegong.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(NavItem("基础数据", "行政区划", "regions:list", Cap.REGIONS_VIEW, order=10))

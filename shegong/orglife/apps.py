from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "shegong.orglife"
    label = "orglife"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(
            NavItem("党建", "组织生活", "orglife:meetings", Cap.ORGLIFE_VIEW, order=40),
        )

from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "shegong.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(
            NavItem("党建", "党费收缴", "dues:home", Cap.DUES_VIEW, order=30),
            NavItem("党建", "党费减免审批", "dues:hardships", Cap.DUES_VIEW, order=31),
        )

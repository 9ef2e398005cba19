from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "shegong.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        register(
            NavItem("党员管理", "党员名册", "members:list", Cap.MEMBERS_VIEW, order=10),
            NavItem("党员管理", "发展党员", "members:pipeline", Cap.MEMBERS_VIEW, order=20),
        )

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "shegong.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .cockpit import VolunteersPanel

        register_panel(VolunteersPanel())  # the cockpit's panel (docs/cockpit.md)

        register(
            NavItem("志愿服务", "志愿者", "volunteers:list", Cap.VOLUNTEERS_VIEW, order=10),
            NavItem("志愿服务", "志愿服务队伍", "volunteers:teams", Cap.VOLUNTEERS_VIEW, order=20),
            NavItem(
                "志愿服务", "活动与签到", "volunteers:activities", Cap.VOLUNTEERS_VIEW, order=30
            ),
            NavItem("志愿服务", "待确认时长", "volunteers:pending", Cap.VOLUNTEERS_VIEW, order=35),
            NavItem("志愿服务", "服务时长台账", "volunteers:hours", Cap.VOLUNTEERS_VIEW, order=40),
            NavItem(
                "志愿服务", "记录证明", "volunteers:certificates", Cap.VOLUNTEERS_VIEW, order=50
            ),
            NavItem("志愿服务", "星级光荣榜", "volunteers:honours", Cap.VOLUNTEERS_VIEW, order=60),
            NavItem(
                "志愿服务", "志愿服务规则", "volunteers:policy", Cap.VOLUNTEER_POLICY, order=70
            ),
        )

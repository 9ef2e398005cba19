from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "shegong.study"
    label = "study"
    verbose_name = "理论学习与书记队伍"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .cockpit import StudyPanel

        register_panel(StudyPanel())  # the cockpit's panel (docs/cockpit.md)

        register(
            NavItem("党建", "理论学习", "study:home", Cap.STUDY_VIEW, order=50),
            NavItem("党建", "党组织书记", "study:secretaries", Cap.STUDY_VIEW, order=55),
            NavItem("党建", "缺书记与培训不足", "study:gaps", Cap.STUDY_VIEW, order=56),
        )

from django.apps import AppConfig


class TalentConfig(AppConfig):
    """Social-work talent and grassroots cadres (issue 18, docs/talent.md): people, credentials,
    continuing education, training classes and 实践锻炼, annual evaluation from evidence,
    incentives with their basis. Reads appeals, volunteers and branch life as evidence."""

    name = "shegong.talent"
    label = "talent"
    verbose_name = "社会工作人才"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .panels import TalentPanel

        register(
            NavItem("人才", "人才队伍", "talent:people", Cap.TALENT_VIEW, order=10),
            NavItem("人才", "培训班", "talent:classes", Cap.TALENT_VIEW, order=20),
            NavItem("人才", "年度考核", "talent:cycles", Cap.TALENT_VIEW, order=30),
            NavItem("人才", "激励与处理", "talent:decisions", Cap.TALENT_VIEW, order=40),
            NavItem("人才", "人才统计", "talent:figures", Cap.TALENT_VIEW, order=50),
            NavItem("人才", "人才参数", "talent:policy", Cap.TALENT_POLICY, order=90),
        )
        register_panel(TalentPanel())

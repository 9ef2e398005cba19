from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "shegong.appeals"
    label = "appeals"
    verbose_name = "群众诉求"

    def ready(self) -> None:
        from shegong.core import documents
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        from .notices.docx import document_kinds

        documents.register(*document_kinds())  # the notices' Office templates (文书模板)

        register(
            NavItem("群众诉求", "工作台", "appeals:workbench", Cap.APPEALS_VIEW, order=10),
            NavItem("群众诉求", "登记诉求", "appeals:register", Cap.APPEALS_REGISTER, order=20),
            NavItem("群众诉求", "诉求查询", "appeals:search", Cap.APPEALS_VIEW, order=30),
            NavItem("群众诉求", "督办", "appeals:supervisions", Cap.APPEALS_VIEW, order=40),
            NavItem("群众诉求", "三率考核", "appeals:ranking", Cap.APPEALS_VIEW, order=50),
            NavItem("群众诉求", "考核申诉", "appeals:score-appeals", Cap.APPEALS_VIEW, order=60),
            NavItem("群众诉求", "办理规则", "appeals:policies", Cap.APPEALS_POLICY_VIEW, order=90),
        )

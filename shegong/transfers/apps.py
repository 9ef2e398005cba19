from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "shegong.transfers"
    label = "transfers"
    verbose_name = "组织关系转接"

    def ready(self) -> None:
        from shegong.core import documents
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        from .letter.docx import document_kind

        documents.register(document_kind())  # 党员组织关系介绍信 (文书模板)
        register(
            NavItem("党建", "组织关系转接", "transfers:list", Cap.MEMBERS_VIEW, order=30),
            NavItem("党建", "建议转接", "transfers:suggestions", Cap.MEMBERS_VIEW, order=32),
        )

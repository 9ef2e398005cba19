from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Scheduled and on-demand reports (issue 17 part 5, docs/reports.md): the monthly 接诉即办
    report and the quarterly 两新 coverage report as DOCX (office-editable template), PDF and
    XLSX, per district and for the city, kept in an archive. Reads appeals and organizations."""

    name = "shegong.reports"
    label = "reports"
    verbose_name = "统计报告"

    def ready(self) -> None:
        from shegong.core import documents
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        from .documents import document_kinds

        register(NavItem("工作台", "统计报告", "reports:archive", Cap.REPORTS_VIEW, order=60))
        documents.register(*document_kinds())

from django.db import models


class ReportKind(models.TextChoices):
    MONTHLY_APPEALS = "monthly_appeals", "接诉即办月度报告"
    QUARTERLY_COVERAGE = "quarterly_coverage", "两新组织党建覆盖季度报告"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "定时生成"
    MANUAL = "manual", "手动生成"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "生成中"
    READY = "ready", "已生成"
    FAILED = "failed", "生成失败"


class FileFormat(models.TextChoices):
    DOCX = "docx", "Word"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"

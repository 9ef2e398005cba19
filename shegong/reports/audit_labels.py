"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {
        "report_requested": "申请生成统计报告",
        "report_generated": "生成统计报告",
        "report_downloaded": "下载统计报告",
    }
)

register_field_labels(
    {
        "period": "报告期",
        "format": "文件格式",
        "trigger": "生成方式",
        "rows": "各表合计行数",
    }
)

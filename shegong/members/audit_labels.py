"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {
        "member_created": "新增党员档案",
        "member_changed": "修改党员档案",
        "member_development_recorded": "记录发展党员步骤",
        "members_imported": "导入党员名册",
        "members_import_errors_downloaded": "下载党员名册导入错误清单",
    }
)

register_field_labels({"step": "步骤", "on": "日期"})

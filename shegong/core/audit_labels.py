"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "pii_revealed": "查看完整个人信息",
        "pii_keys_rotated": "更换个人信息加密密钥",
        "data_exported": "导出数据",
        "calendar_day_set": "设置节假日/调休日",
        "calendar_day_deleted": "删除节假日/调休日",
        "calendar_year_marked": "标记年度日历已录入",
        "sms_unknown_resent": "重新发送结果未知的短信",
        "document_template_uploaded": "上传文书模板",
        "document_template_activated": "启用文书模板",
        "document_template_reverted": "文书模板恢复默认",
        "audit_checkpoints_archived": "归档审计校验点（重建审计链）",
        "database_restored": "从备份恢复数据库",
        "records_purged": "清理超过保存期限的运行记录",
        "admin_row_added": "系统管理后台新增记录",
        "admin_row_changed": "系统管理后台修改记录",
        "admin_row_deleted": "系统管理后台删除记录",
    }
)
register_field_labels(
    {
        "id": "编号",
        "ids": "编号",
        "created_at": "创建时间",
        "updated_at": "更新时间",
        "region_path": "区划路径",
        "volunteer": "志愿者",
        "field": "字段",
        "reason": "理由",
        "model": "数据类型",
        "filters": "筛选条件",
        "format": "文件格式",
        "rows": "行数",
        "unmasked": "含完整个人信息",
        "what": "导出内容",
        "count": "数量",
        "key_id": "密钥编号",
        "rotated": "已更换",
        "date": "日期",
        "year": "年度",
        "is_workday": "调休上班",
        "name": "名称",
        "total": "合计",
        "created": "新增",
        "updated": "更新",
        "seq": "序号",
        "head": "链头摘要",
        "entries": "记录数",
        "cause": "原因",
        "status": "状态",
        "kind": "类别",
        "source": "来源",
    }
)
register_target_labels({"core.keyring": "个人信息加密密钥"})

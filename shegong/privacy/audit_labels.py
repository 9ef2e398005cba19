"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels({"person_data_exported": "导出个人信息（查阅、复制申请）"})
register_field_labels(
    {
        "key_kind": "查询依据类型",
        "basis": "申请依据",
        "rows": "各表记录数",
        "withheld": "因权限未导出",
    }
)
register_target_labels({"privacy.person": "个人信息查阅申请（按盲索引）"})

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {"unit_created": "新增单位", "unit_changed": "修改单位", "units_imported": "导入单位"}
)
register_field_labels({"updated_codes_sample": "更新单位（部分）"})

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {
        "region_created": "新增行政区划",
        "region_changed": "修改行政区划",
        "region_moved": "调整区划隶属",
        "regions_imported": "导入行政区划",
        "region_boundaries_loaded": "载入区划边界",
    }
)
register_field_labels(
    {
        "created_codes_sample": "新增区划（部分）",
        "updates_sample": "更新区划（部分）",
        "loaded": "载入边界数",
        "codes_sample": "区划代码（部分）",
    }
)

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels({"appeal_triaged": "智能分拣", "triage_suggestion_accepted": "采纳分拣建议"})
register_field_labels(
    {
        "recomputed": "重新计算",
        "unit_id": "单位",
        "same_person": "同一人的其他诉求",
        "category_l1": "一级分类",
    }
)
register_field_labels({"confidence": "置信度", "duplicates": "疑似重复"})

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "dues_assessment_entered": "核定党费基数",
        "dues_assessment_changed": "修改党费核定",
        "dues_bases_copied": "沿用上年党费基数",
        "dues_hardship_proposed": "申请党费减免",
        "dues_hardship_approved": "批准党费减免",
        "dues_hardship_rejected": "不批准党费减免",
        "dues_hardship_withdrawn": "撤回党费减免申请",
        "dues_paid": "登记党费缴纳",
        "dues_payment_reversed": "冲正党费记录",
    }
)
register_field_labels(
    {
        "months": "缴纳月份",
        "amount": "金额",
        "reverses": "冲正的记录",
        "year": "年度",
        "count": "人数",
        "category": "党员类别",
        "base": "计算基数",
        "computed_amount": "按比例应缴",
        "monthly_amount": "月应缴",
        "hardship_amount": "减免后金额",
        "status": "状态",
    }
)
register_target_labels({"党费收缴表": "党费收缴表"})

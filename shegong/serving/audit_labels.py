"""Chinese names of this app's audit actions (read by core.audit_display)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "dual_report_registered": "双报到登记",
        "dual_report_ended": "结束双报到",
        "service_order_created": "登记社区服务需求",
        "appeal_converted_to_service": "诉求转为服务订单",
        "service_order_cancelled": "取消服务订单",
        "service_order_claimed": "认领服务",
        "service_order_assigned": "指派服务",
        "service_claim_cancelled": "取消认领",
        "service_checked_in": "服务签到",
        "service_checked_out": "服务签退",
        "service_checkout_recorded": "补登签退",
        "service_photo_added": "上传服务照片",
        "service_reported": "提交服务情况",
        "service_order_confirmed": "确认服务完成",
        "service_appeal_replied": "以服务结果答复诉求",
        "serving_policy_updated": "修改双报到服务规则",
        "service_order_relinked": "服务订单改随新的主办工单",
    }
)
register_field_labels(
    {
        "community": "社区",
        "reason": "报到依据",
        "people_needed": "需要人数",
        "vulnerable": "服务困难群众",
        "appeal": "诉求",
        "work_order": "诉求工单",
        "order": "服务订单",
        "volunteer": "志愿者",
        "hours": "时长",
        "method": "确认方式",
        "entries": "台账记录",
        "photo": "照片",
        "due_after_work_order": "服务完成期限晚于工单办理期限",
    }
)

register_target_labels(
    {"双报到与志愿服务统计": "双报到与志愿服务统计", "双报到年度报告": "双报到年度报告"}
)

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

_KINDS = {"training": "培训记录", "award": "表彰奖励", "evaluation": "服务评价"}

register_action_labels(
    {
        "volunteer_registered": "志愿者注册",
        "volunteer_updated": "修改志愿者信息",
        "volunteer_contact_changed": "修改志愿者联系方式",
        "volunteers_imported": "导入志愿者",
        "volunteer_team_created": "新建志愿服务队",
        "volunteer_member_added": "加入服务队",
        "volunteer_member_removed": "移出服务队",
        "volunteer_activity_created": "新建志愿活动",
        "volunteer_activity_status_changed": "变更活动状态",
        "volunteer_slot_added": "添加活动班次",
        "volunteer_signed_up": "活动报名",
        "volunteer_signup_cancelled": "取消报名",
        "volunteer_signup_promoted": "候补转正",
        "volunteer_checked_in": "签到",
        "volunteer_checked_out": "签退",
        "volunteer_marked_absent": "标记缺席",
        "volunteer_hours_confirmed": "确认服务时长",
        "volunteer_hours_recorded": "记录服务时长",
        "volunteer_hours_imported": "导入服务时长",
        "volunteer_hours_reversed": "冲正服务时长",
        "volunteer_ledger_anchored": "时长账本锚定",
        "volunteer_trainings_imported": "导入培训记录",
        "volunteer_certificate_issued": "开具志愿服务证明",
        "volunteer_certificate_downloaded": "下载志愿服务证明",
        "volunteer_certificate_revoked": "作废志愿服务证明",
        "volunteer_certificates_resigned": "重新签署志愿服务证明",
        "volunteer_policy_changed": "修改志愿服务规则",
        **{f"volunteer_{kind}_recorded": f"登记{label}" for kind, label in _KINDS.items()},
        **{f"volunteer_{kind}_corrected": f"更正{label}" for kind, label in _KINDS.items()},
        **{f"volunteer_{kind}_voided": f"作废{label}" for kind, label in _KINDS.items()},
    }
)
register_field_labels(
    {
        "slot": "班次",
        "promoted": "候补转正",
        "computed": "系统计算时长",
        "resigned_total": "重新签署数",
        "unverifiable_total": "无法核验数",
        "held_total": "暂缓数",
        "current": "当前密钥",
        "issued_before": "开具时间早于",
        "resigned": "重新签署",
        "unverifiable": "无法核验",
        "held": "暂缓",
        "reverses_seq": "冲正的记录序号",
        "provisional": "临时期限",
    }
)
register_field_labels(
    {
        "minor": "未成年人",
        "guardian_consent": "监护人同意",
        "slots": "班次数",
        "notified": "已通知人数",
        "volunteer": "志愿者",
        "hours": "时长（小时）",
        "records": "附带记录",
    }
)

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "talent_person_created": "新建社会工作人才档案",
        "talent_person_changed": "修改社会工作人才档案",
        "talent_person_left": "登记人员离岗",
        "talent_account_linked": "关联人才档案的平台账号",
        "talent_import": "导入社会工作人才名册",
        "talent_credential_added": "登记职业资格证书",
        "talent_credential_registered": "办理证书首次登记",
        "talent_credential_renewed": "办理证书再登记",
        "talent_hours_added": "录入继续教育学时",
        "talent_degree_credited": "社会工作学历教育折算学时",
        "talent_class_created": "举办培训班",
        "talent_enrolled": "培训班报名",
        "talent_attended": "培训班签到并计入学时",
        "talent_posting_started": "安排实践锻炼",
        "talent_posting_closed": "实践锻炼期满鉴定",
        "talent_cycle_opened": "建立年度考核",
        "talent_cycle_advanced": "推进年度考核阶段",
        "talent_self_report": "提交个人述职",
        "talent_graded": "评定考核等次",
        "talent_grade_appealed": "申请考核等次复核",
        "talent_appeal_answered": "答复考核等次复核",
        "talent_decision_proposed": "提出激励或处理建议",
        "talent_decision_decided": "审批激励或处理决定",
        "talent_decision_applied": "执行激励或处理决定（调整岗位或离岗）",
        "talent_policy_changed": "修改人才工作参数",
        "talent_reminders_sent": "发送证书再登记与学时提醒",
    }
)

register_field_labels(
    {
        "person": "人员",
        "people": "人数",
        "hours": "学时",
        "studied_on": "学习日期",
        "kind": "类型",
        "sent": "发送条数",
        "ladder": "岗位等级序列",
        "post": "岗位",
        "decision": "决定",
        "left_on": "离岗日期",
    }
)

register_target_labels({"talent.figures": "社会工作人才统计"})

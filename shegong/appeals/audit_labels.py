"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "appeal_registered": "登记诉求",
        "appeal_accepted": "受理诉求",
        "appeal_rejected": "不予受理",
        "appeal_attachment_added": "添加附件",
        "appeal_attachment_opened": "查看附件",
        "appeal_category_set": "设置诉求分类",
        "appeal_dispatched": "派单",
        "appeal_reassigned": "改派",
        "appeal_redirected": "告知通过其他途径解决",
        "appeal_forwarded": "转送",
        "appeal_escalated": "退单提级办理",
        "appeal_info_added": "补充诉求信息",
        "appeal_notice_generated": "生成告知文书",
        "appeal_policy_published": "发布办理时限规则",
        "appeal_redone": "重办",
        "appeal_review_requested": "申请复查",
        "appeal_review_decided": "复查决定",
        "appeal_revisited": "回访",
        "appeal_split": "拆分诉求",
        "appeal_whistle_blown": "吹哨报到",
        "appeal_closed": "办结",
        "appeals_merged": "合并诉求",
        "extension_requested": "申请延期",
        "extension_approved": "批准延期",
        "extension_rejected": "不批准延期",
        "review_hearing_started": "开始听证",
        "review_hearing_ended": "结束听证",
        "score_appeal_filed": "提出考核申诉",
        "score_appeal_decided": "考核申诉决定",
        "supervision_created": "督办立项",
        "supervision_reported": "报告督办进展",
        "supervision_escalated": "督办升级",
        "supervision_closed": "督办办结",
        "work_order_signed": "签收工单",
        "work_order_replied": "答复工单",
        "work_order_returned": "退回工单",
        "work_order_noted": "记录办理情况",
        "work_order_breached": "工单超期",
        "work_order_escalated": "工单升级",
        "notice_template_created": "新建文书模板",
        "notice_template_changed": "修改文书模板",
    }
)
register_field_labels(
    {
        "attachment": "附件",
        "passed_over_accused": "跳过的被检举控告单位",
        "type": "文件类型",
        "size": "文件大小（字节）",
        "accepted": "采纳",
        "length": "字数",
        "merged": "被合并诉求",
        "children": "拆分出的诉求",
        "from_version": "原版本",
        "clocks": "时限",
        "reviewer": "复查人",
        "seconds": "用时（秒）",
        "report_due": "下次报告期限",
        "triage_met": "按时分拣",
        "organ": "转送机关",
        "within_objection_window": "在异议期内",
        "withdrawn": "撤回的工单",
        "to": "转至",
        "returns": "退回次数",
        "changes": "变更",
    }
)
register_field_labels(
    {
        "lead": "主办单位",
        "assist": "协办单位",
        "units": "承办单位",
        "category": "分类",
        "proxied": "代为登记",
        "policy": "时限规则",
        "new_facts_after_recheck": "复查后新情况",
        "sign_met": "按时签收",
        "on_time": "按时",
        "appeals": "诉求",
        "deadline": "期限",
    }
)
register_target_labels({"appeals.ranking": "三率考核排名", "appeals.timeline": "诉求办理过程"})

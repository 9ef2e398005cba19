"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "implementation_milestone_added": "添加落实节点",
        "implementation_milestone_completed": "完成落实节点",
        "publication_consent_recorded": "登记公开同意",
        "publication_consent_withdrawn": "撤回公开同意",
        "publication_texts_updated": "修改公开文本",
        "solicitation_theme_created": "新建征集主题",
        "solicitation_theme_updated": "修改征集主题",
        "solicitation_theme_published": "发布征集主题",
        "solicitation_theme_closed": "结束征集",
        "solicitation_theme_concluded": "征集主题总结",
        "suggestion_evaluation_started": "开始评估建议",
        "suggestion_evaluation_reassigned": "改派建议评估",
        "suggestion_evaluated": "评估建议",
        "suggestion_evaluation_revised": "修改建议评估",
        "suggestion_reward_granted": "发放建议奖励",
        "theme_submission_linked": "关联征集主题",
        "theme_submission_unlinked": "取消关联征集主题",
    }
)
register_field_labels(
    {
        "late": "逾期",
        "auto": "自动",
        "appeal": "诉求",
        "by": "操作方",
        "summary_length": "总结字数",
        "theme": "征集主题",
        "via": "途径",
    }
)
register_field_labels({"title": "标题", "start_date": "开始日期", "end_date": "结束日期"})
register_target_labels({"suggestions.suggestion": "民生建议"})

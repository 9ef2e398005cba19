"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {
        "compliance_finding_handled": "处理组织生活合规问题",
        "compliance_finding_closed": "关闭已撤销党组织的合规问题",
        "compliance_policy_changed": "修改组织生活合规规则",
        "compliance_run": "检查组织生活合规情况",
    }
)

# Keys of a compliance run's counts (RunResult.as_dict); opened/refreshed/auto_resolved are
# shared with the coverage rules and registered by organizations.
register_field_labels(
    {"branches": "检查支部数", "escalated": "上报上级", "closed": "因党组织撤销而关闭"}
)

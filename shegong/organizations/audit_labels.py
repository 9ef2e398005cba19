"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "committee_member_added": "增补班子成员",
        "committee_member_ended": "班子成员离任",
        "coverage_policy_changed": "修改覆盖规则参数",
        "coverage_rules_run": "检查覆盖规则",
        "coverage_rules_run_requested": "申请重新检查覆盖规则",
        "coverage_snapshot_taken": "保存覆盖情况快照",
        "entities_import_errors_downloaded": "下载导入错误清单",
        "entities_imported": "导入两新组织",
        "entity_created": "新增两新组织",
        "entity_changed": "修改两新组织",
        "entity_coverage_changed": "调整党组织覆盖方式",
        "finding_assigned": "交办问题",
        "finding_closed": "问题销号",
        "instructor_assigned": "选派党建指导员",
        "instructor_ended": "党建指导员离任",
        "org_administrator_set": "设置党组织管理员",
        "org_administrator_removed": "移除党组织管理员",
        "party_organization_created": "成立党组织",
        "party_organization_changed": "修改党组织",
        "party_organization_moved": "调整党组织隶属关系",
        "party_organization_merged": "合并党组织",
        "party_organization_dissolved": "撤销党组织",
        "party_organization_re_elected": "党组织换届",
        "platform_workforce_set": "登记平台从业人员及党员数",
    }
)
register_field_labels(
    {
        "replaced": "覆盖原快照",
        "workers/formal/probationary": "从业人员/正式党员/预备党员",
        "errors": "错误数",
        "unchanged": "未变",
        "instructors": "党建指导员",
        "created_sample": "新增（部分）",
        "updated_sample": "更新（部分）",
        "entities_moved": "转入的两新组织",
        "administrators_removed": "移除的管理员",
        "target_members": "目标组织党员数",
        "committee": "班子成员",
    }
)
register_field_labels(
    {"opened": "新发现", "refreshed": "已更新", "auto_resolved": "自动消除", "scope": "范围"}
)
register_target_labels({"organizations.coverage": "两个覆盖情况"})

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "study_plan_created": "新建学习计划",
        "study_session_created": "登记集体学习",
        "study_attendance_recorded": "登记集体学习出席",
        "study_record_added": "登记个人学习",
        "study_record_deleted": "删除学习记录",
        "study_requirement_changed": "修改学时要求",
        "secretary_member_linked": "书记关联党员档案",
        "secretary_review_recorded": "登记书记述职评议",
        "secretary_review_corrected": "更正书记述职评议",
    }
)
register_field_labels(
    {
        "present": "出席人数",
        "added": "新增记录",
        "removed": "删除记录",
        "committee_member": "班子任职",
        "before": "修改前",
        "after": "修改后",
    }
)
register_field_labels(
    {
        "added_members": "新增出席党员",
        "added_users": "新增出席干部",
        "removed_members": "取消出席党员",
        "removed_users": "取消出席干部",
    }
)
register_target_labels({"学时": "学时"})

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import register_action_labels, register_field_labels

register_action_labels(
    {
        "orglife_meeting_planned": "安排组织生活会议",
        "orglife_meeting_updated": "修改会议安排",
        "orglife_meeting_held": "登记会议已召开",
        "orglife_meeting_cancelled": "取消会议",
        "orglife_minutes_saved": "保存会议记录",
        "orglife_resolution_recorded": "记录决议表决",
        "orglife_attendance_marked": "登记出席情况",
        "orglife_signed_in": "扫码签到",
        "orglife_grades_set": "评定民主评议等次",
        "orglife_photo_added": "上传会议照片",
        "orglife_photo_deleted": "删除会议照片",
        "orglife_assignment_created": "分配党员工作",
        "orglife_assignment_updated": "修改党员工作",
        "orglife_assignment_deleted": "删除党员工作",
    }
)

register_field_labels(
    {
        "photo": "照片",
        "size": "大小（字节）",
        "present": "出席人数",
        "due": "应到人数",
        "quorum": "达到法定人数",
        "first": "首次保存",
        "yes": "赞成票",
        "passed": "通过",
        "graded": "已评定人数",
        "excellent": "优秀人数",
        "cap": "优秀人数上限",
        "member": "党员",
    }
)

"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "transfer_started": "发起组织关系转接",
        "transfer_approved_out": "转出方审批同意（开具介绍信）",
        "transfer_received": "接收组织关系",
        "transfer_out_confirmed": "确认组织关系已转出本市",
        "transfer_returned": "退回组织关系转接",
        "transfer_resubmitted": "重新提交组织关系转接",
        "transfer_cancelled": "撤销组织关系转接",
        "transfer_letter_downloaded": "下载组织关系介绍信",
        "transfer_inbound_refused": "拒绝登记转入（身份证号已有不能转入的记录）",
    }
)

register_field_labels(
    {
        "kind": "转接类型",
        "member": "党员",
        "from": "转出党组织",
        "to": "接收党组织",
        "standing": "在册状态",
        "organization": "所在党组织",
        "member_created": "新建党员记录",
        "letter_valid_until": "介绍信有效期至",
        "format": "格式",
        "stage": "发展阶段",
    }
)
register_target_labels({"transfers.transfer": "组织关系转接"})

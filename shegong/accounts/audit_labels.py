"""Chinese names of this app's audit actions (read by core.audit_display; see its docstring)."""

from shegong.core.audit_display import (
    register_action_labels,
    register_field_labels,
    register_target_labels,
)

register_action_labels(
    {
        "api_token_created": "创建接口令牌",
        "api_token_revoked": "吊销接口令牌",
        "user_created": "新建账号",
        "user_changed": "修改账号",
        "user_role_changed": "调整账号角色或管辖范围",
        "user_password_reset": "重置密码",
        "user_password_changed": "修改密码",
        "user_logged_in": "登录",
        "user_login_failed": "登录失败",
        "user_unlocked": "解除账号锁定",
        "login_address_throttled": "暂停来自某地址的登录",
        "second_factor_enrolled": "绑定双因素验证器",
        "second_factor_verified": "双因素认证通过",
        "second_factor_failed": "双因素认证失败",
        "second_factor_reset": "重置双因素认证",
        "recovery_code_used": "使用恢复码",
        "recovery_codes_generated": "重新生成恢复码",
    }
)
register_field_labels({"username": "登录名", "full_name": "姓名", "expires_at": "有效期至"})
register_target_labels({"accounts.address": "登录来源地址"})

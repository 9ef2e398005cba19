from __future__ import annotations

from django import forms

from .roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region_code = forms.CharField(label="管辖区划代码", max_length=20, required=False)
    unit_code = forms.CharField(label="所属单位编码", max_length=30, required=False)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)


class UserEditForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region_code = forms.CharField(label="管辖区划代码", max_length=20, required=False)
    unit_code = forms.CharField(label="所属单位编码", max_length=30, required=False)
    is_active = forms.BooleanField(label="启用", required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            raise forms.ValidationError("两次输入的新密码不一致")
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100)
    days = forms.TypedChoiceField(
        label="有效期",
        coerce=int,
        choices=[(30, "30 天"), (90, "90 天"), (365, "1 年")],
        initial=90,
    )


class PasswordResetForm(forms.Form):
    """An administrator sets a temporary password; the owner must change it at next login."""

    new_password = forms.CharField(label="临时密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入临时密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            raise forms.ValidationError("两次输入的密码不一致")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=20)


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(label="恢复码", max_length=20)

from __future__ import annotations

from django import forms

from .choices import AppealKind, Channel, RedirectChannel, Urgency

STAFF_CHANNELS = [(c.value, c.label) for c in Channel if c not in (Channel.PORTAL, Channel.API)]


class RegisterForm(forms.Form):
    """Staff entry for 来信 / 来访 / 来电 / 传真 / 其他平台, and 代填 on someone's behalf."""

    kind = forms.ChoiceField(label="类别", choices=AppealKind.choices)
    channel = forms.ChoiceField(label="渠道", choices=STAFF_CHANNELS)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(
        label="内容（来电/来访请如实记录）", widget=forms.Textarea(attrs={"rows": 6})
    )
    address = forms.CharField(label="详细地点", max_length=255, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    petitioner_address = forms.CharField(label="住址", max_length=255, required=False)
    identity_confidential = forms.BooleanField(label="身份保密", required=False)
    is_group = forms.BooleanField(label="集体访/联名", required=False)
    headcount = forms.IntegerField(label="人数", min_value=1, initial=1, required=False)
    representatives = forms.CharField(
        label="代表（每行：姓名 手机号）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    accused_unit_codes = forms.CharField(label="被检举控告单位编码（逗号分隔）", required=False)
    proxied = forms.BooleanField(label="代填（替群众登记）", required=False)
    proxy_note = forms.CharField(label="代填说明", max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class RedirectForm(forms.Form):
    channel = forms.ChoiceField(label="法定途径", choices=RedirectChannel.choices)
    reason = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}))

from __future__ import annotations

from django import forms

from shegong.core.pii import SensitiveFormField

from .choices import UnitKind


class UnitForm(forms.Form):
    code = forms.CharField(label="单位编码", max_length=30)
    name = forms.CharField(label="单位名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    kind = forms.ChoiceField(label="类别", choices=UnitKind.choices)
    region_code = forms.CharField(label="所属区划代码", max_length=20)
    parent_code = forms.CharField(label="上级单位编码", max_length=30, required=False)
    superior_code = forms.CharField(
        label="上级行政机关编码",
        max_length=30,
        required=False,
        help_text="复查、复核由上一级行政机关办理（《信访工作条例》第三十五、三十六条）；"
        "留空则按上级单位推定",
    )
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    is_handling_unit = forms.BooleanField(label="承办单位", required=False, initial=True)
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = SensitiveFormField(label="联系人手机", required=False)
    office_phone = forms.CharField(label="办公电话", max_length=30, required=False)
    address = forms.CharField(label="地址", max_length=255, required=False)

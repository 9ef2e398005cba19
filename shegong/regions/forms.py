from __future__ import annotations

from django import forms

from .choices import RegionLevel


class RegionCreateForm(forms.Form):
    code = forms.CharField(label="区划代码", max_length=20)
    name = forms.CharField(label="名称", max_length=100)
    level = forms.TypedChoiceField(label="层级", choices=RegionLevel.choices, coerce=int)
    population = forms.IntegerField(label="常住人口", required=False, min_value=0)


class RegionEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    population = forms.IntegerField(label="常住人口", required=False, min_value=0)
    is_active = forms.BooleanField(label="有效", required=False)

"""Forms of the members pages: plain fields parsed here, rules in the services."""

from __future__ import annotations

from django import forms

from .choices import Education, EventKind, Stage, WorkerGroup


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    organization_code = forms.CharField(label="所在党组织编码", max_length=40, required=False)
    stage = forms.ChoiceField(
        label="人员类别",
        choices=[
            (Stage.FULL, "正式党员"),
            (Stage.PROBATIONARY, "预备党员"),
            (Stage.APPLICANT, "入党申请人"),
        ],
        required=False,
    )
    applied_on = _date("递交入党申请日期")
    admitted_on = _date("入党日期")
    confirmed_on = _date("转正日期")
    joined_branch_on = _date("转入本支部日期")
    ethnicity = forms.CharField(label="民族", max_length=20, required=False)
    education = forms.ChoiceField(label="学历", choices=Education.choices, required=False)
    is_floating = forms.BooleanField(label="流动党员", required=False)
    floating_destination = forms.CharField(label="外出去向", max_length=150, required=False)
    floating_since = _date("外出日期")
    worker_group = forms.ChoiceField(
        label="新就业群体", choices=WorkerGroup.choices, required=False
    )
    platform_code = forms.CharField(label="所属平台信用代码", max_length=18, required=False)
    employer_code = forms.CharField(label="工作单位信用代码", max_length=18, required=False)
    employer_name = forms.CharField(label="工作单位名称", max_length=200, required=False)
    note = forms.CharField(label="备注", max_length=255, required=False)


class StepForm(forms.Form):
    kind = forms.ChoiceField(label="步骤", choices=EventKind.choices)
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    decision_body = forms.CharField(label="决定机关", max_length=100, required=False)
    document_ref = forms.CharField(label="文件/会议记录编号", max_length=100, required=False)
    extension_months = forms.IntegerField(
        label="延长月数", min_value=0, max_value=24, required=False
    )
    training_hours = forms.DecimalField(
        label="集中培训学时", min_value=0, max_digits=6, decimal_places=1, required=False
    )
    training_days = forms.IntegerField(
        label="集中培训天数", min_value=0, max_value=365, required=False
    )
    volunteer_form_issued_on = _date("入党志愿书发放日期")
    publicity_first_day = _date("公示开始日期")
    publicity_last_day = _date("公示结束日期")
    leaving_unit_on = _date("预计离开单位日期")
    special_case = forms.BooleanField(label="特殊情况（审批期限6个月）", required=False)
    note = forms.CharField(label="备注", max_length=255, required=False)

from __future__ import annotations

from django import forms

from .choices import CommitteePost, CoverageMode, EntityKind, Industry, InstructorRole, OrgKind


class CoverageForm(forms.Form):
    mode = forms.ChoiceField(label="组织覆盖方式", choices=CoverageMode.choices)
    organization_code = forms.CharField(label="覆盖党组织编码", required=False, max_length=40)
    formal_members = forms.IntegerField(label="正式党员数", min_value=0)
    probationary_members = forms.IntegerField(label="预备党员数", min_value=0)


class EntityEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=EntityKind.choices)
    industry = forms.ChoiceField(
        label="行业门类", choices=[("", "未填写"), *Industry.choices], required=False
    )
    employees = forms.IntegerField(label="从业人员数", min_value=0)
    address = forms.CharField(label="地址", max_length=255, required=False)
    supervising_unit = forms.CharField(label="业务主管单位", max_length=150, required=False)
    is_active = forms.BooleanField(label="存续", required=False)


class InstructorForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="身份", choices=InstructorRole.choices)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    assigned_on = forms.DateField(label="选派日期", required=False)


class OrgCreateForm(forms.Form):
    code = forms.CharField(label="组织编码", max_length=40)
    name = forms.CharField(label="名称", max_length=150)
    kind = forms.ChoiceField(label="类别", choices=OrgKind.choices)
    region_code = forms.CharField(label="所在区划代码", max_length=20)
    founded_on = forms.DateField(label="成立日期", required=False)
    formal_members = forms.IntegerField(label="正式党员数", min_value=0, initial=0)
    probationary_members = forms.IntegerField(label="预备党员数", min_value=0, initial=0)
    is_community = forms.BooleanField(label="村、社区党组织", required=False)


class OrgEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=150)
    kind = forms.ChoiceField(label="类别", choices=OrgKind.choices)
    founded_on = forms.DateField(label="成立日期", required=False)
    term_years = forms.IntegerField(label="任期（年）", min_value=1, max_value=10, required=False)
    formal_members = forms.IntegerField(label="正式党员数", min_value=0)
    probationary_members = forms.IntegerField(label="预备党员数", min_value=0)
    is_community = forms.BooleanField(label="村、社区党组织", required=False)
    note = forms.CharField(label="备注", max_length=255, required=False)


class ReElectionForm(forms.Form):
    on = forms.DateField(label="换届日期")
    committee = forms.CharField(
        label="新一届班子（每行：职务 姓名）",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="例如：书记 张三",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean_committee(self) -> list[tuple[str, str]]:
        posts = {label: value for value, label in CommitteePost.choices}
        result = []
        for number, line in enumerate(self.cleaned_data["committee"].splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            parts = line.replace("：", " ").replace(":", " ").split()
            if len(parts) != 2 or parts[0] not in posts:
                raise forms.ValidationError(
                    f"第 {number} 行应为“职务 姓名”，职务为：{'、'.join(posts)}"
                )
            result.append((parts[1], posts[parts[0]]))
        return result


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label="承办人", required=False)
    unit = forms.IntegerField(label="承办单位", required=False)
    due_on = forms.DateField(label="完成时限", required=False)
    note = forms.CharField(label="交办说明", max_length=200, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label="办结说明", max_length=500)

"""Forms of the volunteer pages (staff and portal). They only parse input; the rules live
in ``services``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from .choices import Availability, AwardLevel, EvaluationRating, ServiceCategory, TeamKind

DT_FORMAT = "%Y-%m-%dT%H:%M"


class BootstrapForm(forms.Form):
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def error_text(self) -> str:
        return "；".join(
            f"{self.fields[f].label if f in self.fields else ''}{e[0]}"
            for f, e in self.errors.items()
        )


class DateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DT_FORMAT)
    input_formats = [DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class VolunteerRegisterForm(BootstrapForm):
    """Registration (staff entry and the portal); the portal adds the SMS code."""

    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=18)
    phone = forms.CharField(label="手机号码", max_length=20)
    region = forms.IntegerField(label="居住社区", widget=forms.Select)
    skills = forms.CharField(label="专业技能（用逗号分隔）", max_length=200, required=False)
    service_categories = forms.MultipleChoiceField(
        label="服务类别",
        choices=ServiceCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label="可服务时间",
        choices=Availability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_regions = forms.TypedMultipleChoiceField(
        label="愿意服务的区域（可多选）",
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    guardian_name = forms.CharField(label="监护人姓名（未满18周岁必填）", required=False)
    guardian_phone = forms.CharField(label="监护人手机（未满18周岁必填）", required=False)
    guardian_relation = forms.CharField(label="与监护人关系", required=False, max_length=20)
    # Staff form: the clerk saw the guardian's written consent (the portal asks the
    # guardian by SMS instead and does not render this box).
    guardian_consent = forms.BooleanField(label="已核验监护人的书面同意", required=False)
    publicity_consent = forms.BooleanField(
        label="同意在星级光荣榜上公开我的脱敏姓名和服务时长", required=False
    )

    def skill_list(self) -> list[str]:
        text = self.cleaned_data.get("skills", "")
        for sep in ("，", "、", ";", "；"):
            text = text.replace(sep, ",")
        return [s.strip() for s in text.split(",") if s.strip()]


class PortalRegisterForm(VolunteerRegisterForm):
    sms_code = forms.CharField(label="短信验证码", max_length=8)
    # The guardian's consent is their code, not a box the teenager ticks.
    guardian_sms_code = forms.CharField(
        label="监护人短信验证码（未满18周岁必填）", max_length=8, required=False
    )
    consent = forms.BooleanField(
        label="我确认以上信息真实，同意按《志愿服务条例》登记和使用我的志愿服务信息",
        required=True,
        error_messages={"required": "请阅读并勾选同意"},
    )


class LoginForm(BootstrapForm):
    phone = forms.CharField(label="手机号码", max_length=20)
    sms_code = forms.CharField(label="短信验证码", max_length=8)


class PhoneChangeForm(LoginForm):
    """The portal's 更换手机号码: the new number and the code sent to it."""

    phone = forms.CharField(label="新的手机号码", max_length=20)


class TeamForm(BootstrapForm):
    name = forms.CharField(label="队伍名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=TeamKind.choices)
    region = forms.IntegerField(label="所属区域", widget=forms.Select)
    unit = forms.IntegerField(label="挂靠社区/单位", required=False, widget=forms.Select)
    credit_code = forms.CharField(label="统一社会信用代码（组织必填）", required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea({"rows": 2}))


class ActivityForm(BootstrapForm):
    team = forms.IntegerField(label="发布队伍", widget=forms.Select)
    title = forms.CharField(label="活动名称", max_length=120)
    description = forms.CharField(label="服务内容", widget=forms.Textarea({"rows": 3}))
    category = forms.ChoiceField(label="服务类别", choices=ServiceCategory.choices)
    region = forms.IntegerField(label="活动地点（区域）", widget=forms.Select)
    address = forms.CharField(label="详细地点", max_length=200)
    contact_name = forms.CharField(label="活动负责人", max_length=50)
    skills = forms.CharField(label="所需技能（逗号分隔，可不填）", required=False)
    min_age = forms.IntegerField(label="最低年龄", required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label="最高年龄", required=False, min_value=0, max_value=120)
    risky = forms.BooleanField(label="有人身危险（抢险救灾等，未成年人不能参加）", required=False)
    insurance_confirmed = forms.BooleanField(label="已为志愿者购买人身意外保险", required=False)
    recruit_start = DateTimeField(label="招募开始")
    recruit_end = DateTimeField(label="招募截止")
    slot_start = DateTimeField(label="第一个时段开始")
    slot_end = DateTimeField(label="第一个时段结束")
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=10000)

    def skill_list(self) -> list[str]:
        text = self.cleaned_data.get("skills", "")
        for sep in ("，", "、", ";", "；"):
            text = text.replace(sep, ",")
        return [s.strip() for s in text.split(",") if s.strip()]


class SlotForm(BootstrapForm):
    starts_at = DateTimeField(label="开始")
    ends_at = DateTimeField(label="结束")
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=10000)


class PolicyForm(BootstrapForm):
    star_thresholds = forms.CharField(label="星级门槛（小时，逗号分隔，一星到五星）")
    min_age = forms.IntegerField(label="最低注册年龄", min_value=0, max_value=30)
    rounding_minutes = forms.IntegerField(label="时长取整（分钟，向下）", min_value=1, max_value=60)
    max_hours_per_day = forms.DecimalField(label="每人每日时长上限（小时）", max_digits=5)
    early_checkin_minutes = forms.IntegerField(label="最早提前签到（分钟）", min_value=0)
    late_checkout_minutes = forms.IntegerField(label="时段结束后可签退（分钟）", min_value=0)
    token_ttl_seconds = forms.IntegerField(label="签到二维码有效期（秒）", min_value=15)
    cancel_hours_before = forms.IntegerField(label="开始前多少小时内取消记为临时取消", min_value=0)
    issuer_name = forms.CharField(label="证明出具单位（平台）", max_length=100)

    def thresholds(self) -> list[str]:
        text = self.cleaned_data["star_thresholds"].replace("，", ",")
        return [t.strip() for t in text.split(",") if t.strip()]


# --- training, award and evaluation records: dates and hours stay text here, the
# services check them (with their Chinese messages). ``reason`` is used by corrections.

DATE = forms.DateInput(attrs={"type": "date"})


class RecordForm(BootstrapForm):
    team = forms.IntegerField(label="记录队伍", required=False, widget=forms.Select)
    reason = forms.CharField(label="更正原因", required=False, max_length=255)

    def fields_for_service(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in names}


class TrainingForm(RecordForm):
    title = forms.CharField(label="培训名称", max_length=120)
    content = forms.CharField(label="主要内容", max_length=255)
    hours = forms.CharField(label="学习时长（小时）", max_length=12)
    organizer = forms.CharField(label="举办单位", max_length=100)
    held_on = forms.CharField(label="培训日期", widget=DATE)


class AwardForm(RecordForm):
    title = forms.CharField(label="表彰奖励名称", max_length=120)
    awarded_on = forms.CharField(label="表彰日期", widget=DATE)
    grantor = forms.CharField(label="授予单位", max_length=100)
    level = forms.ChoiceField(label="授予级别", choices=AwardLevel.choices)
    government = forms.BooleanField(label="人民政府或其部门授予", required=False)
    proof_note = forms.CharField(
        label="证明材料（县级以上政府表彰必填：文号或附件说明）", required=False, max_length=255
    )


class EvaluationForm(RecordForm):
    signup = forms.IntegerField(label="评价的服务（报名记录）", required=False, widget=forms.Select)
    title = forms.CharField(label="服务项目", required=False, max_length=120)
    service_date = forms.CharField(label="服务日期", required=False, widget=DATE)
    rating = forms.ChoiceField(label="服务质量评价", choices=EvaluationRating.choices)
    comment = forms.CharField(label="评语", required=False, max_length=255)
    evaluated_on = forms.CharField(label="评价日期", required=False, widget=DATE)


def local_input(value: datetime) -> str:
    return timezone.localtime(value).strftime(DT_FORMAT)

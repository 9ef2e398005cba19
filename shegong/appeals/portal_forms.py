"""Forms of the citizen portal. Business rules stay in ``services.intake``; these forms only
shape the input (required fields, the region cascader, the phone format) and show the
service's errors next to the right field."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.urls import reverse

from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from .choices import KIND_STREAM, AppealKind, Stream
from .forms import digits

# What the citizen sees for each kind (the stream is already chosen on the home page).
KIND_HELP: dict[str, tuple[str, str]] = {
    AppealKind.HL_CONSULT: ("咨询", "想了解政策、办事流程等"),
    AppealKind.HL_HELP: ("求助", "生活中遇到困难，需要帮助解决"),
    AppealKind.HL_COMPLAINT: ("投诉", "对公共服务、管理或经营行为不满意"),
    AppealKind.HL_REPORT: ("举报", "发现违法违规行为"),
    AppealKind.HL_SUGGEST: ("建议", "对公共服务提出改进意见"),
    AppealKind.XF_CLAIM: ("申诉求决", "请求解决自身合法权益问题"),
    AppealKind.XF_SUGGESTION: ("建议意见", "对国家机关的工作提出建议、意见"),
    AppealKind.XF_ACCUSATION: ("检举控告", "检举、控告国家机关或其工作人员的违法失职行为"),
    AppealKind.PEOPLE_SUGGESTION: ("人民建议", "对经济社会发展和城市治理提出建议"),
}

STREAM_TITLES: dict[str, str] = {
    Stream.HOTLINE: "我要反映问题（12345）",
    Stream.PETITION: "我要信访",
    Stream.SUGGESTION: "我要提建议（人民建议）",
}

# Intake service field → portal form field.
INTAKE_FIELD = {"region": "district"}

CASCADE = (
    ("district", RegionLevel.DISTRICT, "请选择区县"),
    ("street", RegionLevel.STREET, "请选择街道/乡镇"),
    ("community", RegionLevel.COMMUNITY, "请选择社区/村"),
)
EMPTY_CHILD_LABEL = {
    RegionLevel.STREET: "请选择街道/乡镇（可不选）",
    RegionLevel.COMMUNITY: "请选择社区/村（可不选）",
}
WAITING_LABEL = {"street": "请先选择区县", "community": "请先选择街道/乡镇"}


def kinds_of(stream: str) -> list[str]:
    return [kind for kind, s in KIND_STREAM.items() if s == stream]


def active_children(parent: Region) -> Any:
    return Region.objects.filter(parent=parent, is_active=True).order_by("code")


def districts() -> Any:
    return Region.objects.filter(
        level=RegionLevel.DISTRICT, is_active=True, parent__is_active=True
    ).order_by("code")


def _pk(value: Any) -> int | None:
    return digits(str(value or "").strip())


class PortalForm(forms.Form):
    """Bootstrap classes on every widget; errors come from the server, in Chinese, inline."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                classes = attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    attrs["class"] = " ".join([*classes, "is-invalid"])

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()


class PortalSubmitForm(PortalForm):
    kind = forms.ChoiceField(
        label="问题类别",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择问题类别", "invalid_choice": "请选择问题类别"},
    )
    title = forms.CharField(
        label="标题",
        max_length=200,
        error_messages={"required": "请填写标题", "max_length": "标题不超过200字"},
        widget=forms.TextInput(attrs={"placeholder": "一句话说明，如：小区路灯不亮"}),
    )
    body = forms.CharField(
        label="事情经过和诉求",
        max_length=20000,
        error_messages={
            "required": "请把事情经过和诉求写清楚",
            "max_length": "内容过长（不超过2万字）",
        },
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "什么时间、在哪里、发生了什么，希望怎样解决"}
        ),
    )
    district = forms.CharField(label="区县", required=False, widget=forms.Select)
    street = forms.CharField(label="街道/乡镇", required=False, widget=forms.Select)
    community = forms.CharField(label="社区/村", required=False, widget=forms.Select)
    address = forms.CharField(
        label="详细地点",
        required=False,
        max_length=255,
        error_messages={"max_length": "详细地点不超过255字"},
        widget=forms.TextInput(attrs={"placeholder": "如：幸福路12号3号楼东侧"}),
    )
    name = forms.CharField(
        label="姓名",
        required=False,
        max_length=50,
        error_messages={"max_length": "姓名不超过50字"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label="手机号码",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "11位手机号码"}
        ),
    )
    sms_code = forms.CharField(
        label="验证码",
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": "6位数字",
                "maxlength": "6",
            }
        ),
    )
    id_number = forms.CharField(
        label="身份证号",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    identity_confidential = forms.BooleanField(label="请对我的身份保密", required=False)
    publication_consent = forms.BooleanField(label="办结后同意匿名公开", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, stream: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream
        kinds = kinds_of(stream)
        self.kind_choices = [(k, KIND_HELP[k][0]) for k in kinds]
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = self.kind_choices
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].initial = kinds[0]
        if stream == Stream.PETITION:
            self.fields["name"].help_text = "申诉求决、建议意见类信访请填写真实姓名"
        self._fill_cascade()
        options_url = reverse("portal:regions")
        for name, target in (("district", "#id_street"), ("street", "#id_community")):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": options_url,
                    "hx-trigger": "change",
                    "hx-target": target,
                    "hx-swap": "innerHTML",
                    # core/page.js sends the value as "parent" (hx-vals="js:…" needs eval,
                    # which the Content-Security-Policy forbids).
                    "data-sg-send-as": "parent",
                    "hx-params": "parent",
                    "hx-sync": "this:replace",
                }
            )

    def value_of(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name, self.fields[name].initial)

    def _fill_cascade(self) -> None:
        """Options for the three selects, from whatever is chosen so far (server-side, so
        the cascader works without JavaScript and after a failed submission)."""
        parent: Region | None = None
        for name, level, placeholder in CASCADE:
            if level == RegionLevel.DISTRICT:
                options = list(districts())
            elif parent is None:
                self.fields[name].widget.choices = [("", WAITING_LABEL[name])]
                continue
            else:
                options = list(active_children(parent))
            empty = placeholder if level == RegionLevel.DISTRICT else EMPTY_CHILD_LABEL[level]
            self.fields[name].widget.choices = [("", empty)] + [(r.pk, r.name) for r in options]
            chosen = _pk(self.value_of(name))
            parent = next((r for r in options if r.pk == chosen), None)

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if not phone:
            return ""
        try:
            return validate_mobile(phone)
        except ValidationFailure as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_token(self) -> str:
        token = self.cleaned_data.get("token", "")
        try:
            return str(uuid.UUID(token))
        except ValueError:
            raise forms.ValidationError("页面已过期，请刷新后重新填写") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        region = self.deepest_region()
        if region is None:
            self.add_error("district", "请选择发生地所在的区县")
        data["region_id"] = region.pk if region else None
        return data

    def deepest_region(self) -> Region | None:
        """The deepest chosen level whose parent is the level chosen above it (a stale
        street left over from another district is ignored)."""
        found: Region | None = None
        for name, level, _ in CASCADE:
            pk = _pk(self.value_of(name))
            if pk is None:
                break
            region = Region.objects.filter(pk=pk, level=level, is_active=True).first()
            if region is None or (found is not None and region.parent_id != found.pk):
                break
            if found is None and not (region.parent and region.parent.is_active):
                break
            found = region
        return found


class TrackForm(PortalForm):
    number = forms.CharField(
        label="登记编号",
        max_length=32,
        error_messages={"required": "请填写登记编号"},
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "placeholder": "如：RX202603020000123"}
        ),
    )
    code = forms.CharField(
        label="查询码",
        max_length=16,
        error_messages={"required": "请填写8位查询码"},
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "placeholder": "8位"}
        ),
    )


class InfoForm(PortalForm):
    text = forms.CharField(
        label="补充内容",
        max_length=5000,
        error_messages={"required": "请填写补充内容", "max_length": "补充内容不超过5000字"},
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "新的情况、补充说明等"}),
    )


class RatingForm(forms.Form):
    """回访 on the portal: resolution and satisfaction are asked separately (解决 ≠ 满意)."""

    contacted = forms.ChoiceField(
        label="承办单位是否与您联系过",
        choices=[("yes", "联系过"), ("no", "没有联系")],
        widget=forms.RadioSelect,
    )
    resolved = forms.ChoiceField(
        label="您反映的问题是否已经解决",
        choices=[("yes", "已解决"), ("no", "未解决")],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="您对办理结果是否满意",
        choices=[("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="意见和建议（选填）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

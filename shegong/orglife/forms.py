"""Forms of the 组织生活 pages (they only parse; the services decide)."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from .choices import MeetingKind


class _Styled(forms.Form):
    """Bootstrap classes on every widget (large enough for a phone)."""

    def __init__(
        self,
        data: Mapping[str, object] | None = None,
        initial: dict[str, object] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class MeetingForm(_Styled):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="主题", max_length=200)
    held_on = forms.DateField(
        label="日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label="开始时间",
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    place = forms.CharField(label="地点", max_length=200, required=False)
    host = forms.CharField(label="主持人", max_length=50, required=False)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    committee_size = forms.IntegerField(
        label="应到委员数（支委会）", required=False, min_value=1, max_value=99
    )
    committee_present = forms.IntegerField(
        label="实到委员数（支委会）", required=False, min_value=0, max_value=99
    )


class AssignmentForm(_Styled):
    title = forms.CharField(label="工作内容（设岗定责/党员承诺）", max_length=200)
    starts_on = forms.DateField(
        label="开始日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="结束日期（可空）",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class SignInForm(_Styled):
    phone = forms.CharField(label="手机号码", max_length=20)
    sms_code = forms.CharField(label="短信验证码", max_length=8)

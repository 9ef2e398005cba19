"""Forms: labels and widgets for the staff pages. The rules live in the services; a form
only parses input (dates, numbers) so the service gets typed values."""

from __future__ import annotations

from typing import Any

from django import forms

from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.units.models import Unit

from .choices import (
    DECIDED_OUTCOMES,
    ConversionTarget,
    ExclusionGround,
    FeedbackMode,
    Outcome,
    RerouteStream,
)

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHANNEL_HINT = "如：来信请寄…；电话…（网上渠道为群众门户）"
REASONS_HINT = "采纳、部分采纳、不采纳都要写明理由，将用于答复建议人"


def _blank(choices: Any, label: str = "请选择") -> list[tuple[str, str]]:
    return [("", label), *choices]


class ThemeForm(forms.Form):
    title = forms.CharField(label="征集主题", max_length=200, widget=forms.TextInput(TEXT))
    description = forms.CharField(
        label="征集内容与要求", widget=forms.Textarea({**TEXT, "rows": 5})
    )
    background = forms.CharField(
        label="背景说明", required=False, widget=forms.Textarea({**TEXT, "rows": 4})
    )
    channel_note = forms.CharField(
        label="其他征集渠道",
        required=False,
        max_length=255,
        widget=forms.TextInput({**TEXT, "placeholder": CHANNEL_HINT}),
    )
    start_date = forms.DateField(label="征集开始日期", widget=DATE)
    end_date = forms.DateField(label="征集截止日期", widget=DATE)
    region = forms.ModelChoiceField(
        label="征集范围",
        queryset=Region.objects.none(),
        required=False,
        empty_label="全市",
        widget=forms.Select(SELECT),
    )
    owner_unit = forms.ModelChoiceField(
        label="发起单位", queryset=Unit.objects.none(), widget=forms.Select(SELECT)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.visible_to(user).filter(
            is_active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
        )
        self.fields["region"].queryset = regions.order_by("path")  # type: ignore[attr-defined]
        self.fields["owner_unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.visible_to(user).filter(is_active=True).order_by("path")
        )


class EvaluationForm(forms.Form):
    outcome = forms.ChoiceField(
        label="评估结果",
        choices=_blank([(o.value, o.label) for o in DECIDED_OUTCOMES]),
        widget=forms.Select(SELECT),
    )
    reasons = forms.CharField(
        label="评估理由",
        widget=forms.Textarea({**TEXT, "rows": 4, "placeholder": REASONS_HINT}),
    )
    conversion_target = forms.ChoiceField(
        label="转化方式（采纳/部分采纳时必选）",
        choices=_blank(ConversionTarget.choices, "—"),
        required=False,
        widget=forms.Select(SELECT),
    )
    feedback_mode = forms.ChoiceField(
        label="反馈方式",
        choices=_blank(FeedbackMode.choices, "—"),
        required=False,
        widget=forms.Select(SELECT),
    )
    exclusion_ground = forms.ChoiceField(
        label="不作为人民建议的情形",
        choices=_blank(ExclusionGround.choices, "—"),
        required=False,
        widget=forms.Select(SELECT),
    )
    reroute_stream = forms.ChoiceField(
        label="转办渠道",
        choices=_blank(RerouteStream.choices, "—"),
        required=False,
        widget=forms.Select(SELECT),
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label="落实节点", max_length=200, widget=forms.TextInput(TEXT))
    due_date = forms.DateField(label="计划完成日期", widget=DATE)


class PublicationForm(forms.Form):
    title = forms.CharField(label="公开标题", max_length=200, widget=forms.TextInput(TEXT))
    summary = forms.CharField(label="公开摘要", widget=forms.Textarea({**TEXT, "rows": 5}))
    reply = forms.CharField(
        label="公开答复（留空则使用匿名化后的答复意见）",
        required=False,
        widget=forms.Textarea({**TEXT, "rows": 4}),
    )


OUTCOME_BADGE = {
    Outcome.PENDING: "text-bg-secondary",
    Outcome.ADOPTED: "text-bg-success",
    Outcome.PARTLY: "text-bg-info",
    Outcome.NOT_ADOPTED: "text-bg-light border",
    Outcome.EXCLUDED: "text-bg-warning",
}

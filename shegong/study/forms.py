"""Forms of the study pages (labels above fields; the services check the rules again)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from .choices import INDIVIDUAL_KINDS, SESSION_KINDS, ReviewGrade, StudyKind

_SESSION_CHOICES = [(k.value, k.label) for k in SESSION_KINDS]
_INDIVIDUAL_CHOICES = [(k.value, k.label) for k in INDIVIDUAL_KINDS]


def set_org_choices(form: forms.Form, choices: list[tuple[int | str, str]]) -> None:
    """The organizations the user may pick (their scope), set per request."""
    field = form.fields["org"]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _this_year() -> int:
    return timezone.localdate().year


class PlanForm(forms.Form):
    org = forms.TypedChoiceField(label="党组织", coerce=int, required=False, empty_value=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=_this_year)
    title = forms.CharField(label="计划名称", max_length=200)
    planned_hours = forms.DecimalField(
        label="计划学时",
        min_value=Decimal(0),
        max_value=Decimal(1000),
        decimal_places=1,
        initial=Decimal(32),
    )
    content = forms.CharField(
        label="学习内容与安排", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class SessionForm(forms.Form):
    org = forms.TypedChoiceField(label="党组织", coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label="形式", choices=_SESSION_CHOICES, initial=StudyKind.TOPIC)
    topic = forms.CharField(label="主题", max_length=200)
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label="学时",
        min_value=Decimal("0.5"),
        max_value=Decimal(24),
        decimal_places=1,
        initial=Decimal(2),
    )
    speaker = forms.CharField(label="主讲人", max_length=50, required=False)
    materials = forms.CharField(
        label="学习材料", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label="学习形式", choices=_INDIVIDUAL_CHOICES, initial=StudyKind.SELF)
    title = forms.CharField(label="学习内容", max_length=200)
    studied_on = forms.DateField(label="学习日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label="学时", min_value=Decimal("0.1"), max_value=Decimal(200), decimal_places=1
    )


class ReviewForm(forms.Form):
    year = forms.IntegerField(label="评议年度", min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label="评议等次", choices=ReviewGrade.choices)
    evaluator = forms.CharField(label="评议主体", max_length=100, initial="街道党工委")
    reviewed_on = forms.DateField(label="评议日期", widget=forms.DateInput(attrs={"type": "date"}))
    comments = forms.CharField(
        label="评议意见", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

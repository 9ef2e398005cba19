from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django import forms

from shegong.members.choices import Stage

from .choices import TransferKind


def parse_month(text: str) -> date | None:
    """A ``<input type="month">`` value (``YYYY-MM``) as the first day of that month."""
    text = text.strip()
    if not text:
        return None
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise forms.ValidationError("请按“年-月”选择月份，如 2026-05") from None


def month_field() -> forms.CharField:
    return forms.CharField(
        label="党费交到（月份）",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )


class _OrgChoices(forms.Form):
    def __init__(
        self, data: Mapping[str, object] | None = None, *, org_choices: list[tuple[int, str]]
    ) -> None:
        super().__init__(data)
        field = self.fields["to_organization"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "（请选择）"), *org_choices]
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs.setdefault("class", f"{css} {css}-sm")

    def clean_dues_paid_through(self) -> date | None:
        return parse_month(str(self.cleaned_data.get("dues_paid_through") or ""))


class StartForm(_OrgChoices):
    kind = forms.ChoiceField(
        label="转接类型",
        choices=[(TransferKind.WITHIN, "市内转接"), (TransferKind.OUT, "转出本市")],
    )
    to_organization = forms.TypedChoiceField(
        label="接收党组织（市内转接）", coerce=int, required=False, empty_value=None
    )
    outside_organization = forms.CharField(
        label="转往的党组织（转出本市时填写）", max_length=200, required=False
    )
    reason = forms.CharField(label="转接原因", max_length=200, required=False)
    dues_paid_through = month_field()


class InboundForm(_OrgChoices):
    to_organization = forms.TypedChoiceField(label="接收党组织", coerce=int)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18)
    stage = forms.ChoiceField(
        label="党员类别",
        choices=[(Stage.FULL, Stage.FULL.label), (Stage.PROBATIONARY, Stage.PROBATIONARY.label)],
    )
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    outside_organization = forms.CharField(label="转出的外地党组织", max_length=200)
    outside_letter_number = forms.CharField(label="外地介绍信编号", max_length=60, required=False)
    letter_valid_until = forms.DateField(
        label="外地介绍信有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    admitted_on = forms.DateField(
        label="入党日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmed_on = forms.DateField(
        label="转正日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="转接原因", max_length=200, required=False)
    dues_paid_through = month_field()

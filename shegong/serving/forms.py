"""Forms of the serving pages (staff and portal). Errors in Chinese; input kept on error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.db.models import Model, QuerySet
from django.utils.datastructures import MultiValueDict

from shegong.core.exceptions import DomainError
from shegong.lib.text import parse_id
from shegong.organizations.models import PartyOrganization
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.units.models import Unit
from shegong.volunteers.models import Skill

from .choices import NeedKind
from .models import ServingPolicy
from .services.claims import PHOTO_MAX_BYTES, photo_kind
from .services.reports import REASONS


class NeedValues(TypedDict):
    title: str
    description: str
    community_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    due_at: datetime | None
    people_needed: int
    skills: list[str]
    elderly_alone: bool
    disabled: bool
    minors: bool
    resident_name: str
    resident_phone: str


DT = {"type": "datetime-local", "class": "form-control"}
DT_FORMAT = "%Y-%m-%dT%H:%M"


def _dt(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs=DT, format=DT_FORMAT),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


Data = Mapping[str, object] | None


if TYPE_CHECKING:
    _Choice = forms.ModelChoiceField[Model]
    _MultipleChoice = forms.ModelMultipleChoiceField[Model]
else:
    _Choice = forms.ModelChoiceField
    _MultipleChoice = forms.ModelMultipleChoiceField


class IdChoiceField(_Choice):
    """A choice by id that refuses an impossible id ("99999999999999999999", "²") as an
    invalid choice instead of handing it to the database (SQLite: OverflowError)."""

    def to_python(self, value: object) -> Model | None:
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(_MultipleChoice):
    """The same for a multiple choice."""

    def clean(self, value: object) -> QuerySet[Model]:
        if isinstance(value, list | tuple) and any(parse_id(v) is None for v in value if v):
            raise forms.ValidationError("请从列表中选择", code="invalid_choice")
        return super().clean(value)


class StyledForm(forms.Form):
    def __init__(
        self,
        data: Data = None,
        files: MultiValueDict[str, UploadedFile] | None = None,
        initial: dict[str, object] | None = None,
    ) -> None:
        super().__init__(data, files, initial=initial)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if field.required:
                field.error_messages.setdefault("required", f"请填写{field.label}")
                field.error_messages["required"] = f"请填写{field.label}"


class NeedFields(StyledForm):
    title = forms.CharField(label="服务内容", max_length=120)
    description = forms.CharField(
        label="详细说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    community = IdChoiceField(
        label="服务社区", queryset=Region.objects.none(), empty_label="请选择社区"
    )
    address = forms.CharField(label="服务地点", max_length=200)
    starts_at = _dt("服务开始")
    ends_at = _dt("服务结束")
    due_at = _dt("完成期限", required=False)
    people_needed = forms.IntegerField(label="需要人数", min_value=1, max_value=50, initial=1)
    skills = IdMultipleChoiceField(label="所需技能", queryset=Skill.objects.all(), required=False)
    elderly_alone = forms.BooleanField(label="服务对象为独居老人", required=False)
    disabled = forms.BooleanField(label="服务对象为残疾人", required=False)
    minors = forms.BooleanField(label="服务对象为未成年人", required=False)
    resident_name = forms.CharField(label="居民姓名", max_length=50, required=False)
    resident_phone = forms.CharField(
        label="居民手机（用于短信确认）", max_length=20, required=False
    )

    def __init__(
        self,
        data: Data = None,
        *,
        communities: QuerySet[Region] | None = None,
        initial: dict[str, object] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        if communities is not None:
            field = self.fields["community"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = communities.filter(level=RegionLevel.COMMUNITY).order_by("path")
        self.fields["community"].error_messages["invalid_choice"] = "请选择您管辖范围内的社区"

    def need_values(self) -> NeedValues:
        data = dict(self.cleaned_data)
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "community_id": data["community"].pk,
            "address": data["address"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "due_at": data.get("due_at"),
            "people_needed": data.get("people_needed") or 1,
            "skills": [s.name for s in data.get("skills") or []],
            "elderly_alone": data.get("elderly_alone", False),
            "disabled": data.get("disabled", False),
            "minors": data.get("minors", False),
            "resident_name": data.get("resident_name") or "",
            "resident_phone": data.get("resident_phone") or "",
        }


class NeedForm(NeedFields):
    kind = forms.ChoiceField(
        label="需求类型", choices=[(NeedKind.WISH, "微心愿"), (NeedKind.PROJECT, "社区项目")]
    )


class MemberReportForm(StyledForm):
    volunteer_number = forms.CharField(label="志愿者编号", max_length=20)
    member_id_number = forms.CharField(
        label="党员身份证号（有党员档案时填写）", max_length=18, required=False
    )
    community = IdChoiceField(
        label="报到社区", queryset=Region.objects.none(), empty_label="请选择社区"
    )
    home_unit = IdChoiceField(
        label="工作单位", queryset=Unit.objects.all(), required=False, empty_label="（未登记）"
    )
    unit_name = forms.CharField(
        label="单位名称（不在单位列表时填写）", max_length=100, required=False
    )
    reason = forms.ChoiceField(label="报到依据", choices=list(REASONS.items()))
    skills_note = forms.CharField(label="特长与可提供服务", max_length=200, required=False)

    def __init__(self, data: Data = None, *, communities: QuerySet[Region] | None = None) -> None:
        super().__init__(data)
        field = self.fields["community"]
        assert isinstance(field, forms.ModelChoiceField)
        if communities is not None:
            field.queryset = communities.filter(level=RegionLevel.COMMUNITY).order_by("path")


class OrgReportForm(StyledForm):
    organization = IdChoiceField(
        label="报到党组织",
        queryset=PartyOrganization.objects.none(),
        empty_label="请选择党组织",
    )
    community = IdChoiceField(
        label="报到社区", queryset=Region.objects.none(), empty_label="请选择社区"
    )
    home_unit = IdChoiceField(
        label="所在单位", queryset=Unit.objects.all(), required=False, empty_label="（未登记）"
    )
    reason = forms.ChoiceField(label="报到依据", choices=list(REASONS.items()), initial="paired")
    skills_note = forms.CharField(label="可提供的服务资源", max_length=200, required=False)

    def __init__(
        self,
        data: Data = None,
        *,
        communities: QuerySet[Region] | None = None,
        organizations: QuerySet[PartyOrganization] | None = None,
    ) -> None:
        super().__init__(data)
        for name, qs in (("community", communities), ("organization", organizations)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            if qs is not None:
                field.queryset = qs
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)
        if communities is not None:
            community.queryset = communities.filter(level=RegionLevel.COMMUNITY).order_by("path")


class PolicyForm(forms.ModelForm[ServingPolicy]):
    class Meta:
        model = ServingPolicy
        fields = [
            "member_hours_per_year",
            "member_services_per_year",
            "unit_services_per_year",
            "vulnerable_adult_only",
            "max_no_shows_vulnerable",
            "weight_distance",
            "weight_skills",
            "weight_reliability",
            "weight_workload",
            "max_open_claims",
        ]

    # Upper bounds that make sense and fit PostgreSQL's smallint (a larger number would
    # otherwise fail in the database with a server error).
    LIMITS = {
        "member_hours_per_year": 1000,
        "member_services_per_year": 366,
        "unit_services_per_year": 366,
        "max_no_shows_vulnerable": 100,
        "weight_distance": 100,
        "weight_skills": 100,
        "weight_reliability": 100,
        "weight_workload": 100,
        "max_open_claims": 50,
    }

    def __init__(self, data: Data = None, *, instance: ServingPolicy | None = None) -> None:
        super().__init__(data, instance=instance)
        for name, limit in self.LIMITS.items():
            field = self.fields[name]
            field.validators.append(
                MaxValueValidator(limit, message=f"{field.label}不能大于{limit}")
            )
            field.widget.attrs["max"] = str(limit)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = "form-control"
            field.error_messages["required"] = f"请填写{field.label}"
            field.error_messages["invalid"] = f"{field.label}应为数字"


# ---- portal ------------------------------------------------------------------------


class WishForm(StyledForm):
    community = IdChoiceField(
        label="所在社区",
        queryset=Region.objects.filter(level=RegionLevel.COMMUNITY, is_active=True).order_by(
            "path"
        ),
        empty_label="请选择社区",
    )
    title = forms.CharField(label="我的心愿", max_length=120)
    description = forms.CharField(
        label="补充说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label="地址（小区、楼栋）", max_length=200)
    starts_at = _dt("希望开始时间")
    ends_at = _dt("希望结束时间")
    resident_name = forms.CharField(label="称呼", max_length=50)
    phone = forms.CharField(label="手机号码", max_length=20)
    sms_code = forms.CharField(label="短信验证码", max_length=6)


class ConfirmForm(StyledForm):
    phone = forms.CharField(label="手机号码", max_length=20)
    sms_code = forms.CharField(label="短信验证码", max_length=6)


class ServiceReportForm(StyledForm):
    text = forms.CharField(
        label="服务情况", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label="现场照片（可选）", required=False)


class CheckoutForm(StyledForm):
    """补登签退 on the order page: which claim, the real check-out time, and why."""

    claim = forms.IntegerField(label="志愿者", error_messages={"invalid": "请选择志愿者"})
    at = _dt("签退时间")
    reason = forms.CharField(
        label="补登原因", max_length=200, error_messages={"max_length": "补登原因不能超过200个字"}
    )


class PhotoForm(StyledForm):
    """Staff upload a photo of the service on the order page. The size is bounded before
    the file is read, the type sniffed from its first bytes (``services.claims.photo_kind``,
    the same check the service repeats on the whole file)."""

    photo = forms.FileField(
        label="现场照片",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(
        self, data: Data = None, files: MultiValueDict[str, UploadedFile] | None = None
    ) -> None:
        super().__init__(data, files)
        self.fields["photo"].error_messages.update(
            {
                "required": "请选择照片",
                "empty": "照片文件是空的",
                "invalid": "请选择照片文件",
                "missing": "请选择照片",
            }
        )

    def clean_photo(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["photo"]
        if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError("照片不能超过 10 MB")
        head = upload.read(64)
        upload.seek(0)
        try:
            photo_kind(head)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload

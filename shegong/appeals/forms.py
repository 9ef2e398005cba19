"""Staff forms: registration, and one form per button of the appeal page (``actions.py``).

The action forms check what the request must carry to reach the service — ids, numbers,
dates, the shape of lists — each with the Chinese message the page has always shown. The
rules of the domain (a reason is required, a status allows the step, a channel exists) stay
with the services, which say so in their own words; so text fields here are optional and
unstripped, exactly what was posted.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from shegong.lib.text import parse_id

from .choices import AppealKind, Channel, Urgency

STAFF_CHANNELS = [(c.value, c.label) for c in Channel if c not in (Channel.PORTAL, Channel.API)]


class RegisterForm(forms.Form):
    """Staff entry for 来信 / 来访 / 来电 / 传真 / 其他平台, and 代填 on someone's behalf."""

    kind = forms.ChoiceField(label="类别", choices=AppealKind.choices)
    channel = forms.ChoiceField(label="渠道", choices=STAFF_CHANNELS)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(
        label="内容（来电/来访请如实记录）", widget=forms.Textarea(attrs={"rows": 6})
    )
    address = forms.CharField(label="详细地点", max_length=255, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    petitioner_address = forms.CharField(label="住址", max_length=255, required=False)
    identity_confidential = forms.BooleanField(label="身份保密", required=False)
    is_group = forms.BooleanField(label="集体访/联名", required=False)
    headcount = forms.IntegerField(label="人数", min_value=1, initial=1, required=False)
    representatives = forms.CharField(
        label="代表（每行：姓名 手机号）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    accused_unit_codes = forms.CharField(label="被检举控告单位编码（逗号分隔）", required=False)
    proxied = forms.BooleanField(label="代填（替群众登记）", required=False)
    proxy_note = forms.CharField(label="代填说明", max_length=200, required=False)


# --- fields of the action forms ------------------------------------------------------------


def _text() -> forms.CharField:
    """Free text as posted (the service checks and trims it)."""
    return forms.CharField(required=False, strip=False)


def digits(value: object) -> int | None:
    """``value`` as a whole number (ASCII digits, at most a database id), else None: see
    :func:`shegong.lib.text.parse_id` — views parsing an id from the request use it too."""
    return parse_id(value)


class DigitsField(forms.Field):
    """A whole number typed as digits only (an id, a number of days). Missing or anything
    else is one Chinese message, the one given."""

    widget = forms.HiddenInput

    def __init__(self, message: str, *, required: bool = True) -> None:
        super().__init__(
            required=required, error_messages={"required": message, "invalid": message}
        )

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        number = digits(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


STALE_PAGE = "页面已过期，请刷新页面后再操作"


class VersionField(forms.Field):
    """The record's version the page was drawn from (optimistic locking); None if absent —
    the service then does not compare. Anything but digits is :data:`STALE_PAGE`."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False, error_messages={"invalid": STALE_PAGE})

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        number = digits(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdListField(forms.Field):
    """A multiple select of ids; entries that are not ids are left out."""

    widget = forms.MultipleHiddenInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else []
        return [n for n in (digits(str(v).strip()) for v in values) if n is not None]


class TextListField(forms.Field):
    """Repeated inputs of the same name, as posted."""

    widget = forms.MultipleHiddenInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: object) -> list[str]:
        values = value if isinstance(value, list | tuple) else []
        return [str(v) for v in values]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.Field):
    """Several uploads under one name; the attachment service checks each file."""

    widget = MultipleFileInput

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: object) -> list[UploadedFile]:
        values = value if isinstance(value, list | tuple) else []
        return [v for v in values if isinstance(v, UploadedFile)]


class CategoryField(forms.Field):
    """The category select's ``一级|二级`` as a pair (``("", "")`` when none is chosen)."""

    widget = forms.HiddenInput

    def __init__(self, message: str = "", *, required: bool = False) -> None:
        super().__init__(required=False)
        self.message = message
        self.must = required

    def to_python(self, value: object) -> tuple[str, str]:
        l1, _, l2 = str(value or "").partition("|")
        if self.must and not l1:
            raise ValidationError(self.message, code="required")
        return l1, l2


class FlagField(forms.Field):
    """A checkbox or radio: True only when it posts exactly ``value`` (``"1"``, ``"yes"``),
    or, without ``value``, anything not empty."""

    widget = forms.HiddenInput

    def __init__(self, value: str | None = None) -> None:
        super().__init__(required=False)
        self.value = value

    def to_python(self, value: object) -> bool:
        return bool(value) if self.value is None else value == self.value


# --- the appeal page's forms ---------------------------------------------------------------


class VersionedForm(forms.Form):
    version = VersionField()


class NoteForm(VersionedForm):
    """受理, 办结."""

    note = _text()


class ReasonForm(VersionedForm):
    """不予受理."""

    reason = _text()


class RedirectForm(ReasonForm):
    """告知其他途径 (the service checks the channel)."""

    channel = _text()


class ForwardForm(ReasonForm):
    """转送."""

    organ = _text()


class DispatchForm(VersionedForm):
    """派单, with the category the dispatcher confirmed."""

    lead_unit = DigitsField("请选择主办单位")
    assist_units = IdListField()
    instructions = _text()
    category = CategoryField()


class CategorizeForm(VersionedForm):
    """确定/更正诉求类别."""

    category = CategoryField("请选择诉求类别", required=True)


class ReassignForm(ReasonForm):
    """改派."""

    lead_unit = DigitsField("请选择新的主办单位")
    assist_units = IdListField()


class WhistleForm(forms.Form):
    """吹哨."""

    units = IdListField()
    note = _text()


class MergeForm(forms.Form):
    """合并重复诉求: the numbers, comma separated (full-width commas too)."""

    numbers = _text()
    reason = _text()

    def clean_numbers(self) -> list[str]:
        text = str(self.cleaned_data.get("numbers") or "")
        return [n.strip().upper() for n in text.replace("，", ",").split(",") if n.strip()]


class SplitForm(forms.Form):
    """拆分为多件: the parts with a title."""

    part_title = TextListField()
    part_body = TextListField()

    def parts(self) -> list[dict[str, str]]:
        titles: list[str] = self.cleaned_data["part_title"]
        bodies: list[str] = self.cleaned_data["part_body"]
        return [{"title": t, "body": b} for t, b in zip(titles, bodies, strict=False) if t.strip()]


class ExtensionDecideForm(forms.Form):
    """延期审批."""

    request = DigitsField("延期申请不存在")
    approve = FlagField("1")
    note = _text()


class OrderForm(VersionedForm):
    """签收 (and the base of every work order's button)."""

    order = DigitsField("请选择工单")


class ReturnForm(OrderForm):
    """退单."""

    reason = _text()


class HandlingNoteForm(OrderForm):
    """办理记录."""

    note = _text()
    contacted = FlagField("1")


class ExtendForm(OrderForm):
    """申请延期."""

    days = DigitsField("请填写延期天数")
    reason = _text()


class ReplyForm(OrderForm):
    """答复 / 反馈."""

    text = _text()


class RevisitForm(forms.Form):
    """电话回访 (the service checks the method and the satisfaction)."""

    method = _text()
    contacted = FlagField("yes")
    resolved = FlagField("yes")
    satisfaction = _text()
    comment = _text()

    def clean_method(self) -> str:
        # Not posted at all: a phone call (the page's select always posts one).
        return str(self.cleaned_data["method"]) if "method" in self.data else "phone"


class ReviewRequestForm(forms.Form):
    """登记复查/复核申请."""

    level = _text()
    text = _text()


class ReviewForm(forms.Form):
    """开始/结束听证 (and the base of 复查/复核意见)."""

    review = DigitsField("复查/复核记录不存在")


class ReviewDecideForm(ReviewForm):
    """复查/复核意见."""

    outcome = _text()
    opinion = _text()


SUPERVISE_INVALID = "请填写正确的办结期限和报告间隔"


class SuperviseForm(forms.Form):
    """挂牌督办: the deadline as the page's ``datetime-local`` and the report interval."""

    title = _text()
    instruction = _text()
    deadline = forms.CharField(required=False, strip=False)
    report_every_days = forms.CharField(required=False, strip=False)

    def clean_deadline(self) -> datetime:
        try:
            value = datetime.fromisoformat(str(self.cleaned_data["deadline"]))
            return timezone.make_aware(value)
        except ValueError as exc:
            raise ValidationError(SUPERVISE_INVALID, code="invalid") from exc

    def clean_report_every_days(self) -> int:
        # Not posted at all: weekly (the page's field always posts one).
        posted = "report_every_days" in self.data
        text = str(self.cleaned_data["report_every_days"]) if posted else "7"
        try:
            return int(text)
        except ValueError as exc:
            raise ValidationError(SUPERVISE_INVALID, code="invalid") from exc


class AttachForm(forms.Form):
    """上传附件 (the uploads are posted as ``files``)."""

    confidential = FlagField()


# Declared on the class, ``files = FilesField()`` would work at run time (the form's metaclass
# moves declared fields off the class), but the type stubs declare ``BaseForm.files`` as the
# request's uploads, so mypy would refuse the override; the field is added here instead.
AttachForm.base_fields["files"] = FilesField()


def error_text(form: forms.Form) -> str:
    """Every problem of an invalid form in one line, each message once, in field order."""
    seen: list[str] = []
    for errors in form.errors.values():
        for message in errors:
            if message not in seen:
                seen.append(str(message))
    return "；".join(seen)

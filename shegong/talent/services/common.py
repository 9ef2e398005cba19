"""Loading rows through the actor's scope; the policy; small shared helpers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..models import Person, TalentPolicy


def policy() -> TalentPolicy:
    return TalentPolicy.current()


def load_person(actor: User, person_id: int, *, lock: bool = False) -> Person:
    qs = Person.objects.visible_to(actor).select_related("unit", "region")
    if lock:
        qs = qs.select_for_update(of=("self",))
    person = qs.filter(pk=person_id).first()
    if person is None:
        raise DomainError("人员不存在或不在您的管辖范围内", code="not_found")
    return person


def own_person(actor: User) -> Person:
    """The person linked to the actor's account (the 「我的」 pages)."""
    person = (
        Person.objects.select_related("unit", "region")
        .filter(account=actor, left_on__isnull=True)
        .first()
    )
    if person is None:
        raise DomainError("您的账号未关联社会工作人才档案，请联系所在单位管理员", code="no_person")
    return person


def visible_unit(actor: User, unit_id: int) -> Unit:
    unit = Unit.objects.visible_to(actor).filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise DomainError("单位不存在、已停用或不在您的管辖范围内")
    return unit


def visible_region(actor: User, region_id: int) -> Region:
    region = Region.objects.visible_to(actor).filter(pk=region_id, is_active=True).first()
    if region is None:
        raise DomainError("区域不存在、已停用或不在您的管辖范围内")
    return region


def clean_hours(value: object, *, maximum: int = 200) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
        if not hours.is_finite():  # NaN, sNaN, Infinity compare by raising
            raise InvalidOperation
        hours = hours.quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError("学时应为数字，例如 3 或 1.5") from None
    if hours <= 0 or hours > maximum:
        raise DomainError(f"学时应大于0且不超过{maximum}")
    return hours


def clean_text(value: object, label: str, max_length: int, *, required: str = "") -> str:
    """``value`` stripped; ``required`` is the message when it is blank (blank allowed when
    empty). Longer than ``max_length`` characters is refused in Chinese before it reaches
    a column of that length (PostgreSQL: ``value too long``, a 500). A line break counts as
    one character, as the form's ``maxlength`` counts it (browsers submit it as CR LF): it
    is kept as LF."""
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if required and not text:
        raise DomainError(required)
    if len(text) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字（现为{len(text)}个字）")
    return text


# Long free texts (TextField columns, so only the request size cap bounded them): a
# narrative 5,000 characters, a reason or an opinion 2,000 — the scale of the other apps'
# (appeals: a citizen's 补充内容 5,000, a 回访 comment 2,000; serving: 服务情况 1,000).
# The pages show each limit beside its field (``TEXT_LIMITS``) and refuse more in Chinese
# with the text kept (``clean_text``).
SELF_REPORT_MAX = 5000  # 个人述职
BASIS_MAX = 5000  # 决定的依据
OPINION_MAX = 2000  # 评定意见, 复核理由, 复核结果, 审批意见, 期满鉴定

TEXT_LIMITS = {"self_report": SELF_REPORT_MAX, "basis": BASIS_MAX, "opinion": OPINION_MAX}


def not_own(actor: User, person: Person, what: str) -> None:
    """Staff do not certify themselves: no credential, registration or hours on the record
    linked to their own account (another manager records them)."""
    if person.account_id is not None and person.account_id == actor.pk:
        raise DomainError(f"不能为本人{what}，请由其他管理员办理")

"""Volunteers and teams: registration (portal, staff, import), edits, membership.

Registration follows 志愿服务条例 第七条 (identity, skills, service time, contact) and 记录
办法 第五、六条 (basic-information fields; entered by the volunteer or with their consent).
Minors (age from the ID number) need a guardian's consent (山东 第十条, 上海 第十三条,
团中央 办法 第四条: 14–18 with 法定代理人 consent); below ``policy.min_age`` nobody registers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index, plain
from shegong.core.roles import Cap
from shegong.lib.validators import ValidationFailure, parse_id_number, validate_credit_code
from shegong.lib.validators import validate_mobile as _validate_mobile

from ..choices import (
    Availability,
    GuardianConsent,
    MemberRole,
    RegistrationSource,
    ServiceCategory,
    TeamKind,
    VolunteerStatus,
)
from ..models import Membership, Skill, Team, Volunteer, VolunteerPolicy
from .common import age_on, get_policy


@dataclass
class VolunteerInput:
    """Validated registration data (from a form, the API or an import row)."""

    name: str
    id_number: str
    phone: str
    region_id: int
    birth_date: date
    gender: str
    skills: list[str] = field(default_factory=list)
    service_categories: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    service_region_ids: list[int] = field(default_factory=list)
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_relation: str = ""
    guardian_consent: bool = False
    publicity_consent: bool = False
    party_member: bool = False


def validate_mobile(value: str) -> str:
    try:
        return _validate_mobile(value or "")
    except ValidationFailure as exc:
        raise DomainError(exc.message) from None


def check_volunteer_input(
    *,
    name: str,
    id_number: str,
    phone: str,
    region_id: int | None,
    guardian_name: str = "",
    guardian_phone: str = "",
    guardian_consent: bool = False,
    today: date | None = None,
    policy: VolunteerPolicy | None = None,
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Field problems ``[(field label, Chinese message)]`` and the cleaned values."""
    policy = policy or get_policy()
    today = today or timezone.localdate()
    problems: list[tuple[str, str]] = []
    cleaned: dict[str, Any] = {"name": (name or "").strip()}
    if not cleaned["name"] or len(cleaned["name"]) > 50:
        problems.append(("姓名", "请填写姓名（不超过50个字）"))
    try:
        parsed = parse_id_number(id_number or "", today=today)
    except ValidationFailure as exc:
        problems.append(("身份证号", f"身份证号{exc.message}"))
        parsed = None
    if parsed is not None:
        cleaned.update(id_number=parsed.number, birth_date=parsed.birth_date, gender=parsed.sex)
        age = age_on(parsed.birth_date, today)
        cleaned["age"] = age
        if age < policy.min_age:
            problems.append(("身份证号", f"未满{policy.min_age}周岁，暂不能注册为志愿者"))
        elif age < policy.adult_age:
            if not (guardian_name or "").strip():
                problems.append(("监护人姓名", "未成年人注册需填写监护人姓名"))
            try:
                cleaned["guardian_phone"] = _validate_mobile(guardian_phone or "")
            except ValidationFailure:
                problems.append(("监护人电话", "请填写监护人的11位手机号码"))
            if not guardian_consent:
                problems.append(("监护人同意", "未成年人注册需监护人同意"))
    try:
        cleaned["phone"] = _validate_mobile(phone or "")
    except ValidationFailure as exc:
        problems.append(("手机号码", exc.message))
    if not region_id:
        problems.append(("居住区域", "请选择居住的社区"))
    return problems, cleaned


def _new_number() -> str:
    """志愿者统一编号: ZY + 2-digit year + 8 random digits (never derived from the ID)."""
    for _ in range(20):
        number = f"ZY{timezone.localdate():%y}{secrets.randbelow(10**8):08d}"
        if not Volunteer.objects.filter(number=number).exists():
            return number
    raise DomainError("编号生成失败，请重试")


def _skills(names: Iterable[str]) -> list[Skill]:
    result = []
    for name in {n.strip()[:50] for n in names if n and n.strip()}:
        skill, _ = Skill.objects.get_or_create(name=name)
        result.append(skill)
    return result


def register_volunteer(
    *,
    actor: User | None,
    name: str,
    id_number: str,
    phone: str,
    region_id: int | None,
    skills: Sequence[str] = (),
    service_categories: Sequence[str] = (),
    availability: Sequence[str] = (),
    service_region_ids: Sequence[int] = (),
    guardian_name: str = "",
    guardian_phone: str = "",
    guardian_relation: str = "",
    guardian_consent: bool = False,
    guardian_consent_method: str = "",
    publicity_consent: bool = False,
    phone_verified: bool = False,
    party_member: bool = False,
    report_unit_id: int | None = None,
    source: str = RegistrationSource.STAFF,
    now: datetime | None = None,
) -> Volunteer:
    """Register one volunteer. ``actor=None`` is self-registration on the portal (the
    phone must have been verified by SMS); a staff actor needs ``volunteers.manage`` and
    may only register residents of a region in their scope.

    A minor's guardian consent is kept with how it was established
    (``guardian_consent_method``): on the portal only a code sent to the guardian's phone
    counts (``sms``; the teenager cannot tick it for them, nor give their own number);
    staff attest a written consent they saw (``staff``, the default for a staff actor); an
    import carries the importing unit's check (``import``)."""
    from shegong.regions.models import Region

    now = now or timezone.now()
    if actor is None:
        if source != RegistrationSource.PORTAL or not phone_verified:
            raise DomainError("请先验证手机号码")
        regions = Region.objects.filter(is_active=True)
    else:
        require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能登记志愿者")
        regions = Region.objects.visible_to(actor)
    problems, cleaned = check_volunteer_input(
        name=name,
        id_number=id_number,
        phone=phone,
        region_id=region_id,
        guardian_name=guardian_name,
        guardian_phone=guardian_phone,
        guardian_consent=guardian_consent,
        today=timezone.localdate(now),
    )
    minor = "age" in cleaned and cleaned["age"] < get_policy().adult_age
    method = guardian_consent_method or (GuardianConsent.STAFF if actor is not None else "")
    if method and method not in GuardianConsent.values:
        raise DomainError("监护人同意方式无效")
    if minor and actor is None:
        if method != GuardianConsent.SMS:
            problems = [p for p in problems if p[0] != "监护人同意"]
            problems.append(("监护人同意", "未成年人注册需监护人通过短信验证码确认同意"))
        if cleaned.get("guardian_phone") and cleaned.get("guardian_phone") == cleaned.get("phone"):
            problems.append(("监护人电话", "监护人手机号码不能与本人相同"))
    if problems:
        raise DomainError("；".join(msg for _, msg in problems))
    region = regions.filter(pk=region_id or 0).first()
    if region is None:
        raise DomainError("居住区域不存在或不在您的管辖范围内")
    cats = [c for c in service_categories if c in ServiceCategory.values]
    avail = [a for a in availability if a in Availability.values]
    with transaction.atomic():
        if Volunteer.objects.filter(
            id_number_bidx=blind_index("id_number", cleaned["id_number"])
        ).exists():
            raise DomainError("该身份证号已注册为志愿者，请直接登录")
        if Volunteer.objects.filter(phone_bidx=blind_index("phone", cleaned["phone"])).exists():
            raise DomainError("该手机号码已被其他志愿者使用")
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    number=_new_number(),
                    name=cleaned["name"],
                    gender=cleaned["gender"],
                    birth_date=cleaned["birth_date"],
                    id_number=cleaned["id_number"],
                    phone=cleaned["phone"],
                    phone_verified_at=now if phone_verified else None,
                    region=region,
                    service_categories=cats,
                    availability=avail,
                    guardian_name=(guardian_name or "").strip() if minor else "",
                    guardian_phone=cleaned.get("guardian_phone", "") if minor else "",
                    guardian_relation=(guardian_relation or "").strip()[:20] if minor else "",
                    guardian_consent_at=now if minor else None,
                    guardian_consent_method=method if minor else "",
                    consent_at=now,
                    publicity_consent=publicity_consent,
                    source=source,
                    party_member=party_member,
                    report_unit_id=report_unit_id,
                    registered_by=actor if actor is not None else None,
                )
        except IntegrityError:
            raise DomainError("该身份证号或手机号码已注册") from None
        volunteer.skills.set(_skills(skills))
        if service_region_ids:
            volunteer.service_regions.set(Region.objects.filter(pk__in=list(service_region_ids)))
        audit.record(
            "volunteer_registered",
            actor=actor,
            target=volunteer,
            changes={
                "source": source,
                "minor": minor,
                "guardian_consent": minor,
                **({"guardian_consent_method": method} if minor else {}),
            },
        )
    volunteer.refresh_from_db()  # personal data back as Sensitive (masked by str())
    return volunteer


def update_volunteer(
    *,
    actor: User,
    volunteer_id: int,
    skills: Sequence[str] | None = None,
    service_categories: Sequence[str] | None = None,
    availability: Sequence[str] | None = None,
    status: str | None = None,
    publicity_consent: bool | None = None,
) -> Volunteer:
    """Staff edit of what a volunteer offers, or suspension (audited)."""
    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能修改志愿者信息")
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=volunteer_id)
        )
        volunteer_row = volunteer.first()
        if volunteer_row is None:
            raise DomainError("志愿者不存在或不在您的管辖范围内")
        before = audit.snapshot(volunteer_row)
        fields = []
        if service_categories is not None:
            volunteer_row.service_categories = [
                c for c in service_categories if c in ServiceCategory.values
            ]
            fields.append("service_categories")
        if availability is not None:
            volunteer_row.availability = [a for a in availability if a in Availability.values]
            fields.append("availability")
        if status is not None:
            if status not in VolunteerStatus.values:
                raise DomainError("状态无效")
            volunteer_row.status = status
            fields.append("status")
        if publicity_consent is not None:
            volunteer_row.publicity_consent = publicity_consent
            fields.append("publicity_consent")
        if fields:
            volunteer_row.save(update_fields=fields)
        changes = audit.diff(before, audit.snapshot(volunteer_row))
        if skills is not None:
            old = sorted(volunteer_row.skills.values_list("name", flat=True))
            volunteer_row.skills.set(_skills(skills))
            new = sorted(volunteer_row.skills.values_list("name", flat=True))
            if old != new:
                changes["skills"] = [old, new]
        audit.record("volunteer_updated", actor=actor, target=volunteer_row, changes=changes)
    return volunteer_row


def change_contact(
    *,
    actor: User | None,
    volunteer_id: int,
    phone: str | None = None,
    region_id: int | None = None,
    phone_verified: bool = False,
    now: datetime | None = None,
) -> Volunteer:
    """Change a volunteer's mobile number and/or residence (居住区域, 记录办法 第五条).

    ``actor=None`` is the volunteer on the portal: a new number must have been verified by
    SMS (``phone_verified``), the new residence is any active region. Staff need
    ``volunteers.manage``, the volunteer in their scope and the new residence in their
    scope (a move to another jurisdiction is done by the volunteer, or by staff above
    both); a number entered by staff counts as unverified until the volunteer signs in
    with it. The old number gets an SMS saying it was replaced, so a take-over is noticed.
    Audited with masked numbers and region codes.
    """
    from shegong.core.notify import queue_sms
    from shegong.lib.masking import mask_phone
    from shegong.regions.models import Region

    now = now or timezone.now()
    if actor is None:
        if phone is not None and not phone_verified:
            raise DomainError("请先验证新的手机号码")
        volunteers = Volunteer.objects.all()
        regions = Region.objects.filter(is_active=True)
    else:
        require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能修改志愿者信息")
        volunteers = Volunteer.objects.visible_to(actor)
        regions = Region.objects.visible_to(actor).filter(is_active=True)
    new_phone = ""
    if phone is not None:
        try:
            new_phone = _validate_mobile(phone)
        except ValidationFailure as exc:
            raise DomainError(exc.message) from None
    new_region = None
    if region_id is not None:
        new_region = regions.filter(pk=region_id).first()
        if new_region is None:
            raise DomainError("居住区域不存在或不在您的管辖范围内")
    with transaction.atomic():
        volunteer = (
            volunteers.select_for_update(of=("self",))
            .select_related("region")
            .filter(pk=volunteer_id)
            .first()
        )
        if volunteer is None:
            raise DomainError("志愿者不存在或不在您的管辖范围内")
        changes: dict[str, Any] = {}
        fields: list[str] = []
        old_phone = str(plain(volunteer.phone))
        if new_phone and new_phone != old_phone:
            taken = Volunteer.objects.filter(phone_bidx=blind_index("phone", new_phone))
            if taken.exclude(pk=volunteer.pk).exists():
                raise DomainError("该手机号码已被其他志愿者使用")
            volunteer.phone = new_phone
            volunteer.phone_verified_at = now if phone_verified else None
            fields += ["phone", "phone_bidx", "phone_verified_at"]
            changes["phone"] = [mask_phone(old_phone), mask_phone(new_phone)]
            changes["phone_verified"] = phone_verified
        if new_region is not None and new_region.pk != volunteer.region_id:
            changes["region"] = [volunteer.region.code, new_region.code]
            volunteer.region = new_region
            fields.append("region")
        if not fields:
            raise DomainError("没有需要修改的内容")
        try:
            with transaction.atomic():
                volunteer.save(update_fields=fields)
        except IntegrityError:
            raise DomainError("该手机号码已被其他志愿者使用") from None
        audit.record(
            "volunteer_contact_changed",
            actor=actor,
            target=volunteer,
            changes=changes,
            note="本人在志愿者门户修改" if actor is None else "",
        )
        if "phone" in changes:
            notice = (
                f"您的志愿者账号（编号{volunteer.number}）手机号码已更换为"
                f"{mask_phone(new_phone)}，此号码不再用于登录。如非本人操作，请联系所在社区。"
            )
            queue_sms(old_phone, notice, purpose="手机号码更换提醒")
    volunteer.refresh_from_db()
    return volunteer


def create_team(
    *,
    actor: User,
    name: str,
    region_id: int,
    kind: str = TeamKind.TEAM,
    unit_id: int | None = None,
    credit_code: str = "",
    description: str = "",
    manager_ids: Sequence[int] = (),
) -> Team:
    """A 志愿服务队/组织 in the actor's scope; an organization needs a valid 统一社会信用代码."""
    from shegong.accounts.models import User
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能建立志愿服务队伍")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("请填写队伍名称（不超过100个字）")
    if kind not in TeamKind.values:
        raise DomainError("队伍类型无效")
    if kind == TeamKind.ORGANIZATION or credit_code:
        try:
            credit_code = validate_credit_code(credit_code or "")
        except ValidationFailure as exc:
            raise DomainError(f"统一社会信用代码{exc.message}") from None
    with transaction.atomic():
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("所属区域不存在或不在您的管辖范围内")
        unit = None
        if unit_id:
            unit = Unit.objects.visible_to(actor).filter(pk=unit_id).first()
            if unit is None:
                raise DomainError("挂靠单位不存在或不在您的管辖范围内")
        team = Team.objects.create(
            name=name,
            kind=kind,
            region=region,
            unit=unit,
            credit_code=credit_code,
            description=description.strip(),
        )
        if manager_ids:
            team.managers.set(User.objects.visible_to(actor).filter(pk__in=list(manager_ids)))
        if not Team.objects.visible_to(actor).filter(pk=team.pk).exists():
            raise DomainError("新队伍不在您的管辖范围内")
        audit.record("volunteer_team_created", actor=actor, target=team, changes={"name": name})
    return team


def add_member(
    *, actor: User, team_id: int, volunteer_id: int, role: str = MemberRole.MEMBER
) -> Membership:
    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能管理队员")
    if role not in MemberRole.values:
        raise DomainError("身份无效")
    with transaction.atomic():
        team = Team.objects.visible_to(actor).filter(pk=team_id).first()
        if team is None:
            raise DomainError("队伍不存在或不在您的管辖范围内")
        volunteer = Volunteer.objects.visible_to(actor).filter(pk=volunteer_id).first()
        if volunteer is None:
            raise DomainError("志愿者不存在或不在您的管辖范围内")
        if Membership.objects.filter(team=team, volunteer=volunteer, left_at=None).exists():
            raise DomainError("该志愿者已是本队队员")
        membership = Membership.objects.create(team=team, volunteer=volunteer, role=role)
        audit.record(
            "volunteer_member_added",
            actor=actor,
            target=team,
            changes={"volunteer": volunteer.number, "role": role},
        )
    return membership


def remove_member(*, actor: User, membership_id: int) -> Membership:
    require_capability(actor, Cap.VOLUNTEERS_MANAGE, "您的角色不能管理队员")
    with transaction.atomic():
        membership = (
            Membership.objects.select_related("team", "volunteer")
            .filter(pk=membership_id, left_at=None, team__in=Team.objects.visible_to(actor))
            .first()
        )
        if membership is None:
            raise DomainError("队员记录不存在或不在您的管辖范围内")
        membership.left_at = timezone.now()
        membership.save(update_fields=["left_at"])
        audit.record(
            "volunteer_member_removed",
            actor=actor,
            target=membership.team,
            changes={"volunteer": membership.volunteer.number},
        )
    return membership


def find_by_phone(phone: str) -> Volunteer | None:
    """The volunteer registered with ``phone`` (blind-index look-up), for the portal sign-in."""
    try:
        phone = _validate_mobile(phone or "")
    except ValidationFailure:
        return None
    return Volunteer.objects.filter(phone_bidx=blind_index("phone", phone)).first()

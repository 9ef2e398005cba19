"""Credentials: entering one, first registration, re-registration; continuing-education hours
per registration period; the state a person sees (red/green)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from .. import rules
from ..choices import CredentialLevel, CredentialState, HoursSource
from ..models import Credential, HoursRecord, Person, Registration, TalentPolicy
from .common import clean_hours, clean_text, load_person, not_own, policy


def _load(actor: User, credential_id: int) -> Credential:
    credential = (
        Credential.objects.visible_to(actor)
        .select_related("person", "person__region")
        .select_for_update(of=("self",))
        .filter(pk=credential_id)
        .first()
    )
    if credential is None:
        raise DomainError("证书不存在或不在您的管辖范围内", code="not_found")
    return credential


def add_credential(
    *,
    actor: User,
    person_id: int,
    level: str,
    number: str,
    passed_on: date,
    registered_on: date | None = None,
    title: str = "",
) -> Credential:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护证书")
    if level not in CredentialLevel.values:
        raise DomainError("证书等级不正确")
    number = clean_text(number, "证书编号", 40, required="请填写证书编号")
    title = clean_text(title, "证书名称", 60)
    if passed_on > timezone.localdate():
        raise DomainError("取得日期不能晚于今天")
    try:
        with transaction.atomic():
            person = load_person(actor, person_id, lock=True)
            not_own(actor, person, "登记证书")
            credential = Credential.objects.create(
                person=person,
                level=level,
                number=number.strip(),
                passed_on=passed_on,
                title=title.strip(),
            )
            audit.record(
                "talent_credential_added",
                actor=actor,
                target=credential,
                changes=audit.diff({}, audit.snapshot(credential)),
            )
            if registered_on is not None:
                _register(actor, credential, registered_on, policy())
    except IntegrityError as exc:
        raise DomainError("该证书编号已登记", code="duplicate") from exc
    return credential


def _register(actor: User, credential: Credential, on: date, p: TalentPolicy) -> Registration:
    if credential.period_start is not None:
        raise DomainError("该证书已首次登记，请办理再登记")
    if on > timezone.localdate():
        raise DomainError("登记日期不能晚于今天")
    if on < credential.passed_on:
        raise DomainError("登记日期不能早于取得证书日期")
    deadline = rules.first_registration_deadline(credential.passed_on, p.first_registration_months)
    if on > deadline and credential.level != CredentialLevel.OTHER:
        raise DomainError(
            f"首次登记应在通过考试之日起{p.first_registration_months}个月内（{deadline}前）办理，"
            "已逾期"
        )
    end = rules.period_end(on, p.validity_years)
    reg = Registration.objects.create(
        credential=credential,
        renewal=False,
        registered_on=on,
        period_start=on,
        period_end=end,
        recorded_by=actor,
    )
    credential.first_registered_on = on
    credential.period_start, credential.valid_until = on, end
    credential.save(update_fields=["first_registered_on", "period_start", "valid_until"])
    audit.record(
        "talent_credential_registered",
        actor=actor,
        target=credential,
        changes={"valid_until": [None, str(end)]},
    )
    return reg


def register(*, actor: User, credential_id: int, on: date) -> Credential:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护证书")
    with transaction.atomic():
        credential = _load(actor, credential_id)
        not_own(actor, credential.person, "办理证书登记")
        _register(actor, credential, on, policy())
    return credential


def renew(*, actor: User, credential_id: int, on: date) -> Credential:
    """再登记: only inside the window (3 months before expiry, through the last valid day)
    and only with the period's hours met; the new period follows the old one without gap."""
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护证书")
    p = policy()
    with transaction.atomic():
        credential = _load(actor, credential_id)
        not_own(actor, credential.person, "办理证书登记")
        if credential.period_start is None or credential.valid_until is None:
            raise DomainError("该证书尚未首次登记")
        if on > timezone.localdate():
            raise DomainError("登记日期不能晚于今天")
        opens = rules.renewal_opens(credential.valid_until, p.renewal_window_months)
        if on < opens:
            raise DomainError(
                f"再登记应在有效期满前{p.renewal_window_months}个月内办理（{opens}起）"
            )
        if on > credential.valid_until:
            raise DomainError("证书已过有效期，不能办理再登记")
        progress = period_progress(credential, p)
        if not progress.met:
            raise DomainError(
                f"本登记周期继续教育学时不足：已完成{progress.earned:g}学时，"
                f"应完成{progress.required}学时"
            )
        start = credential.valid_until.fromordinal(credential.valid_until.toordinal() + 1)
        end = rules.period_end(start, p.validity_years)
        Registration.objects.create(
            credential=credential,
            renewal=True,
            registered_on=on,
            period_start=start,
            period_end=end,
            hours_at_renewal=Decimal(str(progress.earned)),
            recorded_by=actor,
        )
        before = str(credential.valid_until)
        credential.period_start, credential.valid_until = start, end
        credential.save(update_fields=["period_start", "valid_until"])
        audit.record(
            "talent_credential_renewed",
            actor=actor,
            target=credential,
            changes={"valid_until": [before, str(end)]},
        )
    return credential


def state_of(
    credential: Credential, today: date | None = None, p: TalentPolicy | None = None
) -> str:
    p = p or policy()
    return rules.credential_state(
        today=today or timezone.localdate(),
        passed_on=credential.passed_on,
        period_start=credential.period_start,
        valid_until=credential.valid_until,
        first_months=p.first_registration_months,
        window_months=p.renewal_window_months,
    )


def hours_between(person: Person | int, start: date, end: date) -> float:
    person_id = person if isinstance(person, int) else person.pk
    total = HoursRecord.objects.filter(
        person_id=person_id, studied_on__gte=start, studied_on__lte=end
    ).aggregate(total=Sum("hours"))["total"]
    return float(total or 0)


def period_progress(credential: Credential, p: TalentPolicy | None = None) -> rules.HoursProgress:
    p = p or policy()
    required = p.required_hours(credential.level)
    if credential.period_start is None or credential.valid_until is None:
        return rules.hours_progress(required=required, earned=0.0)
    earned = hours_between(credential.person_id, credential.period_start, credential.valid_until)
    return rules.hours_progress(required=required, earned=earned)


@dataclass(frozen=True)
class CredentialStatus:
    credential: Credential
    state: str
    state_label: str
    progress: rules.HoursProgress
    renewal_opens: date | None
    # green: nothing to do, or ready to re-register; red: action needed and not ready
    ready: bool


def status_of(credential: Credential, today: date | None = None) -> CredentialStatus:
    p = policy()
    today = today or timezone.localdate()
    state = state_of(credential, today, p)
    progress = period_progress(credential, p)
    opens = (
        rules.renewal_opens(credential.valid_until, p.renewal_window_months)
        if credential.valid_until
        else None
    )
    # in the window: green once the hours are met; otherwise green only while valid
    ready = progress.met if state == CredentialState.RENEWAL else state == CredentialState.VALID
    return CredentialStatus(
        credential, state, str(CredentialState(state).label), progress, opens, ready
    )


def add_hours(
    *,
    actor: User,
    person_id: int,
    hours: object,
    studied_on: date,
    title: str,
    evidence: str,
) -> HoursRecord:
    """Hours entered by staff, with the evidence they saw (a certificate, a list)."""
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能录入学时")
    amount = clean_hours(hours)
    title = clean_text(title, "学习内容", 120, required="请填写学习内容")
    evidence = clean_text(evidence, "证明材料", 200, required="录入学时应注明证明材料")
    if studied_on > timezone.localdate():
        raise DomainError("学习日期不能晚于今天")
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        not_own(actor, person, "录入学时")
        record = HoursRecord.objects.create(
            person=person,
            source=HoursSource.MANUAL,
            hours=amount,
            studied_on=studied_on,
            title=title.strip(),
            evidence=evidence.strip(),
            recorded_by=actor,
        )
        audit.record(
            "talent_hours_added",
            actor=actor,
            target=person,
            changes={"hours": [None, str(amount)], "studied_on": [None, str(studied_on)]},
        )
    return record


def credit_degree(*, actor: User, person_id: int, completed_on: date, evidence: str) -> HoursRecord:
    """A completed social-work degree counts the policy's ``degree_hours`` at once (once)."""
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能录入学时")
    evidence = clean_text(evidence, "证明材料", 200, required="请注明学历证书编号等证明材料")
    if completed_on > timezone.localdate():
        raise DomainError("完成学历教育日期不能晚于今天")
    p = policy()
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        not_own(actor, person, "录入学时")
        if HoursRecord.objects.filter(person=person, source=HoursSource.DEGREE).exists():
            raise DomainError("社会工作学历教育已折算过学时")
        record = HoursRecord.objects.create(
            person=person,
            source=HoursSource.DEGREE,
            hours=Decimal(p.degree_hours),
            studied_on=completed_on,
            title="完成社会工作学历教育",
            evidence=evidence.strip(),
            recorded_by=actor,
        )
        person.social_work_degree_on = completed_on
        person.save(update_fields=["social_work_degree_on", "updated_at"])
        audit.record(
            "talent_degree_credited",
            actor=actor,
            target=person,
            changes={"hours": [None, str(p.degree_hours)]},
        )
    return record

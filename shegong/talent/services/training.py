"""Training classes (enrolment with capacity, QR attendance crediting hours) and practice
postings.

The QR code carries a token signed with ``django.core.signing.TimestampSigner`` — the
volunteers' check-in mechanism (``volunteers.services.checkin``) — under this app's own salt:
with the volunteers' salt a slot's code would pass as a class's code of the same id."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tree import path_prefixes
from shegong.lib.text import parse_id

from ..choices import ClassKind, HoursSource, PostingKind
from ..models import Enrolment, HoursRecord, Person, Posting, TrainingClass
from .common import (
    OPINION_MAX,
    clean_hours,
    clean_text,
    load_person,
    not_own,
    own_person,
    visible_region,
    visible_unit,
)

TOKEN_SALT = "shegong.talent.checkin"  # noqa: S105 — a signing namespace, not a secret
TOKEN_TTL_DEFAULT = 180


def token_ttl() -> int:
    return int(getattr(settings, "SHEGONG_TALENT_QR_TTL_SECONDS", TOKEN_TTL_DEFAULT))


# one class, one room or one stream: more is a typing error (and overflows the column)
MAX_CAPACITY = 10_000


def create_class(
    *,
    actor: User,
    title: str,
    kind: str,
    unit_id: int,
    region_id: int,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    hours: object,
    place: str = "",
) -> TrainingClass:
    require_capability(actor, Cap.TALENT_TRAINING, "您的角色不能举办培训班")
    if kind not in ClassKind.values:
        raise DomainError("培训类型不正确")
    title = clean_text(title, "培训班名称", 100, required="请填写培训班名称")
    place = clean_text(place, "地点", 120)
    if ends_at <= starts_at:
        raise DomainError("结束时间应晚于开始时间")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(f"名额应在1到{MAX_CAPACITY}之间")
    amount = clean_hours(hours, maximum=100)
    with transaction.atomic():
        training = TrainingClass.objects.create(
            title=title.strip(),
            kind=kind,
            unit=visible_unit(actor, unit_id),
            region=visible_region(actor, region_id),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            hours=amount,
            place=place.strip(),
            created_by=actor,
        )
        audit.record(
            "talent_class_created",
            actor=actor,
            target=training,
            changes=audit.diff({}, audit.snapshot(training)),
        )
    return training


def _lock_class(class_id: int, actor: User | None = None) -> TrainingClass:
    qs = TrainingClass.objects.all() if actor is None else TrainingClass.objects.visible_to(actor)
    training = qs.select_for_update(of=("self",)).filter(pk=class_id).first()
    if training is None:
        raise DomainError("培训班不存在或不在您的管辖范围内", code="not_found")
    return training


def open_classes(person: Person) -> list[TrainingClass]:
    """Classes a person may enrol in: not yet ended, for their region or an area above it."""
    # the person's region and every area above it, matched in the database (not the first
    # 200 classes of the city filtered afterwards)
    paths = path_prefixes(str(person.region.path))
    return list(
        TrainingClass.objects.filter(ends_at__gt=timezone.now(), region__path__in=paths)
        .select_related("region")
        .order_by("starts_at")[:200]
    )


def _enrol(training: TrainingClass, person: Person, actor: User) -> Enrolment:
    if training.ends_at <= timezone.now():
        raise DomainError("培训班已结束，不能报名")
    if Enrolment.objects.filter(training=training, person=person).exists():
        raise DomainError("已报名该培训班")
    if Enrolment.objects.filter(training=training).count() >= training.capacity:
        raise DomainError("名额已满", code="full")
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                training=training, person=person, enrolled_at=timezone.now()
            )
    except IntegrityError as exc:
        raise DomainError("已报名该培训班") from exc
    audit.record(
        "talent_enrolled",
        actor=actor,
        target=training,
        changes={"person": [None, person.pk]},
    )
    return enrolment


def enrol_self(*, actor: User, class_id: int) -> Enrolment:
    """The signed-in person enrols themselves (the class row locked: the last place once)."""
    with transaction.atomic():
        person = own_person(actor)
        training = _lock_class(class_id)
        if not str(person.region.path).startswith(str(training.region.path)):
            raise DomainError("该培训班不面向您所在的区域")
        return _enrol(training, person, actor)


def enrol(*, actor: User, class_id: int, person_id: int) -> Enrolment:
    require_capability(actor, Cap.TALENT_TRAINING, "您的角色不能为他人报名")
    with transaction.atomic():
        training = _lock_class(class_id, actor)
        person = load_person(actor, person_id)
        return _enrol(training, person, actor)


def class_token(class_id: int) -> str:
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{class_id}.{nonce}")


def qr_token(*, actor: User, class_id: int) -> tuple[TrainingClass, str]:
    require_capability(actor, Cap.TALENT_TRAINING, "您的角色不能组织签到")
    training = TrainingClass.objects.visible_to(actor).filter(pk=class_id).first()
    if training is None:
        raise DomainError("培训班不存在或不在您的管辖范围内", code="not_found")
    return training, class_token(training.pk)


def read_token(token: str, *, max_age: int | None = None) -> int:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(
            token, max_age=max_age if max_age is not None else token_ttl()
        )
    except signing.SignatureExpired:
        raise DomainError(
            "二维码已过期，请扫描现场最新的签到二维码", code="token_expired"
        ) from None
    except signing.BadSignature:
        raise DomainError("二维码无效，请扫描培训现场的签到二维码", code="token_invalid") from None
    class_part, _, nonce = value.partition(".")
    class_id = parse_id(class_part)
    if class_id is None or not nonce:
        raise DomainError("二维码无效，请扫描培训现场的签到二维码", code="token_invalid")
    return class_id


def class_of_token(token: str) -> TrainingClass:
    training = TrainingClass.objects.filter(pk=read_token(token)).first()
    if training is None:
        raise DomainError("二维码无效，请扫描培训现场的签到二维码", code="token_invalid")
    return training


def _attend(enrolment: Enrolment, actor: User, method: str) -> HoursRecord:
    training = enrolment.training
    now = timezone.now()
    enrolment.attended_at = now
    enrolment.method = method
    enrolment.save(update_fields=["attended_at", "method"])
    record = HoursRecord.objects.create(
        person=enrolment.person,
        source=HoursSource.CLASS,
        hours=training.hours,
        studied_on=timezone.localdate(training.starts_at),
        title=training.title,
        evidence=f"平台培训班签到（{method}）",
        enrolment=enrolment,
        recorded_by=actor,
    )
    audit.record(
        "talent_attended",
        actor=actor,
        target=training,
        changes={"person": [None, enrolment.person_id], "hours": [None, str(training.hours)]},
    )
    return record


def check_in(*, actor: User, token: str) -> HoursRecord:
    """The signed-in person scans the class's current code: attendance and hours, once."""
    training = class_of_token(token)
    now = timezone.now()
    if timezone.localdate(now) != timezone.localdate(training.starts_at) and not (
        training.starts_at <= now <= training.ends_at
    ):
        raise DomainError("不在培训时间内，不能签到")
    with transaction.atomic():
        person = own_person(actor)
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("training", "person")
            .filter(training=training, person=person)
            .first()
        )
        if enrolment is None:
            raise DomainError("您未报名该培训班，请先报名")
        if enrolment.attended_at is not None:
            raise DomainError("您已签到", code="already")
        return _attend(enrolment, actor, "扫码")


def mark_attended(*, actor: User, enrolment_id: int) -> HoursRecord:
    require_capability(actor, Cap.TALENT_TRAINING, "您的角色不能登记签到")
    with transaction.atomic():
        enrolment = (
            # scoped through the person as well as the class: a class open to a district
            # holds other streets' enrolments
            Enrolment.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("training", "person")
            .filter(pk=enrolment_id, training__in=TrainingClass.objects.visible_to(actor))
            .first()
        )
        if enrolment is None:
            raise DomainError("报名记录不存在或不在您的管辖范围内", code="not_found")
        not_own(actor, enrolment.person, "代为登记签到（请扫码签到）")
        if enrolment.attended_at is not None:
            raise DomainError("已签到", code="already")
        return _attend(enrolment, actor, "代为登记")


# ---- practice postings ---------------------------------------------------------------


def start_posting(
    *, actor: User, person_id: int, kind: str, host_unit_id: int, starts_on: date, ends_on: date
) -> Posting:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能安排实践锻炼")
    if kind not in PostingKind.values:
        raise DomainError("实践锻炼类型不正确")
    if ends_on <= starts_on:
        raise DomainError("结束日期应晚于开始日期")
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        posting = Posting.objects.create(
            person=person,
            kind=kind,
            host_unit=visible_unit(actor, host_unit_id),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit.record(
            "talent_posting_started",
            actor=actor,
            target=posting,
            changes=audit.diff({}, audit.snapshot(posting)),
        )
    return posting


def close_posting(
    *, actor: User, posting_id: int, assessment: str, on: date, hours: object = 0
) -> Posting:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能鉴定实践锻炼")
    assessment = clean_text(assessment, "期满鉴定", OPINION_MAX, required="请填写期满鉴定")
    if on > timezone.localdate():
        raise DomainError("鉴定日期不能晚于今天")
    amount = clean_hours(hours) if str(hours).strip() not in ("", "0") else Decimal("0")
    with transaction.atomic():
        posting = (
            Posting.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("person", "person__region")
            .filter(pk=posting_id)
            .first()
        )
        if posting is None:
            raise DomainError("实践锻炼记录不存在或不在您的管辖范围内", code="not_found")
        not_own(actor, posting.person, "鉴定实践锻炼")
        if posting.closed_on is not None:
            raise DomainError("该实践锻炼已鉴定")
        if on < posting.starts_on:
            raise DomainError("鉴定日期不能早于开始日期")
        posting.assessment, posting.closed_on, posting.hours = assessment, on, amount
        posting.save(update_fields=["assessment", "closed_on", "hours"])
        if amount:
            HoursRecord.objects.create(
                person=posting.person,
                source=HoursSource.MANUAL,
                hours=amount,
                studied_on=on,
                title=f"实践锻炼（{posting.get_kind_display()}）",
                evidence="期满鉴定",
                recorded_by=actor,
            )
        audit.record(
            "talent_posting_closed",
            actor=actor,
            target=posting,
            changes={"closed_on": [None, str(on)], "hours": [None, str(amount)]},
        )
    return posting

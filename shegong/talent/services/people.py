"""Writing people, and the post ladder (level computed, next step dated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.lib.validators import ValidationFailure, validate_id_number, validate_mobile
from shegong.members.models import Member

from .. import rules
from ..choices import Category
from ..models import Person, PostLadder
from .common import clean_text, load_person, visible_region, visible_unit

DUPLICATE = "该身份证号已有人才档案（同一人只能有一份档案）"


@dataclass
class PersonInput:
    category: str
    name: str
    id_number: str
    unit_id: int
    region_id: int
    phone: str = ""
    # the post when creating ("" = 未定岗); when editing ``None`` keeps it, and a different
    # post is refused: after registration the post moves only by an approved decision
    post: str | None = None
    started_on: date | None = None
    degree: str = ""
    social_work_degree_on: date | None = None
    note: str = ""


def _check(data: PersonInput, ladder: PostLadder, *, editing: bool = False) -> tuple[str, str]:
    """The cleaned ID number and phone. When ``editing``, a blank name, ID number or phone
    means "keep the stored value" (they are encrypted and never rendered back into the form),
    so only what was typed is validated; ``""`` is returned for what is kept."""
    if data.category not in Category.values:
        raise DomainError("人员类别不正确")
    if not editing and not data.name.strip():
        raise DomainError("请填写姓名")
    clean_text(data.name, "姓名", 50)
    clean_text(data.note, "备注", 255)
    if data.started_on is not None and data.started_on > timezone.localdate():
        raise DomainError("从事社区工作起始日期不能晚于今天")
    try:
        id_number = ""
        if data.id_number.strip() or not editing:
            id_number = validate_id_number(data.id_number)
        phone = validate_mobile(data.phone) if data.phone.strip() else ""
    except ValidationFailure as exc:
        raise DomainError(f"身份证号或手机号码有误：{exc.message}") from None
    if not editing:
        post = (data.post or "").strip()
        if post and ladder.range_of(post) is None:
            raise DomainError(f"岗位「{post}」不在当前岗位等级序列「{ladder.name}」中")
        _check_start(data, post)
    return id_number, phone


def _check_start(data: PersonInput, post: str) -> None:
    if data.category == Category.COMMUNITY_WORKER and post and data.started_on is None:
        raise DomainError("社区工作者定岗的，请填写从事社区工作起始日期")


POST_BY_DECISION = (
    "岗位只能通过审批通过的晋升或降级决定调整（等级随岗位和任职年限确定），"
    "不能在档案中直接修改；请在人员页面提出晋升或降级建议，现岗位「{}」"
)


def _same_post(data: PersonInput, person: Person) -> None:
    """Editing never moves the post: ``None`` keeps it, the stored post is accepted as is,
    anything else is refused (``services.decisions`` moves it on approval)."""
    if data.post is not None and data.post.strip() != person.post:
        raise DomainError(POST_BY_DECISION.format(person.post or "未定岗"))


def _apply(person: Person, actor: User, data: PersonInput, id_number: str, phone: str) -> None:
    """Write ``data`` onto ``person``; a blank name, ``id_number`` or ``phone`` keeps the
    stored value of a person that exists (see ``_check``)."""
    editing = person.pk is not None
    person.category = data.category
    if data.name.strip() or not editing:
        person.name = data.name.strip()
    if phone or not editing:
        person.phone = phone
    person.unit = visible_unit(actor, data.unit_id)
    person.region = visible_region(actor, data.region_id)
    if not editing:  # afterwards only an approved decision moves it (``_same_post``)
        person.post = (data.post or "").strip()
    person.started_on = data.started_on
    person.degree = data.degree
    person.social_work_degree_on = data.social_work_degree_on
    person.note = data.note.strip()
    if id_number:
        person.id_number = id_number
        # a party member's record is linked by the ID number (the members' blind index)
        person.member = Member.objects.filter(
            id_number_bidx=blind_index("id_number", id_number)
        ).first()


def create_person(*, actor: User, data: PersonInput) -> Person:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护人才档案")
    id_number, phone = _check(data, PostLadder.current())
    if Person.objects.filter(id_number_bidx=blind_index("id_number", id_number)).exists():
        raise DomainError(DUPLICATE, code="duplicate")
    person = Person()
    _apply(person, actor, data, id_number, phone)
    try:
        with transaction.atomic():
            person.save()
            audit.record(
                "talent_person_created",
                actor=actor,
                target=person,
                changes=audit.diff({}, audit.snapshot(person)),
            )
    except IntegrityError as exc:
        raise DomainError(DUPLICATE, code="duplicate") from exc
    return Person.objects.get(pk=person.pk)


def update_person(*, actor: User, person_id: int, data: PersonInput) -> Person:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护人才档案")
    id_number, phone = _check(data, PostLadder.current(), editing=True)
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        _not_own(actor, person)
        _same_post(data, person)
        _check_start(data, person.post)
        if id_number:
            other = Person.objects.filter(id_number_bidx=blind_index("id_number", id_number))
            if other.exclude(pk=person.pk).exists():
                raise DomainError(DUPLICATE, code="duplicate")
        before = audit.snapshot(person)
        _apply(person, actor, data, id_number, phone)
        person.save()
        audit.record(
            "talent_person_changed",
            actor=actor,
            target=person,
            changes=audit.diff(before, audit.snapshot(person)),
        )
    return Person.objects.get(pk=person.pk)


UNKNOWN_ACCOUNT = "平台账号「{}」不存在、已停用或不在您的管辖范围内"
OWN_RECORD = "不能修改本人的人才档案（含岗位和关联账号），请由其他管理员办理"


def _not_own(actor: User, person: Person) -> None:
    """The checks against grading, proposing or approving for oneself rest on
    ``Person.account``: the linked account may not edit the record or unlink itself."""
    if person.account_id is not None and person.account_id == actor.pk:
        raise DomainError(OWN_RECORD)


def account_by_username(actor: User, username: str) -> User:
    """An active account the actor may see; one message for unknown and out of scope (it
    does not tell whether an account exists elsewhere in the city)."""
    account = (
        User.objects.visible_to(actor).filter(username=username.strip(), is_active=True).first()
    )
    if account is None:
        raise DomainError(UNKNOWN_ACCOUNT.format(username.strip()))
    return account


def link_account(*, actor: User, person_id: int, account: User | None) -> Person:
    """Link (or unlink) the platform account the person signs in with; only an account
    inside the actor's scope."""
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护人才档案")
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        _not_own(actor, person)
        if account is not None:
            visible = User.objects.visible_to(actor).filter(pk=account.pk, is_active=True)
            if not visible.exists():
                raise DomainError(UNKNOWN_ACCOUNT.format(account.username))
            taken = Person.objects.filter(account=account).exclude(pk=person.pk).exists()
            if taken:
                raise DomainError("该账号已关联其他人员")
        before = person.account_id
        if before == (account.pk if account else None):
            return person
        person.account = account
        person.save(update_fields=["account", "updated_at"])
        audit.record(
            "talent_account_linked",
            actor=actor,
            target=person,
            changes={"account": [before, account.pk if account else None]},
        )
    return person


def leave(*, actor: User, person_id: int, on: date) -> Person:
    require_capability(actor, Cap.TALENT_MANAGE, "您的角色不能维护人才档案")
    with transaction.atomic():
        person = load_person(actor, person_id, lock=True)
        person.left_on = on
        person.save(update_fields=["left_on", "updated_at"])
        audit.record(
            "talent_person_left", actor=actor, target=person, changes={"left_on": [None, str(on)]}
        )
    return person


@dataclass(frozen=True)
class LadderView:
    ladder: str
    post: str
    low: int
    high: int
    step: rules.LadderStep


def ladder_of(person: Person, *, today: date | None = None) -> LadderView | None:
    """The person's level on the current ladder (None without a post or start date)."""
    if not person.post or person.started_on is None:
        return None
    ladder = PostLadder.current()
    bounds = ladder.range_of(person.post)
    if bounds is None:
        return None
    degree_years = int(ladder.degree_years.get(person.degree, 0)) if person.degree else 0
    step = rules.ladder_level(
        low=bounds[0],
        high=bounds[1],
        years_per_step=ladder.years_per_step,
        started_on=person.started_on,
        degree_years=degree_years,
        today=today or timezone.localdate(),
    )
    return LadderView(ladder.name, person.post, bounds[0], bounds[1], step)

"""Intake: the one function every channel calls (portal, staff entry, 代填, API, Open311,
the demo generator), plus citizen follow-up with the tracking code."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User, staff_user
from shegong.core import audit
from shegong.core.db import bulk_insert, reserve_ids
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index
from shegong.lib.validators import ValidationFailure, validate_id_number, validate_mobile
from shegong.regions.models import Region
from shegong.units.models import Unit

from .. import hooks
from ..choices import (
    KIND_STREAM,
    STREAM_PREFIX,
    AppealKind,
    Channel,
    ClockKey,
    EventKind,
    Stream,
    Urgency,
)
from ..models import Appeal, AppealEvent, AppealPolicy, IdempotencyRecord, Petitioner
from ..search import normalise_code
from ..tasks import request_rollup_sync
from .common import build_event, event
from .policies import compute_deadline, policy_for
from .review import finality_conflict

logger = logging.getLogger(__name__)

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


class IntakeError(DomainError):
    """Bad submission; ``errors`` maps form field → Chinese message (nothing was saved)."""

    code = "invalid_appeal"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors


@dataclass
class IntakeData:
    kind: str
    channel: str
    title: str
    body: str
    region_id: int
    address: str = ""
    urgency: str = Urgency.NORMAL
    name: str = ""
    phone: str = ""
    id_number: str = ""
    petitioner_address: str = ""
    identity_confidential: bool = False
    is_group: bool = False
    headcount: int = 1
    representatives: list[dict[str, str]] = field(default_factory=list)
    accused_unit_ids: list[int] = field(default_factory=list)
    source_ref: str = ""
    proxy_note: str = ""
    phone_verified: bool = False
    # Staff only: the petitioner brings new facts and reasons after a 复核 (第三十六条第三款).
    new_facts_reason: str = ""

    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def tracking_hash(number: str, code: str) -> str:
    return hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest()


def _validate(
    data: IntakeData, actor: User | None, known_region: Region | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if data.kind not in AppealKind.values:
        errors["kind"] = "请选择诉求类别"
    if data.channel not in Channel.values:
        errors["channel"] = "请选择来源渠道"
    if data.urgency not in Urgency.values:
        errors["urgency"] = "紧急程度无效"
    title = (data.title or "").strip()
    body = (data.body or "").strip()
    if len(title) < 2 or len(title) > 200:
        errors["title"] = "请填写标题（2–200字）"
    if len(body) < 5:
        errors["body"] = "请把事情经过和诉求写清楚（至少5个字）"
    elif len(body) > 20000:
        errors["body"] = "内容过长（不超过2万字），可作为附件上传"
    for field_name, limit, label in (
        ("address", 255, "详细地点"),
        ("petitioner_address", 255, "住址"),
        ("proxy_note", 200, "代填说明"),
        ("name", 50, "姓名"),
    ):
        if len(getattr(data, field_name) or "") > limit:
            errors[field_name] = f"{label}不超过{limit}字"
    if known_region is not None and known_region.pk == data.region_id and known_region.is_active:
        region: Region | None = known_region
    else:
        region = Region.objects.filter(pk=data.region_id, is_active=True).first()
    if region is None:
        errors["region"] = "请选择发生地所在的区划"
    elif actor is not None and not Region.objects.visible_to(actor).filter(pk=region.pk).exists():
        errors["region"] = "只能登记您管辖范围内的诉求"
    clean["region"] = region
    name = (data.name or "").strip()
    if data.phone:
        try:
            clean["phone"] = validate_mobile(data.phone)
        except ValidationFailure as exc:
            errors["phone"] = exc.message
    if data.id_number:
        try:
            clean["id_number"] = validate_id_number(data.id_number)
        except ValidationFailure as exc:
            errors["id_number"] = f"身份证号码{exc.message}"
    # 信访工作条例 第十九条: 信访人 gives 姓名、住址; 检举控告 and hotline calls may be anonymous.
    if data.kind in (AppealKind.XF_CLAIM, AppealKind.XF_SUGGESTION) and not name:
        errors["name"] = "信访事项请填写姓名"
    if data.kind in (AppealKind.XF_CLAIM, AppealKind.XF_SUGGESTION) and not (
        data.phone or data.petitioner_address
    ):
        errors.setdefault("phone", "请留下联系电话或住址，以便书面告知办理情况")
    if data.is_group:
        if data.headcount < 2:
            errors["headcount"] = "集体访人数应不少于2人"
        if not data.representatives:
            errors["representatives"] = "集体访请推选代表并登记代表信息"
    clean["name"] = name
    return errors, clean


@dataclass
class _Prepared:
    """A validated submission, ready to be written (alone or in a batch)."""

    data: IntakeData
    actor: User | None
    proxied: bool
    now: datetime
    idempotency_key: str | None
    clean: dict[str, Any]
    region: Region
    policy: AppealPolicy
    accused: list[Unit]
    code: str = ""
    ip: str | None = None


def _replay(idempotency_key: str | None, data: IntakeData) -> Appeal | None:
    """The appeal a retried submission already made, or None; a reused key with different
    content is refused."""
    if not idempotency_key:
        return None
    existing = (
        IdempotencyRecord.objects.filter(key=idempotency_key).select_related("appeal").first()
    )
    if existing is None:
        return None
    if existing.request_hash != data.fingerprint():
        raise DomainError(
            "同一提交编号对应了不同的内容，请勿重复使用提交编号", code="idempotency_conflict"
        )
    return existing.appeal


def _prepare(
    *,
    actor: User | None,
    data: IntakeData,
    idempotency_key: str | None,
    now: datetime,
    proxied: bool,
    region: Region | None,
) -> _Prepared:
    """Validate everything that can be checked before writing; raises IntakeError."""
    errors, clean = _validate(data, actor, region)
    region = clean["region"]
    policy = None
    if region is not None and not errors:
        policy = policy_for(data.kind, region, now)
        if data.is_group and len(data.representatives) > policy.max_representatives:
            errors["representatives"] = (
                f"集体访代表不超过{policy.max_representatives}人（信访工作条例 第二十条）"
            )
    accused: list[Unit] = []
    if data.accused_unit_ids:
        if data.kind != AppealKind.XF_ACCUSATION:
            errors["accused_units"] = "只有检举控告类信访可以登记被检举控告单位"
        accused = list(Unit.objects.filter(pk__in=data.accused_unit_ids))
        if len(accused) != len(set(data.accused_unit_ids)):
            errors["accused_units"] = "被检举控告单位不存在"
    for i, rep in enumerate(data.representatives):
        if not (rep.get("name") or "").strip():
            errors["representatives"] = f"第{i + 1}位代表请填写姓名"
        if rep.get("phone"):
            try:
                rep["phone"] = validate_mobile(rep["phone"])
            except ValidationFailure as exc:
                errors["representatives"] = f"第{i + 1}位代表：{exc.message}"
    if not errors and data.kind in (
        AppealKind.XF_CLAIM,
        AppealKind.XF_SUGGESTION,
        AppealKind.XF_ACCUSATION,
    ):
        final = finality_conflict(
            phone_bidx=blind_index("phone", clean["phone"]) if clean.get("phone") else "",
            id_bidx=blind_index("id_number", clean["id_number"]) if clean.get("id_number") else "",
            text=f"{data.title}{data.body}",
        )
        if final is not None and not (actor is not None and data.new_facts_reason.strip()):
            errors["body"] = (
                f"该事项已经复核终结（编号 {final.number}），依照《信访工作条例》第三十六条第三款，"
                "以同一事实和理由提出的信访事项不再受理。如有新的事实和理由，请向工作人员说明。"
            )
    if errors:
        raise IntakeError(errors)
    assert region is not None
    assert policy is not None
    return _Prepared(
        data=data,
        actor=actor,
        proxied=proxied,
        now=now,
        idempotency_key=idempotency_key,
        clean=clean,
        region=region,
        policy=policy,
        accused=accused,
        code="".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8)),
        ip=audit.request_ip.get(),
    )


def submit_appeal(
    *,
    actor: User | AnonymousUser | None,
    data: IntakeData,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    proxied: bool = False,
    region: Region | None = None,
) -> tuple[Appeal, str | None]:
    """Register an appeal. Returns (appeal, tracking code) — the code is shown once and only
    its hash is kept; a replay of an idempotent submission returns (first appeal, None).
    ``region``: the caller's already-loaded ``data.region_id`` row (saves a query).
    ``actor``: the registering staff member, or None for a citizen's own submission."""
    actor = None if actor is None else staff_user(actor)
    now = now or timezone.now()
    replayed = _replay(idempotency_key, data)
    if replayed is not None:
        return replayed, None
    item = _prepare(
        actor=actor,
        data=data,
        idempotency_key=idempotency_key,
        now=now,
        proxied=proxied,
        region=region,
    )
    return write_one(item)


def write_one(item: _Prepared) -> tuple[Appeal, str | None]:
    """Write one prepared submission in its own transaction."""
    try:
        with transaction.atomic():
            appeal = _write_rows([item])[0]
            if item.accused:
                appeal.accused_units.set(item.accused)
            for rep in item.data.representatives:
                appeal.representatives.add(
                    Petitioner.objects.create(
                        name=rep["name"].strip(),
                        phone=rep.get("phone", ""),
                        id_number=rep.get("id_number", ""),
                    )
                )
            # Last, so the audit chain head is locked only until the commit.
            audit.record_many([_audit_entry(item, appeal)])
            transaction.on_commit(lambda: _announce_registered([appeal.pk]))
    except IntegrityError:
        # Two identical retries raced on the idempotency key: the other one won.
        winner = _replay(item.idempotency_key, item.data)
        if winner is not None:
            return winner, None
        raise
    return appeal, item.code


def write_batch(items: list[_Prepared]) -> list[tuple[Appeal, str | None]]:
    """Write several prepared submissions in ONE transaction: one statement per table and
    one lock of the audit chain for the whole batch (group commit, see docs/appeals.md
    "Intake at city scale"). Only for submissions without representatives or accused
    units. Raises IntegrityError if a key raced another writer (the caller retries the
    items one by one, where replays are resolved)."""
    assert all(not i.data.representatives and not i.accused for i in items)
    with transaction.atomic():
        appeals = _write_rows(items)
        audit.record_many([_audit_entry(i, a) for i, a in zip(items, appeals, strict=True)])
        ids = [a.pk for a in appeals]
        transaction.on_commit(lambda: _announce_registered(ids))
    return [(a, i.code) for i, a in zip(items, appeals, strict=True)]


def _write_rows(items: list[_Prepared]) -> list[Appeal]:
    """Petitioners, appeals (with their numbers), registration events, idempotency keys."""
    petitioners: list[Petitioner | None] = []
    for item in items:
        clean, data = item.clean, item.data
        if clean["name"] or clean.get("phone") or clean.get("id_number"):
            petitioners.append(
                Petitioner(
                    name=clean["name"],
                    phone=clean.get("phone", ""),
                    id_number=clean.get("id_number", ""),
                    address=data.petitioner_address.strip(),
                    phone_verified_at=item.now if data.phone_verified else None,
                )
            )
        else:
            petitioners.append(None)
    people = [p for p in petitioners if p is not None]
    for person, pk in zip(people, reserve_ids(Petitioner, len(people)), strict=True):
        person.pk = pk
    bulk_insert(Petitioner, people)
    appeals: list[Appeal] = []
    ids = reserve_ids(Appeal, len(items))
    for item, petitioner, pk in zip(items, petitioners, ids, strict=True):
        data, actor = item.data, item.actor
        stream = Stream(KIND_STREAM[data.kind])
        number = f"{STREAM_PREFIX[stream]}{timezone.localtime(item.now):%Y%m%d}{pk:07d}"
        triage = compute_deadline(item.policy, ClockKey.TRIAGE, item.now)
        appeals.append(
            Appeal(
                pk=pk,
                number=number,
                tracking_hash=tracking_hash(number, item.code),
                kind=data.kind,
                stream=stream,
                channel=data.channel,
                urgency=data.urgency,
                title=data.title.strip(),
                body=data.body.strip(),
                region=item.region,
                address=data.address.strip(),
                petitioner=petitioner,
                identity_confidential=data.identity_confidential
                or data.kind == AppealKind.XF_ACCUSATION,
                is_group=data.is_group,
                headcount=max(1, data.headcount),
                proxied_by=actor if item.proxied else None,
                proxy_note=data.proxy_note.strip(),
                registered_by=actor,
                registered_at=item.now,
                policy=item.policy,
                triage_due_at=triage.due if triage else None,
                triage_provisional=bool(triage and triage.provisional),
                source_ref=data.source_ref[:100],
            )
        )
    bulk_insert(Appeal, appeals)
    request_rollup_sync()  # the cockpit's daily rollup counts them once this commits
    bulk_insert(
        AppealEvent,
        [_registration_event(item, appeal) for item, appeal in zip(items, appeals, strict=True)],
    )
    bulk_insert(
        IdempotencyRecord,
        [
            IdempotencyRecord(
                key=item.idempotency_key,
                request_hash=item.data.fingerprint(),
                appeal=appeal,
            )
            for item, appeal in zip(items, appeals, strict=True)
            if item.idempotency_key
        ],
    )
    return appeals


def _announce_registered(appeal_ids: list[int]) -> None:
    """After commit: tell the apps listening on ``hooks.appeals_registered`` (triage queues
    smart triage, one task per batch). Advisory: a listener that fails is only logged."""
    event = hooks.AppealsRegistered(appeal_ids=tuple(appeal_ids))
    for listener in hooks.appeals_registered:
        try:
            listener(event)
        except Exception:
            logger.exception("%r failed for appeals %s", listener, appeal_ids)


def _registration_event(item: _Prepared, appeal: Appeal) -> AppealEvent:
    actor, data = item.actor, item.data
    how = "代填" if item.proxied else Channel(data.channel).label
    proxy_note = data.proxy_note.strip()
    return build_event(
        appeal,
        EventKind.REGISTERED,
        actor=actor,
        at=item.now,
        note=f"{how}登记" + (f"（{proxy_note}）" if proxy_note else ""),
        public_note=f"您的诉求已登记，编号 {appeal.number}",
        clock_due_at=appeal.triage_due_at,
        actor_label="" if actor is not None else "群众（网上提交）",
    )


def _audit_entry(item: _Prepared, appeal: Appeal) -> audit.Entry:
    data = item.data
    return audit.Entry(
        "appeal_registered",
        actor=item.actor,
        target=appeal,
        at=item.now,
        ip=item.ip,
        changes={
            "new_facts_after_recheck": data.new_facts_reason.strip()[:500],
            "kind": data.kind,
            "channel": data.channel,
            "region": item.region.code,
            "proxied": item.proxied,
            "policy": f"{item.policy.kind} v{item.policy.version}",
        },
    )


def find_by_tracking(number: str, code: str) -> Appeal | None:
    """The citizen's own appeal, or None. Constant-time on the hash comparison."""
    number = normalise_code(number)  # full-width, spaces and case as typed
    code = normalise_code(code)
    appeal = Appeal.objects.filter(number=number).first()
    if appeal is None or not code:
        return None
    import hmac

    if not hmac.compare_digest(appeal.tracking_hash, tracking_hash(number, code)):
        return None
    return appeal


def add_citizen_information(*, appeal: Appeal, text: str, now: datetime | None = None) -> None:
    """补充材料 from the portal (the caller has checked the tracking code)."""
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) < 2:
        raise DomainError("请填写补充内容")
    if not appeal.is_open:
        raise DomainError("该诉求已办结，如有新的问题请重新提交")
    with transaction.atomic():
        event(
            appeal,
            EventKind.INFO_ADDED,
            actor=None,
            at=now,
            note=text[:5000],
            public_note="您补充的材料已收到",
            actor_label="群众",
        )
        audit.record(
            "appeal_info_added", actor=None, target=appeal, at=now, changes={"length": len(text)}
        )


def check_submission(
    *, actor: User | None, data: IntakeData, now: datetime | None = None
) -> dict[str, str]:
    """Every error ``submit_appeal`` would report for ``data``, keyed by field, without
    writing anything: a staff form shows them all in one round."""
    try:
        _prepare(
            actor=actor,
            data=data,
            idempotency_key=None,
            now=now or timezone.now(),
            proxied=False,
            region=None,
        )
    except IntakeError as exc:
        return dict(exc.errors)
    return {}

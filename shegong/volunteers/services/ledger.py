"""The hours ledger: append-only, hash-chained per volunteer (SM3, GB/T 32905).

``append_entries`` is the only writer of :class:`HoursEntry`. It locks the volunteers'
rows (``select_for_update``; SQLite runs every transaction IMMEDIATE), continues each
volunteer's chain from ``ledger_seq``/``ledger_head``, inserts the entries and advances
the volunteer's head, total and star level in the same transaction — so a total or a star
level is one primary-key read, and the maintained total always equals the ledger sum.

A correction is a reversing entry (``reverse_entry``), never an edit (志愿服务记录与证明出具
办法 第十三条: corrections on request are verified and recorded).

Anchoring: a per-volunteer chain alone can be rewritten by anyone with database access
(edit an entry, recompute its hash, update the head on the volunteer row). So every append
also records the volunteer's new ``seq``/``head`` in the global audit chain
(``volunteer_ledger_anchored``, one event per volunteer per append batch), which is itself
SM3-chained under a lock and checked by ``shegong verify-audit``. ``verify_volunteer`` and
``verify_ledger`` compare the head kept on the volunteer row with the latest anchored head:
a rewritten entry (new head) or a cut tail (older head) no longer matches.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import transaction
from django.db.models import Case, IntegerField, Max, Value, When
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..choices import EntryKind
from ..models import GENESIS, HoursEntry, LedgerVerification, Team, Volunteer
from .common import actor_repr, clean_hours, get_policy, star_for

TWO = Decimal("0.01")
ANCHOR_ACTION = "volunteer_ledger_anchored"
VOLUNTEER_TYPE = "volunteers.volunteer"


@dataclass
class _AnchorTarget:
    """Stands in for the volunteer row in an anchor event (only its region path is read)."""

    audit_region_path: str


def anchor_heads(
    volunteers: Sequence[Volunteer], *, actor: User | None, cause: str, count: dict[int, int]
) -> None:
    """Record each volunteer's new ledger head in the audit chain (joins the transaction)."""
    paths = dict(
        Volunteer.objects.filter(pk__in=[v.pk for v in volunteers]).values_list(
            "pk", "region__path"
        )
    )
    audit.record_many(
        [
            audit.Entry(
                ANCHOR_ACTION,
                actor=actor,
                target=_AnchorTarget(paths.get(v.pk) or ""),
                target_type=VOLUNTEER_TYPE,
                target_id=str(v.pk),
                target_repr=f"志愿者台账 #{v.pk}",
                changes={
                    "seq": v.ledger_seq,
                    "head": v.ledger_head,
                    "total": str(v.total_hours),
                    "entries": count.get(v.pk, 0),
                    "cause": cause,
                },
            )
            for v in volunteers
        ]
    )


def anchored_heads(volunteer_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """The latest anchored ``(seq, head)`` of each volunteer that has one."""
    ids = [str(pk) for pk in volunteer_ids]
    result: dict[int, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        latest = (
            AuditEvent.objects.filter(
                action=ANCHOR_ACTION, target_type=VOLUNTEER_TYPE, target_id__in=chunk
            )
            .values("target_id")
            .annotate(last=Max("seq"))
            .values_list("last", flat=True)
        )
        for target_id, changes in AuditEvent.objects.filter(seq__in=list(latest)).values_list(
            "target_id", "changes"
        ):
            result[int(target_id)] = (int(changes.get("seq", -1)), str(changes.get("head", "")))
    return result


def anchor_problem(volunteer: Volunteer, anchor: tuple[int, str] | None) -> str | None:
    """Why the head kept on the volunteer row disagrees with the audit chain, or None."""
    if anchor is None:
        if volunteer.ledger_seq == 0:
            return None
        return "台账末条记录未在审计链中登记，可能被伪造"
    if anchor != (volunteer.ledger_seq, volunteer.ledger_head):
        return "台账末条记录与审计链登记不符，记录可能被改写或删除"
    return None


@dataclass
class EntryDraft:
    """What a caller supplies for one new entry; the ledger adds seq, time and hashes."""

    volunteer_id: int
    kind: str
    hours: Decimal
    service_date: date
    region_id: int
    title: str
    organizer: str
    content: str = ""
    activity_id: int | None = None
    team_id: int | None = None
    report_unit_id: int | None = None
    reverses_id: int | None = None
    reason: str = ""
    source_ref: str = ""


def _canonical(entry: HoursEntry) -> bytes:
    recorded: datetime = entry.recorded_at
    payload = {
        "v": entry.volunteer_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "hours": f"{Decimal(entry.hours).quantize(TWO)}",
        "date": entry.service_date.isoformat(),
        "activity": entry.activity_id,
        "team": entry.team_id,
        "region": entry.region_id,
        "unit": entry.report_unit_id,
        "title": entry.title,
        "content": entry.content,
        "organizer": entry.organizer,
        "confirmer": entry.confirmed_by_id,
        "confirmer_repr": entry.confirmer_repr,
        "at": recorded.astimezone(UTC).isoformat(),
        "reverses": entry.reverses_id,
        "reason": entry.reason,
        "ref": entry.source_ref,
        "prev": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: HoursEntry) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(_canonical(entry))
    return digest.finalize().hex()


def append_entries(
    drafts: Sequence[EntryDraft],
    *,
    confirmer: Any = None,
    now: datetime | None = None,
    cause: str = "",
    confirmer_label: str = "",
) -> list[HoursEntry]:
    """Append ``drafts`` to their volunteers' chains (joins the caller's transaction).

    ``confirmer_label`` names who confirmed when it is not a staff user (a resident who
    confirmed a service by SMS code); by default the confirmer's name, or 志愿者本人.

    The calling service records one audit event for what it did (a confirmation, an
    import batch, a reversal); here each volunteer's new head is anchored in the audit
    chain (``cause`` names the calling action).
    """
    if not drafts:
        return []
    now = now or timezone.now()
    policy = get_policy()
    by_volunteer: dict[int, list[EntryDraft]] = defaultdict(list)
    for draft in drafts:
        by_volunteer[draft.volunteer_id].append(draft)
    created: list[HoursEntry] = []
    with transaction.atomic():
        locked = {
            v.pk: v
            for v in Volunteer.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(by_volunteer))
            .order_by("pk")
            .only("pk", "total_hours", "star_level", "ledger_seq", "ledger_head")
        }
        missing = set(by_volunteer) - set(locked)
        if missing:
            raise DomainError("志愿者不存在")
        confirmer_id = confirmer.pk if getattr(confirmer, "pk", None) else None
        who = confirmer_label[:150] or actor_repr(confirmer)
        changed: list[Volunteer] = []
        for vid in sorted(by_volunteer):
            volunteer = locked[vid]
            seq, prev, total = volunteer.ledger_seq, volunteer.ledger_head, volunteer.total_hours
            for draft in by_volunteer[vid]:
                hours = Decimal(draft.hours).quantize(TWO)
                seq += 1
                entry = HoursEntry(
                    volunteer_id=vid,
                    seq=seq,
                    kind=draft.kind,
                    hours=hours,
                    service_date=draft.service_date,
                    activity_id=draft.activity_id,
                    team_id=draft.team_id,
                    region_id=draft.region_id,
                    report_unit_id=draft.report_unit_id,
                    title=draft.title[:120],
                    content=draft.content[:255],
                    organizer=draft.organizer[:100],
                    confirmed_by_id=confirmer_id,
                    confirmer_repr=who,
                    recorded_at=now,
                    reverses_id=draft.reverses_id,
                    reason=draft.reason[:255],
                    source_ref=draft.source_ref[:64],
                    prev_hash=prev,
                )
                entry.hash = entry_hash(entry)
                prev = entry.hash
                total += hours
                created.append(entry)
            volunteer.ledger_seq, volunteer.ledger_head = seq, prev
            volunteer.total_hours = total
            volunteer.star_level = star_for(total, policy.star_thresholds)
            changed.append(volunteer)
        HoursEntry.objects.bulk_create(created, batch_size=2000)
        Volunteer.objects.bulk_update(
            changed, ["ledger_seq", "ledger_head", "total_hours", "star_level"], batch_size=1000
        )
        counts = {vid: len(rows) for vid, rows in by_volunteer.items()}
        anchor_heads(changed, actor=confirmer, cause=cause, count=counts)
    return created


def record_hours(
    *,
    actor: User,
    volunteer_id: int,
    hours: Decimal,
    service_date: date,
    title: str,
    organizer: str,
    region_id: int,
    content: str = "",
    kind: str = EntryKind.IMPORT,
    team_id: int | None = None,
    report_unit_id: int | None = None,
    source_ref: str = "",
) -> HoursEntry:
    """Record hours outside an activity check-in: 补录 by staff, or a 双报到 service in the
    volunteer's residential community (``kind=dual_report``, ``report_unit_id`` = the
    reporting unit, ``source_ref`` = the later party-member record)."""
    from shegong.regions.models import Region

    capability = Cap.VOLUNTEER_ACTIVITIES if kind != EntryKind.IMPORT else Cap.VOLUNTEERS_MANAGE
    require_capability(actor, capability, "您的角色不能进行此操作")
    if kind not in (EntryKind.IMPORT, EntryKind.DUAL_REPORT):
        raise DomainError("只能补录或登记双报到服务时长")
    policy = get_policy()
    hours = clean_hours(hours, maximum=policy.max_hours_per_day)
    if service_date > timezone.localdate():
        raise DomainError("服务日期不能晚于今天")
    if not Region.objects.visible_to(actor).filter(pk=region_id).exists():
        raise DomainError("服务地点不在您的管辖范围内")
    if not Volunteer.objects.visible_to(actor).filter(pk=volunteer_id).exists():
        raise DomainError("志愿者不存在或不在您的管辖范围内")
    if team_id is not None and not Team.objects.visible_to(actor).filter(pk=team_id).exists():
        raise DomainError("队伍不存在或不在您的管辖范围内")
    # ``report_unit_id`` is not scoped: under 双报到 the reporting unit is the party
    # member's workplace (e.g. a city bureau), by design outside the community's scope.
    with transaction.atomic():
        (entry,) = append_entries(
            [
                EntryDraft(
                    volunteer_id=volunteer_id,
                    kind=kind,
                    hours=hours,
                    service_date=service_date,
                    region_id=region_id,
                    title=title.strip() or "志愿服务",
                    organizer=organizer.strip() or "—",
                    content=content,
                    team_id=team_id,
                    report_unit_id=report_unit_id,
                    source_ref=source_ref,
                )
            ],
            confirmer=actor,
            cause="volunteer_hours_recorded",
        )
        audit.record(
            "volunteer_hours_recorded",
            actor=actor,
            target=entry,
            changes={
                "hours": str(entry.hours),
                "kind": kind,
                "volunteer": entry.volunteer_id,
                "seq": entry.seq,
                "head": entry.hash,
            },
        )
    return entry


def reverse_entry(*, actor: User, entry_id: int, reason: str) -> HoursEntry:
    """Cancel an entry by appending its negative (the original stays, both are shown)."""
    require_capability(actor, Cap.VOLUNTEER_HOURS_CORRECT, "您的角色不能冲正服务时长")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写冲正原因")
    with transaction.atomic():
        entry = HoursEntry.objects.visible_to(actor).filter(pk=entry_id).first()
        if entry is None:
            raise DomainError("记录不存在或不在您的管辖范围内")
        if entry.kind == EntryKind.REVERSAL:
            raise DomainError("冲正记录不能再冲正")
        if HoursEntry.objects.filter(reverses_id=entry.pk).exists():
            raise DomainError("该记录已冲正过")
        (reversal,) = append_entries(
            [
                EntryDraft(
                    volunteer_id=entry.volunteer_id,
                    kind=EntryKind.REVERSAL,
                    hours=-entry.hours,
                    service_date=entry.service_date,
                    region_id=entry.region_id,
                    title=entry.title,
                    organizer=entry.organizer,
                    content=f"冲正第{entry.seq}条记录",
                    activity_id=entry.activity_id,
                    team_id=entry.team_id,
                    report_unit_id=entry.report_unit_id,
                    reverses_id=entry.pk,
                    reason=reason,
                )
            ],
            confirmer=actor,
            cause="volunteer_hours_reversed",
        )
        audit.record(
            "volunteer_hours_reversed",
            actor=actor,
            target=reversal,
            changes={
                "reverses_seq": entry.seq,
                "hours": str(reversal.hours),
                "volunteer": reversal.volunteer_id,
                "seq": reversal.seq,
                "head": reversal.hash,
            },
            note=reason,
        )
    return reversal


@dataclass
class ChainResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    detail: str = "记录完整"
    total: Decimal = Decimal("0")


def check_chain(
    volunteer: Volunteer, entries: Iterable[HoursEntry], *, upto_seq: int | None = None
) -> ChainResult:
    """Recompute one volunteer's chain (entries in seq order) up to ``upto_seq`` (or all,
    then also compare the head, seq and total kept on the volunteer row)."""
    prev, expected, total, checked = GENESIS, 1, Decimal("0"), 0
    for entry in entries:
        if upto_seq is not None and entry.seq > upto_seq:
            break
        if entry.seq != expected:
            return ChainResult(False, checked, expected, f"第{expected}条记录缺失", total)
        if entry.prev_hash != prev:
            return ChainResult(False, checked, entry.seq, f"第{entry.seq}条记录链接被改动", total)
        if entry_hash(entry) != entry.hash:
            return ChainResult(False, checked, entry.seq, f"第{entry.seq}条记录被篡改", total)
        prev, expected, checked = entry.hash, expected + 1, checked + 1
        total += entry.hours
    if upto_seq is not None:
        if checked != upto_seq:
            return ChainResult(False, checked, checked + 1, f"第{checked + 1}条记录缺失", total)
        return ChainResult(True, checked, None, "记录完整", total)
    if (
        volunteer.ledger_seq != checked
        or volunteer.ledger_head != prev
        or volunteer.total_hours != total
    ):
        return ChainResult(False, checked, checked + 1, "累计时长或末条记录与台账不符", total)
    return ChainResult(True, checked, None, "记录完整", total)


def verify_volunteer(volunteer: Volunteer, *, upto_seq: int | None = None) -> ChainResult:
    """Re-walk one chain; the whole chain (``upto_seq=None``) must also end in the head
    last anchored in the audit chain."""
    entries = HoursEntry.objects.filter(volunteer_id=volunteer.pk).order_by("seq")
    if upto_seq is not None:
        entries = entries.filter(seq__lte=upto_seq)
    result = check_chain(volunteer, entries.iterator(chunk_size=2000), upto_seq=upto_seq)
    if result.ok and upto_seq is None:
        problem = anchor_problem(volunteer, anchored_heads([volunteer.pk]).get(volunteer.pk))
        if problem:
            return ChainResult(False, result.checked, volunteer.ledger_seq, problem, result.total)
    return result


@dataclass
class LedgerReport:
    ok: bool
    volunteers: int = 0
    entries: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def verify_ledger(*, batch_size: int = 500, save: bool = True) -> LedgerReport:
    """Re-walk every volunteer's chain (batched); report each volunteer whose chain broke."""
    report = LedgerReport(ok=True)
    last_pk = 0
    while True:
        volunteers = list(
            Volunteer.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "number", "ledger_seq", "ledger_head", "total_hours")[:batch_size]
        )
        if not volunteers:
            break
        last_pk = volunteers[-1].pk
        grouped: dict[int, list[HoursEntry]] = defaultdict(list)
        for entry in HoursEntry.objects.filter(
            volunteer_id__gte=volunteers[0].pk, volunteer_id__lte=last_pk
        ).order_by("volunteer_id", "seq"):
            grouped[entry.volunteer_id].append(entry)
        anchors = anchored_heads(v.pk for v in volunteers)
        for volunteer in volunteers:
            result = check_chain(volunteer, grouped.get(volunteer.pk, []))
            if result.ok:
                problem = anchor_problem(volunteer, anchors.get(volunteer.pk))
                if problem:
                    result = ChainResult(
                        False, result.checked, volunteer.ledger_seq, problem, result.total
                    )
            report.volunteers += 1
            report.entries += result.checked
            if not result.ok:
                report.ok = False
                report.problems.append(
                    {
                        "volunteer": volunteer.number,
                        "seq": result.first_bad_seq,
                        "detail": result.detail,
                    }
                )
    if save:
        LedgerVerification.objects.create(
            ok=report.ok,
            volunteers_checked=report.volunteers,
            entries_checked=report.entries,
            problems=report.problems[:1000],
        )
    return report


def anchor_unanchored(*, actor: User | None = None) -> int:
    """One-off backfill for ledgers written before anchoring existed: anchor the current
    head of every volunteer that has entries, no anchor yet and an intact chain. Run once
    right after deploying (``verify_volunteer_ledger --anchor-missing``); afterwards every
    head is anchored as it is written."""
    done = 0
    last_pk = 0
    while True:
        batch = list(
            Volunteer.objects.filter(pk__gt=last_pk, ledger_seq__gt=0)
            .order_by("pk")
            .only("pk", "number", "ledger_seq", "ledger_head", "total_hours")[:500]
        )
        if not batch:
            return done
        last_pk = batch[-1].pk
        anchors = anchored_heads(v.pk for v in batch)
        todo = [
            v
            for v in batch
            if v.pk not in anchors
            and check_chain(
                v, HoursEntry.objects.filter(volunteer_id=v.pk).order_by("seq").iterator()
            ).ok
        ]
        if todo:
            with transaction.atomic():
                anchor_heads(todo, actor=actor, cause="backfill", count={})
            done += len(todo)


def star_case(thresholds: Sequence[int | float]) -> Case:
    whens = [
        When(total_hours__gte=Decimal(str(t)), then=Value(i + 1))
        for i, t in reversed(list(enumerate(thresholds)))
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def recompute_star_levels(thresholds: Sequence[int | float]) -> int:
    """One UPDATE for everyone, after the thresholds changed."""
    if not thresholds:
        return Volunteer.objects.exclude(star_level=0).update(star_level=0)
    return Volunteer.objects.update(star_level=star_case(thresholds))

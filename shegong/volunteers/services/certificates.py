"""志愿服务记录证明: issue, revoke, print (PDF, drawn in ``certificate_print``) and verify.

Contents follow 志愿服务记录与证明出具办法 第十四条 (服务时间、服务内容、记录单位; other
recorded information may be added) and 第七条 (each service record: 活动名称、日期、地点、
服务内容、服务时间、组织单位). A certificate is issued free (第十四条; 条例 第十九条) by the
volunteer on the portal or by staff, and can be checked by anyone (第十七条 查验) on a public
page reached by its QR code. That page shows only what the certificate shows (masked name
and ID number, number, hours, issuer, date) — no other personal data (条例 第二十条), and
not the volunteer's live total either (only whether the record changed since, no numbers).
A certificate is found by its unguessable verify code only (the QR URL carries it; it is
also printed on the paper): the sequential-looking number alone does not resolve, and
failed public look-ups are rate-limited per client address (``public_verify``).

Tamper evidence: ``signature`` is an HMAC over the certificate's printed fields, keyed by
``SHEGONG_CERT_SIGNING_KEY`` (default: derived from SECRET_KEY), so editing the row is
detected ("altered"); a signature made with one of ``SHEGONG_CERT_SIGNING_KEY_FALLBACKS``
still verifies, and ``resign_certificates`` moves the genuine ones to the current key, so a
key can be rotated without voiding certificates; the volunteer's hash chain is
re-walked up to ``ledger_seq`` and must end in ``ledger_hash``, so editing, deleting or
re-linking a ledger entry is detected ("ledger tampered").

Training and award records (第十四条: other recorded information may be added): when the
certificate is issued with ``include_records``, the records as printed (each with its id
and ``revision``) are kept on the certificate and covered by the signature; verification
compares them with the records now. A record with a new revision or ``voided`` makes the
certificate superseded, like a reversed ledger entry; a record whose printed fields differ
at the same revision (or that is gone) was changed outside the services: "records
tampered". Revision and status are read from the row, not checked against the audit
trail: a direct database edit that bumps ``revision`` or sets ``voided`` also reads as
superseded (the audit trail tells whether the services made the change). An award's
``level`` is printed and signed as its stored value; pages and the PDF show the label.
Certificates without records sign exactly the fields they always did, so existing
certificates keep verifying.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit, ratelimit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.lib.masking import mask_name

from ..choices import CertificateStatus, EntryKind, RecordStatus, VerifyVerdict
from ..models import AwardRecord, Certificate, HoursEntry, Team, TrainingRecord, Volunteer
from .common import get_policy
from .ledger import verify_volunteer


def _signing_keys() -> list[bytes]:
    """The current certificate key first, then the fallbacks (rotation in progress)."""
    current = settings.SHEGONG_CERT_SIGNING_KEY or settings.SECRET_KEY
    secrets_ = [current, *settings.SHEGONG_CERT_SIGNING_KEY_FALLBACKS]
    return [hashlib.sha256(b"volunteer-certificate:" + k.encode()).digest() for k in secrets_ if k]


def _signed_with(cert: Certificate) -> int | None:
    """Index in ``_signing_keys()`` of the key that made the signature (0 = current)."""
    for index, key in enumerate(_signing_keys()):
        if hmac.compare_digest(_signature(cert, key), cert.signature):
            return index
    return None


def _signature(cert: Certificate, key: bytes | None = None) -> str:
    payload = {
        "number": cert.number,
        "code": cert.verify_code,
        "volunteer": cert.volunteer_id,
        "team": cert.issuer_team_id,
        "issuer": cert.issuer_name,
        "name": cert.name_masked,
        "id": cert.id_masked,
        "hours": f"{Decimal(cert.hours).quantize(Decimal('0.01'))}",
        "count": cert.entry_count,
        "seq": cert.ledger_seq,
        "hash": cert.ledger_hash,
        "first": cert.first_date.isoformat() if cert.first_date else None,
        "last": cert.last_date.isoformat() if cert.last_date else None,
        "at": cert.issued_at.astimezone(UTC).isoformat(),
    }
    if cert.include_records:  # absent before records existed: old signatures still match
        payload["records"] = cert.records
    message = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(key or _signing_keys()[0], message, hashlib.sha256).hexdigest()


def covered_entries(
    cert_or_volunteer: Any, *, upto_seq: int, team_id: int | None
) -> list[HoursEntry]:
    """The service records a certificate lists: entries up to ``upto_seq`` (of the issuing
    team only, 谁记录谁证明), without reversed entries and their reversals."""
    volunteer_id = (
        cert_or_volunteer.volunteer_id
        if isinstance(cert_or_volunteer, Certificate)
        else cert_or_volunteer.pk
    )
    entries = HoursEntry.objects.filter(volunteer_id=volunteer_id, seq__lte=upto_seq)
    if team_id is not None:
        entries = entries.filter(team_id=team_id)
    rows = list(entries.select_related("region").order_by("seq"))
    reversed_ids = {e.reverses_id for e in rows if e.kind == EntryKind.REVERSAL}
    return [e for e in rows if e.kind != EntryKind.REVERSAL and e.pk not in reversed_ids]


def _printed_training(row: TrainingRecord) -> dict[str, Any]:
    return {
        "kind": "training",
        "id": row.pk,
        "rev": row.revision,
        "date": row.held_on.isoformat(),
        "title": row.title,
        "content": row.content,
        "hours": f"{Decimal(row.hours).quantize(Decimal('0.01'))}",
        "organizer": row.organizer,
    }


def _printed_award(row: AwardRecord) -> dict[str, Any]:
    return {
        "kind": "award",
        "id": row.pk,
        "rev": row.revision,
        "date": row.awarded_on.isoformat(),
        "title": row.title,
        "grantor": row.grantor,
        "level": row.level,  # the stored value; pages and the PDF show its label
    }


def printed_records(volunteer_id: int, *, team_id: int | None) -> list[dict[str, Any]]:
    """The valid training and award records a certificate prints, as printed (with a
    team: only the records that team made, 谁记录谁证明)."""
    trainings = TrainingRecord.objects.filter(volunteer_id=volunteer_id, status=RecordStatus.VALID)
    awards = AwardRecord.objects.filter(volunteer_id=volunteer_id, status=RecordStatus.VALID)
    if team_id is not None:
        trainings = trainings.filter(team_id=team_id)
        awards = awards.filter(team_id=team_id)
    return [_printed_training(t) for t in trainings.order_by("held_on", "pk")] + [
        _printed_award(a) for a in awards.order_by("awarded_on", "pk")
    ]


def _records_verdict(cert: Certificate) -> str | None:
    """Compare the records printed on ``cert`` with the records now: ``RECORDS_TAMPERED``,
    ``SUPERSEDED`` or None (unchanged)."""
    wanted: dict[str, set[int]] = {"training": set(), "award": set()}
    for item in cert.records:
        wanted.setdefault(item["kind"], set()).add(item["id"])
    current: dict[tuple[str, int], Any] = {}
    for training in TrainingRecord.objects.filter(pk__in=wanted["training"]):
        current[("training", training.pk)] = training
    for award in AwardRecord.objects.filter(pk__in=wanted["award"]):
        current[("award", award.pk)] = award
    superseded = False
    for item in cert.records:
        row = current.get((item["kind"], item["id"]))
        if row is None or row.volunteer_id != cert.volunteer_id:
            return VerifyVerdict.RECORDS_TAMPERED  # the services never delete a record
        if row.status != RecordStatus.VALID or row.revision != item["rev"]:
            superseded = True
            continue
        printed = _printed_training(row) if item["kind"] == "training" else _printed_award(row)
        if printed != item:
            return VerifyVerdict.RECORDS_TAMPERED
    return VerifyVerdict.SUPERSEDED if superseded else None


def _new_number(now: datetime) -> str:
    for _ in range(20):
        number = f"ZYZM{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not Certificate.objects.filter(number=number).exists():
            return number
    raise DomainError("证明编号生成失败，请重试")


def issue_certificate(
    *,
    volunteer_id: int,
    actor: User | None = None,
    team_id: int | None = None,
    now: datetime | None = None,
    include_records: bool = False,
) -> Certificate:
    """Issue a certificate of the volunteer's confirmed hours so far; with
    ``include_records`` it also lists the valid training and award records (第十四条).

    ``actor=None``: the volunteer on the portal (their own record). Staff need
    ``volunteers.certify`` and the volunteer (or the issuing team) in their scope. The
    ledger is verified first: a broken chain is never certified.
    """
    now = now or timezone.now()
    policy = get_policy()
    with transaction.atomic():
        if actor is None:
            volunteer = (
                Volunteer.objects.select_for_update(of=("self",)).filter(pk=volunteer_id).first()
            )
            team = Team.objects.filter(pk=team_id).first() if team_id else None
        else:
            require_capability(actor, Cap.VOLUNTEER_CERTIFY, "您的角色不能出具志愿服务记录证明")
            team = Team.objects.visible_to(actor).filter(pk=team_id).first() if team_id else None
            if team_id and team is None:
                raise DomainError("队伍不存在或不在您的管辖范围内")
            visible = Volunteer.objects.visible_to(actor).filter(pk=volunteer_id).exists()
            if not visible and team is None:
                raise DomainError("志愿者不存在或不在您的管辖范围内")
            volunteer = (
                Volunteer.objects.select_for_update(of=("self",)).filter(pk=volunteer_id).first()
            )
        if volunteer is None:
            raise DomainError("志愿者不存在")
        check = verify_volunteer(volunteer)
        if not check.ok:
            raise DomainError("服务时长记录校验未通过，暂不能出具证明，请联系管理员核查")
        entries = covered_entries(volunteer, upto_seq=volunteer.ledger_seq, team_id=team_id)
        hours = sum((e.hours for e in entries), Decimal("0"))
        if hours <= 0:
            raise DomainError("暂无已确认的志愿服务时长，不能出具证明")
        dates = [e.service_date for e in entries]
        cert = Certificate(
            number=_new_number(now),
            verify_code=secrets.token_urlsafe(18),
            volunteer=volunteer,
            issuer_team=team,
            issuer_name=team.name if team else policy.issuer_name,
            name_masked=mask_name(plain(volunteer.name)),
            id_masked=str(volunteer.id_number),
            hours=hours,
            entry_count=len(entries),
            ledger_seq=volunteer.ledger_seq,
            ledger_hash=volunteer.ledger_head,
            first_date=min(dates),
            last_date=max(dates),
            issued_at=now,
            issued_by=actor if actor is not None else None,
            include_records=include_records,
            records=printed_records(volunteer.pk, team_id=team_id) if include_records else [],
        )
        cert.signature = _signature(cert)
        cert.save(force_insert=True)
        audit.record(
            "volunteer_certificate_issued",
            actor=actor,
            target=cert,
            changes={
                "hours": str(hours),
                "entries": len(entries),
                "seq": cert.ledger_seq,
                "records": len(cert.records) if include_records else None,
            },
        )
    return cert


def revoke_certificate(*, actor: User, certificate_id: int, reason: str) -> Certificate:
    require_capability(actor, Cap.VOLUNTEER_CERTIFY, "您的角色不能作废证明")
    if not (reason or "").strip():
        raise DomainError("请填写作废原因")
    with transaction.atomic():
        cert = (
            Certificate.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=certificate_id)
        )
        row = cert.first()
        if row is None:
            raise DomainError("证明不存在或不在您的管辖范围内")
        if row.status == CertificateStatus.REVOKED:
            raise DomainError("该证明已作废")
        row.status = CertificateStatus.REVOKED
        row.revoked_at = timezone.now()
        row.revoke_reason = reason.strip()[:255]
        row.save(update_fields=["status", "revoked_at", "revoke_reason"])
        audit.record("volunteer_certificate_revoked", actor=actor, target=row, note=reason)
    return row


@dataclass
class Verification:
    verdict: str
    certificate: Certificate | None = None
    # genuine only: no service was recorded for the volunteer since the certificate (no
    # numbers: the public page shows nothing beyond the certificate).
    record_current: bool | None = None
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return self.verdict == VerifyVerdict.GENUINE

    @property
    def label(self) -> str:
        return VerifyVerdict(self.verdict).label


def verify_certificate(code: str) -> Verification:
    """What the public verification page says about the certificate with ``code``."""
    cert = (
        Certificate.objects.select_related("volunteer").filter(verify_code=code).first()
        if code
        else None
    )
    if cert is None:
        return Verification(
            VerifyVerdict.NOT_FOUND, detail="未找到该证明，请核对查验码或扫描二维码"
        )
    if _signed_with(cert) is None:
        return Verification(
            VerifyVerdict.ALTERED, cert, detail="证明内容与出具时不一致，可能被篡改"
        )
    if cert.status == CertificateStatus.REVOKED:
        return Verification(
            VerifyVerdict.REVOKED,
            cert,
            detail=f"该证明已于{timezone.localtime(cert.revoked_at):%Y-%m-%d}作废"
            if cert.revoked_at
            else "该证明已作废",
        )
    volunteer = cert.volunteer
    upto = verify_volunteer(volunteer, upto_seq=cert.ledger_seq)
    last = HoursEntry.objects.filter(volunteer=volunteer, seq=cert.ledger_seq).first()
    if not upto.ok or last is None or last.hash != cert.ledger_hash:
        return Verification(
            VerifyVerdict.LEDGER_TAMPERED,
            cert,
            detail="证明所依据的服务时长记录已被改动，证明不可信，请联系出具单位",
        )
    entries = covered_entries(cert, upto_seq=cert.ledger_seq, team_id=cert.issuer_team_id)
    if sum((e.hours for e in entries), Decimal("0")) != cert.hours:
        return Verification(
            VerifyVerdict.LEDGER_TAMPERED,
            cert,
            detail="证明所依据的服务时长记录已被改动，证明不可信，请联系出具单位",
        )
    whole = verify_volunteer(volunteer)
    if not whole.ok:
        return Verification(
            VerifyVerdict.LEDGER_TAMPERED,
            cert,
            detail="该志愿者的服务时长记录校验未通过，请联系出具单位核查",
        )
    # A later correction (冲正, 办法 第十三条) of an entry the certificate counted makes
    # the certificate overstate the hours: it no longer stands.
    covered_ids = [e.pk for e in entries]
    if HoursEntry.objects.filter(
        volunteer=volunteer, reverses_id__in=covered_ids, seq__gt=cert.ledger_seq
    ).exists():
        return Verification(
            VerifyVerdict.SUPERSEDED,
            cert,
            detail="记录已更正，本证明已失效，请重新出具",
        )
    if cert.include_records:
        verdict = _records_verdict(cert)
        if verdict == VerifyVerdict.RECORDS_TAMPERED:
            return Verification(
                verdict,
                cert,
                detail="证明所列培训或表彰记录已被改动，证明不可信，请联系出具单位",
            )
        if verdict == VerifyVerdict.SUPERSEDED:
            return Verification(verdict, cert, detail="记录已更正，本证明已失效，请重新出具")
    return Verification(
        VerifyVerdict.GENUINE,
        cert,
        record_current=volunteer.ledger_seq == cert.ledger_seq,
        detail="证明真实有效",
    )


@dataclass
class ResignReport:
    current: int = 0
    """Already signed with the current key."""
    resigned: list[str] = field(default_factory=list)
    """Numbers of certificates moved from a fallback key to the current one."""
    unverifiable: list[str] = field(default_factory=list)
    """Numbers left as they are: the signature matches no key (an edited row, or a key
    nobody kept), or it matches a fallback but the certificate fails the full check (its
    ledger was changed) — re-signing them would launder an edit."""
    held: list[str] = field(default_factory=list)
    """Signed with a fallback key but issued on or after ``issued_before``: a leaked key
    could have made them, so they are re-issued after review rather than re-signed."""


def resign_certificates(
    *, actor: User | None = None, issued_before: datetime | None = None, batch: int = 500
) -> ResignReport:
    """Key rotation, step 2: re-sign with the current key every certificate whose
    signature verifies with a fallback key **and** passes the full check
    (``verify_certificate``: chain, head, listed hours), so the fallback can be dropped.
    ``issued_before`` (when the old key may have leaked): later certificates signed with a
    fallback key are held for review instead. One audit event with the totals."""
    report = ResignReport()
    for cert in Certificate.objects.order_by("pk").iterator(chunk_size=batch):
        index = _signed_with(cert)
        if index == 0:
            report.current += 1
            continue
        if index is None or verify_certificate(cert.verify_code).verdict in (
            VerifyVerdict.ALTERED,
            VerifyVerdict.LEDGER_TAMPERED,
            VerifyVerdict.RECORDS_TAMPERED,
        ):
            report.unverifiable.append(cert.number)
        elif issued_before is not None and cert.issued_at >= issued_before:
            report.held.append(cert.number)
        else:
            cert.signature = _signature(cert)
            cert.save(update_fields=["signature"])
            report.resigned.append(cert.number)
    if report.resigned or report.unverifiable or report.held:
        audit.record(
            "volunteer_certificates_resigned",
            actor=actor,
            target_type="volunteers.certificate",
            target_repr=f"证明重新签名 {len(report.resigned)} 份",
            changes={
                "resigned_total": len(report.resigned),
                "unverifiable_total": len(report.unverifiable),
                "held_total": len(report.held),
                "current": report.current,
                "issued_before": issued_before.isoformat() if issued_before else None,
                # the first 1,000 numbers of each list; the totals above are complete
                "resigned": report.resigned[:1000],
                "unverifiable": report.unverifiable[:1000],
                "held": report.held[:1000],
            },
        )
    return report


def _fail_key(client: str) -> str:
    return f"volunteers:verify-fail:{client}:{int(timezone.now().timestamp()) // 60}"


def public_verify(code: str, *, client: str) -> Verification:
    """``verify_certificate`` for the public page and API: at most
    ``VOLUNTEER_VERIFY_FAILS_PER_MINUTE`` (default 20) failed look-ups per client address
    per minute, so verify codes cannot be enumerated."""
    limit = int(getattr(settings, "VOLUNTEER_VERIFY_FAILS_PER_MINUTE", 20))
    key = _fail_key(client or "unknown")
    if ratelimit.over(key, limit):
        return Verification(VerifyVerdict.THROTTLED, detail="查验过于频繁，请一分钟后再试")
    result = verify_certificate((code or "").strip())
    if result.verdict == VerifyVerdict.NOT_FOUND:
        ratelimit.hit(key, 120)  # the key names its minute; kept two so none expires early
    return result

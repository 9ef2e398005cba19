"""The public transparency page (FixMyStreet-like, opt-in): consent, anonymised texts, and
the rules that keep an appeal off the page whatever was consented.

An appeal appears on ``/portal/open/`` only if **all** of these hold:

1. the citizen consented (:class:`PublicationConsent`, not withdrawn) — 个人信息保护法
   第十三、十四条 (consent, informed) and 第十五条 (withdrawable);
2. the appeal is 已办结;
3. it is not a 检举控告 (信访工作条例 第三十条: accusation material is never disclosed);
4. the citizen did not ask for identity confidentiality;
5. it has no confidential attachment (``Attachment.confidential``: the letter, an ID
   photo — every attachment registered before the flag existed counts as confidential).

What is shown is anonymised (``anonymise.scrub``): title, summary and reply without names,
phone/ID numbers or house numbers; places at community level at most; dates, not times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind, AppealStatus, WorkOrderRole
from shegong.appeals.models import Appeal, Attachment
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.regions.choices import RegionLevel

from ..anonymise import scrub, summarise, tidy
from ..choices import ConsentSource
from ..models import PublicationConsent
from .common import PUBLISH, load_appeal, text_required

SUMMARY_CHARS = 300


def _attachment_exclusion() -> Q:
    """Appeals whose attachments must keep them off the page (rule 5)."""
    return Q(pk__in=Attachment.objects.filter(confidential=True).values("appeal_id"))


def exclusion_reasons(appeal: Appeal) -> list[str]:
    """Why this appeal can never be published (empty: it may be, once consented and closed).
    Rules 3–5 of the module docstring; independent of consent."""
    reasons = []
    if appeal.kind == AppealKind.XF_ACCUSATION:
        reasons.append("检举控告类信访事项一律不公开（信访工作条例 第三十条）")
    if appeal.identity_confidential:
        reasons.append("诉求人要求身份保密")
    if Appeal.objects.filter(pk=appeal.pk).filter(_attachment_exclusion()).exists():
        reasons.append("含附件（含诉求人身份信息或保密内容）")
    return reasons


def known_names(appeal: Appeal) -> list[str]:
    """The names to strip from published text: the petitioner's and the representatives'.
    Decrypted here only to be removed; never shown, logged or stored."""
    names = []
    if appeal.petitioner is not None:
        names.append(plain(appeal.petitioner.name))
    names.extend(plain(rep.name) for rep in appeal.representatives.all())
    return [n for n in names if n]


def _scrubbed(text: str, appeal: Appeal) -> str:
    return scrub(text, known_names(appeal))


def default_texts(appeal: Appeal) -> dict[str, str]:
    """The anonymised title/summary proposed from the appeal (staff may edit them)."""
    names = known_names(appeal)
    return {
        "title": scrub(appeal.title, names)[:200],
        "summary": summarise(tidy(scrub(appeal.body, names)), SUMMARY_CHARS),
        "reply": tidy(scrub(appeal.reply_text, names)),
    }


def grant_publication(
    appeal: Appeal,
    *,
    actor: User | None = None,
    title: str | None = None,
    summary: str | None = None,
    reply: str | None = None,
    now: datetime | None = None,
) -> PublicationConsent | None:
    """Record the citizen's consent to publish ``appeal`` (anonymised) once it is closed.

    Portal hook (``actor=None``, the citizen ticked the box on the submit form): never
    raises; returns None for an appeal that can never be published (rules 3–4; consent
    there would be misleading). Staff (``actor`` given, ``publication.manage``): records the
    consent the citizen gave by phone or in writing, loads the appeal through the actor's
    scope and raises ``DomainError`` for excluded appeals. Texts are always re-scrubbed.
    """
    now = now or timezone.now()
    if actor is None:
        if appeal is None or appeal.pk is None:
            return None
        if appeal.kind == AppealKind.XF_ACCUSATION or appeal.identity_confidential:
            return None
        source = ConsentSource.PORTAL
    else:
        require_capability(actor, PUBLISH, "您的角色不能记录公开同意")
        appeal = load_appeal(actor, appeal.pk)
        blocked = [r for r in exclusion_reasons(appeal) if not r.startswith("含附件")]
        if blocked:
            raise DomainError("该诉求不能公开：" + "；".join(blocked))
        source = ConsentSource.STAFF
    proposed = default_texts(appeal)
    names = known_names(appeal)
    values = {
        "anonymised_title": scrub((title or proposed["title"]).strip(), names)[:200],
        "anonymised_summary": summarise(
            scrub((summary or proposed["summary"]).strip(), names), SUMMARY_CHARS * 2
        ),
        "anonymised_reply": scrub((reply or "").strip(), names),
    }
    if len(values["anonymised_title"]) < 2 or len(values["anonymised_summary"]) < 5:
        if actor is None:
            return None
        raise DomainError("请填写公开标题和摘要")
    with transaction.atomic():
        consent = PublicationConsent.objects.select_for_update().filter(appeal=appeal).first()
        if consent is not None and consent.withdrawn_at is None:
            return consent
        if consent is None:
            try:
                with transaction.atomic():
                    consent = PublicationConsent.objects.create(
                        appeal=appeal,
                        consented_at=now,
                        source=source,
                        recorded_by=actor,
                        **values,
                    )
            except IntegrityError:  # the same consent arrived twice at once: it stands
                return PublicationConsent.objects.get(appeal=appeal)
        else:  # consent given again after a withdrawal
            consent.consented_at = now
            consent.source = source
            consent.recorded_by = actor
            consent.withdrawn_at = None
            consent.withdrawn_by = None
            for key, value in values.items():
                setattr(consent, key, value)
            consent.save()
        audit.record(
            "publication_consent_recorded",
            actor=actor,
            target=consent,
            at=now,
            changes={"source": source, "appeal": appeal.number},
        )
    return consent


def _load_consent(actor: User, appeal_id: int) -> PublicationConsent:
    require_capability(actor, PUBLISH, "您的角色不能管理公开")
    appeal = load_appeal(actor, appeal_id)
    consent = PublicationConsent.objects.select_for_update().filter(appeal=appeal).first()
    if consent is None:
        raise DomainError("诉求人尚未同意公开")
    return consent


def update_publication_texts(
    *, actor: User, appeal_id: int, title: str, summary: str, reply: str = ""
) -> PublicationConsent:
    """Edit what the public reads; the scrubber runs again on whatever is typed."""
    with transaction.atomic():
        consent = _load_consent(actor, appeal_id)
        names = known_names(consent.appeal)
        title = scrub(text_required(title, "公开标题"), names)[:200]
        summary = scrub(text_required(summary, "公开摘要", minimum=5), names)
        reply = scrub((reply or "").strip(), names)
        before = audit.snapshot(
            consent, ["anonymised_title", "anonymised_summary", "anonymised_reply"]
        )
        consent.anonymised_title = title
        consent.anonymised_summary = summary
        consent.anonymised_reply = reply
        consent.save(
            update_fields=[
                "anonymised_title",
                "anonymised_summary",
                "anonymised_reply",
                "updated_at",
            ]
        )
        audit.record(
            "publication_texts_updated",
            actor=actor,
            target=consent,
            changes=audit.diff(
                before,
                audit.snapshot(
                    consent, ["anonymised_title", "anonymised_summary", "anonymised_reply"]
                ),
            ),
        )
    return consent


def withdraw_publication(
    *, actor: User, appeal_id: int, reason: str, now: datetime | None = None
) -> PublicationConsent:
    """The citizen withdrew consent (个人信息保护法 第十五条): off the page at once."""
    now = now or timezone.now()
    reason = text_required(reason, "撤回说明")
    with transaction.atomic():
        consent = _load_consent(actor, appeal_id)
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at = now
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
        audit.record(
            "publication_consent_withdrawn",
            actor=actor,
            target=consent,
            at=now,
            changes={"appeal": consent.appeal.number},
            note=reason,
        )
    return consent


def active_publication_consent(appeal: Appeal) -> PublicationConsent | None:
    """The consent in force for ``appeal`` (for the citizen's tracking page), if any."""
    return PublicationConsent.objects.filter(appeal=appeal, withdrawn_at=None).first()


def citizen_withdraw_publication(
    appeal: Appeal, *, now: datetime | None = None
) -> PublicationConsent | None:
    """The citizen withdraws consent on the tracking page (个人信息保护法 第十五条: as easy
    as giving it). The caller proved the tracking number and code. Off the page at once."""
    now = now or timezone.now()
    with transaction.atomic():
        consent = (
            PublicationConsent.objects.select_for_update()
            .filter(appeal=appeal, withdrawn_at=None)
            .first()
        )
        if consent is None:
            return None
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at", "updated_at"])
        audit.record(
            "publication_consent_withdrawn",
            actor=None,
            target=consent,
            at=now,
            changes={"appeal": appeal.number, "by": "citizen"},
            note="诉求人在查询进度页撤回",
        )
    return consent


# --- what the public reads ------------------------------------------------------------------


def public_consents() -> QuerySet[PublicationConsent]:
    """Every consent whose appeal is on the public page now (all five rules)."""
    excluded = Appeal.objects.filter(
        Q(kind=AppealKind.XF_ACCUSATION) | Q(identity_confidential=True) | _attachment_exclusion()
    ).values("pk")
    return (
        PublicationConsent.objects.filter(
            withdrawn_at__isnull=True, appeal__status=AppealStatus.CLOSED
        )
        .exclude(appeal_id__in=excluded)
        .select_related("appeal", "appeal__region", "appeal__region__parent", "appeal__lead_unit")
        .order_by("-appeal__closed_at", "-pk")
    )


def public_place(appeal: Appeal) -> str:
    """The place at community level at most (a grid is shown as its community)."""
    region = appeal.region
    if region.level == RegionLevel.GRID and region.parent is not None:
        region = region.parent
    return region.full_name or region.name


@dataclass(frozen=True)
class PublicAppeal:
    id: int
    title: str
    summary: str
    stream_label: str
    place: str
    unit: str
    registered_on: Any
    replied_on: Any
    closed_on: Any
    on_time: bool | None
    handling_days: int | None
    reply: str


def public_item(consent: PublicationConsent, *, with_reply: bool = False) -> PublicAppeal:
    """Only what the public may read. The reply is scrubbed again at display time, and the
    stored title and summary too (``scrub`` is idempotent): a row stored before the
    scrubber learnt a form (e.g. ``0571 8888 8888``) is not published with it."""
    appeal = consent.appeal
    lead = None
    if with_reply:
        lead = (
            appeal.work_orders.filter(role=WorkOrderRole.LEAD, replied_at__isnull=False)
            .order_by("-replied_at")
            .first()
        )
    reply = ""
    if with_reply:
        reply = scrub(consent.anonymised_reply) or tidy(_scrubbed(appeal.reply_text, appeal))
    on_time = None
    if lead is not None and lead.due_at is not None and lead.replied_at is not None:
        on_time = lead.replied_at <= lead.due_at
    days = None
    if appeal.closed_at is not None:
        closed = timezone.localdate(appeal.closed_at)
        days = (closed - timezone.localdate(appeal.registered_at)).days

    def local_date(value: datetime | None) -> Any:
        return timezone.localdate(value) if value is not None else None

    return PublicAppeal(
        id=consent.pk,
        title=scrub(consent.anonymised_title),
        summary=scrub(consent.anonymised_summary),
        stream_label=appeal.get_stream_display(),
        place=public_place(appeal),
        unit=appeal.lead_unit.name if appeal.lead_unit is not None else "",
        registered_on=local_date(appeal.registered_at),
        replied_on=local_date(appeal.replied_at),
        closed_on=local_date(appeal.closed_at),
        on_time=on_time,
        handling_days=days,
        reply=reply,
    )


def public_filter_options() -> dict[str, Any]:
    """Districts and the units that appear on the public page (for the filter bar)."""
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    unit_ids = public_consents().values("appeal__lead_unit_id")
    return {
        "districts": list(
            Region.objects.filter(level=RegionLevel.DISTRICT, is_active=True).order_by("code")
        ),
        "units": list(Unit.objects.filter(pk__in=unit_ids).order_by("name")),
    }

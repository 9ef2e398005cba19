"""Who may see a petitioner's identity, and the audited reveal.

信访工作条例 第三十条 and 接诉即办条例 第八条: identities are shown only to roles that need
them; a petitioner who asked for confidentiality, and every 检举控告, is visible only to
roles holding ``appeals.identity_confidential`` (the department's dispatchers). Even then the
values are masked until revealed with a reason, and each reveal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from shegong.accounts.models import User, staff_user
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability
from shegong.core.pii import Sensitive
from shegong.core.roles import Cap
from shegong.core.scoping import ScopedUser
from shegong.lib.masking import mask_identifiers, redact_identifiers
from shegong.lib.text import parse_id

from ..models import Appeal, Petitioner
from ..search import text_search_q

FIELDS = {"name": "姓名", "phone": "联系电话", "id_number": "身份证号", "address": "住址"}


def can_see_identity(user: ScopedUser | AnonymousUser | None, appeal: Appeal) -> bool:
    if not has_capability(user, Cap.APPEALS_IDENTITY):
        return False
    return not appeal.identity_confidential or has_capability(
        user, Cap.APPEALS_CONFIDENTIAL_IDENTITY
    )


def reveal_identity(
    *, actor: User | AnonymousUser, appeal: Appeal, petitioner: Petitioner, field: str, reason: str
) -> str:
    """The caller loaded ``appeal`` through ``visible_to(actor)``."""
    actor = staff_user(actor)
    if field not in FIELDS:
        raise DomainError("无此信息项")
    if not can_see_identity(actor, appeal) or not actor.has_capability(Cap.PII_REVEAL):
        raise PermissionDenied("您的角色不能查看该诉求人的身份信息")
    linked = (
        petitioner.pk == appeal.petitioner_id
        or appeal.representatives.filter(pk=petitioner.pk).exists()
    )
    if not linked:
        raise DomainError("该诉求人与本诉求无关")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写查看原因（至少2个字）", code="reason_required")
    value = getattr(petitioner, field)
    audit.record(
        "pii_revealed",
        actor=actor,
        target=appeal,
        changes={"field": f"petitioner.{field}", "petitioner": petitioner.pk},
        note=reason,
    )
    return value.reveal() if isinstance(value, Sensitive) else str(value or "")


# --- identifiers typed into free text -------------------------------------------------------
#
# A complainant's letter often carries their phone or ID number in its body (issue #12). That
# text is as personal as the structured fields, so every path that shows an appeal's free text
# — pages, API, exports, notices, the timeline, triage reasons, search, the public portal and
# Open311 — goes through the helpers below, never through the raw attribute:
#
# * Staff screens, the API and exports show ``masked_text``: every identifier masked
#   (``138****5678``), for every viewer. Whoever may see the petitioner's identity
#   (``can_see_identity`` + ``pii.reveal``) opens the whole text with a reason, audited as
#   ``pii_revealed`` exactly like the structured fields (``reveal_appeal_text``); for anyone
#   else there is no reveal control.
# * Public surfaces (the portal, Open311) show ``public_text``: identifiers replaced whole.

TEXT_FIELDS = {
    "title": "标题",
    "body": "诉求内容",
    "reply_text": "答复意见",
    "decision_reason": "处理说明",
}
EVENT_FIELD_PREFIX = "event-"  # ``event-<pk>``: the note of one timeline event
PUBLIC_HIDDEN = "***"


def masked_text(text: str | None) -> str:
    """Free text as staff screens, the API and exports show it: identifiers masked."""
    return mask_identifiers(text)


def public_text(text: str | None, *, staff_written: bool = False) -> str:
    """Free text as the public sees it: identifiers replaced whole by ``***``. Text staff
    wrote for the petitioner (a reply) keeps landlines — that is how an office gives its
    number — but never mobiles, ID numbers, bank cards or e-mail addresses."""
    return redact_identifiers(text, PUBLIC_HIDDEN, keep=("landline",) if staff_written else ())


def can_reveal_text(user: ScopedUser | AnonymousUser | None, appeal: Appeal) -> bool:
    """The free-text reveal is the structured fields' reveal: same roles, same rule."""
    return can_see_identity(user, appeal) and has_capability(user, Cap.PII_REVEAL)


def raw_text(appeal: Appeal, field: str) -> str:
    """The stored text of ``field`` (``TEXT_FIELDS`` or ``event-<pk>``); DomainError if none.
    For services only: what it returns is never shown without ``reveal_appeal_text``."""
    if field in TEXT_FIELDS:
        return str(getattr(appeal, field) or "")
    event_pk = parse_id(field.removeprefix(EVENT_FIELD_PREFIX))
    if field.startswith(EVENT_FIELD_PREFIX) and event_pk is not None:
        event = appeal.events.filter(pk=event_pk).first()
        if event is not None:
            return event.note or ""
    raise DomainError("无此信息项")


@dataclass(frozen=True)
class FreeText:
    """One free-text field for one viewer: what to print, and whether to offer the reveal."""

    field: str
    text: str
    masked: bool
    can_reveal: bool


def appeal_text_for(
    user: ScopedUser | AnonymousUser | None, appeal: Appeal, field: str, value: str | None = None
) -> FreeText:
    """The one way a page shows an appeal's free text (``value`` when the caller already
    holds it, e.g. an event note). Masked for everyone; ``can_reveal`` only when it hides
    something and the viewer may see the petitioner's identity."""
    raw = raw_text(appeal, field) if value is None else value
    shown = masked_text(raw)
    masked = shown != raw
    return FreeText(
        field=field,
        text=shown,
        masked=masked,
        can_reveal=masked and can_reveal_text(user, appeal),
    )


def reveal_appeal_text(
    *, actor: User | AnonymousUser, appeal: Appeal, field: str, reason: str
) -> str:
    """The whole text of one field, for a viewer who may see the petitioner's identity, with
    a reason; audited (``pii_revealed``). The caller loaded ``appeal`` through
    ``visible_to(actor)``."""
    actor = staff_user(actor)
    if not can_reveal_text(actor, appeal):
        raise PermissionDenied("您的角色不能查看该诉求人的身份信息")
    text = raw_text(appeal, field)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写查看原因（至少2个字）", code="reason_required")
    audit.record(
        "pii_revealed",
        actor=actor,
        target=appeal,
        changes={"field": f"appeal.{field}"},
        note=reason,
    )
    return text


def identity_visible_q(user: ScopedUser | AnonymousUser | None) -> Q | None:
    """The appeals whose petitioner ``user`` may identify, as a filter (``can_see_identity``
    for a queryset); None when there are none."""
    if not has_capability(user, Cap.APPEALS_IDENTITY):
        return None
    if has_capability(user, Cap.APPEALS_CONFIDENTIAL_IDENTITY):
        return Q(pk__isnull=False)  # every appeal (an empty Q() would vanish in an OR)
    return Q(identity_confidential=False)


_Appeals = TypeVar("_Appeals", bound=QuerySet[Appeal])


def search_free_text(
    queryset: _Appeals, query: str, user: ScopedUser | AnonymousUser | None
) -> _Appeals:
    """Substring search over title and body that cannot be used to confirm a masked value.

    Searching "13812345678" (or "1381234", digit by digit) over the raw body would tell
    a viewer who sees only ``138****5678`` whether the number is there. So for appeals
    whose identity the viewer may not see, the query is matched against the *masked*
    title and body — what the viewer can read anyway — stored on the row
    (``Appeal.masked_search_text``, written on every save), so the filter stays in SQL
    whatever the number of rows. Appeals whose identity the viewer may see match on the
    stored text (they could reveal it). Queries with no digit, Latin letter or "@" cannot
    touch an identifier and search the masked copy for everyone (the same rows). An appeal
    number is an exact look-up.
    """
    # The rules above, served by the text index over the masked copy (``appeals.search``).
    return queryset.filter(text_search_q(query, visible=identity_visible_q(user)))

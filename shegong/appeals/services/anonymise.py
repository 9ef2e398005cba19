"""Anonymisation (匿名化) of closed appeals N years after their last step.

个人信息保护法 第四十七条: personal data is deleted once its purpose is achieved. An appeal's
purpose ends when it is closed and no step can follow (the 复查/复核 windows of 信访工作条例
第三十五、三十六条 are 30 days each); the matter itself is kept as a statistic and a case.
``SHEGONG_APPEAL_ANONYMISE_YEARS`` (at least 1; docs/privacy.md explains the choice) sets
how long after the last step the identity goes. **Off by default**: irreversible, so it runs
only once the setting is given explicitly; unset (or 0), the daily job does nothing and the
command says it is not configured.

An appeal is **due** when:

- its status is final (办结, 不予受理, 告知其他途径, 转送) and ``closed_at`` is older than the
  cut-off, and so is every timeline event and every 复查/复核 request window; no 复查/复核 is
  still undecided;
- a merged appeal (已合并) waits for the appeal it was merged into to be anonymised; a split
  parent (已合并 with no ``merged_into``, split by ``split_appeal``) waits until every split
  child is anonymised, and an appeal merged into a split parent follows the parent;
- it is not anonymised yet (``anonymised_at``): a second run changes nothing.

For each due appeal (``anonymise_due``, in batches of ``BATCH``, one transaction and **one
audit event per batch**, counts only — never the erased values):

- the petitioner's and the representatives' name, ID number, phone and address are erased
  (their blind indexes follow, empty), unless the person still has an appeal that is not
  due: that appeal needs them, so they keep their identity until it is due too;
- identifiers typed into the free text (title, body, place, reasons, replies, instructions,
  timeline notes, revisit comments, 复查/复核 texts, extension reasons, 督办 titles,
  instructions, closing notes and reports, 考核申诉 texts) are scrubbed with the publication
  anonymiser (``shegong.lib.anonymise.scrub``) plus the known names — of everyone in the
  appeal's merge/split family (a lead's reply answers every merged petitioner); a scrubbed
  text is cut to its column's length; the upper apps scrub their own rows through
  ``hooks.appeal_anonymised`` (suggestions' evaluation texts, triage's duplicate and
  same-person links);
- the in-app notifications about the appeal are deleted;
- attachments that may hold personal data (``confidential`` or sent by the citizen) are
  deleted, their files once the transaction commits;
- category, region, dates, units, status, outcome and the assessment facts and counters
  (三率, ``AssessmentFact``/``UnitMonthStat``) are left as they are.

Each appeal is anonymised in its own savepoint: one that fails (logged, counted in the
outcome and the batch's audit event) is left for a later run and does not stop the others.
Due-ness is checked again on the locked rows inside the transaction.

Irreversible by design: there is no copy and no key that brings the identity back (a backup
taken before still holds it — backups follow their own retention, docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from shegong.core import audit
from shegong.core.models import Notification
from shegong.core.pii import plain
from shegong.lib.anonymise import scrub

from .. import hooks
from ..choices import AppealStatus
from ..models import (
    Appeal,
    AppealEvent,
    Attachment,
    ExtensionRequest,
    Petitioner,
    Review,
    Revisit,
    ScoreAppeal,
    Supervision,
    SupervisionReport,
    WorkOrder,
)

logger = logging.getLogger(__name__)

BATCH = 200

M = TypeVar("M", bound=models.Model)

FINAL_STATES = (
    AppealStatus.CLOSED,
    AppealStatus.REJECTED,
    AppealStatus.REDIRECTED,
    AppealStatus.FORWARDED,
)

# Free-text columns per model that may carry identifiers typed by a person.
APPEAL_TEXTS = ("title", "body", "address", "decision_reason", "reply_text", "proxy_note")
ORDER_TEXTS = ("instructions", "return_reason", "reply_text")
EVENT_TEXTS = ("note", "public_note")
REVISIT_TEXTS = ("comment",)
REVIEW_TEXTS = ("request_text", "opinion")
EXTENSION_TEXTS = ("reason", "decision_note")
SUPERVISION_TEXTS = ("title", "instruction", "closing_note")
SUPERVISION_REPORT_TEXTS = ("text",)
SCORE_APPEAL_TEXTS = ("text", "decision_note")
PERSON_FIELDS = ("name", "phone", "id_number", "address")


@dataclass
class Outcome:
    """What a run did (or, in a dry run, would do)."""

    appeals: int = 0
    petitioners: int = 0
    petitioners_kept: int = 0
    attachments: int = 0
    batches: int = 0
    failed: int = 0
    numbers: list[str] = field(default_factory=list)
    failed_numbers: list[str] = field(default_factory=list)


def configured_years() -> int | None:
    """The configured years, or None when anonymisation is not switched on."""
    years = getattr(settings, "SHEGONG_APPEAL_ANONYMISE_YEARS", None)
    return max(1, int(years)) if years else None


def _years(years: int | None) -> int:
    chosen = years or configured_years()
    if chosen is None:
        raise ValueError("SHEGONG_APPEAL_ANONYMISE_YEARS is not set: anonymisation is off")
    return chosen


def cutoff(now: datetime | None = None, years: int | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    year = now.year - _years(years)
    try:
        return now.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=year, day=28)


def _exclusions(qs: QuerySet[Appeal], limit: datetime) -> QuerySet[Appeal]:
    later_event = AppealEvent.objects.filter(appeal=OuterRef("pk"), at__gte=limit)
    open_review = Review.objects.filter(appeal=OuterRef("pk")).filter(
        Q(decided_at__isnull=True) | Q(decided_at__gte=limit) | Q(window_end__gte=limit)
    )
    return qs.exclude(Exists(later_event)).exclude(Exists(open_review)).select_related("petitioner")


def _closed_due(cut: datetime) -> QuerySet[Appeal]:
    return _exclusions(
        Appeal.objects.filter(
            anonymised_at__isnull=True,
            closed_at__isnull=False,
            closed_at__lt=cut,
            status__in=FINAL_STATES,
        ),
        cut,
    ).order_by("closed_at", "pk")


def _merged_due(cut: datetime) -> QuerySet[Appeal]:
    """Merged appeals whose lead is anonymised, and split parents whose children all are.
    A merged appeal has no closing date of its own: it is answered with its lead."""
    children = Appeal.objects.filter(split_from=OuterRef("pk"))
    split_done = (
        Q(merged_into__isnull=True)
        & Exists(children)
        & ~Exists(children.filter(anonymised_at__isnull=True))
    )
    return _exclusions(
        Appeal.objects.filter(status=AppealStatus.MERGED, anonymised_at__isnull=True).filter(
            Q(merged_into__anonymised_at__isnull=False) | split_done
        ),
        cut,
    ).order_by("pk")


def due_appeals(
    now: datetime | None = None,
    years: int | None = None,
    *,
    limit: int | None = None,
    skip: Collection[int] = (),
) -> list[Appeal]:
    """The appeals due for anonymisation at ``now`` (see the module docstring), at most
    ``limit``, leaving out ``skip`` (those that failed earlier in this run): the closed ones
    first (oldest first), then merged ones whose lead is done.

    Two queries, each served by an index: closed appeals not yet anonymised by closing time
    (the partial index ``appeal_to_anonymise``: old rows leave it once anonymised, so the
    daily run reads only what is due), merged ones through the status index (few)."""
    cut = cutoff(now, years)
    closed = _closed_due(cut).exclude(pk__in=list(skip))
    found = list(closed[:limit] if limit is not None else closed)
    if limit is not None and len(found) >= limit:
        return found
    merged = _merged_due(cut).exclude(pk__in=list(skip))
    found += list(merged[: limit - len(found)] if limit is not None else merged)
    return found


def _family_ids(appeal_ids: Collection[int]) -> set[int]:
    """The appeals linked to ``appeal_ids`` by merging or splitting, transitively."""
    family = set(appeal_ids)
    frontier = set(appeal_ids)
    while frontier:
        rows = Appeal.objects.filter(
            Q(pk__in=frontier) | Q(merged_into__in=frontier) | Q(split_from__in=frontier)
        ).values_list("pk", "merged_into_id", "split_from_id")
        found = {pk for row in rows for pk in row if pk is not None}
        frontier = found - family
        family |= found
    return family


def _family_names(appeal: Appeal) -> list[str]:
    """The names of every petitioner and representative of the appeal's merge/split family:
    a lead's texts answer every merged petitioner."""
    ids = _family_ids([appeal.pk])
    people = set(
        Appeal.objects.filter(pk__in=ids, petitioner__isnull=False).values_list(
            "petitioner_id", flat=True
        )
    ) | set(
        Appeal.representatives.through.objects.filter(appeal_id__in=ids).values_list(
            "petitioner_id", flat=True
        )
    )
    names = {plain(p.name) for p in Petitioner.objects.filter(pk__in=people)}
    return sorted(n for n in names if n)


def _people(appeals: list[Appeal]) -> dict[int, Petitioner]:
    people: dict[int, Petitioner] = {}
    for appeal in appeals:
        if appeal.petitioner is not None:
            people[appeal.petitioner.pk] = appeal.petitioner
        for rep in appeal.representatives.all():
            people[rep.pk] = rep
    return people


def _still_needed(people: dict[int, Petitioner], batch_ids: set[int]) -> set[int]:
    """The people of ``people`` who have an appeal (as petitioner or representative) that is
    neither in this batch nor anonymised already: they keep their identity."""
    if not people:
        return set()
    others = Appeal.objects.filter(anonymised_at__isnull=True).exclude(pk__in=batch_ids)
    own = others.filter(petitioner_id__in=people).values_list("petitioner_id", flat=True)
    represented = Appeal.representatives.through.objects.filter(
        petitioner_id__in=people, appeal__in=others
    ).values_list("petitioner_id", flat=True)
    return set(own) | set(represented)


def _fit(model: type[models.Model], name: str, text: str) -> str:
    """``text`` cut to the column's length: scrubbing can lengthen a text ("1-2-3" →
    "[门牌已隐去]"), and PostgreSQL refuses a value longer than a ``CharField``."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    return text[:limit] if limit else text


def _scrub_rows(rows: QuerySet[M], fields: tuple[str, ...], names: list[str]) -> None:
    changed = []
    for row in rows:
        dirty = False
        for name in fields:
            before = getattr(row, name) or ""
            after = _fit(rows.model, name, scrub(before, names))
            if after != before:
                setattr(row, name, after)
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        rows.model._default_manager.bulk_update(changed, list(fields))


def _anonymise_appeal(appeal: Appeal, names: list[str], now: datetime) -> int:
    for name in APPEAL_TEXTS:
        setattr(appeal, name, _fit(Appeal, name, scrub(getattr(appeal, name) or "", names)))
    appeal.anonymised_at = now
    appeal.version = F("version") + 1
    # title/body in update_fields: Appeal.save refreshes the masked search copy as well.
    appeal.save(update_fields=[*APPEAL_TEXTS, "anonymised_at", "version"])
    appeal.refresh_from_db(fields=["version"])
    _scrub_rows(WorkOrder.objects.filter(appeal=appeal), ORDER_TEXTS, names)
    _scrub_rows(AppealEvent.objects.filter(appeal=appeal), EVENT_TEXTS, names)
    _scrub_rows(Revisit.objects.filter(appeal=appeal), REVISIT_TEXTS, names)
    _scrub_rows(Review.objects.filter(appeal=appeal), REVIEW_TEXTS, names)
    _scrub_rows(ExtensionRequest.objects.filter(work_order__appeal=appeal), EXTENSION_TEXTS, names)
    supervisions = Supervision.objects.filter(appeals=appeal)
    _scrub_rows(supervisions, SUPERVISION_TEXTS, names)
    _scrub_rows(
        SupervisionReport.objects.filter(supervision__in=supervisions),
        SUPERVISION_REPORT_TEXTS,
        names,
    )
    _scrub_rows(ScoreAppeal.objects.filter(fact__appeal=appeal), SCORE_APPEAL_TEXTS, names)
    Notification.objects.filter(
        Q(url__startswith=f"/appeals/{appeal.pk}/")
        | Q(title__contains=appeal.number)
        | Q(body__contains=appeal.number)
    ).delete()
    for listener in hooks.appeal_anonymised:
        listener(hooks.AppealAnonymised(appeal=appeal, names=tuple(names)))
    personal = Attachment.objects.filter(appeal=appeal).filter(
        Q(confidential=True) | Q(from_citizen=True)
    )
    removed = 0
    for attachment in personal:
        storage, stored = attachment.file.storage, attachment.file.name
        attachment.delete()
        if stored:
            # Only once the rows are gone for good: a rolled-back batch keeps its files.
            transaction.on_commit(partial(storage.delete, stored))
        removed += 1
    _scrub_rows(Attachment.objects.filter(appeal=appeal), ("original_name",), names)
    return removed


def _erase(person: Petitioner) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, "")
    person.phone_verified_at = None
    # The blind indexes are recomputed on save: empty for an empty value.
    person.save()


def _run_batch(
    appeals: list[Appeal], years: int, now: datetime, result: Outcome, failed: set[int]
) -> None:
    cut = cutoff(now, years)
    with transaction.atomic():
        ids = [a.pk for a in appeals]
        list(Appeal.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        # Due-ness again, on the locked rows: a step may have come since the list was read.
        still_due = set(_closed_due(cut).filter(pk__in=ids).values_list("pk", flat=True))
        still_due |= set(_merged_due(cut).filter(pk__in=ids).values_list("pk", flat=True))
        locked = list(
            Appeal.objects.filter(pk__in=still_due)
            .select_related("petitioner")
            .prefetch_related("representatives")
            .order_by("pk")
        )
        failed.update(set(ids) - still_due)
        done: list[Appeal] = []
        bad: list[Appeal] = []
        attachments = 0
        for appeal in locked:
            try:
                with transaction.atomic():  # a savepoint: one bad row cannot stop the run
                    attachments += _anonymise_appeal(appeal, _family_names(appeal), now)
            except Exception:
                logger.exception("anonymising appeal %s failed; left for a later run", appeal.pk)
                bad.append(appeal)
                failed.add(appeal.pk)
            else:
                done.append(appeal)
        people = _people(done)
        kept = _still_needed(people, {a.pk for a in done})
        erased = [p for pk, p in people.items() if pk not in kept]
        for person in erased:
            _erase(person)
        if done or bad:
            audit.record(
                "appeals_anonymised",
                actor=None,
                target_type="appeals.appeal",
                target_repr=f"诉求 {len(done)} 件",
                changes={
                    "appeals": len(done),
                    "petitioners": len(erased),
                    "petitioners_kept": len(kept),
                    "attachments": attachments,
                    "years": years,
                    "numbers": [a.number for a in done],
                    "failed": len(bad),
                    "failed_numbers": [a.number for a in bad],
                },
                note=f"办结满 {years} 年的诉求已匿名化（不可恢复）",
            )
    result.appeals += len(done)
    result.petitioners += len(erased)
    result.petitioners_kept += len(kept)
    result.attachments += attachments
    result.failed += len(bad)
    result.failed_numbers.extend(a.number for a in bad)
    result.batches += 1
    result.numbers.extend(a.number for a in done)


def preview(now: datetime | None = None, years: int | None = None) -> Outcome:
    """What a run at ``now`` would do, without changing anything (``--dry-run``)."""
    now = now or timezone.now()
    years = _years(years)
    due = due_appeals(now, years)
    ids = {a.pk for a in due}
    # What becomes due in the same run: merged appeals whose lead is listed, split parents
    # whose children all are (anonymise_due picks them up after their leads' batches).
    cut = cutoff(now, years)
    while True:
        children = Appeal.objects.filter(split_from=OuterRef("pk"))
        split_done = (
            Q(merged_into__isnull=True)
            & Exists(children)
            & ~Exists(children.filter(anonymised_at__isnull=True).exclude(pk__in=ids))
        )
        more = list(
            _exclusions(
                Appeal.objects.filter(status=AppealStatus.MERGED, anonymised_at__isnull=True)
                .exclude(pk__in=ids)
                .filter(Q(merged_into__in=ids) | split_done),
                cut,
            ).order_by("pk")
        )
        if not more:
            break
        due += more
        ids |= {a.pk for a in more}
    people = _people(due)
    kept = _still_needed(people, ids)
    return Outcome(
        appeals=len(due),
        petitioners=len(people) - len(kept),
        petitioners_kept=len(kept),
        attachments=Attachment.objects.filter(appeal_id__in=ids)
        .filter(Q(confidential=True) | Q(from_citizen=True))
        .count(),
        numbers=[a.number for a in due],
    )


# The FTS5 tables of appeals/search.py (FTS_TABLE) and appeals/search_short.py (GRAMS_TABLE).
_OPTIMIZE = {
    "appeals_appeal_fts": (
        """INSERT INTO "appeals_appeal_fts" ("appeals_appeal_fts") VALUES ('optimize')"""
    ),
    "appeals_appeal_grams": (
        """INSERT INTO "appeals_appeal_grams" ("appeals_appeal_grams") VALUES ('optimize')"""
    ),
}


def optimise_search_indexes() -> list[str]:
    """SQLite: merge the FTS5 segments of the appeals' search tables (``'optimize'``), so the
    tokens of the texts before scrubbing do not linger in old segments. The tables it did.
    PostgreSQL: nothing here (VACUUM, docs/privacy.md)."""
    if connection.vendor != "sqlite":
        return []
    done = []
    with connection.cursor() as cursor:
        for table, sql in _OPTIMIZE.items():
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [table]
            )
            if cursor.fetchone():
                cursor.execute(sql)
                done.append(table)
    return done


def anonymise_due(now: datetime | None = None, years: int | None = None) -> Outcome:
    """Anonymise every due appeal (idempotent). Merged appeals follow their target's
    anonymisation in the same run. Does nothing unless ``years`` is given or
    ``SHEGONG_APPEAL_ANONYMISE_YEARS`` is set."""
    now = now or timezone.now()
    result = Outcome()
    years = years or configured_years()
    if years is None:  # not switched on (the default): nothing is ever erased
        return result
    failed: set[int] = set()
    while True:
        batch = due_appeals(now, years, limit=BATCH, skip=failed)
        if not batch:
            if result.appeals:
                optimise_search_indexes()
            return result
        _run_batch(batch, years, now, result, failed)

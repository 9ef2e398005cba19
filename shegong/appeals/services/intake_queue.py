"""Group commit for public intake: many citizens' submissions, one transaction.

At city scale most appeals arrive through the public channels (portal, Open311, hotline
systems) at the same moments. Written one by one, every appeal pays for its own dozen
statements, its own commit (an fsync) and its own turn on the audit chain's head lock,
which all appeals share. Here each web process has one writer thread: request threads
validate their submission themselves (``intake._prepare``), hand it to the writer and wait;
the writer takes everything that is waiting (up to ``SHEGONG_INTAKE_BATCH`` items) and
writes it in one transaction with one statement per table and one lock of the audit chain
(``intake.write_batch``). A request is answered only after its batch committed, so an
answered submission is durable exactly as before. Nothing waits on purpose: under light
load a batch holds one appeal; batches grow only while the previous one is being written.

If a batch fails (a retried submission raced another process on its idempotency key, a
lost connection), its items are written again one by one with ``intake.write_one``, which
resolves replays; every item gets its own result or error.

Inline (no thread) inside a transaction, e.g. in tests, or with SHEGONG_INTAKE_BATCHING
off, or for submissions with representatives or accused units.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.regions.models import Region

from ..models import Appeal, IdempotencyRecord
from .intake import (
    IntakeData,
    IntakeError,
    _prepare,
    _Prepared,
    _replay,
    write_batch,
    write_one,
)

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    item: _Prepared
    done: threading.Event = field(default_factory=threading.Event)
    result: tuple[Appeal, str | None] | None = None
    error: BaseException | None = None


class IntakeWriter:
    """One per process: the thread that writes queued submissions in batches."""

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0
        self.written = 0

    def submit(self, item: _Prepared, timeout: float) -> tuple[Appeal, str | None]:
        pending = _Pending(item)
        self._ensure_thread()
        self._queue.put(pending)
        if not pending.done.wait(timeout):
            logger.error("intake writer did not answer within %.0f s", timeout)
            raise DomainError("系统繁忙，请稍后用同一提交编号重试", code="busy")
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="shegong-intake-writer", daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Write what is queued, then end the thread and close its connection."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                stop = False
                while len(batch) < self.max_batch:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    batch.append(more)
                try:
                    self.write(batch)
                except BaseException:  # pragma: no cover - write() answers every item itself
                    logger.exception("intake writer failed")
                if stop:
                    return
        finally:
            connections.close_all()

    def write(self, batch: list[_Pending]) -> None:
        close_old_connections()
        try:
            fresh = self._answer_replays(batch)
            if not fresh:
                return
            try:
                results = write_batch([p.item for p in fresh])
            except Exception as exc:
                logger.warning(
                    "intake batch of %d failed (%s); writing one by one", len(fresh), exc
                )
                connection.close_if_unusable_or_obsolete()
                for pending in fresh:
                    try:
                        pending.result = write_one(pending.item)
                    except Exception as item_exc:
                        logger.exception("intake of one submission failed")
                        pending.error = item_exc
            else:
                for pending, result in zip(fresh, results, strict=True):
                    pending.result = result
                self.batches += 1
                self.written += len(fresh)
                if self.batches % 200 == 0:
                    logger.info(
                        "intake writer: %d appeals in %d batches (mean %.1f)",
                        self.written,
                        self.batches,
                        self.written / self.batches,
                    )
        finally:
            for pending in batch:
                if pending.result is None and pending.error is None:
                    pending.error = DomainError("登记失败，请稍后重试", code="intake_failed")
                pending.done.set()

    @staticmethod
    def _answer_replays(batch: list[_Pending]) -> list[_Pending]:
        """Answer retried submissions (one query for the whole batch); return the rest."""
        keys = {p.item.idempotency_key for p in batch if p.item.idempotency_key}
        if not keys:
            return batch
        seen = set(IdempotencyRecord.objects.filter(key__in=keys).values_list("key", flat=True))
        fresh: list[_Pending] = []
        for pending in batch:
            if pending.item.idempotency_key in seen:
                try:
                    replayed = _replay(pending.item.idempotency_key, pending.item.data)
                    assert replayed is not None
                    pending.result = (replayed, None)
                except Exception as exc:
                    pending.error = exc
            else:
                fresh.append(pending)
        return fresh


_writer: IntakeWriter | None = None
_writer_lock = threading.Lock()


def writer() -> IntakeWriter:
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = IntakeWriter(max_batch=int(getattr(settings, "SHEGONG_INTAKE_BATCH", 64)))
        return _writer


def submit_public_appeal(
    *,
    data: IntakeData,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    region: Region | None = None,
) -> tuple[Appeal, str | None]:
    """``intake.submit_appeal`` for an anonymous public submission, written through the
    process's intake writer (group commit). Same checks, same rows, same answers."""
    now = now or timezone.now()
    try:
        item = _prepare(
            actor=None,
            data=data,
            idempotency_key=idempotency_key,
            now=now,
            proxied=False,
            region=region,
        )
    except IntakeError:
        # A retry of a submission that was accepted stays accepted (the rules may have
        # changed since, e.g. a region deactivated); replays are otherwise answered by the
        # writer, one query per batch.
        replayed = _replay(idempotency_key, data)
        if replayed is not None:
            return replayed, None
        raise
    inline = (
        not getattr(settings, "SHEGONG_INTAKE_BATCHING", True)
        or transaction.get_connection().in_atomic_block
        or item.data.representatives
        or item.accused
    )
    if inline:
        replayed = _replay(idempotency_key, data)
        if replayed is not None:
            return replayed, None
        return write_one(item)
    return writer().submit(item, timeout=float(getattr(settings, "SHEGONG_INTAKE_TIMEOUT", 30)))


__all__ = ["IntakeWriter", "submit_public_appeal", "writer"]

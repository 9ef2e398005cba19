"""Counting attempts in Django's cache: the one rate-limit helper.

Used for failed look-ups on public pages (tracking an appeal, verifying a certificate) and
for SMS codes per phone and per address. A counter starts at the first ``hit`` and lives
``window`` seconds (fixed window); ``count`` reads it, ``over`` compares it to a limit.
Callers build the key (per address, per phone key, per minute…) and decide *what* counts —
usually only failures, so a citizen who types the right code is never slowed down.

Why not ``django-ratelimit``: it counts every request a decorated view receives, in windows
aligned to the clock and keyed by the request; these limits count only failed attempts, are
checked before and counted after the action, and are keyed by a phone hash or a purpose, not
only by the request. The three hand-written counters this replaces behaved that way and
the tests pin it.
"""

from __future__ import annotations

from django.core.cache import cache


def hit(key: str, window: int) -> int:
    """Count one attempt under ``key`` and return the new count.

    The first hit starts a window of ``window`` seconds; ``cache.add`` + ``incr`` are atomic
    on the shared cache, so parallel requests cannot both read "under the limit".
    """
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter expired between add and incr
        cache.set(key, 1, window)
        return 1


def count(key: str) -> int:
    """How many attempts ``key`` holds in its current window (0 if none)."""
    return int(cache.get(key) or 0)


def over(key: str, limit: int) -> bool:
    """Whether ``key`` has reached ``limit`` attempts in its current window."""
    return count(key) >= limit

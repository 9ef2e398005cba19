"""Child processes of ``shegong serve`` (the task worker, the web processes) end when their
parent ends, however it ends — a crash or ``kill -9`` of ``serve`` must not leave an orphan
worker taking tasks from the queue with nobody supervising it.

Two mechanisms, because either alone has a gap: on Linux the kernel sends SIGTERM at the
parent's death (``prctl(PR_SET_PDEATHSIG)``, set by the child itself at start); everywhere,
a watchdog thread notices that the parent process id changed and ends the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

logger = logging.getLogger("shegong.worker")

PR_SET_PDEATHSIG = 1


def _set_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except OSError:  # no libc to call: the watchdog below still ends the process
        logger.warning("prctl(PR_SET_PDEATHSIG) unavailable; relying on the watchdog")


def _watch(parent_pid: int, interval: float) -> None:
    event = threading.Event()
    while os.getppid() == parent_pid:
        event.wait(interval)
    logger.warning("parent process %s ended; ending this process", parent_pid)
    os._exit(0)


def die_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """End this process when the process ``parent_pid`` ends."""
    _set_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the death signal was set
        os._exit(0)
    threading.Thread(
        target=_watch, args=(parent_pid, interval), name="shegong-lifeline", daemon=True
    ).start()

"""``shegong serve`` keeps its task worker alive: when the worker exits for any reason other
than ``serve`` stopping, it is started again after a back-off (1 s, doubling to 60 s; back
to 1 s once a worker has run for a minute), and each restart is said on the console."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Sequence

MIN_BACKOFF = 1.0
MAX_BACKOFF = 60.0
HEALTHY_AFTER = 60.0


class Supervisor:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        write: Callable[[str], object],
        name: str = "后台任务进程",
        poll: float = 0.5,
    ) -> None:
        self.argv = list(argv)
        self.write = write
        self.name = name
        self.poll = poll
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._run, name="shegong-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.argv)  # noqa: S603 - our interpreter and module
        self._started = time.monotonic()

    def _run(self) -> None:
        backoff = MIN_BACKOFF
        while not self._stopping.wait(self.poll):
            process = self.process
            if process is None or process.poll() is None:
                continue
            if time.monotonic() - self._started >= HEALTHY_AFTER:
                backoff = MIN_BACKOFF
            self.write(
                f"{self.name}已退出（退出码 {process.returncode}），{backoff:g} 秒后重新启动"
            )
            if self._stopping.wait(backoff):
                return
            self._spawn()
            self.restarts += 1
            backoff = min(backoff * 2, MAX_BACKOFF)

    def stop(self, timeout: float = 10) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll * 4)
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""`videosparring worker`: one worker process (`python -m workers`), started again if it dies.

On the embedded default nothing else would notice a worker that crashed or was killed
(out of memory, a bug in a native library): its job would wait for ever. The supervisor
is a small process that only waits on its child, so it does not die with it.
"""

import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from app.core import logs

log = logging.getLogger("workers.supervisor")

# A child that keeps dying at once (a bad setting) is started again ever more slowly.
FIRST_DELAY, MAX_DELAY, STABLE_AFTER = 1.0, 30.0, 60.0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If the supervisor itself is killed outright, its worker goes too (no orphan that
    # nobody restarts or stops).
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(command: list[str] | None = None) -> int:
    """Run the worker process, start it again whenever it ends, until told to stop."""
    command = command or [sys.executable, "-m", "workers"]
    stopping = threading.Event()
    received: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)  # SIGTERM: Huey stops at once; SIGINT: after the task

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay, code = FIRST_DELAY, 0
    while not stopping.is_set():
        started = time.monotonic()
        child = subprocess.Popen(
            command, preexec_fn=_die_with_parent if sys.platform == "linux" else None
        )
        log.info("worker process %s started", child.pid)
        code = _wait(child, stopping, received)
        if stopping.is_set():
            return 0
        if time.monotonic() - started > STABLE_AFTER:
            delay = FIRST_DELAY
        log.error(
            "worker process %s ended (exit code %s); starting a new one in %.0f s",
            child.pid,
            code,
            delay,
        )
        stopping.wait(delay)
        delay = min(delay * 2, MAX_DELAY)
    return code


def _wait(child: subprocess.Popen[bytes], stopping: threading.Event, received: list[int]) -> int:
    """The child's exit code; once stopping, the signal is sent again every second: one
    that arrives while the child is still between fork and exec is lost."""
    while True:
        try:
            return child.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            if stopping.is_set():
                child.send_signal(received[-1])


def main() -> None:
    logs.configure()
    sys.exit(supervise())

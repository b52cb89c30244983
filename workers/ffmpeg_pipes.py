"""An ffmpeg process that frames are piped to or from (workers.blurring): its stderr's tail
kept for the error, its CPU time read when it ends, killed with its parent."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from app.media.probe import MediaError, last_line
from workers import media


class Piped:
    """ffmpeg reading frames from stdin (`reads=False`) or writing them to stdout; both
    pipes unbuffered."""

    def __init__(self, args: list[str], *, reads: bool) -> None:
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL if reads else subprocess.PIPE,
            stdout=subprocess.PIPE if reads else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            bufsize=0,
            preexec_fn=media._die_with_parent if sys.platform == "linux" else None,
        )
        assert self.proc.stderr is not None
        self.tail: deque[bytes] = deque()
        self.reader = threading.Thread(
            target=media._drain,
            args=(io.BufferedReader(self.proc.stderr), self.tail),  # type: ignore[arg-type]
            daemon=True,
        )
        self.reader.start()

    def finish(self, deadline: float) -> float:
        """Wait for the end; its CPU seconds. MediaError if it failed or runs too long."""
        cpu = 0.0
        if sys.platform == "linux":
            while os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
                if time.monotonic() > deadline:
                    raise MediaError("timeout", "ffmpeg did not finish")
                time.sleep(0.01)
            cpu = _cpu_seconds(self.proc.pid)
        try:
            code = self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise MediaError("timeout", "ffmpeg did not finish") from None
        self.reader.join(timeout=5)
        if code != 0:
            raise media_error(b"".join(self.tail))
        return cpu

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()
        self.reader.join(timeout=5)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process that has ended but is not yet reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def media_error(stderr: bytes) -> MediaError:
    """ffmpeg's failure as run_ffmpeg reports it: a full disk, or a file it could not read."""
    if b"No space left on device" in stderr or b"Disk quota exceeded" in stderr:
        return MediaError("no_space", last_line(stderr))
    return MediaError("corrupt", last_line(stderr))

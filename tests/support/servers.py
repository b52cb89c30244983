"""The processes tests start: the app under uvicorn, workers; waiting for them; raw HTTP;
a small filesystem that fills."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from tests.support import ROOT

T = TypeVar("T")


def read_http_response(sock: socket.socket) -> tuple[int, bytes, bytes]:
    """One response from a raw socket: status, head and body (exactly Content-Length bytes).

    Reads no further, so it never waits for the server to close the connection.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the response body"
        body += chunk
    return int(head.split(b" ", 2)[1]), head, body[:length]


# --- Processes: the app under uvicorn, workers, waiting for them -----------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """Poll until `predicate` returns something true and return it; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
    return value


def app_env(**overrides: str) -> dict[str, str]:
    """This process's environment (the tests' data folder and settings) with changes."""
    return {**os.environ, **overrides}


def uvicorn_command(port: int, *options: str) -> list[str]:
    """The app under uvicorn on a loopback port."""
    return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", *options]  # fmt: skip


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def start_server(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    command: Sequence[str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 60,
    **popen: Any,
) -> tuple["subprocess.Popen[bytes]", str]:
    """Start the app (uvicorn unless `command` says otherwise); return once /healthz answers."""
    port = port or free_port()
    proc = subprocess.Popen(command or uvicorn_command(port), cwd=cwd, env=dict(env), **popen)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is not None or healthy(base), timeout, f"{base}/healthz")
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
    except BaseException:
        stop(proc, sig=signal.SIGKILL)
        raise
    return proc, base


@contextmanager
def serving(env: Mapping[str, str], **options: Any) -> Iterator[str]:
    """The app started as `start_server` does, for the block; its base URL."""
    proc, base = start_server(env, **options)
    try:
        yield base
    finally:
        stop(proc)


def start_worker(
    env: Mapping[str, str], output: IO[bytes] | None = None
) -> "subprocess.Popen[bytes]":
    """A worker process (`python -m workers`), quiet on stderr, or its stderr into `output`."""
    return subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=ROOT,
        env=dict(env),
        stderr=output or subprocess.DEVNULL,
    )


def stop(*procs: "subprocess.Popen[bytes]", sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal every process that still runs, then wait for each (kill it if it lingers)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(sig)
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def small_tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "16m") mounted at `mount` for a test (root): a disk that fills.

    Unmounted at the end; if something still holds it open, lazily, and the test fails."""
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)], check=True
    )
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)]).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mount)], check=True)
            raise AssertionError("something still held the small filesystem open")

"""The app under test: a fresh data folder, the server and its workers, logged-in clients.

The processes start as the tests start them (`tests/support/servers.py`: `start_server` returns once
/healthz answers; `start_worker`, `stop`, `free_port`, `wait_until`), which this module
hands on (`server.stop(...)` and so on). They are imported on first use, as they read the
app's settings: a script that runs the app in its own process calls `use_in_process` first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from harness import ROOT, WORK, measure, stamp

CSRF_COOKIE, CSRF_HEADER = "vs_csrf", "X-CSRF-Token"
TMP = Path(tempfile.gettempdir())
HELPERS = ("start_server", "start_worker", "stop", "free_port", "wait_until", "uvicorn_command")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _helpers() -> Any:
    from tests.support import recordings, servers

    return SimpleNamespace(**{**vars(servers), **vars(recordings)})


def __getattr__(name: str) -> Any:
    """The tests' process helpers, `CONSENT` and `upload`, imported when first asked for."""
    if name in (*HELPERS, "CONSENT", "upload"):
        return getattr(_helpers(), name)
    raise AttributeError(name)


# The data folder -------------------------------------------------------------------------


@contextmanager
def data_folder(name: str, under: Path = WORK, keep: bool = False) -> Iterator[Path]:
    """A new folder `under`/vs-bench-`name`-<time> (only the owner may read it: case data),
    deleted at the end unless `keep`."""
    under.mkdir(parents=True, exist_ok=True)
    path = under / f"vs-bench-{name}-{stamp()}"
    path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        if keep:
            print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def app_env(data_dir: Path, *drop: str, **extra: str) -> dict[str, str]:
    """The environment of an app process: this one's, on `data_dir` with the embedded
    SQLite database and queue, without the SPARRING_* settings that start with a `drop`."""
    gone = ("SPARRING_DATABASE_URL", "SPARRING_QUEUE_URL", *drop)
    env = {k: v for k, v in os.environ.items() if not k.startswith(gone)}
    return {**env, "SPARRING_DATA_DIR": str(data_dir), **extra}


def use_in_process(data_dir: Path, *drop: str, **extra: str) -> dict[str, str]:
    """Make `app_env` this process's environment, before the app reads its settings."""
    if "app.core.config" in sys.modules:
        raise RuntimeError("the app was imported before its data folder was set")
    env = app_env(data_dir, *drop, **extra)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    return env


def prepare(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Migrate the data folder and make the demo accounts with the app's own CLI
    (`migrate`, `demo-users`); the demo logins, (e-mail, password) by role."""
    for command in ("migrate", "demo-users"):
        done = subprocess.run([sys.executable, "-m", "app.cli", command], cwd=ROOT, env=env,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"app.cli {command} failed:\n{done.stdout}\n{done.stderr}")
    logins = Path(env["SPARRING_DATA_DIR"]) / "demo-logins.txt"
    rows = [line.split() for line in logins.read_text().splitlines()]
    return {row[0]: (row[1], row[2]) for row in rows if len(row) == 3}


# Logged in -------------------------------------------------------------------------------


def login(client: Any, email: str, password: str) -> Any:
    """Log in through the login form, as a browser does; from then on every request carries
    the CSRF token as a header. A TestClient or an httpx.Client (the same interface)."""
    client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        raise RuntimeError("the login page set no CSRF cookie")
    form = {"email": email, "password": password, "csrf_token": token}
    response = client.post("/login", data=form, follow_redirects=False)
    if response.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {response.status_code} {response.text[:300]}")
    # The token is bound to the login: the cookie now holds a copy of the new one.
    client.headers[CSRF_HEADER] = client.cookies.get(CSRF_COOKIE) or token
    return client


def upload_fields(title: str, case_reference: str, language: str) -> dict[str, str]:
    """The upload form's text fields, with a complete consent record."""
    fields = {"title": title, "case_reference": case_reference, "language": language}
    return {**fields, **_helpers().CONSENT}


class Server:
    """The app in a process of its own on a free port: uvicorn as the tests run it (with
    uvicorn's `options`), or, with `cli`, `python -m app.cli serve` as the README does;
    `cwd`: the tree whose code it runs; `output`: where its stdout and stderr go."""

    def __init__(
        self,
        env: dict[str, str],
        cli: bool = False,
        options: tuple[str, ...] = (),
        cwd: Path = ROOT,
        output: Any = None,
    ) -> None:
        port = _helpers().free_port()
        command = _helpers().uvicorn_command(port, *options)
        if cli:
            env = {**env, "SPARRING_HOST": "127.0.0.1", "SPARRING_PORT": str(port)}
            command = [sys.executable, "-m", "app.cli", "serve"]
        self.env = env
        self.proc, self.base = _helpers().start_server(
            env, port=port, command=command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
        )
        self.pid = self.proc.pid
        self.sampler: measure.Sampler | None = None

    def sample_memory(self) -> measure.Sampler:
        """The server's memory every 50 ms from now until it stops (`measure.Sampler`)."""
        self.sampler = measure.Sampler(self.pid)
        return self.sampler

    def login(self, email: str, password: str, **options: Any) -> Any:
        """An httpx.Client logged in (also `self.client`; `self.auth`: curl's headers)."""
        import httpx

        self.client = httpx.Client(base_url=self.base, **{"timeout": 60.0, **options})
        login(self.client, email, password)
        cookies = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        self.auth = {"Cookie": cookies, CSRF_HEADER: self.client.headers[CSRF_HEADER]}
        return self.client

    def cpu(self) -> float:
        return measure.cpu_seconds(self.pid)

    def curl_upload(self, source: Path, fields: dict[str, str], multipart: bool = False) -> dict:
        """POST /api/v1/recordings with curl, logged in: the file as the body and the fields
        in X-Upload-Fields (the page's fast path), or with `multipart` a form (`curl -F`,
        the page without JavaScript). Times to the 201, and the answer."""
        command = ["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST"]
        for name, value in self.auth.items():
            command += ["-H", f"{name}: {value}"]
        if multipart:
            command += [arg for k, v in fields.items() for arg in ("-F", f"{k}={v}")]
            command += ["-F", f"file=@{source};type=audio/wav"]
        else:
            header = urlencode({**fields, "filename": source.name})
            command += ["-T", str(source), "-H", "Content-Type: application/octet-stream"]
            command += ["-H", f"X-Upload-Fields: {header}"]
        t0 = time.perf_counter()
        done = subprocess.run([*command, f"{self.base}/api/v1/recordings"], capture_output=True,
                              text=True)  # fmt: skip
        t1 = time.perf_counter()
        body, _, code = done.stdout.rpartition("\n")
        if done.returncode != 0 or code != "201":
            raise RuntimeError(f"upload failed: {code} {done.stderr} {body[:500]}")
        return {"start": t0, "end": t1, "seconds": t1 - t0, "json": json.loads(body)}

    def delete(self, recording_id: str) -> None:
        self.client.delete(f"/api/v1/recordings/{recording_id}").raise_for_status()

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        _helpers().stop(self.proc)


class Worker:
    """`python -m app.cli worker` as scripts/start runs it (the supervisor and its worker
    process) with `env`, its output in `log_path`; ready once the queue's consumer has
    started. `label`: what the script calls it (the setting it runs with, say)."""

    def __init__(self, env: dict[str, str], log_path: Path, label: str = "") -> None:
        self.label, self.log_path = label, log_path
        self._log = log_path.open("wb")
        command = [sys.executable, "-m", "app.cli", "worker"]
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self.pid = self._started()
        except BaseException:
            self.stop()
            raise

    def _started(self) -> int:
        """The worker process's id, once the consumer waits on the queue."""
        wait_until = _helpers().wait_until
        wait_until(lambda: self.proc.poll() is not None or b"consumer started" in
                   self.log_path.read_bytes(), 180, "the worker to start")  # fmt: skip
        if self.proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{self.log_path.read_text()[-2000:]}")
        return int(wait_until(lambda: measure.children(self.proc.pid), 10, "its process")[0])

    def cpu(self) -> float:
        """The worker process's CPU time, with the ffmpeg runs it waited for."""
        return measure.cpu_seconds(self.pid, waited_children=True)

    def stop(self) -> None:
        _helpers().stop(self.proc)
        self._log.close()


def chromium(playwright: Any, *args: str) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])

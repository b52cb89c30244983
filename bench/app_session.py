"""Shared benchmark helper: a migrated data folder with a caseworker, and a logged-in client.

Uploads need a logged-in caseworker (or supervisor), the CSRF token and a consent record.
The data folder is migrated and given the demo accounts with the app's own CLI
(`python -m app.cli migrate`, `python -m app.cli demo-users`); the client logs in through
the real login form, as a browser does, and sends the CSRF token as a header afterwards.
Works with fastapi.testclient.TestClient and with httpx.Client (same interface).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSRF_COOKIE = "vs_csrf"
CSRF_HEADER = "X-CSRF-Token"
sys.path.insert(0, str(ROOT))

# The tests' process helpers serve here too: starting the app and its workers, waiting.
from tests.helpers import (  # noqa: E402, F401
    CONSENT,
    free_port,
    start_server,
    start_worker,
    stop,
    uvicorn_command,
    wait_until,
)


def app_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for app processes: a fresh data folder, embedded SQLite and queue."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SPARRING_DATABASE_URL", "SPARRING_QUEUE_URL")
    }
    env.update({"SPARRING_DATA_DIR": str(data_dir), **extra})
    return env


def prepare_data_dir(env: dict[str, str]) -> tuple[str, str]:
    """Migrate the data folder and make the demo accounts; return the caseworker's login."""
    data_dir = Path(env["SPARRING_DATA_DIR"])
    for command in ("migrate", "demo-users"):
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", command],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"app.cli {command} failed:\n{done.stdout}\n{done.stderr}")
    logins = data_dir / "demo-logins.txt"
    for line in logins.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "caseworker":
            return parts[1], parts[2]
    raise RuntimeError(f"no caseworker in {logins}")


def login(client, email: str, password: str):  # type: ignore[no-untyped-def]
    """Log in through the login form; afterwards every request carries the CSRF header."""
    client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        raise RuntimeError("the login page set no CSRF cookie")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {response.status_code} {response.text[:300]}")
    # The token is bound to the login: the cookie now holds a copy of the new one.
    client.headers[CSRF_HEADER] = client.cookies.get(CSRF_COOKIE) or token
    return client


def upload_fields(title: str, case_reference: str, language: str) -> dict[str, str]:
    """The upload form's text fields, with a complete consent record."""
    return {"title": title, "case_reference": case_reference, "language": language, **CONSENT}

"""The deployment files name the project's real commands and settings; at-scale setup runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
import yaml

from app.cli import COMMANDS
from app.core.config import Settings
from tests.conftest import BASE_USERS, PASSWORD, ROOT, free_port
from tests.helpers import CONSENT
from tests.mediafiles import FORMATS, MediaSet

SETTING_NAMES = {f"SPARRING_{name.upper()}" for name in Settings.model_fields}
HELPER_VARS = {"SPARRING_HOST", "SPARRING_PORT"}  # read by `videosparring serve`


def test_compose_file_uses_real_commands_and_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "app", "worker"} <= set(services)
    scripts = __import__("tomllib").loads((ROOT / "pyproject.toml").read_text())["project"][
        "scripts"
    ]
    for name in ("postgres", "redis", "app", "worker"):
        assert services[name]["restart"] == "unless-stopped", name  # a dead service comes back
    for name in ("app", "worker"):
        service = services[name]
        assert service["build"] == "."
        command = " ".join(service["command"])
        for part in command.split("&&"):
            words = part.replace("sh -c", "").split()
            assert words[0] in scripts, part  # the console script pyproject installs
            assert words[1] in COMMANDS, part
        for var in service["environment"]:
            assert var in SETTING_NAMES | HELPER_VARS, var
        assert "data:/data" in service["volumes"]
    app_env = services["app"]["environment"]
    assert app_env["SPARRING_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert app_env["SPARRING_QUEUE_URL"].startswith("redis://redis:")
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ("app", "workers", "migrations", "templates"):
        assert f"COPY {folder} " in dockerfile and (ROOT / folder).is_dir()
    assert "ffmpeg" in dockerfile


def test_readme_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "scripts/start" in readme and "scripts/test" in readme
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("exec scripts/test")
    for script in ("scripts/start", "scripts/test"):
        assert os.access(ROOT / script, os.X_OK)


@pytest.mark.slow
def test_at_scale_postgres_redis_server_and_two_workers(
    postgres_url: str, media: MediaSet, tmp_path: Path
) -> None:
    """The same code on PostgreSQL with the Redis queue: server and two worker processes."""
    queue_url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(queue_url).flushdb()
    data = tmp_path / "data"
    env = {
        **os.environ,
        "SPARRING_DATA_DIR": str(data),
        "SPARRING_DATABASE_URL": postgres_url,
        "SPARRING_QUEUE_URL": queue_url,
    }
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as conn:
        for table in ("word", "segment", "transcript", "job", "share", "consent", "recording"):
            conn.execute(f"DELETE FROM {table}")
    port = free_port()
    server = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    procs = [subprocess.Popen(server, cwd=ROOT, env=env)]
    procs += [
        subprocess.Popen(
            [sys.executable, "-m", "workers"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
        )
        for _ in range(2)
    ]
    try:
        browser = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        for _ in range(100):
            try:
                browser.get("/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        browser.get("/login")
        token = browser.cookies["vs_csrf"]
        login = {"email": BASE_USERS["caseworker"][0], "password": PASSWORD, "csrf_token": token}
        assert browser.post("/login", data=login).status_code in (200, 303)
        browser.headers["X-CSRF-Token"] = browser.cookies["vs_csrf"]  # bound to the session
        ids = []
        for fmt in (FORMATS[5], FORMATS[6], FORMATS[7]):
            fields = {"title": fmt.name, "case_reference": "SAG-SCALE", "language": "en", **CONSENT}
            with media.encoded(fmt).open("rb") as fh:
                response = browser.post(
                    "/api/v1/recordings", data=fields, files={"file": (fmt.name + fmt.suffix, fh)}
                )
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        deadline = time.time() + 120
        states: list[str] = []
        while time.time() < deadline:
            states = [browser.get(f"/api/v1/recordings/{i}").json()["status"] for i in ids]
            if all(s in ("ready", "failed") for s in states):
                break
            time.sleep(0.5)
        assert states == ["ready"] * 3
        for rid in ids:
            segments = browser.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
            assert any("horses" in s["text"].lower() for s in segments)
        assert (data / "media" / ids[0] / "original").exists()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        redis.Redis.from_url(queue_url).flushdb()


@pytest.mark.slow
def test_readme_start_command_serves_and_prints_demo_logins(tmp_path: Path) -> None:
    """`scripts/start` on an empty data folder: migrates, makes demo users, serves, works."""
    import signal

    port = free_port()
    env = {
        **os.environ,
        "SPARRING_DATA_DIR": str(tmp_path / "data"),
        "SPARRING_PORT": str(port),
        "SPARRING_WHISPER_MODEL": "bundled-tiny.en",
    }
    env.pop("SPARRING_DATABASE_URL", None)
    log = tmp_path / "start.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(ROOT / "scripts" / "start")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError(log.read_text()[-3000:])
        printed = log.read_text()
        admin_line = next(ln for ln in printed.splitlines() if "admin@demo.local" in ln)
        password = admin_line.split()[-1]
        browser = httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True)
        browser.get("/login")
        response = browser.post(
            "/login",
            data={
                "email": "admin@demo.local",
                "password": password,
                "csrf_token": browser.cookies["vs_csrf"],
            },
        )
        assert response.status_code == 200 and "/admin/users" in str(response.url)
        assert (tmp_path / "data" / "videosparring.db").exists()
        assert "Talemodel / speech model:" in printed and f"127.0.0.1:{port}" in printed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)

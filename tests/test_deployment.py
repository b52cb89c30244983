"""The deployment files name the project's real commands and settings; at-scale setup runs."""

import os
import subprocess
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
import yaml

from app.cli import COMMANDS
from app.core.config import Settings
from tests.support import ROOT
from tests.support.accounts import live_client
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import (
    app_env,
    free_port,
    healthy,
    start_server,
    start_worker,
    stop,
    wait_until,
)

SETTING_NAMES = {f"SPARRING_{name.upper()}" for name in Settings.model_fields}
HELPER_VARS = {"SPARRING_HOST", "SPARRING_PORT"}  # read by `videosparring serve`


def test_compose_file_uses_real_commands_and_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "minio", "app", "worker", "prometheus"} <= set(services)
    scripts = __import__("tomllib").loads((ROOT / "pyproject.toml").read_text())["project"][
        "scripts"
    ]
    for name in ("postgres", "redis", "minio", "app", "worker", "worker-gpu", "prometheus"):
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
    # Media in the bucket: the worker shares no folder with the web app.
    assert services["app"]["volumes"] == ["data:/data"]
    assert services["worker"]["volumes"] == ["workerdata:/data"]
    app_env = services["app"]["environment"]
    assert app_env["SPARRING_STORAGE"] == "s3"
    assert app_env["SPARRING_S3_ENDPOINT"] == "http://minio:9000"
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
    env = app_env(
        SPARRING_DATA_DIR=str(data),
        SPARRING_DATABASE_URL=postgres_url,
        SPARRING_QUEUE_URL=queue_url,
    )
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as conn:
        for table in ("word", "segment", "transcript", "job", "share", "consent", "recording"):
            conn.execute(f"DELETE FROM {table}")
    server, base = start_server(env)
    workers = [start_worker(env) for _ in range(2)]
    try:
        browser = live_client(base, timeout=30)
        ids = []
        for fmt in (FORMATS[5], FORMATS[6], FORMATS[7]):
            response = upload(
                browser, media.encoded(fmt), title=fmt.name, case_reference="SAG-SCALE"
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])

        def settled() -> list[str] | None:
            states = [browser.get(f"/api/v1/recordings/{i}").json()["status"] for i in ids]
            return states if all(s in ("ready", "failed") for s in states) else None

        assert wait_until(settled, 120, "the three jobs", every=0.5) == ["ready"] * 3
        for rid in ids:
            segments = browser.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
            assert any("horses" in s["text"].lower() for s in segments)
        assert (data / "media" / ids[0] / "original").exists()
    finally:
        stop(server, *workers)
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
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: proc.poll() is not None or healthy(base), 240, "scripts/start")
        assert proc.poll() is None, log.read_text()[-3000:]
        printed = log.read_text()
        admin_line = next(ln for ln in printed.splitlines() if "admin@demo.local" in ln)
        assert "kasper@demo.local" in printed  # the second caseworker, for the team demo
        password = admin_line.split()[-1]
        browser = httpx.Client(base_url=base, follow_redirects=True)
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

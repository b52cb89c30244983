"""Metrics on their own port (issue 26): the app under uvicorn with SPARRING_METRICS_PORT set
serves the Prometheus format there (and not on the app's port); request latency is labelled by
route template, never a recording's id, a title or an e-mail address; the queue, workers and
uploads come from the database. Debian's own Prometheus scrapes the port, and every query of
the Grafana dashboard in deploy/grafana/ answers from it."""

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import Job
from tests.support import ROOT
from tests.support.accounts import BASE_USERS, live_client
from tests.support.factories import ready_recording
from tests.support.media import MediaSet
from tests.support.servers import app_env, free_port, serving, wait_until

DASHBOARD = ROOT / "deploy" / "grafana" / "videosparring.json"
TITLE = "Metrikprøve om skolen"


@pytest.fixture(scope="module")
def metrics_app(sqlite_url: str) -> Iterator[tuple[str, str]]:
    """The app with metrics on; its base URL and the metrics' URL."""
    from tests.support.database import using

    port = free_port()
    env = app_env(SPARRING_DATABASE_URL=sqlite_url, SPARRING_METRICS_PORT=str(port))
    with using(sqlite_url), serving(env) as base:
        yield base, f"http://127.0.0.1:{port}/metrics"


def scrape(url: str) -> dict[str, list]:  # type: ignore[type-arg]
    text = httpx.get(url, timeout=10).text
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_metrics_are_served_on_their_own_port_without_personal_data(
    metrics_app: tuple[str, str], media: MediaSet
) -> None:
    base, url = metrics_app
    client = live_client(base)
    rid = ready_recording(client, media, title=TITLE)
    assert client.get(f"/recordings/{rid}").status_code == 200
    assert client.get("/recordings", params={"q": "hemmeligt søgeord"}).status_code == 200
    with session_scope() as session:  # the worker took 30 s over the 60-s recording
        job = session.exec(select(Job).where(Job.recording_id == rid)).one()
        assert job.finished_at is not None
        job.started_at = job.finished_at - timedelta(seconds=30)
        session.add(job)
    assert httpx.get(f"{base}/metrics").status_code == 404  # not on the app's port
    text = httpx.get(url, timeout=10).text
    for secret in (rid, TITLE, BASE_USERS["caseworker"][0], "hemmeligt"):
        assert secret not in text
    found = scrape(url)
    routes = {s.labels["route"] for s in found["videosparring_http_request_duration_seconds"]}
    assert {"/recordings/{recording_id}", "/recordings", "/api/v1/recordings", "/login"} <= routes
    jobs = {(s.labels["kind"], s.labels["status"]) for s in found["videosparring_jobs"]}
    assert ("process_recording", "succeeded") in jobs
    assert [s.value for s in found["videosparring_scrape_failed"]] == [0]
    assert "videosparring_uploads_in_progress" in found
    assert "videosparring_live_rooms" in found
    # The recording's page wrote its viewing to the audit log before it answered.
    assert found["videosparring_audit_entries_written"][0].value >= 1
    lag = {s.labels["quantile"]: s.value for s in found["videosparring_audit_writer_lag_seconds"]}
    assert 0 < lag["0.5"] <= lag["0.95"] < 30
    assert [s.value for s in found["videosparring_audit_writer_waiting"]] == [0]
    finished = {
        (s.labels["kind"], s.labels["status"]): s.value
        for s in found["videosparring_jobs_finished_recent"]
    }
    assert finished[("process_recording", "succeeded")] >= 1
    speed = {
        s.labels["quantile"]: s.value
        for s in found["videosparring_transcription_realtime_factor"]
        if s.labels["model"] == settings.whisper_model
    }
    assert speed["0.5"] == pytest.approx(0.5, abs=0.01)


@contextmanager
def prometheus_on(tmp_path: Path, target: str) -> Iterator[str]:
    """Debian's Prometheus scraping `target` every second, on a free port; its URL."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: videosparring\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_debians_prometheus_scrapes_it_and_every_dashboard_query_answers(
    metrics_app: tuple[str, str], tmp_path: Path
) -> None:
    base, url = metrics_app
    httpx.get(f"{base}/login")  # a request to time
    target = url.removeprefix("http://").removesuffix("/metrics")
    with prometheus_on(tmp_path, target) as prometheus:

        def results(query: str) -> list[dict]:  # type: ignore[type-arg]
            try:
                answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": query})
                return list(answer.json().get("data", {}).get("result", []))
            except (httpx.HTTPError, ValueError):  # still starting: "Service Unavailable"
                return []

        up = lambda: any(r["value"][1] == "1" for r in results("up"))  # noqa: E731
        wait_until(up, 60, "Prometheus to scrape the metrics port")
        # Two scrapes at least, so that rate() over a window has two points to work with.
        twice = lambda: any(float(r["value"][1]) >= 2 for r in results("count_over_time(up[1m])"))  # noqa: E731
        wait_until(twice, 30, "a second scrape")
        queries = [
            target["expr"]
            for panel in json.loads(DASHBOARD.read_text())["panels"]
            for target in panel["targets"]
        ]
        assert len(queries) >= 8
        for query in queries:
            answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": query}).json()
            assert answer["status"] == "success", (query, answer)
        jobs = httpx.get(
            f"{prometheus}/api/v1/query", params={"query": "videosparring_scrape_failed"}
        ).json()
        assert jobs["data"]["result"][0]["value"][1] == "0"

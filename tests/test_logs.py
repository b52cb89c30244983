"""Structured logs (issue 26): JSON, one event a line, with the request id from the request
through the job it makes into the worker's lines; never a name, an e-mail address, a title,
a case reference, a file name, transcript text or a search word."""

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core import logs
from app.core.config import settings
from app.jobs import service as job_service
from tests.support.accounts import BASE_USERS, live_client
from tests.support.feedback import criterion_ids, give
from tests.support.jobs import flush_queues
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import app_env, free_port, serving, start_worker, stop, wait_until

HEX_ID = re.compile(r"[0-9a-f]{32}")


def lines_of(handler_stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in handler_stream.getvalue().splitlines()]


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.StreamHandler]]:  # type: ignore[type-arg]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_formatter_writes_one_json_object_a_line_with_the_context(captured) -> None:  # type: ignore[no-untyped-def]
    log, stream, _ = captured
    log.info("before any request")
    with logs.context(request_id="req-1", job_id=7, recording_id="ab12"):
        log.info("job %s ran\non two lines", 7, extra={"user_id": 3})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    log.warning("after")
    first, inside, failed, after = lines_of(stream)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "tests.logs"
    moment = str(first["time"])
    assert moment.endswith("Z") and datetime.fromisoformat(moment).utcoffset() is not None
    assert inside == {
        "time": inside["time"],
        "level": "INFO",
        "logger": "tests.logs",
        "message": "job 7 ran\non two lines",
        "request_id": "req-1",
        "job_id": 7,
        "recording_id": "ab12",
        "user_id": 3,
    }
    assert failed["request_id"] == "req-1" and "ValueError: boom" in str(failed["exc_info"])
    assert "request_id" not in after and after["level"] == "WARNING"


def test_text_format_names_the_context_too(captured) -> None:  # type: ignore[no-untyped-def]
    log, stream, handler = captured
    handler.setFormatter(logs.TextFormatter())
    with logs.context(request_id="req-2"):
        log.info("plain")
    assert stream.getvalue().rstrip().endswith("tests.logs INFO plain request_id=req-2")


def test_configure_puts_one_handler_on_the_root_and_silences_uvicorns_access_log() -> None:
    root = logging.getLogger()
    level = root.level
    try:
        logs.configure("json", "warning")  # pytest's handlers are there: left alone
        assert not [h for h in root.handlers if isinstance(h, logs._Ours)]
        logs.configure("json", "warning", force=True)
        logs.configure("text", "info", force=True)
        ours = [h for h in root.handlers if isinstance(h, logs._Ours)]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.TextFormatter)
        assert root.level == logging.INFO
        assert logging.getLogger("uvicorn.access").disabled
        assert logging.getLogger("uvicorn.error").propagate
    finally:
        for handler in [h for h in root.handlers if isinstance(h, logs._Ours)]:
            root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("trace-0A.b_c-9", True), ("", False), ("x" * 65, False), ("a b", False), ("ø", False)],
)
def test_request_id_is_the_clients_safe_token_or_a_new_one(
    given: str,
    kept: bool,
    sqlite_db: str,
    anonymous: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"X-Request-ID": given.encode()} if given else {}
    with caplog.at_level(logging.INFO, logger="videosparring.access"):
        response = anonymous.get(
            "/recordings/sara-samtale", headers=headers, follow_redirects=False
        )
    rid = response.headers["x-request-id"]
    assert rid == given if kept else HEX_ID.fullmatch(rid)
    (access,) = [r for r in caplog.records if r.name == "videosparring.access"]
    assert logs.JsonFormatter().format(access)  # its extra fields are JSON
    assert access.__dict__["route"] == "/recordings/{recording_id}"
    assert access.__dict__["status"] == response.status_code
    assert access.__dict__["method"] == "GET" and access.__dict__["duration_ms"] >= 0
    assert "sara-samtale" not in access.getMessage()


def test_a_job_made_in_a_request_carries_its_request_id(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 201, response.text
    from sqlmodel import select

    from app.core.db import session_scope
    from app.jobs.models import Job

    with session_scope() as session:
        job = session.exec(select(Job).where(Job.recording_id == response.json()["id"])).one()
        origin = job_service.origin(session=session, job_id=job.id or 0)
    assert job.request_id == response.headers["x-request-id"]
    assert origin == (job.kind, job.recording_id, job.request_id)


# --- A whole run: the real start command, a real worker, and what they wrote ----------------

UPLOAD_ID = "upload-7f3a9c"
TITLE = "Samtalen med Mikkel om weekenden"
CASE = "SAG-LOG-4711"
PERSON_NAMES = ["Mikkel Vestergaard", "Bodil Kragh"]
FILENAME = "Mikkel Vestergaard samtale.mp4"
FEEDBACK = "Fint åbent spørgsmål om fodbold"
SEARCH = "weekendhemmelighed"


@pytest.mark.slow
def test_a_full_runs_logs_are_json_carry_the_request_id_and_hold_no_personal_data(
    sqlite_db: str, media: MediaSet, tmp_path: Path
) -> None:
    flush_queues()
    port = free_port()
    url = settings.sqlalchemy_url
    app_log, worker_log = tmp_path / "app.log", tmp_path / "worker.log"
    serve = [sys.executable, "-m", "app.cli", "serve"]
    env = app_env(SPARRING_DATABASE_URL=url, SPARRING_PORT=str(port))
    with app_log.open("wb") as app_out, worker_log.open("wb") as worker_out:
        worker = start_worker(app_env(SPARRING_DATABASE_URL=url), worker_out)
        try:
            with serving(
                env, port=port, command=serve, stdout=app_out, stderr=subprocess.STDOUT
            ) as base:
                client = live_client(base)
                client.headers["X-Request-ID"] = UPLOAD_ID
                response = upload(
                    client,
                    media.encoded(FORMATS[0]),
                    title=TITLE,
                    case_reference=CASE,
                    filename=FILENAME,
                    extra={"person_names": "\n".join(PERSON_NAMES)},
                )
                del client.headers["X-Request-ID"]
                assert response.status_code == 201, response.text
                assert response.headers["x-request-id"] == UPLOAD_ID
                rid = response.json()["id"]
                wait_until(
                    lambda: client.get(f"/api/v1/recordings/{rid}").json()["status"] == "ready",
                    300,
                    "the worker to make the recording ready",
                    every=0.5,
                )
                segments = client.get(f"/api/v1/recordings/{rid}/transcript").json()["segments"]
                spoken = [s["text"].strip() for s in segments if len(s["text"].strip()) > 12]
                assert spoken, "the worker heard nothing to look for"
                criterion = criterion_ids(client)[0]  # type: ignore[arg-type]
                give(client, f"/api/v1/recordings/{rid}/feedback", criterion, 1.0, FEEDBACK)  # type: ignore[arg-type]
                assert client.get("/recordings", params={"q": SEARCH}).status_code == 200
                assert client.get("/api/v1/recordings", params={"q": SEARCH}).status_code == 200
                assert client.get(f"/nowhere/{PERSON_NAMES[1]}").status_code == 404
                client.close()
        finally:
            stop(worker)
    app_text, worker_text = app_log.read_text(), worker_log.read_text()
    app_lines = [json.loads(line) for line in app_text.splitlines()]
    worker_lines = [json.loads(line) for line in worker_text.splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in app_lines)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in worker_lines)

    access = [line for line in app_lines if line["logger"] == "videosparring.access"]
    (uploaded,) = [line for line in access if line["request_id"] == UPLOAD_ID]
    assert (uploaded["route"], uploaded["status"]) == ("/api/v1/recordings", 201)
    assert {
        "/recordings",
        "/api/v1/recordings",
        "/api/v1/recordings/{recording_id}/feedback",
        "unmatched",
    } <= {line["route"] for line in access}
    jobs = [line for line in worker_lines if line.get("request_id") == UPLOAD_ID]
    assert any(line.get("job_id") and line.get("recording_id") == rid for line in jobs), (
        worker_text[-3000:]
    )
    assert any(line.get("outcome") == "succeeded" for line in jobs)

    secrets = [TITLE, CASE, *PERSON_NAMES, FILENAME, FEEDBACK, SEARCH, *spoken]
    for email, name in BASE_USERS.values():
        secrets += [email, name]
    for secret in secrets:
        assert secret not in app_text, f"{secret!r} in the app's log"
        assert secret not in worker_text, f"{secret!r} in the worker's log"

"""Logging in from a script: `POST /api/v1/auth/login` with JSON, the README's example."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Role, User
from app.audit.models import AuditEntry
from app.core.config import settings
from app.core.db import session_scope
from tests.support import ROOT
from tests.support.accounts import (
    BASE_USERS,
    PASSWORD,
    ClientFactory,
    code_at,
    free_step,
    link_path,
    make_user,
    post_login,
    set_password,
    user_id,
    wait_for_step,
)
from tests.support.audit import entries, last_seq
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import CONSENT
from tests.support.servers import app_env

CASEWORKER = BASE_USERS["caseworker"][0]
M4A = next(f for f in FORMATS if f.name == "m4a-aac")


def api_login(
    client: TestClient, email: str, password: str, code: str | None = "auto", **headers: str
):  # type: ignore[no-untyped-def]
    """The JSON login with the authenticator's code now ("auto"), a given code, or none."""
    body = {"email": email, "password": password}
    if code == "auto":
        step = free_step(email) or wait_for_step(email)
        code = code_at(email, step)
    if code is not None:
        body["code"] = code
    return client.post("/api/v1/auth/login", json=body, headers=headers)


def test_right_password_gives_a_session_and_a_token(sqlite_db: str, anonymous: TestClient) -> None:
    since = last_seq()
    answer = api_login(anonymous, CASEWORKER, PASSWORD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user"]["email"] == CASEWORKER and body["user"]["role"] == "caseworker"
    assert "password" not in answer.text and "hash" not in answer.text
    assert re.fullmatch(r"[\w\-]{20,}", body["csrf_token"])
    assert "vs_session" in answer.headers["set-cookie"]
    assert anonymous.get("/api/v1/me").json()["email"] == CASEWORKER
    assert [e.actor_email for e in entries(since, action="login")] == [CASEWORKER]
    assert body["notices"] == []


def test_the_password_alone_gets_no_session(db: str, anonymous: TestClient) -> None:
    """The code goes beside the password; without it, or with a wrong or used one, 401
    and no session. A person who never set up their authenticator is sent to the page."""
    alone = api_login(anonymous, CASEWORKER, PASSWORD, code=None)
    assert alone.status_code == 401 and alone.json()["code"] == "second_factor.code_required"
    wrong = api_login(anonymous, CASEWORKER, PASSWORD, code="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "second_factor.bad_code"
    assert "vs_session" not in wrong.headers.get("set-cookie", "")
    assert anonymous.get("/api/v1/me").status_code == 401
    step = free_step(CASEWORKER)
    assert step is not None
    assert (
        api_login(anonymous, CASEWORKER, PASSWORD, code=code_at(CASEWORKER, step)).status_code
        == 200
    )
    used = api_login(
        TestClient(anonymous.app), CASEWORKER, PASSWORD, code=code_at(CASEWORKER, step)
    )
    assert used.status_code == 401 and used.json()["code"] == "second_factor.bad_code"
    make_user("ny@kommune.test", Role.caseworker)
    with session_scope() as session:  # their authenticator is not set up yet
        person = session.exec(select(User).where(User.email == "ny@kommune.test")).one()
        person.totp_enrolled_at = person.totp_secret = None
        session.add(person)
    fresh = api_login(anonymous, "ny@kommune.test", PASSWORD, code="123456")
    assert fresh.status_code == 403 and fresh.json()["code"] == "second_factor.not_set_up"


def reset_notice_due(email: str) -> bool:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == email)).one().reset_notice_due


def test_the_reset_notice_reaches_the_person_at_their_api_login(
    db: str, anonymous: TestClient, open_client: ClientFactory
) -> None:
    """An administrator resets a person's password and whoever opens the link chooses one:
    the notice waits through a login that stops at the second factor and through someone
    else's login, is in `notices` when the person completes an API login with their own
    authenticator, and is not there at their next."""
    person = BASE_USERS["caseworker2"][0]
    admin = open_client(BASE_USERS["administrator"][0])
    reset = admin.post(f"/admin/users/{user_id('caseworker2')}/reset")
    assert reset.status_code == 200, reset.text
    set_password(open_client(), link_path(reset.text), "chosen by whoever opened it")
    assert reset_notice_due(person)

    stopped = api_login(TestClient(anonymous.app), person, "chosen by whoever opened it", "000000")
    assert stopped.status_code == 401 and stopped.json()["code"] == "second_factor.bad_code"
    someone_else = api_login(TestClient(anonymous.app), CASEWORKER, PASSWORD)
    assert someone_else.status_code == 200 and someone_else.json()["notices"] == []
    assert reset_notice_due(person)

    told = api_login(anonymous, person, "chosen by whoever opened it")
    assert told.status_code == 200, told.text
    assert told.json()["notices"] == ["password_reset"]
    assert not reset_notice_due(person)
    again = api_login(TestClient(anonymous.app), person, "chosen by whoever opened it")
    assert again.status_code == 200, again.text
    assert again.json()["notices"] == []


def test_codes_are_throttled_like_passwords(db: str, anonymous: TestClient) -> None:
    for _ in range(settings.login_max_failures):
        assert api_login(anonymous, CASEWORKER, PASSWORD, code="000000").status_code == 401
    locked = api_login(anonymous, CASEWORKER, PASSWORD)  # even the right code
    assert locked.status_code == 429 and locked.json()["code"] == "account.locked"
    assert len(entries(last_seq() - 10, action="second_factor_failed")) >= 1


def test_wrong_password_and_unknown_person_get_the_same_401(
    sqlite_db: str, anonymous: TestClient
) -> None:
    since = last_seq()
    wrong = api_login(anonymous, CASEWORKER, "not the password at all")
    unknown = api_login(anonymous, "nobody@kommune.test", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "account.bad_login"
    assert anonymous.get("/api/v1/me").status_code == 401
    assert len(entries(since, action="login_failed")) == 2


def test_login_api_is_throttled_like_the_page(sqlite_db: str, anonymous: TestClient) -> None:
    for _ in range(settings.login_max_failures):
        assert api_login(anonymous, CASEWORKER, "guess guess guess").status_code == 401
    locked = api_login(anonymous, CASEWORKER, PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert locked.json()["code"] == "account.locked"
    # The page shares the counters: it is locked there too.
    page = post_login(anonymous, CASEWORKER)
    assert page.status_code == 429


def test_only_json_from_our_own_origin(sqlite_db: str, anonymous: TestClient) -> None:
    form = anonymous.post(
        "/api/v1/auth/login", data={"email": CASEWORKER, "password": PASSWORD}
    )  # a cross-site form could send this without a preflight
    assert form.status_code == 415
    foreign = api_login(anonymous, CASEWORKER, PASSWORD, Origin="https://evil.example")
    assert foreign.status_code == 403
    assert anonymous.get("/api/v1/me").status_code == 401


def test_upload_after_login_needs_the_csrf_token(
    sqlite_db: str, anonymous: TestClient, media: MediaSet
) -> None:
    token = api_login(anonymous, CASEWORKER, PASSWORD).json()["csrf_token"]
    fields = {"title": "T", "case_reference": "SAG-API-1", "language": "da", **CONSENT}

    def send(headers: dict[str, str]):  # type: ignore[no-untyped-def]
        with media.encoded(M4A).open("rb") as fh:
            files = {"file": ("a.m4a", fh, "application/octet-stream")}
            return anonymous.post("/api/v1/recordings", data=fields, files=files, headers=headers)

    assert send({}).status_code == 403
    assert send({"X-CSRF-Token": "forged"}).status_code == 403
    stored = send({"X-CSRF-Token": token})
    assert stored.status_code == 201, stored.text
    assert anonymous.get(f"/api/v1/recordings/{stored.json()['id']}").status_code == 200


def test_logout_needs_the_token_and_ends_the_session(sqlite_db: str, anonymous: TestClient) -> None:
    token = api_login(anonymous, CASEWORKER, PASSWORD).json()["csrf_token"]
    assert anonymous.post("/api/v1/auth/logout").status_code == 403
    assert anonymous.get("/api/v1/me").status_code == 200
    out = anonymous.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token})
    assert out.status_code == 204
    assert anonymous.get("/api/v1/me").status_code == 401


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- api-example -->\n```python\n(.*?)```", text, re.S)
    assert found, "README.md has no API example"
    return found.group(1)


def test_readme_example_logs_in_uploads_and_reads_back(
    shared_db: str, media: MediaSet, tmp_path: Path
) -> None:
    """The README's block, run as it is, against the app under uvicorn."""
    script = tmp_path / "upload.py"
    script.write_text(readme_example())
    env = app_env(
        VIDEOSPARRING_URL=shared_db,
        VIDEOSPARRING_EMAIL=CASEWORKER,
        VIDEOSPARRING_PASSWORD=PASSWORD,
        VIDEOSPARRING_CODE=code_at(CASEWORKER, free_step(CASEWORKER) or wait_for_step(CASEWORKER)),
    )
    done = subprocess.run(
        [sys.executable, str(script), str(media.encoded(M4A))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    recording_id, status, case = done.stdout.split()
    assert status in ("queued", "processing", "ready") and case == "SAG-2026-001"
    with session_scope() as session:
        logins = session.exec(
            select(AuditEntry).where(
                AuditEntry.actor_email == CASEWORKER, AuditEntry.action == "upload"
            )
        ).all()
    assert recording_id in {e.recording_id for e in logins}


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    from app.accounts import throttle

    throttle.reset("memory://")

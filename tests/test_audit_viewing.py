"""Every read of content is in the audit log once per viewing, whatever form the request has.

A viewing is one person, one recording and one kind of content (the media, asked for when
someone plays it; the transcript with its page, still and captions; each export format)
for 30 minutes.
The clock the viewing check reads is moved forward to start the next viewing.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import col, select

from app.audit import service as audit
from app.audit import viewing
from app.audit.models import AuditEntry, AuditViewing
from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from tests.support import ROOT
from tests.support.accounts import user_id
from tests.support.audit import last_seq
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload

SARA = "sara@kommune.test"


class Clock:
    """The viewing check's clock; each `next_window()` is more than 30 minutes later."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def next_window(self) -> None:
        self.offset += timedelta(minutes=31)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(viewing, "utcnow", moved.now)
    return moved


@pytest.fixture
def ready(db: str, client: TestClient, media: MediaSet) -> Iterator[str]:
    """A ready video recording of the caseworker's, with transcript and poster."""
    created = upload(client, media.encoded(FORMATS[0]))
    assert created.status_code == 201, created.text
    make_ready(created.json()["id"], SPOKEN_EN, media_files=True)
    yield created.json()["id"]


@pytest.fixture
def uploaded(db: str, client: TestClient, media: MediaSet) -> str:
    """A recording still queued: enough for a viewing row to hang on."""
    created = upload(client, media.encoded(FORMATS[0]))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def entries_of(recording_id: str, after: int) -> list[tuple[str, str | None, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.seq > after, AuditEntry.recording_id == recording_id)
            .order_by(col(AuditEntry.seq))
        ).all()
        return [(e.action, e.actor_email, e.detail) for e in rows]


Get = Callable[[TestClient, str], Response]


def media_range(range_header: str | None) -> Get:
    headers = {"Range": range_header} if range_header else {}
    return lambda c, rid: c.get(f"/api/v1/recordings/{rid}/media", headers=headers)


def path(template: str) -> Get:
    return lambda c, rid: c.get(template.format(rid=rid))


TRANSCRIPT = "/api/v1/recordings/{rid}/transcript"
# (form, request, the action and detail of its entry, another form of the same viewing)
FORMS: list[tuple[str, Get, str, str, Get]] = [
    ("no range", media_range(None), "playback", "media", media_range("bytes=0-")),
    ("bytes=0-", media_range("bytes=0-"), "playback", "media", media_range("bytes=100-200")),
    ("bytes=1-", media_range("bytes=1-"), "playback", "media", media_range("bytes=0-")),
    ("bytes=-N", media_range("bytes=-500"), "playback", "media", media_range(None)),
    ("multi-range", media_range("bytes=0-9,100-199"), "playback", "media", media_range("bytes=-9")),
    # The still comes with the page: part of its viewing, never a playback (issue 19).
    (
        "poster",
        path("/api/v1/recordings/{rid}/poster"),
        "view",
        "poster",
        path("/recordings/{rid}"),
    ),
    ("transcript JSON", path(TRANSCRIPT), "view", "transcript", path("/recordings/{rid}")),
    ("transcript page", path("/recordings/{rid}"), "view", "page", path(TRANSCRIPT)),
    ("VTT inline", path(TRANSCRIPT + "/export.vtt"), "view", "captions", path(TRANSCRIPT)),
    (
        "VTT download",
        path(TRANSCRIPT + "/export.vtt?download=1"),
        "download",
        "transcript.vtt",
        path(TRANSCRIPT + "/export.vtt?download=1"),
    ),
    (
        "SRT",
        path(TRANSCRIPT + "/export.srt"),
        "download",
        "transcript.srt",
        path(TRANSCRIPT + "/export.srt"),
    ),
    (
        "text",
        path(TRANSCRIPT + "/export.txt"),
        "download",
        "transcript.txt",
        path(TRANSCRIPT + "/export.txt"),
    ),
]


def test_every_form_of_read_writes_one_entry_per_viewing(
    ready: str, client: TestClient, clock: Clock
) -> None:
    """Each form starts a viewing with one entry; repeats and siblings in the window add none."""
    for form, first, action, detail, sibling in FORMS:
        clock.next_window()
        start = last_seq()
        response = first(client, ready)
        assert response.status_code in (200, 206), (form, response.status_code)
        assert response.content, form
        assert entries_of(ready, start) == [(action, SARA, detail)], form

        again = last_seq()
        assert first(client, ready).status_code in (200, 206)
        assert sibling(client, ready).status_code in (200, 206)
        assert entries_of(ready, again) == [], f"{form}: a second request in the viewing"


def test_one_viewing_across_processes_until_the_window_ends(
    ready: str, client: TestClient, clock: Clock
) -> None:
    clock.next_window()
    start = last_seq()
    client.get(f"/api/v1/recordings/{ready}/media", headers={"Range": "bytes=0-"})
    client.get(f"/api/v1/recordings/{ready}/transcript")
    client.get(f"/api/v1/recordings/{ready}/transcript/export.srt")
    client.get(f"/api/v1/recordings/{ready}/transcript/export.txt")
    kinds = [action for action, _, _ in entries_of(ready, start)]
    assert kinds == ["playback", "view", "download", "download"]

    # A second server process (no memory of the viewing) finds it in the database.
    viewing._opened.clear()
    middle = last_seq()
    client.get(f"/api/v1/recordings/{ready}/media", headers={"Range": "bytes=900-"})
    assert entries_of(ready, middle) == []

    # A seek while the chain's writer is busy (held here) is answered all the same.
    answers: list[int] = []

    def seek() -> None:
        response = client.get(f"/api/v1/recordings/{ready}/media", headers={"Range": "bytes=50-99"})
        answers.append(response.status_code)

    with audit._lock:
        reader = threading.Thread(target=seek)
        reader.start()
        reader.join(timeout=60)
        finished = not reader.is_alive()
    reader.join()
    assert finished and answers == [206]

    # 29 minutes on: the same viewing. Past 30 minutes from its start: a new one.
    clock.offset += timedelta(minutes=29)
    client.get(f"/api/v1/recordings/{ready}/media", headers={"Range": "bytes=5000-"})
    assert entries_of(ready, middle) == []
    clock.offset += timedelta(minutes=2)
    client.get(f"/api/v1/recordings/{ready}/media", headers={"Range": "bytes=5000-"})
    assert entries_of(ready, middle) == [("playback", SARA, "media")]


def test_each_clip_of_a_recording_is_a_viewing_of_its_own(ready: str, client: TestClient) -> None:
    """Issue 18: the viewing's key names the clip, so a second clip of the same recording
    within the window writes its own entry."""
    first, second = make_clip(client, ready, 1.0, 4.0), make_clip(client, ready, 5.0, 9.0)
    start = last_seq()
    for clip_id in (first, first, second, second):
        assert client.get(f"/api/v1/clips/{clip_id}/transcript").status_code == 200
    assert entries_of(ready, start) == [
        ("view", SARA, f"clip {first} transcript"),
        ("view", SARA, f"clip {second} transcript"),
    ]


def test_a_clip_is_opened_with_its_still_and_played_apart(ready: str, client: TestClient) -> None:
    """Issue 19: the clip's page and still are one "opened" entry; its file, asked for when
    someone plays it, one "played" entry of its own (range requests and seeks add none)."""
    clip_id = make_clip(client, ready, 1.0, 4.0)
    assert cut_clips() == ["succeeded"]
    start = last_seq()
    assert client.get(f"/clips/{clip_id}").status_code == 200
    assert client.get(f"/api/v1/clips/{clip_id}/poster").status_code == 200
    assert entries_of(ready, start) == [("view", SARA, f"clip {clip_id} page")]
    played = last_seq()
    for header in ("bytes=0-", "bytes=100-", None):
        got = client.get(
            f"/api/v1/clips/{clip_id}/media", headers={"Range": header} if header else {}
        )
        assert got.status_code in (200, 206)
    assert entries_of(ready, played) == [("playback", SARA, f"clip {clip_id}")]


def verified() -> audit.VerifyResult:
    with session_scope() as session:
        return audit.verify(session=session)


def set_viewing(recording_id: str, kind: str, started_at: datetime) -> None:
    """A viewing row written straight into the table, as someone who can write to it would."""
    with session_scope() as session:
        me = user_id("caseworker")
        session.merge(
            AuditViewing(user_id=me, recording_id=recording_id, kind=kind, started_at=started_at)
        )


def test_a_viewing_dated_in_the_future_hides_no_read_and_verify_reports_it(
    ready: str, client: TestClient
) -> None:
    """Issue 18: such a row made every later read unaudited while the log verified OK."""
    assert verified().ok, verified().problem
    set_viewing(ready, "transcript", utcnow() + timedelta(days=365))
    result = verified()
    assert not result.ok and "dated in the future" in (result.problem or ""), result

    start = last_seq()
    assert client.get(f"/api/v1/recordings/{ready}/transcript").status_code == 200
    assert entries_of(ready, start) == [("view", SARA, "transcript")]
    assert verified().ok  # the read started a real viewing in the row's place
    again = last_seq()
    assert client.get(f"/api/v1/recordings/{ready}/transcript").status_code == 200
    assert entries_of(ready, again) == []

    # An open viewing without the entry that started it hides reads just the same.
    set_viewing(ready, "media", utcnow() - timedelta(minutes=1))
    result = verified()
    assert not result.ok and "has no entry in the chain" in (result.problem or ""), result


RACER = """
import sys, time
from datetime import datetime, timedelta
from pathlib import Path
from app.audit import service
go = Path(sys.argv[1])
(go.parent / sys.argv[5]).touch()  # imported and connected: ready to race
while not go.exists():
    time.sleep(0.01)
entry = service.record_viewing(
    user_id=int(sys.argv[2]), recording_id=sys.argv[3], kind="media",
    now=datetime.fromisoformat(sys.argv[4]), window=timedelta(minutes=30), action="playback",
)
print("started" if entry else "open")
"""


# Several server processes are the PostgreSQL deployment's case (SQLite's writer lock is
# the same BEGIN IMMEDIATE that the chain's other tests exercise).
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_server_processes_racing_write_one_entry(uploaded: str, tmp_path: Path) -> None:
    """The first requests of one viewing reach several processes at once: one entry."""
    go = tmp_path / "go"
    now = (utcnow() + timedelta(hours=5)).isoformat()
    env = {**os.environ, "SPARRING_DATABASE_URL": settings.sqlalchemy_url}
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                str(go),
                str(user_id("caseworker")),
                uploaded,
                now,
                f"r{i}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"r{i}").exists() for i in range(3)):
        assert time.monotonic() < deadline, "the racing processes did not start"
        time.sleep(0.05)
    go.touch()
    outcomes = sorted(racer.communicate(timeout=120)[0].strip() for racer in racers)
    assert outcomes == ["open", "open", "started"]

"""Backup and restore (issue 26): `videosparring backup` and `restore` with the database and
the media together (SQLite with the data folder; PostgreSQL with the S3 bucket), encrypted
with a key kept apart; a restore into an installation whose disk died brings everything back
but what was deleted after the backup (the deletion journal), the audit chain still verifies
and the recordings play; a backup with one byte changed, or the wrong key, is refused before
anything is restored."""

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.audit.verify import verify
from app.cli import main as cli
from app.core.config import settings
from app.core.db import session_scope
from app.feedback.models import Feedback
from app.journal import deletions
from app.media.models import MediaObject
from app.media.store import current
from app.recordings.models import Recording
from tests.conftest import start_afresh
from tests.support.accounts import BASE_USERS, ClientFactory, user_id
from tests.support.factories import ready_recording
from tests.support.feedback import criterion_ids, give
from tests.support.media import MediaSet
from tests.support.s3 import empty_bucket


def counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Recording, Feedback, MediaObject)
        )


def stored_hashes() -> dict[str, str]:
    store = current()
    return {
        item.key: hashlib.sha256(b"".join(store.read(item.key))).hexdigest()
        for item in store.list()
        if not item.key.startswith("health/")
    }


def disk_dies(store_db: str) -> None:
    """A new machine: the database as a fresh installation has it, no media."""
    start_afresh(settings.sqlalchemy_url)
    if store_db.startswith("s3"):
        empty_bucket()
    assert counts() == (0, 0, 0) and stored_hashes() == {}


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "backup.key"
    path.parent.mkdir()
    cli(["backup-key", str(path)])
    assert path.stat().st_mode & 0o777 == 0o600
    return path


def make_backup(destination: Path, key: Path) -> Path:
    cli(["backup", str(destination), "--key-file", str(key)])
    [made] = [p for p in destination.iterdir() if p.is_dir()]
    return made


def test_a_restore_brings_back_everything_but_what_was_deleted_after(
    store_db: str,
    client: TestClient,
    open_client: ClientFactory,
    media: MediaSet,
    key: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(settings, "deletion_journal", str(tmp_path / "journal" / "deletions.jsonl"))
    kept = ready_recording(client, media, title="Bliver")
    gone = ready_recording(client, media, title="Slettes efter backuppen")
    api = f"/api/v1/recordings/{kept}/feedback"
    give(client, api, criterion_ids(client)[0], 3.0, "Feedbacknoten om pausen")
    before = stored_hashes()
    made = make_backup(tmp_path / "backups", key)
    assert not list((tmp_path / "backups").glob("*.partial"))
    # Encrypted: no plaintext in any file (markers long enough not to occur by chance).
    for plain in ("Slettes efter backuppen", "Feedbacknoten om pausen", "SAG-2026-001"):
        found = [p for p in made.rglob("*") if p.is_file() and plain.encode() in p.read_bytes()]
        assert not found, (plain, found)

    assert client.delete(f"/api/v1/recordings/{gone}").status_code == 204
    carl = user_id("caseworker2")
    admin = open_client(BASE_USERS["administrator"][0])
    removed = admin.post(f"/admin/users/{carl}/delete", follow_redirects=False)
    assert removed.status_code == 303, removed.text
    journaled = list(deletions.read(Path(settings.deletion_journal)))
    assert [(e["kind"], e["id"], e["reason"]) for e in journaled] == [
        ("recording", gone, "deleted"),
        ("user", str(carl), "deleted"),
    ]

    disk_dies(store_db)
    cli(["restore", str(made), "--key-file", str(key)])
    assert "2 later deletions made again" in capsys.readouterr().out
    with session_scope() as session:
        assert session.get(Recording, gone) is None
        assert session.get(User, carl) is None
        assert session.get(Recording, kept) is not None
        assert session.exec(select(func.count()).select_from(Feedback)).one() == 1
        rows = session.exec(select(MediaObject.key, MediaObject.sha256)).all()
        assert verify(session=session).ok
        last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()  # type: ignore[attr-defined]
        assert last is not None and last.action == "restored"
    now = stored_hashes()
    assert now == {k: v for k, v in before.items() if not k.startswith(gone)}
    assert {k: v for k, v in rows} == now  # every row's object, with its checksum

    viewer = open_client(BASE_USERS["caseworker"][0])
    page = viewer.get(f"/recordings/{kept}")
    assert page.status_code == 200 and "Bliver" in page.text
    played = viewer.get(f"/api/v1/recordings/{kept}/media", headers={"Range": "bytes=0-"})
    assert played.status_code in (200, 206) and len(played.content) > 1000
    assert viewer.get(f"/recordings/{gone}").status_code == 404


def test_a_changed_byte_or_another_key_is_refused_before_anything_is_restored(
    sqlite_db: str, client: TestClient, media: MediaSet, key: Path, tmp_path: Path
) -> None:
    ready_recording(client, media)
    made = make_backup(tmp_path / "backups", key)
    # The journal went beside the backups (none was configured).
    assert deletions.path() == tmp_path / "backups" / deletions.JOURNAL_NAME
    deletions.pointer_file().unlink()
    disk_dies("local")

    other = tmp_path / "keys" / "other.key"
    cli(["backup-key", str(other)])
    with pytest.raises(SystemExit, match="Nothing was restored"):
        cli(["restore", str(made), "--key-file", str(other)])
    biggest = max(made.rglob("files/*.enc"), key=lambda p: p.stat().st_size)
    data = bytearray(biggest.read_bytes())
    data[len(data) // 2] ^= 0x01
    biggest.write_bytes(bytes(data))
    with pytest.raises(SystemExit, match="Nothing was restored"):
        cli(["restore", str(made), "--key-file", str(key)])
    assert counts() == (0, 0, 0) and stored_hashes() == {}

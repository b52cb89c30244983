"""The deletion journal (issue 26) names every way a recording goes: its caseworker deleting
it, withdrawn consent, retention, a person deleted with their recordings; once committed,
never on a rollback; ids and reasons only."""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.core.config import settings
from app.core.db import session_scope
from app.journal import deletions
from app.recordings import service as recording_service
from app.recordings.housekeeping import purge_expired
from app.recordings.models import Recording
from app.retention.service import today
from tests.support.feedback import new_recording
from tests.support.media import MediaSet


def test_each_way_a_recording_goes_is_journaled_with_its_reason(
    sqlite_db: str,
    client: TestClient,
    media: MediaSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = tmp_path / "outside" / "deletions.jsonl"
    journal.parent.mkdir()
    monkeypatch.setattr(settings, "deletion_journal", str(journal))
    owned, _ = new_recording(client, media)
    withdrawn, _ = new_recording(client, media)
    expired, _ = new_recording(client, media)
    assert client.delete(f"/api/v1/recordings/{owned}").status_code == 204
    assert client.post(f"/api/v1/recordings/{withdrawn}/consent/withdraw").status_code == 204
    with session_scope() as session:
        session.execute(
            update(Recording)
            .where(col(Recording.id) == expired)
            .values(delete_after=today() - timedelta(days=1))
        )
    assert purge_expired() == [expired]
    entries = list(deletions.read(journal))
    assert [(e["kind"], e["id"], e["reason"]) for e in entries] == [
        ("recording", owned, "deleted"),
        ("recording", withdrawn, "consent"),
        ("recording", expired, "retention"),
    ]
    assert set(entries[0]) == {"at", "kind", "id", "reason"}  # nothing else: no title
    assert journal.stat().st_mode & 0o777 == 0o600

    # A deletion rolled back is not journaled (nor done).
    kept, _ = new_recording(client, media)
    with pytest.raises(RuntimeError), session_scope() as session:
        found = session.get(Recording, kept)
        assert found is not None
        recording_service.delete(session=session, recording=found)
        raise RuntimeError("rolled back")
    assert len(list(deletions.read(journal))) == 3
    with session_scope() as session:
        assert session.get(Recording, kept) is not None

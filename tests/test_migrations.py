"""The migrations build exactly the schema the models describe, and undo cleanly."""

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.config import settings
from app.core.db import session_scope
from tests.support.database import alembic_config
from tests.support.factories import CONVERSATION, Line, Word, ready_recording
from tests.support.media import MediaSet


def test_schema_matches_models_and_round_trips(db: str) -> None:
    """On SQLite and PostgreSQL: no model change lacks a migration; down and up again work."""
    config = alembic_config()
    command.check(config)  # raises if autogenerate would find anything to add
    previous = settings.database_url
    try:
        command.downgrade(config, "base")
        command.upgrade(config, "head")
        command.check(config)
    finally:
        settings.database_url = previous
        from tests.support.database import make_base_users

        make_base_users(settings.sqlalchemy_url)


def test_checked_lines_come_and_go_without_losing_a_line_or_a_word(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """SQLite rebuilds `segment` to add and drop `checked_by_id` with its reference: the
    words (which go with a dropped segment) and the id counter are kept through both."""
    words = tuple(Word(0.5 + i, 1.0 + i, f"ord{i}") for i in range(5))
    lines = (Line(0.5, 5.5, "ord0 ord1 ord2 ord3 ord4", words=words), *CONVERSATION[1:3])
    rid = ready_recording(client, media, lines=lines)
    api = f"/api/v1/recordings/{rid}/transcript"
    first = client.get(api).json()["segments"][0]
    assert client.patch(f"{api}/segments/{first['id']}", json={"checked": True}).status_code == 200
    before = counted()
    assert before[:2] == (3, 5)
    config = alembic_config()
    try:
        command.downgrade(config, "1d3e7f0a0012")
        assert counted() == before
        command.upgrade(config, "head")
        assert counted() == before
    finally:
        command.upgrade(config, "head")
    assert [s["checked"] for s in client.get(api).json()["segments"]] == [False] * 3
    # No segment id is given twice: the next transcript's lines come after the old ones.
    other = ready_recording(client, media, lines=lines)
    again = client.get(f"/api/v1/recordings/{other}/transcript").json()["segments"]
    assert min(s["id"] for s in again) > before[2]


def counted() -> tuple[int, int, int]:
    """Segments, words, and the highest segment id."""
    with session_scope() as session:
        row = session.execute(
            text("SELECT (SELECT count(*) FROM segment), (SELECT count(*) FROM word),"
                 " (SELECT max(id) FROM segment)")
        ).one()  # fmt: skip
    return int(row[0]), int(row[1]), int(row[2])

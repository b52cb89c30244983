"""The migrations build exactly the schema the models describe, and undo cleanly."""

import hashlib

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from app.core.config import settings
from app.core.db import session_scope
from app.media.models import MediaObject
from tests.support.accounts import BASE_USERS, ClientFactory, ClientFor, make_team, user_id
from tests.support.clips import cut_clip, cut_clips, make_clip, share_clip
from tests.support.database import alembic_config
from tests.support.factories import CONVERSATION, SPOKEN_EN, Line, Word, make_ready, ready_recording
from tests.support.feedback import criterion_ids, give
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import share, upload


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


def test_an_installation_before_media_objects_gets_a_row_for_each_file(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """The files of recordings and clips made before media rows existed each get their row,
    with the length and SHA-256 read from the file; a file a recording names but the disk
    lacks gets none. Down again drops the table and nothing else."""
    rid = upload(client, media.encoded(FORMATS[0])).json()["id"]
    make_ready(rid, SPOKEN_EN, media_files=True)
    clip_id = make_clip(client, rid, 1.0, 3.0)
    assert cut_clips() == ["succeeded"]
    with session_scope() as session:
        made = {
            row.key: (row.variant, row.size, row.sha256)
            for row in session.exec(select(MediaObject))
        }
    assert len(made) == 6  # original, audio, playable, poster; the clip and its poster
    (settings.media_dir / rid / "audio.wav").unlink()  # gone from the disk meanwhile
    config = alembic_config()
    try:
        command.downgrade(config, "6a0d5e7f0014")
        command.upgrade(config, "head")
    finally:
        command.upgrade(config, "head")
    with session_scope() as session:
        rows = list(session.exec(select(MediaObject)))
    again = {row.key: (row.variant, row.size, row.sha256) for row in rows}
    assert again == {key: value for key, value in made.items() if not key.endswith("audio.wav")}
    assert {row.clip_id for row in rows if row.variant in ("clip", "clip_poster")} == {clip_id}
    for key, (_, size, sha256) in again.items():
        data = (settings.media_dir / key).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha256)


def test_feedback_from_before_places_counts_as_individual(
    db: str, client: TestClient, client_for: ClientFor, open_client: ClientFactory, media: MediaSet
) -> None:
    """An installation from before feedback had a place: every item, the one given on the
    recording and the one given through a clip alike, becomes individual (on the recording),
    so that the clip's team no longer sees the one given through the clip; a reply follows
    its item (on SQLite, rebuilding `feedback` once deleted every reply, down and up). The
    clip and its team share are kept."""
    recording_id, clip_id = cut_clip(client, media)  # the clip is 10 s to 20 s
    supervisor_id, colleague_id = user_id("supervisor"), user_id("caseworker2")
    share(client, recording_id, user_id=supervisor_id)
    share_clip(client, clip_id, team_id=make_team("Klipholdet", [supervisor_id, colleague_id]))
    supervisor, colleague = client_for("supervisor"), client_for("caseworker2")
    criterion = criterion_ids(client)[0]
    on_recording = give(
        supervisor, f"/api/v1/recordings/{recording_id}/feedback", criterion, 12.0, "Individuelt"
    )
    through_clip = give(supervisor, f"/api/v1/clips/{clip_id}/feedback", criterion, 2.0, "Holdet")
    reply = supervisor.post(
        f"/api/v1/clips/{clip_id}/feedback/{through_clip}/replies",
        json={"text": "Svar i klippet"},
    )
    assert reply.status_code == 201, reply.text
    clip_items = f"/api/v1/clips/{clip_id}/feedback"
    assert [i["id"] for i in colleague.get(clip_items).json()["items"]] == [through_clip]
    assert places() == {
        on_recording: ("recording", None),
        through_clip: ("clip", clip_id),
        reply.json()["id"]: ("clip", clip_id),
    }

    config = alembic_config()
    try:
        command.downgrade(config, "7a1100000009")  # the revision before places
        command.upgrade(config, "head")
    finally:
        command.upgrade(config, "head")
    assert places() == {
        on_recording: ("recording", None),
        through_clip: ("recording", None),
        reply.json()["id"]: ("recording", None),
    }
    # Logins ended with the second factor's migration: the colleague logs in again and
    # still has the clip, without the item given through it; the owner sees both items.
    colleague = open_client(BASE_USERS["caseworker2"][0])
    assert colleague.get(f"/api/v1/clips/{clip_id}").status_code == 200
    assert colleague.get(clip_items).json()["items"] == []
    owner = open_client(BASE_USERS["caseworker"][0])
    mine = owner.get(f"/api/v1/recordings/{recording_id}/feedback").json()["items"]
    assert {i["id"] for i in mine} == {on_recording, through_clip}


def places() -> dict[int, tuple[str, int | None]]:
    """Each feedback item's place and clip."""
    with session_scope() as session:
        rows = session.execute(text("SELECT id, place, clip_id FROM feedback")).all()
    return {int(row[0]): (str(row[1]), row[2]) for row in rows}


def test_a_consent_from_before_purposes_covers_individual_and_team_never_teaching(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """A consent recorded when "sparring" was its one purpose: after the migration it covers
    individual supervision and team sparring in the caseworker's own team, never teaching,
    and was given by the child and the custody holders. Its shares are kept."""
    rid = upload(client, media.encoded(FORMATS[6])).json()["id"]
    make_ready(rid, SPOKEN_EN)
    share(client, rid, user_id=user_id("supervisor"))
    config = alembic_config()
    try:
        command.downgrade(config, "b5e8d9f20019")  # the revision before purposes
        with session_scope() as session:
            old = session.execute(text("SELECT purpose FROM consent")).scalars().all()
        assert old == ["sparring"]
        command.upgrade(config, "head")
    finally:
        command.upgrade(config, "head")
    with session_scope() as session:
        row = session.execute(
            text(
                "SELECT for_individual, for_team, for_teaching, given_by, child_consented,"
                " custody_holders_consented FROM consent WHERE recording_id = :r"
            ),
            {"r": rid},
        ).one()
        shares = session.execute(text("SELECT count(*) FROM share")).scalar()
    assert (bool(row[0]), bool(row[1]), bool(row[2])) == (True, True, False)
    assert row[3] == "child_and_custody" and row[4] and row[5]
    assert shares == 1
    # Teaching is refused from now on: a team the caseworker is not a member of.
    other = make_team("Undervisningsholdet", [user_id("caseworker2")])
    clip = make_clip(client, rid, 1.0, 3.0)  # a team is given clips only (issue 24)
    refused = client.post(f"/api/v1/clips/{clip}/shares", json={"team_id": other})
    assert (refused.status_code, refused.json()["code"]) == (409, "share.consent_teaching")
